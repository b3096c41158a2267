"""Clock times, Polish and English, and the numbers that must not become times."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.entities import extract_entities
from nlu.entities.base import WARSAW

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=WARSAW)


def times(text: str, lang: str = "pl") -> list[tuple[str, str]]:
    entities = extract_entities(text, lang=lang, now=NOW)
    return [(e.value, text[e.start : e.end]) for e in entities if e.entity == "time"]


# Spans cover the value words only: the cue ("o", "godz.", "po", "at") stays outside, a time of day
# that shifts the hour ("po południu", "in the evening") is inside.
POLISH = [
    ("o 10", "10:00", "10"),
    ("o 9:30", "09:30", "9:30"),
    ("10:15", "10:15", "10:15"),
    ("o 10.30", "10:30", "10.30"),
    ("10.30", "10:30", "10.30"),
    ("godz. 14", "14:00", "14"),
    ("o godz. 14", "14:00", "14"),
    ("o godzinie 8:15", "08:15", "8:15"),
    ("około 12", "12:00", "12"),
    ("o 10.12", "10:12", "10.12"),  # with a cue a date-like number is a time
    ("o wpół do jedenastej", "10:30", "wpół do jedenastej"),
    ("wpol do jedenastej", "10:30", "wpol do jedenastej"),
    ("za kwadrans dziesiąta", "09:45", "za kwadrans dziesiąta"),
    ("za pięć ósma", "07:55", "za pięć ósma"),
    ("kwadrans po dziewiątej", "09:15", "kwadrans po dziewiątej"),
    ("dziesięć po ósmej", "08:10", "dziesięć po ósmej"),
    ("o dziesiątej", "10:00", "dziesiątej"),
    ("o dziesiatej", "10:00", "dziesiatej"),
    ("o pierwszej", "01:00", "pierwszej"),
    ("o drugiej", "02:00", "drugiej"),
    ("o ósmej", "08:00", "ósmej"),
    ("o dwunastej", "12:00", "dwunastej"),
    ("o trzynastej", "13:00", "trzynastej"),
    ("o piętnastej", "15:00", "piętnastej"),
    ("o pietnastej", "15:00", "pietnastej"),
    ("o osiemnastej", "18:00", "osiemnastej"),
    ("o dwudziestej", "20:00", "dwudziestej"),
    ("o dwudziestej pierwszej", "21:00", "dwudziestej pierwszej"),
    ("o dwudziestej trzeciej", "23:00", "dwudziestej trzeciej"),
    ("o dziesiątej trzydzieści", "10:30", "dziesiątej trzydzieści"),
    ("na szesnastą", "16:00", "szesnastą"),
    ("przed dziewiątą", "09:00", "dziewiątą"),
    ("o 5 po południu", "17:00", "5 po południu"),
    ("o piątej po południu", "17:00", "piątej po południu"),
    ("o 8 wieczorem", "20:00", "8 wieczorem"),
    ("o 7 rano", "07:00", "7 rano"),
    ("o 10 w nocy", "22:00", "10 w nocy"),
    ("o 2 w nocy", "02:00", "2 w nocy"),
    ("o 5", "05:00", "5"),  # no time of day: the hour as said
    ("w południe", "12:00", "południe"),
    ("o północy", "00:00", "północy"),
    ("po 18", "18:00", "18"),
    ("termin na jutro na 16", "16:00", "16"),
    ("rezerwacja na 9:30", "09:30", "9:30"),
]

ENGLISH = [
    ("2pm", "14:00", "2pm"),
    ("2 pm", "14:00", "2 pm"),
    ("2:30 pm", "14:30", "2:30 pm"),
    ("11 a.m.", "11:00", "11 a.m."),
    ("12am", "00:00", "12am"),
    ("12pm", "12:00", "12pm"),
    ("at 11:30", "11:30", "11:30"),
    ("at 10", "10:00", "10"),
    ("at 2pm", "14:00", "2pm"),
    ("at ten", "10:00", "ten"),
    ("ten o'clock", "10:00", "ten o'clock"),
    ("noon", "12:00", "noon"),
    ("midnight", "00:00", "midnight"),
    ("half past ten", "10:30", "half past ten"),
    ("quarter past nine", "09:15", "quarter past nine"),
    ("quarter to nine", "08:45", "quarter to nine"),
    ("at 7 in the evening", "19:00", "7 in the evening"),
]


@pytest.mark.parametrize(("text", "value", "span"), POLISH)
def test_polish_times(text: str, value: str, span: str) -> None:
    assert times(text) == [(value, span)]


@pytest.mark.parametrize(("text", "value", "span"), ENGLISH)
def test_english_times(text: str, value: str, span: str) -> None:
    assert times(text, "en") == [(value, span)]


def test_ranges_give_both_ends() -> None:
    assert [v for v, _ in times("czynne w godz. 10-14")] == ["10:00", "14:00"]
    assert [v for v, _ in times("od 8 do 16")] == ["08:00", "16:00"]
    assert [v for v, _ in times("10:00-14:30")] == ["10:00", "14:30"]


NOT_TIMES = [
    "Głogowska 10",  # a house number
    "ul. Dąbrowskiego 5",
    "dla 2 osób",  # people
    "3 osoby",
    "at 5 people",
    "for 2 people",
    "15.12",  # a date
    "15 grudnia",
    "za 5 dni",
    "do 3 razy",
    "mam 10 lat",
    "2026",
    "pokój 12",
    "o 2 osoby więcej",
    "at one point",
    "PZN-2026-000123",
    "tel. 61 878 54 00",
    "jest ktoś po drugiej stronie?",  # an ordinal before a noun, not an hour
    "do trzeciej klasy",
    "miejsce na 10 samochodów",
    "na 5",  # "na" + a bare number is an hour only in office hours
]


@pytest.mark.parametrize("text", NOT_TIMES)
def test_numbers_that_are_not_times(text: str) -> None:
    assert times(text) == []
    assert times(text, "en") == []


def test_bare_small_numbers_are_not_times() -> None:
    for n in range(25):
        assert times(f"zostało {n}") == [], n
