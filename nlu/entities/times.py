"""Clock times in Polish and English, normalised to "HH:MM".

A bare number is never a time: "Głogowska 10" is a house number, "dla 2 osób" a head count,
"15.12" a date. A number becomes a time with a cue ("o 10", "godz. 14", "at 10"), a colon
("10:15"), am/pm ("2pm"), or minutes that cannot be a month ("10.30"). Polish hour words are the
feminine ordinals ("o dziesiątej", "wpół do jedenastej", "za kwadrans dziesiąta"). Times of day
shift the hour: "o 5 po południu" is 17:00, "o 10 w nocy" 22:00. Without one, "o 5" stays 05:00.
"""

from __future__ import annotations

import re
from typing import ClassVar

from nlu.entities.base import Doc
from nlu.entities.vocabulary import (
    EN_HOUR_RE,
    EN_HOURS,
    EN_MINUTE_RE,
    EN_MINUTES,
    HOUR_WORD_RE,
    HOUR_WORDS,
    MONTH_RE,
    PL_MINUTE_RE,
    PL_MINUTES,
)
from nlu.interface import Entity

_PERIOD = (
    r"(?P<period>[ \t]+(?:rano|z[ \t]+rana|nad[ \t]+ranem|wieczorem|wieczor|po[ \t]+poludniu"
    r"|przed[ \t]+poludniem|w[ \t]+nocy|w[ \t]+poludnie|in[ \t]+the[ \t]+(?:morning|afternoon|evening)"
    r"|at[ \t]+night|tonight))?"
)
_AMPM = r"(?P<ampm>[ \t]*[ap]\.?[ \t]?m(?![a-z])\.?)?"
# Words after a number that make it a count, a price or a date rather than an hour.
_NOT_AN_HOUR = (
    r"(?![ \t]*(?:osob|osoby|os\b|ludzi|people|persons?|pax|guests|adults|dzieci|kids|children|razy|times|"
    r"lat\b|"
    r"latach|laty|years?|dni|dnia|days?|tygodn|weeks?|miesi|months?|minut|minutes?|mins?\b|godzin\b|hours?|"
    r"zl|pln|eur|km|m\b|kg|proc|%|sztuk|szt|bilet|tickets?|stron|pages?|punkt|points?|numer|number|"
    r"pietr|floor|nr\b|" + MONTH_RE + r"))"
)
_STRONG_CUE = r"(?:o|okolo|ok\.?|godz\.?|godzina|godzinie|godzine|at|around)"
_WEAK_CUE = r"(?:od|do|po|przed|from|until|till|before|after|by)"
_CUED = re.compile(
    rf"\b(?P<cue>{_STRONG_CUE}|{_WEAK_CUE})(?:[ \t]+(?:godz\.?|godzinie|godzine|godzina))?[ \t]*"
    rf"(?P<h>[0-9]{{1,2}})(?:[:.](?P<m>[0-5][0-9]))?(?![0-9]|[.:/][0-9]){_AMPM}{_NOT_AN_HOUR}{_PERIOD}"
)
_HM_END = r"(?![0-9]|[:.][0-9])"
_COLON = re.compile(rf"(?<![0-9:.,/])(?P<h>[0-9]{{1,2}}):(?P<m>[0-5][0-9]){_HM_END}{_AMPM}{_PERIOD}")
_DOT = re.compile(rf"(?<![0-9:.,/])(?P<h>[0-9]{{1,2}})\.(?P<m>[0-5][0-9]){_HM_END}{_AMPM}{_PERIOD}")
_BARE_AMPM = re.compile(
    r"(?<![0-9:.,/])(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-5][0-9]))?[ \t]*(?P<ampm>[ap]\.?[ \t]?m(?![a-z])\.?)"
)
_OCLOCK = re.compile(rf"\b(?P<h>[0-9]{{1,2}}|{EN_HOUR_RE})[ \t]+o['’ ]?[ \t]?clock\b{_AMPM}{_PERIOD}")
_NAMED = re.compile(
    r"\b(?:(?P<word>noon|midday|midnight)|w[ \t]+(?P<noon>poludnie)"
    r"|o[ \t]+(?:(?P<noon2>poludniu)|(?P<midnight>polnocy)))\b"
)
_EN_PAST_TO = re.compile(
    rf"\b(?P<min>{EN_MINUTE_RE})[ \t]+(?P<rel>past|to)[ \t]+(?P<h>{EN_HOUR_RE}|[0-9]{{1,2}})\b"
    rf"{_AMPM}{_PERIOD}"
)
_EN_AT_WORD = re.compile(
    rf"\b(?:at|around|by)[ \t]+(?P<h>{EN_HOUR_RE})\b{_AMPM}{_PERIOD}"
    r"(?=[ \t]*(?:$|[.,!?;:)]|(?:tonight|tomorrow|today|on|next|this|please|sharp)\b))"
)
_PL_WORD = re.compile(
    r"\b(?P<cue>o|od|do|po|przed|okolo|na|godz\.?|godzina|godzinie)[ \t]+"
    r"(?:(?:godz\.?|godzinie|godzine)[ \t]+)?"
    rf"(?P<h>{HOUR_WORD_RE})\b(?:[ \t]+(?P<m>{PL_MINUTE_RE}|[0-5][0-9])\b)?{_PERIOD}"
    # an ordinal before a feminine noun is no hour: "po drugiej stronie", "do trzeciej klasy"
    r"(?![ \t]+(?:stron|klas|polow|zmian|osob|rat[aeyi]|czesc|kategori|wojn|rund|lini|ulic|sal[iae]|kolejk"
    r"|tur[aey]|grup|dzielnic|brygad|zon|strefie|strefy|kadencj|edycj|wersj|kolumn|pozycj|raz))"
)
_PL_HALF = re.compile(
    rf"\b(?:o[ \t]+)?(?P<v>w[ \t]?pol)[ \t]+do[ \t]+(?P<h>{HOUR_WORD_RE}|[0-9]{{1,2}})\b{_PERIOD}"
)
_PL_TO = re.compile(
    rf"\b(?:o[ \t]+)?(?P<v>za)[ \t]+(?P<min>{PL_MINUTE_RE})[ \t]+"
    rf"(?P<h>{HOUR_WORD_RE}|[0-9]{{1,2}})\b{_PERIOD}"
)
_PL_PAST = re.compile(
    rf"\b(?:o[ \t]+)?(?P<min>{PL_MINUTE_RE})[ \t]+po[ \t]+(?P<h>{HOUR_WORD_RE}|[0-9]{{1,2}})\b{_PERIOD}"
)
# "termin na jutro na 16": "na" with a bare office hour closing the phrase.
_NA_HOUR = re.compile(
    r"\bna[ \t]+(?:godz\.?[ \t]*|godzine[ \t]+)?(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-5][0-9]))?"
    r"(?=[ \t]*(?:$|[,!?;)]|[.](?![0-9])))"
)
_DIGIT = re.compile(r"[0-9]")
_NAMED_HINT = re.compile(r"noon|midday|midnight|poludni|polnoc")
_RANGE_END = re.compile(r"[ \t]*[-–][ \t]*(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-5][0-9]))?(?![0-9]|[.:/][0-9])")


