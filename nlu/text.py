"""Text normalisation shared by every NLU component: case and diacritic folding, tokens with spans.

Residents often type without Polish letters ("glogowska", "zglosic"), so every comparison is made
on the folded form while spans still point into the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss"})
_TOKEN = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (ą->a, ł->l, é->e); length is preserved for plain Polish text."""
    text = text.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def clean(text: str) -> str:
    """Remove control characters and collapse whitespace; what the classifier sees."""
    return " ".join(_CONTROL.sub(" ", text).split())


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text: its folded form and where it stands."""

    text: str
    folded: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Word tokens with character offsets into `text` (the original, not the folded string)."""
    return [Token(m.group(), fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]
