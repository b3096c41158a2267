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


def fold_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """`fold(text)` plus, for each folded character, the start and end of its source in `text`.

    Folding may expand ("ß" -> "ss") or drop characters (combining marks), so matches found in the
    folded string are mapped back through these lists; a dropped mark joins the preceding character.
    Plain Polish or English text folds one character to one, the fast path.
    """
    n = len(text)
    if text.isascii():
        return text.lower(), list(range(n)), list(range(1, n + 1))
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == n and _IRREGULAR.isdisjoint(text):
        return folded, list(range(n)), list(range(1, n + 1))
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        piece = _FOLD_TABLE[ord(ch)]
        if not piece:
            if ends:
                ends[-1] = i + 1  # a combining mark belongs to the letter before it
            continue
        parts.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([i + 1] * len(piece))
    return "".join(parts), starts, ends


_IRREGULAR: set[str] = set()  # characters whose fold is not exactly one character


class _FoldTable(dict[int, str]):
    """Code point -> fold() of that character, filled on first use (bounded against odd input)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = fold(ch)
        if len(folded) != 1:
            _IRREGULAR.add(ch)
        if len(self) < 50_000:
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()
