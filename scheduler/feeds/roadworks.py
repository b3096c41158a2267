"""Road works from a configurable feed: GeoJSON road events (WZDx-like), RSS 2.0 or Atom.

Each item is placed in osiedla through the gazetteer (the streets it names); there are no osiedle
outlines, so coordinates only decide whether an item is in Poznań at all: items wholly outside the
city limits are dropped, and an item whose streets give no osiedle goes to the whole city.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import aiohttp

from bot.domain.alerts import RoadWork, osiedla_of_streets
from bot.domain.geo import in_city
from nlu.gazetteer import default_gazetteer
from scheduler.feeds.download import FeedError, fetch_body
from scheduler.feeds.moments import feed_moment
from scheduler.feeds.syndication import Entry, parse_syndication, plain

log = logging.getLogger(__name__)

# A street or osiedle found in free text below this confidence is more likely an everyday word.
STREET_CONFIDENCE = 0.8
OSIEDLE_CONFIDENCE = 0.85
TITLE_MAX = 200


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _pairs(coordinates: Any) -> Iterator[tuple[float, float]]:
    """(latitude, longitude) of every position in GeoJSON coordinates of any geometry type."""
    if (
        isinstance(coordinates, list)
        and len(coordinates) >= 2
        and all(isinstance(n, int | float) and not isinstance(n, bool) for n in coordinates[:2])
    ):
        yield float(coordinates[1]), float(coordinates[0])
    elif isinstance(coordinates, list):
        for part in coordinates:
            yield from _pairs(part)


def _geometry_points(geometry: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(geometry, dict):
        return ()
    if geometry.get("type") == "GeometryCollection":
        return tuple(p for part in geometry.get("geometries") or [] for p in _geometry_points(part))
    return tuple(_pairs(geometry.get("coordinates")))


def in_poznan(points: Iterable[tuple[float, float]], boundary_file: str | None = None) -> bool:
    """True when any point is inside the city, or when there are no points to judge by."""
    points = list(points)
    return not points or any(in_city(lat, lon, boundary_file) for lat, lon in points)


def streets_in(names: Iterable[str], texts: Iterable[str]) -> list[str]:
    """Street labels from explicit road names (kept as written when unknown) and from free text."""
    gazetteer = default_gazetteer()
    found: list[str] = []
    for name in names:
        street = gazetteer.lookup(name)
        found.append(street.label if street else name)
    if not found:
        for text in texts:
            found += [m.canonical for m in gazetteer.find_streets(text) if m.confidence >= STREET_CONFIDENCE]
    return list(dict.fromkeys(found))


def osiedla_for(streets: list[str], texts: Iterable[str]) -> tuple[str, ...] | None:
    """Osiedla named in the text ("objazd na Wildzie") and those of the streets; None: the whole city.

    A street whose osiedle is unknown (a long road crossing several) sends the item city-wide unless
    the text itself says which osiedle.
    """
    gazetteer = default_gazetteer()
    named = [
        match.name
        for text in texts
        for match in gazetteer.find_districts(text)
        if match.confidence >= OSIEDLE_CONFIDENCE
    ]
    by_street = osiedla_of_streets(streets) if streets else None
    if named:
        known = [o for street in streets if (o := gazetteer.osiedle_of(street))]
        return tuple(dict.fromkeys([*named, *known]))
    return by_street


def _road_work(
    ident: str, title: str, description: str, names: list[str], starts: datetime | None,
    ends: datetime | None, link: str | None = None, impact: str | None = None,
) -> RoadWork:  # fmt: skip
    streets = streets_in(names, (title, description))
    title = title or ", ".join(streets) or description[:80] or ident
    return RoadWork(
        id=ident, title=title[:TITLE_MAX], description=description, streets=tuple(streets),
        osiedla=osiedla_for(streets, (title, description)), starts=starts, ends=ends, link=link,
        impact=impact,
    )  # fmt: skip


def _feature(feature: Any, boundary_file: str | None) -> RoadWork | None:
    if not isinstance(feature, dict):
        return None
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return None
    # WZDx 4 keeps names and description in core_details; older feeds have them at the top.
    details = {**properties, **(properties.get("core_details") or {})}
    ident = str(feature.get("id") or details.get("road_event_id") or details.get("id") or "").strip()
    if not ident:
        log.warning("road works feed: skipping a feature without an id")
        return None
    if not in_poznan(_geometry_points(feature.get("geometry")), boundary_file):
        log.debug("road works feed: %s lies outside Poznań", ident)
        return None
    impact = details.get("vehicle_impact")
    names = _strings(details.get("road_names") or details.get("road_name"))
    return _road_work(
        ident, plain(str(details.get("name") or "")), plain(str(details.get("description") or "")), names,
        feed_moment(details.get("start_date")), feed_moment(details.get("end_date")),
        impact=impact if isinstance(impact, str) else None,
    )  # fmt: skip


def _entry(entry: Entry, boundary_file: str | None) -> RoadWork | None:
    if not in_poznan(entry.points, boundary_file):
        log.debug("road works feed: %s lies outside Poznań", entry.id)
        return None
    return _road_work(entry.id, entry.title, entry.summary, [], entry.starts, entry.ends, entry.link)


def parse_geojson(data: Any, boundary_file: str | None = None) -> list[RoadWork]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise FeedError("road works JSON is not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise FeedError("road works GeoJSON has no list of features")
    return [work for feature in features if (work := _feature(feature, boundary_file)) is not None]


def parse_roadworks(status: int, body: bytes, boundary_file: str | None = None) -> list[RoadWork]:
    """Road works in Poznań from a GeoJSON, RSS or Atom answer; FeedError when it cannot be read."""
    if status != 200:
        raise FeedError(f"road works feed answered HTTP {status}")
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        try:
            data = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FeedError(f"malformed road works JSON: {exc}") from exc
        return parse_geojson(data, boundary_file)
    if text.startswith(b"<"):
        entries = parse_syndication(text)
        return [work for entry in entries if (work := _entry(entry, boundary_file)) is not None]
    raise FeedError("road works feed is neither JSON nor XML")


async def fetch_roadworks(
    session: aiohttp.ClientSession, url: str, timeout: float = 10.0, boundary_file: str | None = None
) -> list[RoadWork]:
    status, body = await fetch_body(session, url, timeout)
    return parse_roadworks(status, body, boundary_file)
