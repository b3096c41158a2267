"""The day's visits at one office, for the front desk: a table that prints on one sheet."""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web
from sqlalchemy import select

from bot.db.models import Booking, Resident
from bot.domain.offices import MATTERS_BY_CODE, OFFICES, OFFICES_BY_CODE
from bot.i18n import CITY_ZONE, _
from bot.web.panel.auth import citybot, requires
from bot.web.panel.pages import render


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else datetime.now(CITY_ZONE).date()
    except ValueError:
        return datetime.now(CITY_ZONE).date()


def matter_label(code: str) -> str:
    matter = MATTERS_BY_CODE.get(code)
    return _(matter.label) if matter else code


@requires("agent")
async def day_sheet(request: web.Request) -> web.StreamResponse:
    office = request.query.get("office", "")
    office = office if office in OFFICES_BY_CODE else OFFICES[0].code
    day = _day(request.query.get("day"))
    async with citybot(request).db.transaction() as session:
        query = (
            select(Booking, Resident.display_name)
            .outerjoin(Resident, Resident.id == Booking.resident_id)
            .where(Booking.office == office, Booking.day == day, Booking.status == "active")
            .order_by(Booking.starts_at, Booking.desk)
        )
        visits = [(booking, name) for booking, name in (await session.execute(query)).all()]
    return render(
        request, "bookings.html", visits=visits, office=OFFICES_BY_CODE[office], offices=OFFICES, shown=day,
        matter_label=matter_label,
    )  # fmt: skip
