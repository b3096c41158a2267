"""Entity extraction for the city bot: small rule and gazetteer extractors composed into one call.

    extract_entities("Dziura na Głogowskiej 12, jutro o 10", lang="pl", now=...)
    -> street "Głogowska", house_number "12", date "2026-11-30", time "10:00"

Values are normalised: `date` ISO "YYYY-MM-DD" (Europe/Warsaw), `time` "HH:MM", `street` the
gazetteer's canonical label, `house_number` "12a"/"12/4", `ticket` "PZN-YYYY-NNNNNN", `people` an
int, `district` one of the 42 official osiedla, `topic` and `service` codes. Spans index the
original text, cover the value words only (prepositions and cue words such as "na", "o", "ul.",
"alerty" trigger a match but stay outside; conventions in nlu/README.md) and never overlap (the
longer, then the surer reading wins). Both languages' rules
run whatever `lang` says: residents mix them, and the rules do not collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nlu.entities.base import Doc, Extractor, warsaw_now
from nlu.entities.dates import DateExtractor, impossible_date, parse_date
from nlu.entities.districts import DistrictExtractor
from nlu.entities.people import PeopleExtractor
from nlu.entities.resolve import resolve
from nlu.entities.services import ServiceExtractor
from nlu.entities.streets import GazetteerStreetExtractor
from nlu.entities.tickets import TicketExtractor, normalise_ticket
from nlu.entities.times import TimeExtractor
from nlu.entities.topics import TopicExtractor
from nlu.interface import Entity

__all__ = [
    "DateExtractor",
    "DistrictExtractor",
    "Doc",
    "Extractor",
    "GazetteerStreetExtractor",
    "PeopleExtractor",
    "ServiceExtractor",
    "TicketExtractor",
    "TimeExtractor",
    "TopicExtractor",
    "default_extractors",
    "extract_entities",
    "impossible_date",
    "normalise_ticket",
    "parse_date",
    "resolve",
    "warsaw_now",
]

MAX_CHARS = 4096


def default_extractors() -> tuple[Extractor, ...]:
    """The standard pipeline, in no particular order (overlaps are resolved afterwards)."""
    return (
        TicketExtractor(),
        DateExtractor(),
        TimeExtractor(),
        GazetteerStreetExtractor(),
        DistrictExtractor(),
        PeopleExtractor(),
        TopicExtractor(),
        ServiceExtractor(),
    )


_DEFAULT: tuple[Extractor, ...] = default_extractors()


def extract_entities(
    text: str,
    *,
    lang: str | None = "pl",
    now: datetime | None = None,
    extractors: Sequence[Extractor] | None = None,
) -> list[Entity]:
    """Every entity in `text`, sorted by position, spans into `text`; never raises on odd input.

    `now` anchors relative dates: naive means Europe/Warsaw wall time, aware is converted, None is
    the current time. Texts longer than 4096 characters are read up to that point.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    text = text[:MAX_CHARS]
    doc = Doc.of(text, lang=lang, now=now)
    found: list[Entity] = []
    for extractor in _DEFAULT if extractors is None else extractors:
        found.extend(extractor.extract(doc))
    return resolve(found)
