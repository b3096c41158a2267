"""IMGW-PIB meteorological warnings (the public `warningsmeteo` API) as `WeatherWarning`s.

The API answers "no warnings" in three ways (HTTP 404, `{"status": false, "message": "No products
were found"}`, `{"message": "Brak ostrzeżeń meteorologicznych"}`); all mean an empty list. A broken
answer raises `FeedError`, while one unreadable warning is skipped with a log line so that the
others still reach residents.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import aiohttp

from bot.domain.alerts import WeatherWarning
from nlu.text import fold
from scheduler.feeds.download import FeedError, fetch_body
from scheduler.feeds.moments import city_moment

log = logging.getLogger(__name__)

DEFAULT_URL = "https://danepubliczne.imgw.pl/api/data/warningsmeteo"
POZNAN = "3064"  # the city (powiat grodzki)
POZNAN_COUNTY = "3021"  # powiat poznański around it
NO_WARNINGS = ("no products were found", "brak ostrzezen")

# The name the brief and the API use for one record.
Warning = WeatherWarning


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None else str(value).strip()


def _teryt(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list):
        return ()
    return tuple(_text(code) for code in value if _text(code))


def _probability(value: Any) -> int | None:
    try:
        percent = int(float(_text(value).rstrip("%")))
    except ValueError:
        return None
    return percent if 0 <= percent <= 100 else None


def _is_no_warnings(data: dict[str, Any]) -> bool:
    message = fold(_text(data.get("message")))
    return any(message.startswith(phrase) for phrase in NO_WARNINGS)


def warning_from(record: Any) -> WeatherWarning | None:
    """One API record, or None (logged) when it lacks an id, a level 1-3 or readable dates."""
    if not isinstance(record, dict):
        log.warning("IMGW: skipping a record that is not an object: %.80r", record)
        return None
    ident = _text(record.get("id"))
    start, end = city_moment(record.get("obowiazuje_od")), city_moment(record.get("obowiazuje_do"))
    level = _text(record.get("stopien"))
    problem = (
        "no id" if not ident
        else "no level 1-3" if level not in {"1", "2", "3"}
        else "missing or unreadable dates" if start is None or end is None
        else "ends before it starts" if end < start  # type: ignore[operator]
        else None
    )  # fmt: skip
    if problem:
        log.warning("IMGW: skipping warning %r: %s", ident or record.get("nazwa_zdarzenia"), problem)
        return None
    assert start is not None and end is not None
    return WeatherWarning(
        id=ident,
        event=_text(record.get("nazwa_zdarzenia")) or "Ostrzeżenie meteorologiczne",
        level=int(level),
        valid_from=start,
        valid_to=end,
        content=_text(record.get("tresc")),
        comment=_text(record.get("komentarz")) or None,
        probability=_probability(record.get("prawdopodobienstwo")),
        published=city_moment(record.get("opublikowano")),
        office=_text(record.get("biuro")),
        teryt=_teryt(record.get("teryt")),
    )


def parse_imgw(status: int, body: bytes) -> list[WeatherWarning]:
    """Every readable warning in an API answer (any county); [] for the three "no warnings" shapes."""
    if status == 404:
        return []
    if status != 200:
        raise FeedError(f"IMGW answered HTTP {status}")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"IMGW sent malformed JSON: {exc}") from exc
    if isinstance(data, dict) and _is_no_warnings(data):
        return []
    if not isinstance(data, list):
        raise FeedError(f"IMGW sent an unexpected answer: {str(data)[:120]}")
    warnings = [warning for record in data if (warning := warning_from(record)) is not None]
    return warnings


def for_poznan(warnings: Iterable[WeatherWarning], *, include_county: bool = False) -> list[WeatherWarning]:
    """The warnings covering the city (3064), and the county around it (3021) when asked."""
    wanted = {POZNAN, POZNAN_COUNTY} if include_county else {POZNAN}
    return [warning for warning in warnings if wanted.intersection(warning.teryt)]


async def fetch_imgw(
    session: aiohttp.ClientSession, url: str = DEFAULT_URL, timeout: float = 10.0
) -> list[WeatherWarning]:
    """All current warnings from the API (unfiltered); FeedError on timeouts and broken answers."""
    status, body = await fetch_body(session, url, timeout)
    return parse_imgw(status, body)
