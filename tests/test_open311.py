"""Open311 GeoReport v2 conformance: every endpoint and every error, over real HTTP against the
bot's own aiohttp application, on SQLite or PostgreSQL like the rest of the suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import App, build_app
from bot.config import load_settings
from bot.db.models import AuditEntry, OutboxMessage, Report, ReportEvent, Resident
from bot.domain import reports
from bot.domain.categories import CATEGORIES
from bot.web.server import build_web_app
from tests.conversation import FixedClock

KEY = "pzn-partner-7f3a9c"
OTHER_KEY = "second-app-key-42"
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # 10:00 in Poznań (CET, +01:00)
STARY_RYNEK = ("52.408300", "16.933600")  # the Old Market Square
BERLIN = ("52.520000", "13.405000")
PIN = {"lat": STARY_RYNEK[0], "long": STARY_RYNEK[1]}
ANNA = 501


@dataclass
class Api:
    """The HTTP client and the App behind it, so a test can look in the database too."""

    http: TestClient
    app: App

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.http.get("/open311/v2/" + path, params=params) as response:
            return response.status, await response.json()

    async def post(self, data: Any, path: str = "requests.json") -> tuple[int, Any]:
        async with self.http.post("/open311/v2/" + path, data=data) as response:
            return response.status, await response.json()

    async def file(self, **fields: str) -> str:
        """POST a valid request (a pin on the Old Market Square unless told) and return its ticket."""
        data = {"api_key": KEY, "service_code": "roads", "description": "Pothole in front of no. 5"}
        if "address_string" not in fields:
            data.update(lat=STARY_RYNEK[0], long=STARY_RYNEK[1])
        status, body = await self.post({**data, **fields})
        assert status == 201, body
        return body[0]["service_request_id"]


async def start_api(database_url: str, clock: FixedClock, keys: str) -> tuple[TestClient, App]:
    settings = load_settings(
        database_url=database_url, nlu_backend="none", feeds_enabled=False, open311_api_keys=keys
    )
    app = await build_app(settings, clock=clock)
    client = TestClient(TestServer(build_web_app(app)))
    await client.start_server()
    return client, app


@pytest.fixture
async def api(db, database_url, clock) -> AsyncIterator[Api]:
    client, app = await start_api(database_url, clock, f"{KEY}, {OTHER_KEY}")
    yield Api(client, app)
    await client.close()
    await app.close()


def error_of(body: Any) -> str:
    """The description of the spec's one-element error list, after checking its shape."""
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
    return body[0]["description"]


async def add_report(
    api: Api,
    *,
    category: str = "roads",
    at: datetime = NOW,
    resident_id: int | None = None,
    status: str | None = None,
    note: str | None = None,
) -> str:
    """A report filed through the domain layer (as Telegram does), optionally moved to `status`."""
    async with api.app.db.transaction() as session:
        if resident_id is not None and await session.get(Resident, resident_id) is None:
            session.add(Resident(id=resident_id, language="pl", created_at=at, last_seen_at=at))
            await session.flush()
        new = reports.NewReport(
            resident_id=resident_id,
            category=category,
            description=f"{category} problem",
            language="pl",
            street="Głogowska",
            house_number="12",
        )
        report = await reports.file_report(session, new, now=at)
        if status is not None:
            await reports.change_status(session, report.ticket, status, note=note, actor="staff:1", now=at)
        return report.ticket


# -- services ------------------------------------------------------------------------------------
async def test_services_lists_every_category_with_its_code(api):
    async with api.http.get("/open311/v2/services.json") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        services = await response.json()
    assert [s["service_code"] for s in services] == [c.code for c in CATEGORIES]
    roads = services[0]
    assert roads["service_name"] == "Roads and pavements"  # no emoji for machines
    assert roads["description"] == "Potholes, damaged roads, pavements and kerbs"
    assert roads["metadata"] is False and roads["type"] == "realtime"
    assert all(s["service_name"][0].isalpha() for s in services)


async def test_service_definition_and_unknown_service(api):
    status, body = await api.get("services/roads.json")
    assert (status, body) == (200, {"service_code": "roads", "attributes": []})
    status, body = await api.get("services/potholes.json")
    assert status == 404
    assert "potholes" in error_of(body) and body[0]["code"] == 404


