"""Emergencies are not reports: fire, accidents, violence and gas leaks get "call 112" at once."""

from __future__ import annotations

import re

from nlu.text import fold

# Folded stems; a match anywhere in the message is enough, because a false alarm costs one line
# of advice while a missed emergency could cost much more.
EMERGENCY_STEMS: tuple[str, ...] = (
    "pozar",
    "pali sie",
    "plonie",
    "ogien",
    "dym z okna",
    "wypadek",
    "wypadku",
    "potracil",
    "potracenie",
    "ranny",
    "ranna",
    "ranni",
    "rannego",
    "nieprzytomn",
    "krwaw",
    "przemoc",
    "bija",
    "bije",
    "napad",
    "napasc",
    "nozem",
    "zagrozenie zycia",
    "ulatnia",
    "ulatnianie",
    "czuc gaz",
    "zapach gazu",
    "wyciek gazu",
    "wybuch",
    "fire",
    "on fire",
    "burning",
    "accident",
    "crash",
    "injured",
    "unconscious",
    "bleeding",
    "violence",
    "assault",
    "attacked",
    "stabbed",
    "gas leak",
    "smell of gas",
    "smell gas",
    "explosion",
)


_PATTERN = re.compile("|".join(r"(?<!\w)" + re.escape(stem.strip()) for stem in EMERGENCY_STEMS))


def is_emergency(text: str) -> bool:
    """True when a word of the message starts with an emergency stem ("pożar", "wypadku", "gas leak")."""
    return _PATTERN.search(fold(text)) is not None
