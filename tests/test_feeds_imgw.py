"""IMGW warnings: the recorded answers parsed, Poznań kept, local times turned into UTC, and the
client against a local HTTP server (200, 404, 500, a timeout)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.feeds import FeedError, fetch_imgw, for_poznan, parse_imgw
from scheduler.feeds.moments import city_moment, feed_moment

SAMPLES = Path(__file__).parent / "data" / "feeds"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class FeedServer:
    """A local HTTP server answering each path with (status, body, seconds of delay) set by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        self.hits: list[str] = []
        self.base = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        status, body, delay = self.routes.get(request.path, (404, b"Not Found", 0.0))
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=status, body=body, content_type="application/json")


@asynccontextmanager
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


# -- parsing ---------------------------------------------------------------------------------------


def test_a_normal_list_gives_every_readable_warning_with_its_fields():
    warnings = parse_imgw(200, sample("imgw_list.json"))
    assert [w.id for w in warnings] == ["SW2026071512", "UP2026071401", "WI2026071503", "BU2026071577"]
    storm = warnings[0]
    assert (storm.event, storm.level, storm.probability) == ("Burze", 2, 80)
    assert storm.content.startswith("Prognozowane są burze")
    assert storm.comment == "Burze wystąpią głównie po południu i wieczorem."
    assert storm.office == "IMGW-PIB Biuro Prognoz Meteorologicznych w Poznaniu"
    assert storm.teryt == ("3064", "3021", "3001")
    assert warnings[1].comment is None  # komentarz null
    assert warnings[2].comment is None  # komentarz ""


def test_only_poznan_is_kept_and_the_county_only_when_asked():
    warnings = parse_imgw(200, sample("imgw_list.json"))
    assert [w.id for w in for_poznan(warnings)] == ["SW2026071512", "UP2026071401"]
    with_county = for_poznan(warnings, include_county=True)
    assert [w.id for w in with_county] == ["SW2026071512", "UP2026071401", "WI2026071503"]


def test_summer_times_are_poznan_summer_time_turned_into_utc():
    storm = parse_imgw(200, sample("imgw_list.json"))[0]
    assert storm.valid_from == utc(2026, 7, 15, 12, 0)  # 14:00 CEST
    assert storm.valid_to == utc(2026, 7, 16, 0, 0)  # 02:00 CEST the next day
    assert storm.published == utc(2026, 7, 15, 6, 12, 41)


def test_the_iso_t_form_in_winter_is_central_european_time():
    (frost,) = parse_imgw(200, sample("imgw_t_form.json"))
    assert frost.valid_from == utc(2026, 1, 20, 17, 0)  # 18:00 CET
    assert frost.valid_to == utc(2026, 1, 22, 8, 0)
    assert (frost.event, frost.level) == ("Silny mróz", 2)


def test_unknown_fields_are_ignored():
    (ice,) = parse_imgw(200, sample("imgw_extra_fields.json"))
    assert (ice.id, ice.event, ice.level, ice.teryt) == ("OB2026120301", "Oblodzenie", 1, ("3064",))
    assert ice.valid_from == utc(2026, 12, 3, 19, 0)


def test_a_warning_missing_its_dates_is_skipped_with_a_log_line_and_the_rest_kept(caplog):
    with caplog.at_level(logging.WARNING, logger="scheduler.feeds.imgw"):
        warnings = parse_imgw(200, sample("imgw_missing_dates.json"))
    assert [w.id for w in warnings] == ["WI2026110103"]
    skipped = [r.getMessage() for r in caplog.records]
    assert any("MG2026110101" in line and "dates" in line for line in skipped)
    assert any("MG2026110102" in line and "dates" in line for line in skipped)


@pytest.mark.parametrize(
    ("status", "name"),
    [(404, "imgw_404.html"), (200, "imgw_no_products.json"), (200, "imgw_brak.json")],
)
def test_each_way_of_saying_no_warnings_is_an_empty_list(status, name):
    assert parse_imgw(status, sample(name)) == []


def test_an_empty_json_list_is_no_warnings():
    assert parse_imgw(200, b"[]") == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, sample("imgw_malformed.json")),
        (200, b"<html>Service Unavailable</html>"),
        (200, b""),
        (200, b'"just a string"'),
        (200, b'{"status": false, "message": "Internal error"}'),
        (200, b"\xff\xfe[]"),
        (500, sample("imgw_list.json")),
        (503, b""),
    ],
)
def test_malformed_answers_and_server_errors_are_feed_errors(status, body):
    with pytest.raises(FeedError):
        parse_imgw(status, body)