async def test_unknown_resource_is_a_json_404(api):
    status, body = await api.get("tickets.json")
    assert status == 404
    assert "services.json" in error_of(body)


@pytest.mark.parametrize(
    "path", ["services.xml", "services/roads.xml", "requests.xml", "requests/PZN-2026-000001.xml"]
)
async def test_xml_urls_are_refused_with_a_pointer_to_json(api, path):
    status, body = await api.get(path)
    assert status == 400
    assert "JSON" in error_of(body)


async def test_posting_to_the_xml_url_files_nothing(api):
    status, body = await api.post({"api_key": KEY, "service_code": "roads"}, path="requests.xml")
    assert status == 400 and "JSON" in error_of(body)
    async with api.app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0


# -- jurisdiction --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["services.json", "services/roads.json", "requests.json"])
async def test_our_jurisdiction_is_accepted_and_another_is_not_found(api, path):
    status, _body = await api.get(path, jurisdiction_id="poznan.pl")
    assert status == 200
    status, _body = await api.get(path, jurisdiction_id="Poznan.PL")
    assert status == 200
    status, body = await api.get(path, jurisdiction_id="warszawa.pl")
    assert status == 404
    assert "warszawa.pl" in error_of(body)


async def test_a_post_for_another_jurisdiction_is_not_found_and_not_filed(api):
    data = {"api_key": KEY, "service_code": "roads", "description": "Hole", "jurisdiction_id": "krakow.pl"}
    status, body = await api.post({**data, "lat": STARY_RYNEK[0], "long": STARY_RYNEK[1]})
    assert status == 404 and "krakow.pl" in error_of(body)
    ticket = await api.file(jurisdiction_id="poznan.pl")
    status, body = await api.get(f"requests/{ticket}.json", jurisdiction_id="krakow.pl")
    assert status == 404


# -- creating a request --------------------------------------------------------------------------
async def test_created_request_is_a_report_like_any_other(api):
    status, body = await api.post(
        {
            "api_key": KEY,
            "jurisdiction_id": "poznan.pl",
            "service_code": "street_lighting",
            "description": "Lamp out since Monday",
            "lat": STARY_RYNEK[0],
            "long": STARY_RYNEK[1],
            "email": "Jan.Kowalski@Example.COM",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "phone": "+48 600 100 200",
            "device_id": "device-1",
            "account_id": "acc-9",
            "media_url": "https://example.com/lamp.jpg",
        }
    )
    assert status == 201
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    ticket = body[0]["service_request_id"]
    assert ticket == "PZN-2026-000001"
    assert body[0]["account_id"] is None and body[0]["service_notice"].startswith("Received")
    async with api.app.db.transaction() as session:
        report = await reports.by_ticket(session, ticket)
        assert (report.source, report.resident_id, report.category) == ("open311", None, "street_lighting")
        assert (report.latitude, report.longitude) == (52.4083, 16.9336)
        assert report.media_url == "https://example.com/lamp.jpg"
        assert report.contact == {
            "email": "Jan.Kowalski@example.com",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "phone": "+48 600 100 200",
            "device_id": "device-1",
            "account_id": "acc-9",
        }
        assert report.status == "new"
    status, found = await api.get(f"requests/{ticket}.json")
    assert status == 200
    assert found[0]["service_request_id"] == ticket
    assert found[0]["status"] == "open"
    assert found[0]["service_code"] == "street_lighting"
    assert found[0]["description"] == "Lamp out since Monday"
    assert found[0]["media_url"] == "https://example.com/lamp.jpg"
    assert found[0]["requested_datetime"] == "2026-11-29T10:00:00+01:00"
    status, listed = await api.get("requests.json")
    assert [r["service_request_id"] for r in listed] == [ticket]


