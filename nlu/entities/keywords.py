"""Phrase-list extractors: a code for every phrase that names it (alert topics, city-hall services).

Each code has a few regex phrases over folded text; all of a table's phrases are compiled into one
alternation with named groups, so a message is scanned once per table.
"""

from __future__ import annotations

import re
from typing import ClassVar

from nlu.entities.base import Doc
from nlu.interface import Entity


class PhraseExtractor:
    """Base: subclasses set `entity`, `name` and `PHRASES` (code -> regex phrases)."""

    name: ClassVar[str] = "PhraseExtractor"
    entity: ClassVar[str] = ""
    PHRASES: ClassVar[dict[str, tuple[str, ...]]] = {}
    _pattern: ClassVar[re.Pattern[str] | None] = None
    _codes: ClassVar[dict[str, str]] = {}

    @classmethod
    def _compiled(cls) -> re.Pattern[str]:
        if cls.__dict__.get("_pattern") is None:
            parts: list[str] = []
            codes: dict[str, str] = {}
            for n, (code, phrases) in enumerate(cls.PHRASES.items()):
                group = f"g{n}"
                codes[group] = code
                alternatives = sorted(phrases, key=len, reverse=True)
                parts.append(f"(?P<{group}>{'|'.join(alternatives)})")
            cls._pattern = re.compile(r"\b(?:" + "|".join(parts) + r")(?![a-z])")
            cls._codes = codes
        pattern = cls.__dict__["_pattern"]
        assert pattern is not None
        return pattern

    def extract(self, doc: Doc) -> list[Entity]:
        pattern = self._compiled()
        codes = type(self)._codes
        out: list[Entity] = []
        for m in pattern.finditer(doc.folded):
            group = m.lastgroup
            if group is None:
                continue
            out.append(doc.entity(self.entity, codes[group], m.start(), m.end(), self.name, 0.9))
        return out
