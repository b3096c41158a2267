"""Phrase-list extractors: a code for every phrase that names it (alert topics, city-hall services).

Each code has a few regex phrases over folded text; all of a table's phrases are compiled into one
alternation with named groups, so a message is scanned once per table. A phrase may mark the part
that is the entity with `(?P<v>...)`: the rest is context that must be there but stays outside the
span ("alerty [drogowe]" is road works, "drogowe" alone is not).
"""

from __future__ import annotations

import re
from typing import ClassVar

from nlu.entities.base import Doc
from nlu.interface import Entity

_VALUE_GROUP = "(?P<v>"


class PhraseExtractor:
    """Base: subclasses set `entity`, `name` and `PHRASES` (code -> regex phrases)."""

    name: ClassVar[str] = "PhraseExtractor"
    entity: ClassVar[str] = ""
    confidence: ClassVar[float] = 0.9
    PHRASES: ClassVar[dict[str, tuple[str, ...]]] = {}
    _pattern: ClassVar[re.Pattern[str] | None] = None
    _codes: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}

    @classmethod
    def _compiled(cls) -> re.Pattern[str]:
        if cls.__dict__.get("_pattern") is None:
            parts: list[str] = []
            codes: dict[str, tuple[str, tuple[str, ...]]] = {}
            value_groups = 0
            for n, (code, phrases) in enumerate(cls.PHRASES.items()):
                group = f"g{n}"
                alternatives = []
                names: list[str] = []
                for phrase in sorted(phrases, key=len, reverse=True):
                    if _VALUE_GROUP in phrase:
                        names.append(f"v{value_groups}")
                        phrase = phrase.replace(_VALUE_GROUP, f"(?P<v{value_groups}>")
                        value_groups += 1
                    alternatives.append(phrase)
                codes[group] = (code, tuple(names))
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
            if group is None or group not in codes:
                continue
            code, value_groups = codes[group]
            start, end = m.start(), m.end()
            for name in value_groups:
                if m.start(name) >= 0:
                    start, end = m.start(name), m.end(name)
                    break
            out.append(doc.entity(self.entity, code, start, end, self.name, self.confidence))
        return out