async def test_get_never_returns_the_requesters_contact_details(api):
    ticket = await api.file(
        email="anna.nowak@example.org", first_name="Anna", last_name="Nowakowska", phone="600100200",
        device_id="dev-secret-77", account_id="acct-secret-88",
    )  # fmt: skip
    for path in (f"requests/{ticket}.json", "requests.json"):
        async with api.http.get("/open311/v2/" + path) as response:
            text = await response.text()
            body = await response.json()
        assert body[0]["service_request_id"] == ticket
        for secret in ("anna.nowak", "Nowakowska", "600100200", "dev-secret-77", "acct-secret-88"):
            assert secret not in text
        assert not {"email", "first_name", "last_name", "phone", "device_id", "account_id", "contact"} & set(
            body[0]
        )


async def test_address_string_is_resolved_by_the_gazetteer(api):
    ticket = await api.file(address_string="ul. Głogowska 12")
    async with api.app.db.transaction() as session:
        report = await reports.by_ticket(session, ticket)
        assert (report.street, report.house_number, report.latitude) == ("Głogowska", "12", None)
    _status, found = await api.get(f"requests/{ticket}.json")
    assert found[0]["address"] == "Głogowska 12"
    assert found[0]["lat"] is None and found[0]["long"] is None


async def test_a_pin_with_an_address_keeps_both(api):
    ticket = await api.file(address_string="Głogowska 12", lat=STARY_RYNEK[0], long=STARY_RYNEK[1])
    _status, found = await api.get(f"requests/{ticket}.json")
    assert (found[0]["lat"], found[0]["long"]) == (52.4083, 16.9336)
    assert found[0]["address"] == "Głogowska 12"


async def test_every_created_request_is_audited_with_the_key_prefix(api):
    first = await api.file()
    second = await api.file(api_key=OTHER_KEY, service_code="graffiti")
    async with api.app.db.transaction() as session:
        entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
        events = (await session.execute(select(ReportEvent).order_by(ReportEvent.id))).scalars().all()
    filed = [(e.actor, e.action, e.target) for e in entries if e.action == "report.filed"]
    assert filed == [("open311:pzn-…", "report.filed", first), ("open311:seco…", "report.filed", second)]
    assert [e.actor for e in events] == ["open311:pzn-…", "open311:seco…"]
    assert all(KEY not in (e.actor or "") for e in entries)


async def test_a_second_request_nearby_is_told_about_the_first(api):
    first = await api.file()
    status, body = await api.post(
        {"api_key": KEY, "service_code": "roads", "description": "Same hole",
         "lat": "52.40832", "long": "16.93362"}
    )  # fmt: skip
    assert status == 201
    assert first in body[0]["service_notice"]
    assert body[0]["service_request_id"] != first


async def test_an_emergency_is_filed_but_the_notice_says_call_112(api):
    status, body = await api.post(
        {"api_key": KEY, "service_code": "other", "description": "Pożar śmietnika przy bloku",
         "lat": STARY_RYNEK[0], "long": STARY_RYNEK[1]}
    )  # fmt: skip
    assert status == 201 and "112" in body[0]["service_notice"]


async def test_description_up_to_the_limit_is_accepted_longer_is_refused(api):
    longest = "x" * reports.MAX_DESCRIPTION
    ticket = await api.file(description=longest)
    _status, found = await api.get(f"requests/{ticket}.json")
    assert found[0]["description"] == longest
    status, body = await api.post(
        {"api_key": KEY, "service_code": "roads", "description": longest + "x",
         "lat": STARY_RYNEK[0], "long": STARY_RYNEK[1]}
    )  # fmt: skip
    assert status == 400 and str(reports.MAX_DESCRIPTION) in error_of(body)


async def test_description_is_returned_as_given_markup_and_all(api):
    text = '<script>alert("x")</script> & "quotes" \\ ünïcödé'
    ticket = await api.file(description=text)
    _status, found = await api.get(f"requests/{ticket}.json")
    assert found[0]["description"] == text


# -- errors on POST ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    [None, "", "wrong-key", KEY[:-1], KEY + "x", f"{KEY},{OTHER_KEY}", KEY.upper()],
    ids=["missing", "empty", "wrong", "prefix", "longer", "both", "case"],
)
async def test_a_missing_or_wrong_api_key_is_forbidden(api, key):
    data = {"service_code": "roads", "description": "Hole", "lat": STARY_RYNEK[0], "long": STARY_RYNEK[1]}
    if key is not None:
        data["api_key"] = key
    status, body = await api.post(data)
    assert status == 403
    assert "api_key" in error_of(body)
    async with api.app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0


