"""Osiedla (the 42 auxiliary units of Poznań), by official name, alias or inflected form."""

from __future__ import annotations

from typing import ClassVar

from nlu.entities.base import Doc
from nlu.gazetteer import Gazetteer, default_gazetteer
from nlu.interface import Entity


class DistrictExtractor:
    """`district` = the official unit ("na Łazarzu" -> "Św. Łazarz", "z Rataj" -> "Rataje").

    A colloquial name covering several units ("na Winogradach") resolves to its core unit with a
    lower confidence; `Gazetteer.district_group` lists all the units it may mean.
    """

    name: ClassVar[str] = "DistrictExtractor"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer or default_gazetteer()

    def extract(self, doc: Doc) -> list[Entity]:
        return [
            Entity("district", m.name, m.start, m.end, self.name, m.confidence)
            for m in self.gazetteer.match_districts(doc.scan)
        ]
