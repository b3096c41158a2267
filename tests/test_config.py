"""Settings: embedded defaults work, a wrong value stops start-up with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_describe_the_embedded_deployment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "NLU_BACKEND", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///") and settings.database_url.endswith(
        "var/citybot.sqlite3"
    )
    assert settings.telegram_bot_token is None and settings.public_url is None
    assert settings.nlu_backend == "embedded" and settings.timezone == "Europe/Warsaw"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://x", "invalid setting DATABASE_URL='mysql://x': expected sqlite+aiosqlite"),
        ("NLU_BACKEND", "gpt", "invalid setting NLU_BACKEND='gpt': expected embedded, rasa or none"),
        ("WEB_PORT", "eighty", "invalid setting WEB_PORT='eighty': expected port of the HTTP server"),
        ("TIMEZONE", "Mars/Base", "invalid setting TIMEZONE='Mars/Base': expected an IANA time zone"),
        (
            "PUBLIC_URL",
            "example.org",
            "invalid setting PUBLIC_URL='example.org': expected an http:// or https://",
        ),
        ("DEFAULT_LANGUAGE", "de", "invalid setting DEFAULT_LANGUAGE='de': expected pl or en"),
    ],
)
def test_wrong_value_names_the_variable_and_what_is_accepted(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_rasa_backend_without_its_url_is_refused(monkeypatch):
    monkeypatch.setenv("NLU_BACKEND", "rasa")
    monkeypatch.delenv("RASA_URL", raising=False)
    with pytest.raises(ConfigError, match=r"^invalid settings: RASA_URL is required when NLU_BACKEND=rasa$"):
        load_settings()


def test_env_file_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    (tmp_path / ".env").write_text("LOG_LEVEL=debug\nTELEGRAM_BOT_TOKEN=123:abc\n")
    settings = load_settings()
    assert settings.log_level == "DEBUG" and settings.telegram_bot_token == "123:abc"


def test_cli_prints_one_line_and_exits_2_on_a_wrong_setting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env={"PATH": "/usr/bin:/bin", "WEB_PORT": "99999"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "citybot: invalid setting WEB_PORT='99999': expected port of the HTTP server"
    ]
