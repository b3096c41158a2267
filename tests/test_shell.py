"""The terminal chat: piped stdin runs a scripted conversation on the same engine."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.channels.shell import ShellChannel
from bot.conversation import Dialogue, Registry
from handlers import register_all
from tests.conftest import TEST_DATABASE_URL


def run_shell(script: str, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "NLU_BACKEND": "none", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "shell", *args],
        input=script, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_piped_conversation_chooses_english_by_number_and_exits_at_end_of_input(database_url, db):
    result = run_shell("/start\n2\n/menu\n", database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Dzień dobry! Jestem botem Miasta Poznania." in out
    assert "  [1] ✓ Polski\n  [2] English" in out
    assert "Done, I will write in English." in out
    assert "| 📝 Report a problem | 💡 Initiatives |" in out


def test_resident_and_language_options(database_url, db):
    result = run_shell("/start\n", database_url, "--resident", "42", "--lang", "en")
    assert "Hello! I am the City of Poznań bot." in result.stdout
    assert "[2] ✓ English" in result.stdout


async def test_location_and_photo_commands_become_inbound_fields(db, tmp_path: Path):
    picture = tmp_path / "dziura.jpg"
    picture.write_bytes(b"\xff\xd8\xff fake jpeg")
    shell = ShellChannel(
        Dialogue(db, register_all(Registry())), media_dir=tmp_path / "media", out=io.StringIO()
    )
    located = shell.to_inbound("/location 52.4064 16.9252")
    assert located.location.latitude == 52.4064 and located.location.longitude == 16.9252
    photo = shell.to_inbound(f"/photo {picture}")
    stored = Path(photo.photos[0].removeprefix("file:"))
    assert stored.read_bytes() == picture.read_bytes() and stored.parent == tmp_path / "media" / "shell"
    assert "Użycie: /location" in shell.to_inbound("/location north")
    assert "Użycie: /photo" in shell.to_inbound("/photo /no/such/file.jpg")


async def test_typing_a_button_label_presses_it(db, tmp_path: Path):
    out = io.StringIO()
    shell = ShellChannel(Dialogue(db, register_all(Registry())), media_dir=tmp_path, out=out)
    await shell.send("/start")
    await shell.send("english")
    assert "Done, I will write in English." in out.getvalue()


def test_shell_works_on_the_configured_database_only():
    # The piped tests above use the suite's database (PostgreSQL when TEST_DATABASE_URL is set).
    assert TEST_DATABASE_URL is None or TEST_DATABASE_URL.startswith("postgresql+asyncpg://")
