"""Catalogs: every message translated in pl and en, placeholders kept, Polish plurals right."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po

from bot.i18n import (
    LOCALES_DIR,
    format_date,
    format_datetime,
    format_money,
    format_time,
    ngettext,
    normalise_language,
    use_language,
)

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalog(lang: str):
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=lang)


def template_ids() -> set:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        return {message.id for message in read_po(fp) if message.id}


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_message_is_translated_and_keeps_its_placeholders(lang):
    problems = []
    messages = [message for message in catalog(lang) if message.id]
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems)
    assert {message.id for message in messages} >= template_ids(), "run `make update-locales`"


def test_polish_catalog_has_three_plural_forms():
    assert catalog("pl").num_plurals == 3


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 znak"), (2, "2 znaki"), (4, "4 znaki"), (5, "5 znaków"), (12, "12 znaków"), (22, "22 znaki"),
     (25, "25 znaków"), (101, "101 znaków"), (104, "104 znaki")],
)  # fmt: skip
def test_polish_plural_forms_follow_the_grammar(n, expected):
    with use_language("pl"):
        text = ngettext(
            "Your message is too long: {length} character. Please keep it under {limit}.",
            "Your message is too long: {length} characters. Please keep it under {limit}.",
            n,
        ).format(length=n, limit=10)
    assert f": {expected}." in text


def test_dates_times_and_money_in_each_locale():
    moment = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)  # 10:30 in Poznań (CET)
    with use_language("pl"):
        assert format_date(date(2026, 12, 15)) == "15 grudnia 2026"
        assert format_time(moment) == "10:30"
        assert format_money(Decimal("28")) == "28,00\xa0zł"
        assert "10:30" in format_datetime(moment)
    with use_language("en"):
        assert format_date(date(2026, 12, 15)) == "15 December 2026"
        assert format_money(Decimal("28")) == "28.00\xa0PLN"
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    with use_language("en"):
        assert format_time(summer) == "10:00"  # CEST


@pytest.mark.parametrize(
    ("code", "expected"),
    [("pl", "pl"), ("en-GB", "en"), ("en_US", "en"), ("uk", "pl"), (None, "pl"), ("", "pl")],
)
def test_telegram_language_codes_map_onto_ours(code, expected):
    assert normalise_language(code) == expected
