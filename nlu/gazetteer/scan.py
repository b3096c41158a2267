"""A message folded once, with word tokens and a map back to the original characters.

Every matcher (gazetteer, dates, times, ...) works on the folded text; spans are translated back
here so that they always index the text the resident typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.text import fold_with_offsets

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Word:
    """A folded word with its span in the folded text."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Scan:
    """`text` folded, its words, and the folded-to-original offset maps."""

    text: str
    folded: str
    starts: list[int]
    ends: list[int]
    words: list[Word]

    @classmethod
    def of(cls, text: str) -> Scan:
        folded, starts, ends = fold_with_offsets(text)
        words = [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
        return cls(text, folded, starts, ends, words)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of the folded span [start, end)."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.text)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def original(self, start: int, end: int) -> str:
        """The original text under a folded span."""
        s, e = self.span(start, end)
        return self.text[s:e]

    def is_capitalised(self, word: Word) -> bool:
        """Whether the resident wrote this word with a capital (a proper-name hint)."""
        s, _ = self.span(word.start, word.end)
        return self.text[s : s + 1].isupper()
