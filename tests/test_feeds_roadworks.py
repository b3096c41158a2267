"""Road works feeds: GeoJSON road events, RSS and Atom samples, placed in osiedla by their streets,
with items outside Poznań dropped and broken feeds reported as FeedError."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.feeds import FeedError, fetch_roadworks, parse_roadworks
from scheduler.feeds.roadworks import osiedla_for
from tests.test_feeds_imgw import feed_server

SAMPLES = Path(__file__).parent / "data" / "feeds"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def by_id(name: str) -> dict:
    return {work.id: work for work in parse_roadworks(200, sample(name))}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_geojson_events_inside_poznan_with_an_id_are_kept():
    works = by_id("roadworks.geojson")
    # gdd-2026-0042 lies in Gniezno; the last feature has no id.
    assert list(works) == ["zdm-2026-0101", "zdm-2026-0102", "zdm-2026-0103", "zdm-2026-0104"]


def test_geojson_events_are_placed_by_their_street_names():
    works = by_id("roadworks.geojson")
    tracks = works["zdm-2026-0101"]  # WZDx 4: names in core_details, "ul." before the name
    assert (tracks.streets, tracks.osiedla, tracks.impact) == (
        ("Dąbrowskiego",),
        ("Jeżyce",),
        "some-lanes-closed",
    )
    assert tracks.description.startswith("Wymiana torowiska")
    surface = works["zdm-2026-0102"]  # the older flat shape
    assert (surface.streets, surface.osiedla, surface.impact) == (
        ("Garbary",),
        ("Stare Miasto",),
        "all-lanes-closed",
    )


def test_a_street_crossing_several_osiedla_or_no_street_at_all_means_the_whole_city():
    works = by_id("roadworks.geojson")
    assert works["zdm-2026-0103"].streets == ("Głogowska",)
    assert works["zdm-2026-0103"].osiedla is None
    assert works["zdm-2026-0104"].streets == ()
    assert works["zdm-2026-0104"].osiedla is None
    assert works["zdm-2026-0104"].title == "Prace przy sieci ciepłowniczej."


def test_geojson_dates_with_an_offset_in_utc_or_naive_local_time():
    works = by_id("roadworks.geojson")
    assert (works["zdm-2026-0101"].starts, works["zdm-2026-0101"].ends) == (
        utc(2026, 7, 1, 4, 0),
        utc(2026, 8, 31, 20, 0),
    )
    assert works["zdm-2026-0102"].starts == utc(2026, 7, 10, 7, 0)
    assert works["zdm-2026-0103"].starts == utc(2026, 7, 5, 6, 0)  # 08:00 in Poznań, CEST


def test_rss_items_with_event_dates_georss_and_html_descriptions():
    works = by_id("roadworks_rss.xml")
    # utr-1235 is a bridge in Luboń, outside the city; the third item has no guid, so its link is its id.
    assert list(works) == ["utr-1234", "https://www.poznan.pl/utrudnienia/1236"]
    lane = works["utr-1234"]
    assert lane.title == "Remont ul. Dąbrowskiego"
    assert lane.description == "Od poniedziałku zamknięty prawy pas ul. Dąbrowskiego w kierunku centrum."
    assert (lane.starts, lane.ends) == (utc(2026, 7, 1, 4, 0), utc(2026, 7, 31, 18, 0))
    assert (lane.streets, lane.osiedla, lane.link) == (
        ("Dąbrowskiego",),
        ("Jeżyce",),
        "https://www.poznan.pl/utrudnienia/1234",
    )
    gas = works["https://www.poznan.pl/utrudnienia/1236"]
    assert (gas.streets, gas.osiedla, gas.starts, gas.ends) == (("Garbary",), ("Stare Miasto",), None, None)


def test_atom_entries_with_a_georss_line_and_an_osiedle_named_in_the_text():
    works = by_id("roadworks_atom.xml")
    milling = works["urn:poznan:utrudnienia:2001"]
    assert (milling.streets, milling.osiedla) == (("Święty Marcin",), ("Stare Miasto",))
    assert milling.description == "Prace nocne, jezdnia zwężona."
    assert milling.starts == utc(2026, 7, 6, 20, 0)  # 22:00 in Poznań
    assert milling.link == "https://www.poznan.pl/utrudnienia/2001"
    detour = works["urn:poznan:utrudnienia:2002"]
    assert (detour.streets, detour.osiedla, detour.link) == ((), ("Wilda",), None)
    assert detour.description == "Objazd dla autobusów."


def test_an_osiedle_named_in_the_text_narrows_a_street_of_unknown_osiedle():
    assert osiedla_for(["Głogowska"], ["Remont Głogowskiej na Łazarzu"]) == ("Św. Łazarz",)
    assert osiedla_for(["Głogowska"], ["Remont Głogowskiej"]) is None
    assert osiedla_for(["Garbary", "Dąbrowskiego"], [""]) == ("Stare Miasto", "Jeżyce")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b'{"type": "FeatureCollection", "features": [ {"id": '),
        (200, b'{"type": "Feature", "properties": {}}'),
        (200, b'{"type": "FeatureCollection", "features": "none"}'),
        (200, b"[1, 2, 3]"),
        (200, b"<rss><channel><item><title>unclosed</channel></rss>"),
        (200, b"<html><body>Maintenance</body></html>"),
        (200, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel/></rss>'),
        (200, b"plain text"),
        (200, b""),
        (404, sample("roadworks.geojson")),
        (500, b""),
    ],
)
def test_broken_feeds_are_feed_errors(status, body):
    with pytest.raises(FeedError):
        parse_roadworks(status, body)


def test_an_empty_feed_is_no_road_works():
    assert parse_roadworks(200, b'{"type": "FeatureCollection", "features": []}') == []
    assert parse_roadworks(200, b'<rss version="2.0"><channel><title>x</title></channel></rss>') == []


def test_odd_features_are_skipped_not_fatal():
    collection = {
        "type": "FeatureCollection",
        "features": [
            "nonsense",
            {"type": "Feature", "id": "a", "properties": None},
            {"type": "Feature", "id": "b", "properties": {"road_names": 5}, "geometry": {"type": "Point"}},
            {"type": "Feature", "id": "c", "properties": {"start_date": "soon"}, "geometry": "here"},
        ],
    }
    works = parse_roadworks(200, json.dumps(collection).encode())
    assert [(w.id, w.streets, w.starts) for w in works] == [("b", (), None), ("c", (), None)]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=200).map(lambda t: f"<rss>{t}</rss>".encode())))
def test_any_bytes_give_road_works_or_a_feed_error(body):
    with contextlib.suppress(FeedError):
        assert isinstance(parse_roadworks(200, body), list)


async def test_fetch_reads_the_configured_feed():
    async with feed_server() as server, aiohttp.ClientSession() as http:
        server.routes["/utrudnienia.xml"] = (200, sample("roadworks_atom.xml"), 0.0)
        works = await fetch_roadworks(http, server.url("/utrudnienia.xml"), timeout=5)
        assert len(works) == 2
        with pytest.raises(FeedError, match="404"):
            await fetch_roadworks(http, server.url("/gone"), timeout=5)
