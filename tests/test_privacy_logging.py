"""The logging safety net: PESEL-like numbers and phone numbers never reach a log line; message text
and names only with LOG_MESSAGE_TEXT."""

from __future__ import annotations

import io
import logging

import pytest

from bot.__main__ import _configure_logging
from bot.config import load_settings
from bot.logging_filters import PrivacyFilter, install

PESEL = "44051401359"


@pytest.fixture
def captured():
    """A logger of its own with one handler writing into a buffer, the way the root logger is set up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger = logging.getLogger("citybot.test.privacy")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    child = logging.getLogger("citybot.test.privacy.library")  # like telegram.ext under the root
    yield logger, child, stream
    logger.handlers = []


@pytest.mark.parametrize(
    ("line", "hidden", "shown"),
    [
        (f"declaration by PESEL {PESEL} failed", PESEL, "[PESEL]"),
        ("callback from +48600100200 and +48 600 100 200", "600", "[phone]"),
        ("typed 600-100-200 or (61) 878 54 00", "100-200", "[phone]"),
        ("contact anna.nowak@example.com", "anna.nowak", "[e-mail]"),
    ],
)
def test_identifiers_are_redacted_even_with_message_text_allowed(captured, line, hidden, shown):
    logger, child, stream = captured
    install(allow_text=True, logger=logger)
    child.info(line)
    assert hidden not in stream.getvalue() and shown in stream.getvalue()


def test_ids_times_and_tickets_stay_readable(captured):
    logger, _child, stream = captured
    install(logger=logger)
    logger.info(
        "resident %s: report %s at %s took %.4fs", 123456789, "PZN-2026-000123", "2026-11-29 10:00:00", 0.0123
    )
    assert (
        stream.getvalue()
        .strip()
        .endswith("resident 123456789: report PZN-2026-000123 at 2026-11-29 10:00:00 took 0.0123s")
    )


def test_message_text_and_names_are_withheld_unless_allowed(captured):
    logger, child, stream = captured
    update = "Update(message=Message(text='dziura na Głogowskiej', from_user=User(first_name='Anna', id=7)))"
    install(logger=logger)
    child.debug("processing %s", update)
    assert "Głogowskiej" not in stream.getvalue() and "Anna" not in stream.getvalue()
    assert "text='[withheld]'" in stream.getvalue() and "id=7" in stream.getvalue()
    install(allow_text=True, logger=logger)  # LOG_MESSAGE_TEXT=true: for debugging
    child.debug("processing %s", update)
    assert "text='dziura na Głogowskiej'" in stream.getvalue()
    assert len([f for f in logger.handlers[0].filters if isinstance(f, PrivacyFilter)]) == 1  # replaced


def test_tracebacks_are_redacted_too(captured):
    logger, _child, stream = captured
    install(logger=logger)
    try:
        raise ValueError(f"bad row {{'text': 'call me', 'pesel': '{PESEL}'}}")
    except ValueError:
        logger.exception("turn failed for resident %s", 42)
    output = stream.getvalue()
    assert "turn failed for resident 42" in output and "Traceback" in output
    assert PESEL not in output and "call me" not in output and "[PESEL]" in output


def test_the_cli_installs_the_filter_on_the_root_handlers(monkeypatch):
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        _configure_logging(load_settings(nlu_backend="none", log_message_text=False))
        (privacy,) = [f for f in handler.filters if isinstance(f, PrivacyFilter)]
        assert privacy.allow_text is False
        _configure_logging(load_settings(nlu_backend="none", log_message_text=True))
        (privacy,) = [f for f in handler.filters if isinstance(f, PrivacyFilter)]
        assert privacy.allow_text is True
    finally:
        root.removeHandler(handler)
        for other in root.handlers:
            for f in [f for f in other.filters if isinstance(f, PrivacyFilter)]:
                other.removeFilter(f)
