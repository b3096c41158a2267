"""The gazetteer's records: a street, an osiedle, and a street found in a message."""

from __future__ import annotations

from dataclasses import dataclass

# How each kind of street is written before its name when the name alone would be ambiguous.
KIND_PREFIX: dict[str, str] = {
    "aleja": "aleja",
    "plac": "plac",
    "osiedle": "osiedle",
    "rondo": "rondo",
    "most": "most",
    "skwer": "skwer",
    "park": "park",
    "bulwar": "bulwar",
    "wyspa": "wyspa",
}
# fmt: off
STREET_KINDS = frozenset(
    {"ulica", "aleja", "plac", "osiedle", "rondo", "most", "rynek", "skwer", "park", "bulwar", "droga",
     "szosa", "wyspa", "ogród", "wybrzeże", "inne"}
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Street:
    """One street of the gazetteer.

    `name` is the common name (TERYT NAZWA_1: "Ratajczaka", "Wolności"), `full_name` the official
    one with first names ("Franciszka Ratajczaka"), `kind` ulica/aleja/plac/..., `osiedle` one of
    the 42 units where known.
    """

    name: str
    kind: str = "ulica"
    osiedle: str = ""
    full_name: str = ""
    teryt: str = ""

    @property
    def label(self) -> str:
        """The canonical entity value: "Głogowska", "Plac Wolności", "Aleje Marcinkowskiego"."""
        prefix = KIND_PREFIX.get(self.kind)
        if not prefix:
            return self.name
        first = self.full_name.split(" ", 1)[0] if self.full_name else ""
        if first.lower() in {"aleje", "aleja", "plac", "rondo", "most", "osiedle", "skwer", "park"}:
            prefix = first
        if self.name.lower().startswith(prefix.lower()):
            return self.name
        return f"{prefix} {self.name}"


@dataclass(frozen=True, slots=True)
class Osiedle:
    """One of the 42 auxiliary units (jednostki pomocnicze) of Poznań, with colloquial aliases."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StreetMatch:
    """A street found in a message: spans index the original text; house number when one follows."""

    street: Street
    start: int
    end: int
    house_number: str | None = None
    house_start: int = -1
    house_end: int = -1
    confidence: float = 1.0
    method: str = "exact"  # exact | inflected | fuzzy | stem

    @property
    def canonical(self) -> str:
        return self.street.label


@dataclass(frozen=True, slots=True)
class DistrictMatch:
    """An osiedle named in a message: `name` is the official unit, `alias` what was written (folded)."""

    name: str
    start: int
    end: int
    confidence: float = 1.0
    alias: str = ""
    method: str = "exact"  # exact | inflected | fuzzy
