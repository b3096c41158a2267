"""A logging filter that keeps residents' words and identifiers out of the logs.

The bot's own log lines carry ids, never message text, PESEL, phone numbers or names (audited with
the privacy issue). This filter is the safety net for everything else that reaches a handler: a
library printing an update at DEBUG, an exception whose message quotes a SQL parameter. It always
redacts PESEL-like numbers, phone numbers and e-mail addresses; unless LOG_MESSAGE_TEXT is set (a
debugging aid), it also withholds the text and name fields of printed payloads.
"""

from __future__ import annotations

import logging

from bot.domain.redaction import redact_identifiers, redact_message_fields


class PrivacyFilter(logging.Filter):
    """Rewrites each record's message (and its traceback text) before any handler formats it."""

    def __init__(self, *, allow_text: bool = False) -> None:
        super().__init__()
        self.allow_text = allow_text

    def redact(self, text: str) -> str:
        text = redact_identifiers(text)
        return text if self.allow_text else redact_message_fields(text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging's own error report
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(*, allow_text: bool = False, logger: logging.Logger | None = None) -> PrivacyFilter:
    """Put the filter on every handler of `logger` (the root logger by default).

    On handlers rather than the logger: a logger's filters do not see records propagated up from
    its children (`telegram.ext`, `sqlalchemy.engine`, ...), a handler's do.
    """
    target = logger or logging.getLogger()
    privacy = PrivacyFilter(allow_text=allow_text)
    for handler in target.handlers:
        for old in [f for f in handler.filters if isinstance(f, PrivacyFilter)]:
            handler.removeFilter(old)
        handler.addFilter(privacy)
    return privacy
