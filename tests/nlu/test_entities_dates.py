"""Dates: every form from the NLU issue, resolved against a fixed Sunday, 2026-11-29 10:00 in Warsaw."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from nlu.entities import extract_entities, impossible_date, parse_date
from nlu.entities.base import WARSAW

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=WARSAW)  # a Sunday


def dates(text: str, now: datetime = NOW) -> list[tuple[str, str]]:
    """(value, original span text) of every date entity."""
    entities = extract_entities(text, lang="pl", now=now)
    return [(e.value, text[e.start : e.end]) for e in entities if e.entity == "date"]


# Spans cover the value words only: a leading preposition or article stays outside ("na [jutro]",
# "w [przyszły wtorek]", "on [Friday]", "the [day after tomorrow]"); "za"/"in" of an offset is the value.
POLISH = [
    ("dziś", "2026-11-29", "dziś"),
    ("dzis", "2026-11-29", "dzis"),
    ("Dzisiaj rano", "2026-11-29", "Dzisiaj"),
    ("jutro", "2026-11-30", "jutro"),
    ("na jutro proszę", "2026-11-30", "jutro"),
    ("pojutrze", "2026-12-01", "pojutrze"),
    ("wczoraj", "2026-11-28", "wczoraj"),
    ("w piątek", "2026-12-04", "piątek"),
    ("w piatek", "2026-12-04", "piatek"),
    ("na poniedziałek", "2026-11-30", "poniedziałek"),
    ("we wtorek", "2026-12-01", "wtorek"),
    ("w środę", "2026-12-02", "środę"),
    ("w czwartek", "2026-12-03", "czwartek"),
    ("do soboty", "2026-12-05", "soboty"),
    ("w niedzielę", "2026-12-06", "niedzielę"),  # today is Sunday: a bare weekday means the next one
    ("w ten piątek", "2026-12-04", "ten piątek"),
    ("w przyszły wtorek", "2026-12-01", "przyszły wtorek"),
    ("w przyszłą środę", "2026-12-02", "przyszłą środę"),
    ("w przyszłym tygodniu we wtorek", "2026-12-01", "przyszłym tygodniu we wtorek"),
    ("we wtorek w przyszłym tygodniu", "2026-12-01", "wtorek w przyszłym tygodniu"),
    ("za tydzień", "2026-12-06", "za tydzień"),
    ("za tydzien", "2026-12-06", "za tydzien"),
    ("za 3 dni", "2026-12-02", "za 3 dni"),
    ("za trzy dni", "2026-12-02", "za trzy dni"),
    ("za dwa tygodnie", "2026-12-13", "za dwa tygodnie"),
    ("15 grudnia", "2026-12-15", "15 grudnia"),
    ("15 grudzień", "2026-12-15", "15 grudzień"),
    ("15 grudzien", "2026-12-15", "15 grudzien"),
    ("15 grudnia 2027", "2027-12-15", "15 grudnia 2027"),
    ("15 grudnia 2027 r.", "2027-12-15", "15 grudnia 2027 r."),
    ("15.12", "2026-12-15", "15.12"),
    ("15.12.2026", "2026-12-15", "15.12.2026"),
    ("15.12.26", "2026-12-15", "15.12.26"),
    ("15-12-2026", "2026-12-15", "15-12-2026"),
    ("15/12", "2026-12-15", "15/12"),
    ("2026-12-15", "2026-12-15", "2026-12-15"),
    ("w piątek 4 grudnia", "2026-12-04", "piątek 4 grudnia"),
    ("Termin: 30 listopada", "2026-11-30", "30 listopada"),
    ("29 listopada", "2026-11-29", "29 listopada"),  # today is not past
]

# All twelve months, genitive and nominative, with and without diacritics; a day already past this
# year (every month before December here, and 15 November) rolls over to next year.
MONTHS = [
    ("stycznia", "styczeń", "styczen", "2027-01-15"),
    ("lutego", "luty", "luty", "2027-02-15"),
    ("marca", "marzec", "marzec", "2027-03-15"),
    ("kwietnia", "kwiecień", "kwiecien", "2027-04-15"),
    ("maja", "maj", "maj", "2027-05-15"),
    ("czerwca", "czerwiec", "czerwiec", "2027-06-15"),
    ("lipca", "lipiec", "lipiec", "2027-07-15"),
    ("sierpnia", "sierpień", "sierpien", "2027-08-15"),
    ("września", "wrzesień", "wrzesien", "2027-09-15"),
    ("października", "październik", "pazdziernik", "2027-10-15"),
    ("listopada", "listopad", "listopad", "2027-11-15"),
    ("grudnia", "grudzień", "grudzien", "2026-12-15"),
]

ENGLISH = [
    ("today", "2026-11-29", "today"),
    ("tomorrow", "2026-11-30", "tomorrow"),
    ("the day after tomorrow", "2026-12-01", "day after tomorrow"),
    ("on Friday", "2026-12-04", "Friday"),
    ("Friday", "2026-12-04", "Friday"),
    ("next Monday", "2026-11-30", "next Monday"),
    ("this Sunday", "2026-11-29", "this Sunday"),
    ("for Monday", "2026-11-30", "Monday"),
    ("next week on Monday", "2026-11-30", "next week on Monday"),
    ("cancel the 15 March slot", "2027-03-15", "15 March"),
    ("in a week", "2026-12-06", "in a week"),
    ("in 3 days", "2026-12-02", "in 3 days"),
    ("in two weeks", "2026-12-13", "in two weeks"),
    ("December 14", "2026-12-14", "December 14"),
    ("December 14, 2027", "2027-12-14", "December 14, 2027"),
    ("14 December", "2026-12-14", "14 December"),
    ("Dec 14th", "2026-12-14", "Dec 14th"),
    ("the 14th of December", "2026-12-14", "14th of December"),
    ("January 3", "2027-01-03", "January 3"),
    ("14/12", "2026-12-14", "14/12"),
    ("14.12", "2026-12-14", "14.12"),
]


@pytest.mark.parametrize(("text", "value", "span"), POLISH)
def test_polish_dates(text: str, value: str, span: str) -> None:
    assert dates(text) == [(value, span)]


@pytest.mark.parametrize(("genitive", "nominative", "plain", "value"), MONTHS)
def test_every_month_name(genitive: str, nominative: str, plain: str, value: str) -> None:
    for month in {genitive, nominative, plain}:
        text = f"proszę na 15 {month}"
        assert dates(text) == [(value, f"15 {month}")], month


@pytest.mark.parametrize(("text", "value", "span"), ENGLISH)
def test_english_dates(text: str, value: str, span: str) -> None:
    assert [(e.value, text[e.start : e.end]) for e in extract_entities(text, lang="en", now=NOW)] == [
        (value, span)
    ]


ROLLOVER = [
    ("1 stycznia", datetime(2026, 11, 29, 10, 0), "2027-01-01"),
    ("28.11", datetime(2026, 11, 29, 10, 0), "2027-11-28"),
    ("1.01", datetime(2026, 12, 31, 23, 0), "2027-01-01"),
    ("31.12", datetime(2026, 12, 31, 23, 0), "2026-12-31"),
    ("29.02", datetime(2026, 11, 29, 10, 0), "2028-02-29"),  # waits for a leap year
    ("2 marca", datetime(2027, 3, 3, 9, 0), "2028-03-02"),
]


@pytest.mark.parametrize(("text", "now", "value"), ROLLOVER)
def test_day_month_past_this_year_means_next_year(text: str, now: datetime, value: str) -> None:
    assert dates(text, now) == [(value, text)]


WEEKDAY_RULES = [
    # On a Friday a bare "w piątek" is next week's; "dziś"/"ten piątek" is today.
    ("w piątek", datetime(2026, 12, 4, 9, 0), "2026-12-11"),
    ("w ten piątek", datetime(2026, 12, 4, 9, 0), "2026-12-04"),
    ("dziś", datetime(2026, 12, 4, 9, 0), "2026-12-04"),
    ("w przyszły piątek", datetime(2026, 12, 4, 9, 0), "2026-12-11"),
    # On a Monday "next Tuesday" is the Tuesday of next week, a bare Tuesday is tomorrow.
    ("w przyszły wtorek", datetime(2026, 11, 30, 9, 0), "2026-12-08"),
    ("next Tuesday", datetime(2026, 11, 30, 9, 0), "2026-12-08"),
    ("we wtorek", datetime(2026, 11, 30, 9, 0), "2026-12-01"),
    ("on Tuesday", datetime(2026, 11, 30, 9, 0), "2026-12-01"),
]


@pytest.mark.parametrize(("text", "now", "value"), WEEKDAY_RULES)
def test_weekday_rules(text: str, now: datetime, value: str) -> None:
    assert [v for v, _ in dates(text, now)] == [value]


def test_now_is_taken_in_warsaw() -> None:
    # 23:30 UTC on the 29th is already the 30th in Warsaw; a naive now is Warsaw wall time.
    assert dates("jutro", datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == [("2026-12-01", "jutro")]
    assert dates("jutro", datetime(2026, 11, 29, 23, 30)) == [("2026-11-30", "jutro")]
    assert parse_date("jutro") is not None  # default now: the clock


IMPOSSIBLE = ["31.02", "30.02.2027", "32 grudnia", "31 kwietnia", "31/04", "0 grudnia", "February 30"]


@pytest.mark.parametrize("text", IMPOSSIBLE)
def test_impossible_dates_are_not_extracted_but_reported(text: str) -> None:
    message = f"czy mogę przyjść {text}?"
    assert dates(message) == []
    assert parse_date(message, NOW) is None
    assert impossible_date(message, NOW) == text


def test_parse_date_and_impossible_date_helpers() -> None:
    assert parse_date("spotkajmy się 15.12 o 10", NOW) == date(2026, 12, 15)
    assert parse_date("bez daty", NOW) is None
    assert impossible_date("15.12", NOW) is None
    assert impossible_date("o 10.30", NOW) is None


NOT_DATES = [
    "o 10.12",  # a time: the cue wins
    "10.30",  # minutes, not a month
    "1.5 km",
    "3.5%",
    "Głogowska 12/4",  # a flat number, not 12 April
    "32.12 zł",
    "mam 2026 zł",
    "PZN-2026-000123",
    "w przyszłym tygodniu",  # a week is not a day
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text: str) -> None:
    assert dates(text) == []
