"""What every extractor shares: the message folded once (`Doc`) and the `Extractor` protocol.

Extractors search the folded text (no case, no diacritics) and report spans in it; `Doc.entity`
maps them back so that `Entity.start/end` always index the text the resident typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

from nlu.gazetteer.scan import Scan
from nlu.interface import Entity

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw_now(now: datetime | None = None) -> datetime:
    """`now` in Europe/Warsaw: naive means Warsaw wall time, aware is converted, None is the clock."""
    if now is None:
        return datetime.now(WARSAW)
    if now.tzinfo is None:
        return now.replace(tzinfo=WARSAW)
    return now.astimezone(WARSAW)


@dataclass(slots=True)
class Doc:
    """One message as the extractors see it."""

    scan: Scan
    lang: str
    now: datetime

    @classmethod
    def of(cls, text: str, *, lang: str | None = "pl", now: datetime | None = None) -> Doc:
        return cls(Scan.of(text), (lang or "pl").lower()[:2], warsaw_now(now))

    @property
    def text(self) -> str:
        return self.scan.text

    @property
    def folded(self) -> str:
        return self.scan.folded

    @property
    def today(self) -> date:
        return self.now.date()

    def entity(
        self, entity: str, value: Any, start: int, end: int, extractor: str, confidence: float = 1.0
    ) -> Entity:
        """An Entity for the folded span [start, end), its span translated to the original text."""
        s, e = self.scan.span(start, end)
        return Entity(entity, value, s, e, extractor, round(float(confidence), 3))


class Extractor(Protocol):
    """A small component that finds one family of entities; it never raises on odd text."""

    name: ClassVar[str]

    def extract(self, doc: Doc) -> list[Entity]: ...