async def test_the_key_is_checked_before_the_parameters(api):
    status, body = await api.post({"service_code": "no-such-service"})
    assert status == 403 and "api_key" in error_of(body)


async def test_without_configured_keys_no_key_is_accepted(db, database_url, clock):
    client, app = await start_api(database_url, clock, "")
    try:
        closed = Api(client, app)
        for key in ("", "anything", ","):
            status, body = await closed.post({"api_key": key, "service_code": "roads", "description": "x"})
            assert status == 403, key
            assert "api_key" in error_of(body)
        status, _body = await closed.get("services.json")
        assert status == 200  # reading stays open
    finally:
        await client.close()
        await app.close()


BAD_REQUESTS = {
    "no service_code": ({"description": "Hole", **PIN}, "service_code"),
    "no description": ({"service_code": "roads", **PIN}, "description"),
    "blank description": (
        {"service_code": "roads", "description": "   ", **PIN},
        "description",
    ),
    "no location": ({"service_code": "roads", "description": "Hole"}, "location"),
    "lat without long": ({"service_code": "roads", "description": "Hole", "lat": "52.4083"}, "together"),
    "lat not a number": (
        {"service_code": "roads", "description": "Hole", "lat": "north", "long": "16.9"},
        "lat is not a number",
    ),
    "lat not finite": (
        {"service_code": "roads", "description": "Hole", "lat": "nan", "long": "16.9"},
        "out of range",
    ),
    "outside the city": (
        {"service_code": "roads", "description": "Hole", "lat": BERLIN[0], "long": BERLIN[1]},
        "outside",
    ),
    "unknown street": (
        {"service_code": "roads", "description": "Hole", "address_string": "Qwxzyj Street 5"},
        "address_string",
    ),
    "address_id only": ({"service_code": "roads", "description": "Hole", "address_id": "123"}, "address_id"),
    "bad e-mail": (
        {"service_code": "roads", "description": "Hole", **PIN, "email": "jan@"},
        "email",
    ),
    "long phone": (
        {"service_code": "roads", "description": "Hole", **PIN, "phone": "1" * 33},
        "phone",
    ),
    "media_url not http": (
        {"service_code": "roads", "description": "Hole", **PIN,
         "media_url": "javascript:alert(1)"},
        "media_url",
    ),
    "attribute": (
        {"service_code": "roads", "description": "Hole", **PIN,
         "attribute[depth]": "10cm"},
        "attribute",
    ),
    "NUL character": (
        {"service_code": "roads", "description": "Hole\x00", **PIN},
        "NUL",
    ),
}  # fmt: skip


