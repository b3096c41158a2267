"""Open311 GeoReport v2 without HTTP: the service list, a new request's parameters checked and
turned into a report, the search behind GET requests, and a report in the spec's JSON shape.

The web adapter (bot/web/open311.py) only reads parameters, checks the key and writes responses,
so these rules can be tested without a server. Texts here are for machines and stay English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Report, ReportEvent
from bot.domain import reports
from bot.domain.categories import BY_CODE, CATEGORIES, Category
from bot.domain.emergency import is_emergency
from bot.domain.geo import in_city
from bot.domain.identity import InvalidEmail, check_email
from bot.i18n import CITY_ZONE, to_city_time
from nlu.gazetteer import default_gazetteer

SOURCE = "open311"
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default search: the last 90 days ...
MAX_RESULTS = 1000  # ... and no more than 1000 requests
MAX_IDS = 100
MAX_ADDRESS = 256
MAX_MEDIA_URL = 1024  # the reports.media_url column
# The requester's details kept in reports.contact (never returned by GET); limits keep rows small.
CONTACT_FIELDS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "phone": 32,
    "device_id": 128,
    "account_id": 128,
}
CLOSED_STATUSES = tuple(status for status in reports.STATUS_LABELS if status not in reports.OPEN_STATUSES)
# An unencoded "+" in a query string arrives as a space: "2026-11-29T10:00:00 01:00".
_PLUS_AS_SPACE = re.compile(r"^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$")


class Open311Error(Exception):
    """A request the API refuses: `status` is the HTTP status, `description` goes to the client."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- services ------------------------------------------------------------------------------------
def service_name(category: Category) -> str:
    """The English label without its emoji ("Roads and pavements"): names are for machines too."""
    head, _space, rest = category.label.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in head) else category.label


def service_list() -> list[dict[str, Any]]:
    """Every report category as a service; none has extra questions, so metadata is false."""
    return [
        {
            "service_code": category.code,
            "service_name": service_name(category),
            "description": category.description,
            "metadata": False,
            "type": "realtime",  # the ticket is issued in the POST's answer
            "keywords": "",
            "group": "Public space",
        }
        for category in CATEGORIES
    ]


def service_definition(code: str) -> dict[str, Any]:
    """The attributes a service asks for: none today, the Telegram flow asks every kind the same."""
    return {"service_code": category_of(code).code, "attributes": []}


def category_of(code: str) -> Category:
    category = BY_CODE.get(code)
    if category is None:
        raise Open311Error(404, f"service_code {code[:64]!r} not found")
    return category


# -- creating a request ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Place:
    latitude: float | None = None
    longitude: float | None = None
    street: str | None = None
    house_number: str | None = None
    osiedle: str | None = None


def new_report(
    params: Mapping[str, str], *, actor: str, language: str, boundary_file: str | None = None
) -> reports.NewReport:
    """The report a POST asks for, or Open311Error(400/404) naming the first wrong parameter."""
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    category = category_of(code)
    for name in params:
        if name.startswith("attribute["):
            raise Open311Error(400, f"service {category.code} has no attribute {name[10:-1][:64]!r}")
    description = params.get("description", "")
    if not description.strip():
        raise Open311Error(400, "description was not provided")
    if len(description) > reports.MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {reports.MAX_DESCRIPTION} characters")
    place = resolve_place(params, boundary_file)
    return reports.NewReport(
        resident_id=None,
        category=category.code,
        description=description,
        language=language,
        latitude=place.latitude,
        longitude=place.longitude,
        street=place.street,
        house_number=place.house_number,
        osiedle=place.osiedle,
        source=SOURCE,
        contact=contact_of(params),
        media_url=media_url_of(params),
        actor=actor,
    )


def resolve_place(params: Mapping[str, str], boundary_file: str | None = None) -> Place:
    """A pin inside Poznań, or a street the gazetteer knows (what the Telegram flow accepts).

    With both, the pin places the report and a known street is kept too, for the duplicate search.
    """
    lat, lon = params.get("lat", "").strip(), params.get("long", "").strip()
    address = params.get("address_string", "").strip()
    if len(address) > MAX_ADDRESS:
        raise Open311Error(400, f"address_string is longer than {MAX_ADDRESS} characters")
    street = _street(address) if address else None
    if lat or lon:
        latitude, longitude = _coordinate("lat", lat, 90), _coordinate("long", lon, 180)
        if not in_city(latitude, longitude, boundary_file):
            raise Open311Error(400, "lat/long is outside the city of Poznań")
        return Place(round(latitude, 6), round(longitude, 6), *(street or (None, None, None)))
    if street is not None:
        return Place(None, None, *street)
    if address:
        raise Open311Error(400, "address_string is not a street of Poznań; send lat and long instead")
    if params.get("address_id", "").strip():
        raise Open311Error(400, "address_id is not supported; send lat and long, or address_string")
    raise Open311Error(400, "a location was not provided: send lat and long, or address_string")


def _coordinate(name: str, text: str, limit: float) -> float:
    if not text:
        raise Open311Error(400, "lat and long must be given together")
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(400, f"{name} is out of range")
    return value


def _street(address: str) -> tuple[str, str | None, str | None] | None:
    """(street, house number, osiedle) of the first street named in the text, as handlers/report.py."""
    gazetteer = default_gazetteer()
    matches = gazetteer.find_streets(address)
    if not matches:
        return None
    street = matches[0].street
    number = (matches[0].house_number or "")[:16] or None
    return street.label, number, gazetteer.osiedle_of(street) or None


