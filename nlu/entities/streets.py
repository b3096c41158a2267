"""Streets (canonical gazetteer name) and the house number written right after them."""

from __future__ import annotations

from typing import ClassVar

from nlu.entities.base import Doc
from nlu.gazetteer import Gazetteer, default_gazetteer
from nlu.interface import Entity


class GazetteerStreetExtractor:
    """`street` = the street's label ("Głogowska", "Plac Wolności"); `house_number` = "12", "12a", "12/4"."""

    name: ClassVar[str] = "GazetteerStreetExtractor"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer or default_gazetteer()

    def extract(self, doc: Doc) -> list[Entity]:
        out: list[Entity] = []
        for match in self.gazetteer.match_streets(doc.scan):
            out.append(Entity("street", match.canonical, match.start, match.end, self.name, match.confidence))
            if match.house_number is not None:
                out.append(
                    Entity(
                        "house_number",
                        match.house_number,
                        match.house_start,
                        match.house_end,
                        self.name,
                        match.confidence,
                    )
                )
        return out