def _hour(word: str) -> int | None:
    word = " ".join(word.split())
    if word.isdigit():
        return int(word)
    return HOUR_WORDS.get(word, EN_HOURS.get(word))


def _shift(hour: int, ampm: str | None, period: str | None) -> int:
    """Apply am/pm or a Polish/English time of day to an hour."""
    if ampm:
        a = ampm.strip().replace(".", "").replace(" ", "")
        if hour > 12:
            return hour
        return hour % 12 + (12 if a.startswith("p") else 0)
    p = " ".join((period or "").split())
    if p in {"po poludniu", "wieczorem", "wieczor", "in the afternoon", "in the evening", "tonight"}:
        return hour + 12 if hour < 12 else hour
    if p in {"w nocy", "at night"}:
        if hour == 12:
            return 0
        return hour + 12 if 6 <= hour < 12 else hour
    return hour


def _fmt(hour: int, minute: int) -> str | None:
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


class TimeExtractor:
    """Clock times; see the module docstring for what counts as one."""

    name: ClassVar[str] = "TimeExtractor"

    def extract(self, doc: Doc) -> list[Entity]:
        text = doc.folded
        out: list[Entity] = []

        def emit(start: int, end: int, hour: int | None, minute: int, conf: float) -> None:
            if hour is None:
                return
            value = _fmt(hour, minute)
            if value is not None:
                out.append(doc.entity("time", value, start, end, self.name, conf))

        def emit_range(end: int, ampm: str | None) -> None:
            """ "godz. 10-14": the second hour of a range is a time too."""
            m = _RANGE_END.match(text, end)
            if m:
                emit(m.start("h"), m.end(), _shift(int(m["h"]), ampm, None), int(m["m"] or 0), 0.85)

        digits = _DIGIT.search(text) is not None
        for m in _CUED.finditer(text) if digits else ():
            weak = m["cue"] in {"od", "do", "po", "przed", "from", "until", "till", "before", "after", "by"}
            hour = _shift(int(m["h"]), m["ampm"], m["period"])
            conf = 0.8 if weak and not (m["m"] or m["ampm"] or m["period"]) else 0.9
            emit(m.start("h"), m.end(), hour, int(m["m"] or 0), conf)
            emit_range(m.end(), m["ampm"])
        for m in _COLON.finditer(text) if ":" in text else ():
            emit(m.start(), m.end(), _shift(int(m["h"]), m["ampm"], m["period"]), int(m["m"]), 0.95)
            emit_range(m.end(), m["ampm"])
        for m in _DOT.finditer(text) if digits and "." in text else ():
            minute = int(m["m"])
            if 1 <= minute <= 12 and not (m["ampm"] or m["period"]):
                continue  # "10.12" is a date unless a cue says otherwise
            emit(m.start(), m.end(), _shift(int(m["h"]), m["ampm"], m["period"]), minute, 0.8)
        for m in _BARE_AMPM.finditer(text) if digits else ():
            emit(m.start(), m.end(), _shift(int(m["h"]), m["ampm"], None), int(m["m"] or 0), 0.95)
        for m in _OCLOCK.finditer(text) if "clock" in text else ():
            emit(m.start(), m.end(), _shift(_hour(m["h"]) or -1, m["ampm"], m["period"]), 0, 0.9)
        for m in _NAMED.finditer(text) if _NAMED_HINT.search(text) else ():
            start = min(m.start(g) for g in ("word", "noon", "noon2", "midnight") if m[g])
            emit(start, m.end(), 0 if (m["word"] == "midnight" or m["midnight"]) else 12, 0, 0.9)
        for m in _EN_PAST_TO.finditer(text) if ("past" in text or " to " in text) else ():
            hour = _hour(m["h"])
            minute = EN_MINUTES[" ".join(m["min"].split())]
            if hour is None:
                continue
            if m["rel"] == "to":
                hour, minute = (hour - 1) % 24 or (12 if hour <= 12 else 0), 60 - minute
            emit(m.start(), m.end(), _shift(hour, m["ampm"], m["period"]), minute, 0.9)
        for m in _EN_AT_WORD.finditer(text) if ("at" in text or "by" in text) else ():
            emit(m.start("h"), m.end(), _shift(_hour(m["h"]) or -1, m["ampm"], m["period"]), 0, 0.85)
        for m in _PL_WORD.finditer(text):
            hour = _hour(m["h"])
            minute_word = " ".join((m["m"] or "").split())
            minute = int(minute_word) if minute_word.isdigit() else PL_MINUTES.get(minute_word, 0)
            emit(m.start("h"), m.end(), _shift(hour or -1, None, m["period"]), minute, 0.9)
        for m in _PL_HALF.finditer(text) if "pol" in text else ():
            hour = _hour(m["h"])
            if hour is not None:
                emit(m.start("v"), m.end(), _shift((hour - 1) % 24 or 12, None, m["period"]), 30, 0.9)
        for m in _PL_TO.finditer(text) if "za" in text else ():
            hour = _hour(m["h"])
            minute = PL_MINUTES.get(" ".join(m["min"].split()))
            if hour is not None and minute:
                hour = _shift((hour - 1) % 24 or 12, None, m["period"])
                emit(m.start("v"), m.end(), hour, 60 - minute, 0.9)
        for m in _PL_PAST.finditer(text) if "po" in text else ():
            hour = _hour(m["h"])
            minute = PL_MINUTES.get(" ".join(m["min"].split()))
            if hour is not None and minute:
                emit(m.start("min"), m.end(), _shift(hour, None, m["period"]), minute, 0.9)
        for m in _NA_HOUR.finditer(text) if digits and "na" in text else ():
            if 7 <= int(m["h"]) <= 22:
                emit(m.start("h"), m.end(), int(m["h"]), int(m["m"] or 0), 0.7)
        return out