def contact_of(params: Mapping[str, str]) -> dict[str, str] | None:
    """The requester's details as given (e-mail checked), or None when there are none."""
    contact: dict[str, str] = {}
    for name, limit in CONTACT_FIELDS.items():
        value = params.get(name, "").strip()
        if not value:
            continue
        if len(value) > limit:
            raise Open311Error(400, f"{name} is longer than {limit} characters")
        contact[name] = value
    if "email" in contact:
        try:
            contact["email"] = check_email(contact["email"])
        except InvalidEmail:
            raise Open311Error(400, "email is not a valid e-mail address") from None
    return contact or None


def media_url_of(params: Mapping[str, str]) -> str | None:
    url = params.get("media_url", "").strip()
    if not url:
        return None
    if len(url) > MAX_MEDIA_URL or not url.lower().startswith(("https://", "http://")) or " " in url:
        raise Open311Error(400, f"media_url must be an http(s) URL of at most {MAX_MEDIA_URL} characters")
    return url


async def file_request(session: AsyncSession, new: reports.NewReport, *, now: datetime) -> tuple[str, str]:
    """File the report like any other; (ticket, service_notice). Open reports of the same kind
    nearby are named in the notice, so the client can tell its user about them."""
    nearby = await reports.open_duplicates(
        session,
        new.category,
        latitude=new.latitude,
        longitude=new.longitude,
        street=new.street,
        house_number=new.house_number,
    )
    report = await reports.file_report(session, new, now=now)
    notice = "Received; city staff will review the request."
    if nearby:
        notice += " Similar open requests nearby: " + ", ".join(r.ticket for r in nearby) + "."
    if is_emergency(new.description):
        notice += " If anyone is in danger, call 112 now."
    return report.ticket, notice


# -- searching -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Search:
    """What GET requests asks for; with tickets, the other filters are ignored (as the spec says)."""

    tickets: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # our statuses, from the spec's open/closed
    start: datetime | None = None
    end: datetime | None = None


def parse_search(params: Mapping[str, str], *, now: datetime) -> Search:
    tickets = _list(params, "service_request_id")
    if len(tickets) > MAX_IDS:
        raise Open311Error(400, f"at most {MAX_IDS} service_request_id values at once")
    if tickets:
        return Search(tickets=tuple(ticket.upper() for ticket in tickets))
    codes = tuple(category_of(code).code for code in _list(params, "service_code"))
    statuses: list[str] = []
    for status in _list(params, "status"):
        if status.lower() not in ("open", "closed"):
            raise Open311Error(400, "status must be open or closed")
        statuses += reports.OPEN_STATUSES if status.lower() == "open" else CLOSED_STATUSES
    start = parse_datetime("start_date", params["start_date"]) if params.get("start_date") else None
    end = parse_datetime("end_date", params["end_date"]) if params.get("end_date") else None
    if start is not None and end is not None and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start is None:
        start = (end or now) - DEFAULT_WINDOW
    return Search((), codes, tuple(dict.fromkeys(statuses)), start, end)


def parse_datetime(name: str, text: str) -> datetime:
    """ISO 8601 with an offset or Z; a time without one is read as Poznań's local time."""
    text = _PLUS_AS_SPACE.sub(r"\1+\2", text.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_ZONE)
    return moment.astimezone(UTC)


def _list(params: Mapping[str, str], name: str) -> list[str]:
    return [part.strip() for part in params.get(name, "").split(",") if part.strip()]


async def find_requests(session: AsyncSession, search: Search) -> list[Report]:
    """Matching reports from every channel, newest first, at most MAX_RESULTS."""
    query = select(Report)
    if search.tickets:
        query = query.where(Report.ticket.in_(search.tickets))
    if search.service_codes:
        query = query.where(Report.category.in_(search.service_codes))
    if search.statuses:
        query = query.where(Report.status.in_(search.statuses))
    if search.start is not None:
        query = query.where(Report.created_at >= search.start)
    if search.end is not None:
        query = query.where(Report.created_at <= search.end)
    query = query.order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_RESULTS)
    return list((await session.execute(query)).scalars())


async def one_request(session: AsyncSession, ticket: str) -> Report:
    try:
        return await reports.by_ticket(session, ticket)
    except reports.ReportNotFound:
        raise Open311Error(404, f"service_request_id {ticket[:32]!r} not found") from None


async def latest_notes(session: AsyncSession, report_ids: list[int]) -> dict[int, str | None]:
    """The note of each report's latest history entry, in one query for the whole page."""
    notes: dict[int, str | None] = {}
    if not report_ids:
        return notes
    query = (
        select(ReportEvent.report_id, ReportEvent.note)
        .where(ReportEvent.report_id.in_(report_ids))
        .order_by(ReportEvent.id)
    )
    for report_id, note in await session.execute(query):
        notes[report_id] = note
    return notes


def as_service_request(report: Report, note: str | None) -> dict[str, Any]:
    """The spec's service request; the requester's contact details are never part of it."""
    category = BY_CODE.get(report.category)
    address = f"{report.street} {report.house_number or ''}".strip() if report.street else None
    return {
        "service_request_id": report.ticket,
        "status": "open" if report.status in reports.OPEN_STATUSES else "closed",
        # Staff's note when there is one, else our finer status ("in progress", "duplicate").
        "status_notes": note or reports.STATUS_LABELS.get(report.status, report.status),
        "service_name": service_name(category) if category else report.category,
        "service_code": report.category,
        "description": report.description,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": iso(report.created_at),
        "updated_datetime": iso(report.updated_at),
        "expected_datetime": None,
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": report.media_url,
    }


def iso(moment: datetime) -> str:
    """Poznań's local time with its offset: 2026-11-29T10:15:00+01:00."""
    return to_city_time(moment).isoformat(timespec="seconds")