def test_broken_records_are_skipped_one_by_one():
    good = json.loads(sample("imgw_list.json"))[0]
    records = [
        "not an object",
        {**good, "id": ""},
        {**good, "id": "X1", "stopien": "4"},
        {**good, "id": "X2", "stopien": None},
        {**good, "id": "X3", "obowiazuje_od": "2026-07-16 10:00:00", "obowiazuje_do": "2026-07-16 08:00:00"},
        {**good, "id": "X4", "prawdopodobienstwo": "dużo", "teryt": "3064,3021"},
        good,
    ]
    warnings = parse_imgw(200, json.dumps(records).encode())
    assert [w.id for w in warnings] == ["X4", "SW2026071512"]
    assert warnings[0].probability is None
    assert warnings[0].teryt == ("3064", "3021")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-15 14:00:00", utc(2026, 7, 15, 12, 0)),
        ("2026-07-15T14:00:00", utc(2026, 7, 15, 12, 0)),
        ("2026-07-15 14:00", utc(2026, 7, 15, 12, 0)),
        ("2026-01-15 14:00:00", utc(2026, 1, 15, 13, 0)),
        ("2026-03-29 01:30:00", utc(2026, 3, 29, 0, 30)),  # still CET
        ("2026-03-29 03:30:00", utc(2026, 3, 29, 1, 30)),  # already CEST
        ("2026-10-25 02:30:00", utc(2026, 10, 25, 0, 30)),  # the repeated hour: first (CEST) reading
        ("2026-07-15T14:00:00+02:00", utc(2026, 7, 15, 12, 0)),
        ("2026-07-15T12:00:00Z", utc(2026, 7, 15, 12, 0)),
        ("", None),
        ("jutro", None),
        ("2026-13-40 25:00:00", None),
        (None, None),
        (20260715, None),
    ],
)
def test_feed_times_become_aware_utc(text, expected):
    assert city_moment(text) == expected


def test_rss_dates_are_read_too():
    assert feed_moment("Mon, 29 Jun 2026 09:00:00 +0200") == utc(2026, 6, 29, 7, 0)
    assert feed_moment("not a date") is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([200, 404, 500]))
def test_any_bytes_give_warnings_or_a_feed_error(body, status):
    with suppress(FeedError):
        assert isinstance(parse_imgw(status, body), list)


_values = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=3))
_FIELDS = [
    "id",
    "nazwa_zdarzenia",
    "stopien",
    "prawdopodobienstwo",
    "obowiazuje_od",
    "obowiazuje_do",
    "teryt",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(_FIELDS), _values), max_size=5))
def test_odd_records_never_crash_the_parser(records):
    for warning in parse_imgw(200, json.dumps(records).encode()):
        assert 1 <= warning.level <= 3
        assert warning.valid_from.tzinfo is UTC and warning.valid_to >= warning.valid_from


# -- the client ------------------------------------------------------------------------------------


async def test_fetch_reads_a_list_from_the_server():
    async with feed_server() as server, aiohttp.ClientSession() as http:
        server.routes["/api/data/warningsmeteo"] = (200, sample("imgw_list.json"), 0.0)
        warnings = await fetch_imgw(http, server.url("/api/data/warningsmeteo"), timeout=5)
    assert len(warnings) == 4
    assert server.hits == ["/api/data/warningsmeteo"]


async def test_fetch_takes_404_as_no_warnings():
    async with feed_server() as server, aiohttp.ClientSession() as http:
        assert await fetch_imgw(http, server.url("/missing"), timeout=5) == []


async def test_fetch_turns_a_server_error_into_a_feed_error():
    async with feed_server() as server, aiohttp.ClientSession() as http:
        server.routes["/api"] = (500, b"oops", 0.0)
        with pytest.raises(FeedError, match="500"):
            await fetch_imgw(http, server.url("/api"), timeout=5)


async def test_fetch_gives_up_on_a_slow_server_with_a_feed_error():
    async with feed_server() as server, aiohttp.ClientSession() as http:
        server.routes["/api"] = (200, b"[]", 2.0)
        with pytest.raises(FeedError, match="no answer within"):
            await fetch_imgw(http, server.url("/api"), timeout=0.2)


async def test_fetch_from_a_closed_port_is_a_feed_error():
    async with feed_server() as server:
        url = server.url("/api")
    async with aiohttp.ClientSession() as http:
        with pytest.raises(FeedError):
            await fetch_imgw(http, url, timeout=2)
