"""Dates in Polish and English, resolved against "now" in Europe/Warsaw to ISO "YYYY-MM-DD".

Rules worth knowing (they are what a resident most likely means):
- a bare weekday ("w piątek", "on Friday") is the nearest such day after today: said on a Friday it
  means next week's Friday; "dziś"/"today" is the way to say today. "ten piątek"/"this Friday"
  includes today;
- "w przyszły wtorek", "next Tuesday", "we wtorek w przyszłym tygodniu" are the Tuesday of next
  calendar week (weeks start on Monday), so on a Monday "next Tuesday" is eight days away;
- a day and month without a year ("15 grudnia", "14/12") already past this year means next year;
  numbers are day/month (European order);
- an impossible date ("31.02", "32 grudnia") is not extracted; `impossible_date(text)` reports it so
  a flow can answer "there is no such day" instead of asking again blindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from nlu.entities.base import Doc
from nlu.entities.vocabulary import MONTH_RE, MONTHS, NUMBER_RE, WEEKDAY_RE, WEEKDAYS, number_value
from nlu.interface import Entity

_EN_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
)
_EN_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_UNIT_AFTER = r"(?![ \t]*(?:km|kg|zl|pln|proc|%|m\b|l\b|h\b|godz|min|osob|people))"

_ISO = re.compile(r"(?<![0-9-])(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?![0-9])")
_NUMERIC = re.compile(
    r"(?<![0-9.,/:-])(?P<d>[0-9]{1,2})(?P<sep>[./])(?P<m>[0-9]{1,2})(?:(?P=sep)(?P<y>[0-9]{4}|[0-9]{2}))?"
    r"(?![0-9]|[.,/:-][0-9])" + _UNIT_AFTER
)
_DASHED = re.compile(r"(?<![0-9.,/:-])(?P<d>[0-9]{1,2})-(?P<m>[0-9]{1,2})-(?P<y>[0-9]{4})(?![0-9])")
_DAY_MONTH = re.compile(
    rf"\b(?P<d>[0-9]{{1,2}})(?:\.|-?go|st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?P<mon>{MONTH_RE})\b\.?"
    r"(?:,?[ \t]+(?P<y>[0-9]{4})(?![0-9])(?:[ \t]*r\b\.?|[ \t]+roku\b)?)?"
)
_MONTH_DAY = re.compile(
    rf"\b(?P<mon>{_EN_MONTHS})\.?[ \t]+(?:the[ \t]+)?(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b"
    r"(?:,?[ \t]+(?P<y>[0-9]{4})(?![0-9]))?(?![ \t]*(?:people|persons|osob|:|[.][0-9]))"
)
_RELATIVE = re.compile(
    r"\b(?P<word>dzisiaj|dzis|jutro|pojutrze|przedwczoraj|wczoraj|today|tonight|tomorrow|yesterday"
    r"|day[ \t]+after[ \t]+tomorrow|day[ \t]+before[ \t]+yesterday)\b"
)
_OFFSET = re.compile(
    rf"\b(?:za|in)[ \t]+(?:(?P<n>[0-9]{{1,3}}|{NUMBER_RE}|a|an|one)[ \t]+)?"
    r"(?P<unit>tydzien|tygodnie|tygodni|dni|dzien|dnia|weeks?|days?)\b"
)
# Weekday phrases: the span (group v) leaves out a leading preposition ("na [poniedziałek]").
_PL_WEEKDAY = re.compile(
    r"\b(?:(?P<prep>w|we|na|od|do)[ \t]+)?(?P<v>"
    r"(?:(?P<mod>przyszl[a-z]*|nastepn[a-z]*|najblizsz[a-z]*|ten|ta|te|tym)[ \t]+)?"
    rf"(?P<wd>{WEEKDAY_RE})\b(?P<nextweek>[ \t]+(?:w[ \t]+)?(?:przyszlym|nastepnym)[ \t]+tygodniu\b)?)"
)
_PL_NEXT_WEEK_DAY = re.compile(
    r"\b(?:w[ \t]+)?(?P<v>(?:przyszlym|nastepnym)[ \t]+tygodniu[ \t]*,?[ \t]+"
    rf"(?:w|we|na)[ \t]+(?P<wd>{WEEKDAY_RE}))\b"
)
_EN_WEEKDAY = re.compile(
    r"\b(?:(?P<prep>on|by|from|until|till|for)[ \t]+)?"
    rf"(?P<v>(?:(?P<mod>next|this[ \t]+coming|this|coming)[ \t]+)?"
    rf"(?P<wd>{_EN_WEEKDAYS})\b(?P<nextweek>[ \t]+next[ \t]+week\b)?)"
)
_EN_NEXT_WEEK_DAY = re.compile(rf"\b(?P<v>next[ \t]+week[ \t]+on[ \t]+(?P<wd>{_EN_WEEKDAYS}))\b")
# A number right after these is a clock time ("o 10.12"), not a date.
_TIME_CUE_BEFORE = re.compile(r"(?:\b(?:o|godz|godzina|godzinie|godzine|at|okolo|ok|around)\.?[ \t]*)$")
_GAP = re.compile(r"[ \t]*,?[ \t]*")
_DIGIT = re.compile(r"[0-9]")
_WEEKDAY_HINT = re.compile(r"poniedz|wtor|sro|czwart|piat|sobot|niedziel")
_RELATIVE_HINT = re.compile(r"dzis|jutr|wczoraj|today|tonight|tomorrow|yesterday")


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    value: date | None
    confidence: float
    weekday: int | None = None  # set for weekday phrases, which an explicit date may refine
    raw: str = ""


def _resolve_day_month(day: int, month: int, year: int | None, today: date) -> date | None:
    """The date for day/month (and year); without a year the nearest one not in the past."""
    if not (1 <= month <= 12) or not (1 <= day <= 31):
        return None
    if year is not None:
        if year < 100:
            year += 2000
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year + 9):  # 29 February waits for a leap year
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _weekday_date(today: date, weekday: int, mode: str) -> date:
    """Resolve a weekday: "next" = in next calendar week, "this" = nearest incl. today, else nearest after."""
    if mode == "next":
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    delta = (weekday - today.weekday()) % 7
    if mode != "this" and delta == 0:
        delta = 7
    return today + timedelta(days=delta)


class DateExtractor:
    """Absolute, relative and weekday dates; see the module docstring for how they resolve."""

    name: ClassVar[str] = "DateExtractor"

    def extract(self, doc: Doc) -> list[Entity]:
        return [
            doc.entity("date", f.value.isoformat(), f.start, f.end, self.name, f.confidence)
            for f in self.find(doc)
            if f.value is not None
        ]

    def find(self, doc: Doc) -> list[_Found]:
        """Every date-shaped phrase, impossible ones included (value None)."""
        text = doc.folded
        today = doc.today
        found: list[_Found] = []
        digits = _DIGIT.search(text) is not None
        for m in _ISO.finditer(text) if digits else ():
            value = _resolve_day_month(int(m["d"]), int(m["m"]), int(m["y"]), today)
            found.append(_Found(m.start(), m.end(), value, 0.95, raw=m.group()))
        for pattern in (_NUMERIC, _DASHED) if digits else ():
            for m in pattern.finditer(text):
                day, month = int(m["d"]), int(m["m"])
                if not (1 <= month <= 12 and 1 <= day <= 31):
                    continue  # not date-shaped at all ("10.30" is a time, "32.12" a price)
                if _TIME_CUE_BEFORE.search(text, max(0, m.start() - 12), m.start()):
                    continue
                year = int(m["y"]) if m["y"] else None
                value = _resolve_day_month(day, month, year, today)
                slash = m.groupdict().get("sep") == "/"
                found.append(_Found(m.start(), m.end(), value, 0.8 if slash else 0.9, raw=m.group()))
        for m in _DAY_MONTH.finditer(text) if digits else ():
            day, month = int(m["d"]), MONTHS[" ".join(m["mon"].split())]
            year = int(m["y"]) if m["y"] else None
            value = _resolve_day_month(day, month, year, today) if day >= 1 else None
            found.append(_Found(m.start(), m.end(), value, 0.95, raw=m.group()))
        for m in _MONTH_DAY.finditer(text) if digits else ():
            day, month = int(m["d"]), MONTHS[m["mon"]]
            year = int(m["y"]) if m["y"] else None
            value = _resolve_day_month(day, month, year, today) if day >= 1 else None
            found.append(_Found(m.start(), m.end(), value, 0.9, raw=m.group()))
        for m in _RELATIVE.finditer(text) if _RELATIVE_HINT.search(text) else ():
            found.append(_Found(m.start(), m.end(), today + timedelta(days=_relative_days(m["word"])), 0.95))
        for m in _OFFSET.finditer(text) if ("za" in text or "in" in text) else ():
            count = 1 if m["n"] in (None, "a", "an", "one") else number_value(m["n"])
            if count is None or count > 400:
                continue
            days = count * (7 if m["unit"].startswith(("tydz", "tyg", "week")) else 1)
            found.append(_Found(m.start(), m.end(), today + timedelta(days=days), 0.9))
        patterns = [_PL_WEEKDAY] if _WEEKDAY_HINT.search(text) else []
        if "day" in text:
            patterns.append(_EN_WEEKDAY)
        if "tygodniu" in text:
            patterns.append(_PL_NEXT_WEEK_DAY)
        if "week" in text:
            patterns.append(_EN_NEXT_WEEK_DAY)
        for pattern in patterns:
            for m in pattern.finditer(text):
                wd = WEEKDAYS[m["wd"]]
                groups = m.groupdict()
                mod = groups.get("mod") or ""
                next_week = groups.get("nextweek") or pattern in (_PL_NEXT_WEEK_DAY, _EN_NEXT_WEEK_DAY)
                if next_week or mod.startswith(("przyszl", "nastepn", "next")):
                    mode = "next"
                elif mod:
                    mode = "this"
                else:
                    mode = "nearest"
                value = _weekday_date(today, wd, mode)
                found.append(_Found(m.start("v"), m.end("v"), value, 0.9, weekday=wd))
        return self._merge_weekday_with_date(text, found)

    @staticmethod
    def _merge_weekday_with_date(text: str, found: list[_Found]) -> list[_Found]:
        """ "w piątek 4 grudnia" is one date: the explicit day wins, the weekday widens the span."""
        explicit = [f for f in found if f.weekday is None and f.raw]
        out = list(found)
        for wd in [f for f in found if f.weekday is not None]:
            gap = _GAP.match(text, wd.end)
            follow = next((f for f in explicit if gap and f.start == gap.end()), None)
            if follow is None:
                continue
            agrees = follow.value is not None and follow.value.weekday() == wd.weekday
            merged = _Found(wd.start, follow.end, follow.value, 0.95 if agrees else 0.7, raw=follow.raw)
            out = [f for f in out if f is not wd and f is not follow]
            out.append(merged)
        return out


def _relative_days(word: str) -> int:
    word = " ".join(word.split())
    if word.endswith("after tomorrow") or word == "pojutrze":
        return 2
    if word.endswith("before yesterday") or word == "przedwczoraj":
        return -2
    if word in {"jutro", "tomorrow"}:
        return 1
    if word in {"wczoraj", "yesterday"}:
        return -1
    return 0


_EXTRACTOR = DateExtractor()


def parse_date(text: str, now: datetime | None = None) -> date | None:
    """The first date in `text` (resolved like the entity), or None; None also for "31.02"."""
    from nlu.entities.resolve import resolve

    doc = Doc.of(text, now=now)
    entities = resolve(_EXTRACTOR.extract(doc))
    return date.fromisoformat(entities[0].value) if entities else None


def impossible_date(text: str, now: datetime | None = None) -> str | None:
    """The date-shaped phrase in `text` that names no real day ("31.02", "32 grudnia"), else None."""
    doc = Doc.of(text, now=now)
    for found in sorted(_EXTRACTOR.find(doc), key=lambda f: f.start):
        if found.value is None:
            start, end = doc.scan.span(found.start, found.end)
            return text[start:end]
    return None
