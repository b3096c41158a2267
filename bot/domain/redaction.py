"""Spotting personal identifiers in free text and blacking them out: PESEL-like numbers, phone
numbers, e-mail addresses, and the text/name fields of messenger payloads printed into logs.

Used as a safety net by the log filter (bot/logging_filters.py) and on report descriptions the city
keeps after an erasure (bot/domain/privacy.py). Patterns, not understanding: they err towards
redacting, except where that would blind the operators (see `PHONE`).
"""

from __future__ import annotations

import re

PESEL_MASK = "[PESEL]"
PHONE_MASK = "[phone]"
EMAIL_MASK = "[e-mail]"
TEXT_MASK = "[withheld]"

# Eleven digits standing alone: a PESEL or something shaped like one (never part of a longer number,
# so bank account numbers and ids with more digits are left alone).
PESEL_LIKE = re.compile(r"(?<![\d])\d{11}(?![\d])")
# Phone numbers as people write them: with a + prefix (the bot stores +48XXXXXXXXX), or grouped
# 600 100 200 / 600-100-200 / (61) 878 54 00. A bare run of nine or ten digits is not matched: a
# Telegram user id looks exactly like that, and operators need those ids in the logs.
PHONE = re.compile(
    r"(?<![\w+])\+\d{1,3}[\s-]?(?:\(?\d{1,4}\)?[\s-]?){2,5}\d{2,4}(?!\d)"
    r"|(?<![\w(])\d{3}[\s-]\d{3}[\s-]\d{3}(?![\d])"
    r"|(?<![\w])\(?\d{2}\)?[\s-]\d{3}[\s-]\d{2}[\s-]\d{2}(?![\d])"
)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# `text='…'`, `'text': '…'`, `"first_name": "…"`: what a messenger update looks like when an object's
# repr or JSON is printed into a log line.
MESSAGE_FIELD = re.compile(
    r"""(?P<key>['"]?\b(?:text|caption|first_name|last_name|username|full_name|display_name|"""
    r"""filer_name|description|phone_number)\b['"]?\s*[:=]\s*)"""
    r"""(?P<quote>['"])(?:\\.|(?!(?P=quote)).)*(?P=quote)""",
    re.DOTALL,
)


def redact_identifiers(text: str) -> str:
    """PESEL-like numbers, phone numbers and e-mail addresses replaced by a marker."""
    text = EMAIL.sub(EMAIL_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)  # before PESEL: +48600100200 has eleven digits after the +
    return PESEL_LIKE.sub(PESEL_MASK, text)


def redact_message_fields(text: str) -> str:
    """The values of text and name fields of printed payloads replaced by a marker."""
    return MESSAGE_FIELD.sub(
        lambda m: f"{m.group('key')}{m.group('quote')}{TEXT_MASK}{m.group('quote')}", text
    )
