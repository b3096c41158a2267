"""Poznań street and osiedle gazetteer: data files, inflection-aware lookup and the TERYT importer.

`default_gazetteer()` is the shared instance (the imported register when present, else the shipped
list); `Gazetteer.find_streets`, `lookup`, `suggest`, `streets_in`, `osiedle_of` and `districts`
are what flows and the entity extractor use.
"""

from __future__ import annotations

from nlu.gazetteer.model import DistrictMatch, Osiedle, Street, StreetMatch
from nlu.gazetteer.store import (
    SHIPPED_OSIEDLA,
    SHIPPED_STREETS,
    STREETS_ENV,
    UMBRELLAS,
    Gazetteer,
    default_gazetteer,
    read_osiedla,
    read_streets,
    reset_default_gazetteer,
    user_streets_path,
    write_streets,
)

__all__ = [
    "SHIPPED_OSIEDLA",
    "SHIPPED_STREETS",
    "STREETS_ENV",
    "UMBRELLAS",
    "DistrictMatch",
    "Gazetteer",
    "Osiedle",
    "Street",
    "StreetMatch",
    "default_gazetteer",
    "import_teryt",
    "read_osiedla",
    "read_streets",
    "reset_default_gazetteer",
    "user_streets_path",
    "write_streets",
]


def __getattr__(name: str) -> object:
    # Imported lazily so that `python -m nlu.gazetteer.teryt` does not import the module twice.
    if name == "import_teryt":
        from nlu.gazetteer.teryt import import_teryt

        return import_teryt
    raise AttributeError(name)