@pytest.mark.parametrize("data, mentions", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
async def test_bad_or_missing_parameters_are_a_400(api, data, mentions):
    status, body = await api.post({"api_key": KEY, **data})
    assert status == 400
    assert mentions in error_of(body)
    async with api.app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0


async def test_an_unknown_service_code_is_a_404(api):
    status, body = await api.post({"api_key": KEY, "service_code": "potholes", "description": "Hole", **PIN})
    assert status == 404 and "potholes" in error_of(body)


async def test_a_file_upload_is_refused_in_favour_of_media_url(api):
    form = aiohttp.FormData()
    for name, value in {"api_key": KEY, "service_code": "roads", "description": "Hole"}.items():
        form.add_field(name, value)
    form.add_field("media", b"\xff\xd8\xff", filename="hole.jpg", content_type="image/jpeg")
    status, body = await api.post(form)
    assert status == 400 and "media_url" in error_of(body)


# -- searching -----------------------------------------------------------------------------------
async def test_unknown_request_is_a_404_and_tickets_are_case_insensitive(api):
    ticket = await api.file()
    status, body = await api.get("requests/PZN-2026-999999.json")
    assert status == 404 and "PZN-2026-999999" in error_of(body)
    status, found = await api.get(f"requests/{ticket.lower()}.json")
    assert status == 200 and found[0]["service_request_id"] == ticket


async def test_telegram_reports_are_listed_too(api):
    from_telegram = await add_report(api, resident_id=ANNA)
    from_api = await api.file()
    _status, listed = await api.get("requests.json")
    assert {r["service_request_id"] for r in listed} == {from_telegram, from_api}
    telegram = next(r for r in listed if r["service_request_id"] == from_telegram)
    assert telegram["address"] == "Głogowska 12" and telegram["media_url"] is None


async def test_statuses_map_to_open_and_closed_with_notes(api):
    new = await add_report(api)
    working = await add_report(api, status="in_progress")
    fixed = await add_report(api, status="resolved", note="Patched on Friday")
    rejected = await add_report(api, status="rejected", note="Private land")
    _status, listed = await api.get("requests.json")
    by_ticket = {r["service_request_id"]: r for r in listed}
    assert {t: by_ticket[t]["status"] for t in (new, working, fixed, rejected)} == {
        new: "open", working: "open", fixed: "closed", rejected: "closed"
    }  # fmt: skip
    assert by_ticket[working]["status_notes"] == "in progress"
    assert by_ticket[fixed]["status_notes"] == "Patched on Friday"
    _status, open_ones = await api.get("requests.json", status="open")
    assert {r["service_request_id"] for r in open_ones} == {new, working}
    _status, closed_ones = await api.get("requests.json", status="closed")
    assert {r["service_request_id"] for r in closed_ones} == {fixed, rejected}
    _status, both = await api.get("requests.json", status="open,closed")
    assert len(both) == 4
    status, body = await api.get("requests.json", status="pending")
    assert status == 400 and "status" in error_of(body)


async def test_filter_by_service_code_comma_list_or_repeated(api):
    roads = await add_report(api, category="roads")
    graffiti = await add_report(api, category="graffiti")
    await add_report(api, category="animals")
    _status, found = await api.get("requests.json", service_code="roads,graffiti")
    assert {r["service_request_id"] for r in found} == {roads, graffiti}
    async with api.http.get("/open311/v2/requests.json?service_code=roads&service_code=graffiti") as response:
        assert {r["service_request_id"] for r in await response.json()} == {roads, graffiti}
    _status, found = await api.get("requests.json", service_code="graffiti")
    assert [r["service_request_id"] for r in found] == [graffiti]
    status, body = await api.get("requests.json", service_code="potholes")
    assert status == 404 and "potholes" in error_of(body)


async def test_service_request_id_list_ignores_the_other_filters(api):
    first = await add_report(api, category="roads")
    second = await add_report(api, category="graffiti", status="resolved")
    await add_report(api, category="roads")
    _status, found = await api.get(
        "requests.json", service_request_id=f"{first}, {second.lower()},PZN-2026-999999", status="open"
    )
    assert {r["service_request_id"] for r in found} == {first, second}
    status, body = await api.get("requests.json", service_request_id=",".join(["PZN-2026-000001"] * 101))
    assert status == 400 and "100" in error_of(body)


async def test_date_filters_take_offsets_and_compare_instants(api):
    early = await add_report(api, at=NOW - timedelta(days=2))  # 27 Nov 10:00 Poznań
    middle = await add_report(api, at=NOW - timedelta(days=1))  # 28 Nov 10:00 Poznań
    late = await add_report(api, at=NOW)  # 29 Nov 10:00 Poznań

    async def tickets(**params: str) -> set[str]:
        status, found = await api.get("requests.json", **params)
        assert status == 200, found
        return {r["service_request_id"] for r in found}

    # 28 Nov 10:00 Poznań is 09:00Z and 11:00+02:00: the same instant in three spellings.
    assert await tickets(start_date="2026-11-28T10:00:00+01:00") == {middle, late}
    assert await tickets(start_date="2026-11-28T09:00:00Z") == {middle, late}
    assert await tickets(start_date="2026-11-28T11:00:00+02:00") == {middle, late}
    assert await tickets(start_date="2026-11-28T10:00:01+01:00") == {late}
    assert await tickets(end_date="2026-11-28T10:00:00+01:00") == {early, middle}
    assert await tickets(start_date="2026-11-28T00:00:00+01:00", end_date="2026-11-28T23:59:59+01:00") == {
        middle
    }
    assert await tickets(start_date="2026-11-28T10:00:00") == {middle, late}  # no offset: Poznań time
    # An unencoded "+" arrives as a space; it still means +01:00.
    async with api.http.get("/open311/v2/requests.json?start_date=2026-11-28T10:00:01+01:00") as response:
        assert {r["service_request_id"] for r in await response.json()} == {late}
    _status, found = await api.get("requests.json", service_request_id=early)
    assert found[0]["requested_datetime"] == "2026-11-27T10:00:00+01:00"


async def test_bad_dates_are_a_400(api):
    for params in (
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01T00:00:00Z"},
        {"start_date": "2026-11-29T00:00:00Z", "end_date": "2026-11-28T00:00:00Z"},
    ):
        status, body = await api.get("requests.json", **params)
        assert status == 400, params
        assert "date" in error_of(body)


async def test_default_search_covers_the_last_90_days(api):
    recent = await add_report(api, at=NOW - timedelta(days=89))
    old = await add_report(api, at=NOW - timedelta(days=91))
    _status, found = await api.get("requests.json")
    assert [r["service_request_id"] for r in found] == [recent]
    _status, found = await api.get("requests.json", start_date="2026-01-01T00:00:00+01:00")
    assert [r["service_request_id"] for r in found] == [recent, old]  # newest first


async def test_summer_times_carry_the_summer_offset(api):
    ticket = await add_report(api, at=datetime(2026, 7, 1, 8, 30, tzinfo=UTC))
    _status, found = await api.get(f"requests/{ticket}.json")
    assert found[0]["requested_datetime"] == "2026-07-01T10:30:00+02:00"
    assert found[0]["updated_datetime"] == "2026-07-01T10:30:00+02:00"


async def test_sql_looking_parameters_are_just_text(api):
    ticket = await api.file(description="'); DROP TABLE reports; --")
    injections = {
        "service_request_id": "PZN-2026-000001' OR '1'='1",
        "status": "open' OR 1=1 --",
        "service_code": "roads' OR '1'='1",
        "start_date": "2026-01-01'; DELETE FROM reports; --",
    }
    status, found = await api.get("requests.json", service_request_id=injections["service_request_id"])
    assert (status, found) == (200, [])
    for name in ("status", "start_date"):
        status, body = await api.get("requests.json", **{name: injections[name]})
        assert status == 400, name
        error_of(body)
    status, body = await api.get("requests.json", service_code=injections["service_code"])
    assert status == 404
    status, body = await api.get("requests/PZN-2026-000001' OR '1'='1.json")
    assert status == 404
    _status, found = await api.get(f"requests/{ticket}.json")
    assert found[0]["description"] == "'); DROP TABLE reports; --"
    async with api.app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 1


# -- Telegram residents and API reports ----------------------------------------------------------
async def test_a_telegram_resident_can_follow_an_api_report(api, clock):
    ticket = await api.file()
    async with api.app.db.transaction() as session:
        session.add(Resident(id=ANNA, language="en", created_at=NOW, last_seen_at=NOW))
        await session.flush()
        # The Telegram flow finds it as a duplicate at the same place ...
        nearby = await reports.open_duplicates(session, "roads", latitude=52.4083, longitude=16.9336)
        assert [r.ticket for r in nearby] == [ticket]
        # ... and the resident follows it (+1).
        assert await reports.follow(session, ticket, ANNA, now=NOW) is True
        assert await reports.follow(session, ticket, ANNA, now=NOW) is False
    async with api.app.db.transaction() as session:
        visible = await reports.visible_to(session, ticket, ANNA)
        assert visible is not None and visible.source == "open311"
        total, mine = await reports.reports_of(session, ANNA)
        assert (total, [r.ticket for r in mine]) == (1, [ticket])
        await reports.change_status(session, ticket, "resolved", note="Fixed", actor="staff:1", now=NOW)
    async with api.app.db.transaction() as session:
        queued = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [(m.resident_id, m.kind) for m in queued] == [(ANNA, "report.status")]
    assert ticket in queued[0].text
    _status, found = await api.get(f"requests/{ticket}.json")
    assert (found[0]["status"], found[0]["status_notes"]) == ("closed", "Fixed")
