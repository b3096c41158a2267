"""Distances and the city boundary: a pin outside Poznań is refused, duplicates are looked up nearby.

The shipped boundary is a simplified polygon of Poznań's city limits (about 20 vertices, accurate to
a few hundred metres); set CITY_BOUNDARY_FILE to a GeoJSON Polygon of the official boundary to
replace it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EARTH_RADIUS_M = 6_371_000.0

# (latitude, longitude), clockwise from the north (Morasko).
POZNAN_OUTLINE: tuple[tuple[float, float], ...] = (
    (52.509, 16.915), (52.506, 16.985), (52.480, 17.020), (52.446, 17.036), (52.421, 17.068),
    (52.386, 17.071), (52.356, 17.052), (52.326, 17.042), (52.296, 17.000), (52.303, 16.957),
    (52.333, 16.905), (52.352, 16.840), (52.380, 16.792), (52.405, 16.774), (52.431, 16.758),
    (52.463, 16.734), (52.486, 16.790), (52.501, 16.850),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude/longitude rectangle: what an index can search before the exact distance check."""

    south: float
    west: float
    north: float
    east: float


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def box_around(lat: float, lon: float, radius_m: float) -> Box:
    """The smallest lat/lon box containing the circle of `radius_m` around the point."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(0.01, math.cos(math.radians(lat)))))
    return Box(lat - dlat, lon - dlon, lat + dlat, lon + dlon)


def inside(polygon: tuple[tuple[float, float], ...], lat: float, lon: float) -> bool:
    """Ray casting; fine at city scale where the earth is flat enough."""
    result = False
    j = len(polygon) - 1
    for i, (lat_i, lon_i) in enumerate(polygon):
        lat_j, lon_j = polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
            if lon < crossing:
                result = not result
        j = i
    return result


@cache
def city_outline(path: str | None = None) -> tuple[tuple[float, float], ...]:
    """The boundary polygon: from a GeoJSON file when given, else the shipped outline."""
    if not path:
        return POZNAN_OUTLINE
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    geometry = data.get("geometry", data) if data.get("type") == "Feature" else data
    if data.get("type") == "FeatureCollection":
        geometry = data["features"][0]["geometry"]
    if geometry.get("type") != "Polygon":
        raise ValueError(f"{path}: expected a GeoJSON Polygon")
    return tuple((float(lat), float(lon)) for lon, lat, *_ in geometry["coordinates"][0])


def in_city(lat: float, lon: float, boundary_file: str | None = None) -> bool:
    return inside(city_outline(boundary_file), lat, lon)
