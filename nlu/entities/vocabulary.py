"""Word lists shared by the extractors: months, weekdays, number words, hour words (all folded).

Folding removes diacritics, so "grudzień" and "grudzien" are the same key; nominative and
instrumental feminine forms ("dziesiąta", "dziesiątą") collapse too, which is what we want.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MONTHS: dict[str, int] = {}
_MONTH_FORMS = (
    ("styczen", "stycznia", "january", "jan"),
    ("luty", "lutego", "february", "feb"),
    ("marzec", "marca", "march", "mar"),
    ("kwiecien", "kwietnia", "april", "apr"),
    ("maj", "maja", "may"),
    ("czerwiec", "czerwca", "june", "jun"),
    ("lipiec", "lipca", "july", "jul"),
    ("sierpien", "sierpnia", "august", "aug"),
    ("wrzesien", "wrzesnia", "september", "sep", "sept"),
    ("pazdziernik", "pazdziernika", "october", "oct"),
    ("listopad", "listopada", "november", "nov"),
    ("grudzien", "grudnia", "december", "dec"),
)
for _number, _forms in enumerate(_MONTH_FORMS, start=1):
    for _form in _forms:
        MONTHS[_form] = _number

# Weekday forms -> Monday=0 .. Sunday=6 (nominative/accusative Polish, English).
WEEKDAYS: dict[str, int] = {}
_WEEKDAY_FORMS = (
    ("poniedzialek", "poniedzialku", "monday"),
    ("wtorek", "wtorku", "tuesday"),
    ("sroda", "srode", "srody", "wednesday"),
    ("czwartek", "czwartku", "thursday"),
    ("piatek", "piatku", "friday"),
    ("sobota", "sobote", "soboty", "saturday"),
    ("niedziela", "niedziele", "niedzieli", "sunday"),
)
for _number, _forms in enumerate(_WEEKDAY_FORMS):
    for _form in _forms:
        WEEKDAYS[_form] = _number

# fmt: off
# Cardinal and collective numerals, Polish and English, 1..20 (and round tens).
NUMBERS: dict[str, int] = {
    "jeden": 1, "jedna": 1, "jedno": 1, "jednego": 1, "jednej": 1, "jedynka": 1,
    "dwa": 2, "dwie": 2, "dwoch": 2, "dwu": 2, "dwoje": 2, "dwojga": 2, "dwaj": 2, "dwiema": 2,
    "trzy": 3, "trzech": 3, "troje": 3, "trojga": 3, "trzej": 3,
    "cztery": 4, "czterech": 4, "czworo": 4, "czworga": 4,
    "piec": 5, "pieciu": 5, "piecioro": 5, "pieciorga": 5,
    "szesc": 6, "szesciu": 6, "szescioro": 6,
    "siedem": 7, "siedmiu": 7, "siedmioro": 7,
    "osiem": 8, "osmiu": 8, "osmioro": 8,
    "dziewiec": 9, "dziewieciu": 9, "dziewiecioro": 9,
    "dziesiec": 10, "dziesieciu": 10, "dziesiecioro": 10,
    "jedenascie": 11, "jedenastu": 11, "dwanascie": 12, "dwunastu": 12,
    "trzynascie": 13, "czternascie": 14, "pietnascie": 15, "pietnastu": 15, "szesnascie": 16,
    "siedemnascie": 17, "osiemnascie": 18, "dziewietnascie": 19, "dwadziescia": 20, "dwudziestu": 20,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "a couple": 2, "couple": 2,
}
# Masculine-personal and collective forms: "będzie nas pięciu", "we dwoje" - these count people.
PERSONAL_NUMBERS: frozenset[str] = frozenset(
    {
        "dwoch", "dwaj", "dwoje", "dwojga", "trzech", "trzej", "troje", "trojga", "czterech", "czworo",
        "czworga", "pieciu", "piecioro", "pieciorga", "szesciu", "szescioro", "siedmiu", "siedmioro",
        "osmiu", "osmioro", "dziewieciu", "dziewiecioro", "dziesieciu", "dziesiecioro", "jedenastu",
        "dwunastu", "pietnastu", "dwudziestu",
    }
)

# Hours as Polish feminine ordinals ("o dziesiątej", "za kwadrans dziesiąta"): stem -> hour.
_HOUR_STEMS = (
    ("pierwsz", 1), ("drug", 2), ("trzeci", 3), ("czwart", 4), ("piat", 5), ("szost", 6), ("siodm", 7),
    ("osm", 8), ("dziewiat", 9), ("dziesiat", 10), ("jedenast", 11), ("dwunast", 12), ("trzynast", 13),
    ("czternast", 14), ("pietnast", 15), ("szesnast", 16), ("siedemnast", 17), ("osiemnast", 18),
    ("dziewietnast", 19), ("dwudziest", 20),
)
# fmt: on
HOUR_WORDS: dict[str, int] = {}
for _stem, _hour in _HOUR_STEMS:
    HOUR_WORDS[_stem + "a"] = _hour  # nominative, and instrumental once folded: "dziesiąta", "dziesiątą"
    HOUR_WORDS[_stem + ("iej" if _stem.endswith("g") else "ej")] = _hour  # genitive/locative: "dziesiątej"
for _stem, _unit in (("pierwsz", 1), ("drug", 2), ("trzeci", 3), ("czwart", 4)):
    _gen = _stem + ("iej" if _stem.endswith("g") else "ej")
    HOUR_WORDS[f"dwudziesta {_stem}a"] = 20 + _unit
    HOUR_WORDS[f"dwudziestej {_gen}"] = 20 + _unit

# fmt: off
# English clock words for hours 1..12.
EN_HOURS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}
# Minute words: "piętnaście", "trzydzieści", "za pięć", "twenty past".
PL_MINUTES: dict[str, int] = {
    "piec": 5, "dziesiec": 10, "pietnascie": 15, "kwadrans": 15, "dwadziescia": 20,
    "dwadziescia piec": 25, "trzydziesci": 30, "trzydziesci piec": 35, "czterdziesci": 40,
    "czterdziesci piec": 45, "piecdziesiat": 50, "piecdziesiat piec": 55, "zero zero": 0,
}
EN_MINUTES: dict[str, int] = {
    "five": 5, "ten": 10, "quarter": 15, "a quarter": 15, "twenty": 20, "twenty five": 25,
    "twenty-five": 25, "half": 30,
}

# fmt: on


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first so that "czerwca" is not cut to "czerwc"."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(r"[ \t]+".join(re.escape(part) for part in w.split()) for w in ordered)


MONTH_RE = alternation(MONTHS)
WEEKDAY_RE = alternation(WEEKDAYS)
NUMBER_RE = alternation(NUMBERS)
HOUR_WORD_RE = alternation(HOUR_WORDS)
EN_HOUR_RE = alternation(EN_HOURS)
PL_MINUTE_RE = alternation(PL_MINUTES)
EN_MINUTE_RE = alternation(EN_MINUTES)


def number_value(word: str) -> int | None:
    """Digits or a number word (folded, spaces normalised) as an int."""
    word = " ".join(word.split())
    if word.isdigit():
        return int(word)
    return NUMBERS.get(word)
