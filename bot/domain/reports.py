"""Problem reports: ticket numbers, filing, duplicates nearby, status changes with history, followers.

Plain async functions over a session; every status change is written with its history entry, an
audit entry and the residents' notifications in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Report, ReportEvent, ReportFollower, ReportPhoto, TicketCounter
from bot.domain import audit, outbox
from bot.domain.categories import BY_CODE
from bot.domain.geo import box_around, distance_m
from bot.i18n import N_, _, format_date, to_city_time

OPEN_STATUSES = ("new", "in_progress")
STATUS_LABELS = {
    "new": N_("new"),
    "in_progress": N_("in progress"),
    "resolved": N_("resolved"),
    "rejected": N_("rejected"),
    "duplicate": N_("duplicate"),
}
# Which status may follow which; staff may reopen a closed report, "no, not fixed" reopens too.
TRANSITIONS = {
    "new": {"in_progress", "resolved", "rejected", "duplicate"},
    "in_progress": {"resolved", "rejected", "duplicate"},
    "resolved": {"in_progress"},
    "rejected": {"in_progress"},
    "duplicate": {"in_progress"},
}
DUPLICATE_RADIUS_M = 50.0
MAX_DESCRIPTION = 2000
TICKET_PREFIX = "PZN"


class ReportError(Exception):
    """A report operation the rules do not allow; the message is for logs and staff tools."""


class ReportNotFound(ReportError):
    pass


class InvalidTransition(ReportError):
    pass


@dataclass(frozen=True, slots=True)
class NewReport:
    resident_id: int | None  # None for a report filed through Open311
    category: str
    description: str
    language: str
    latitude: float | None = None
    longitude: float | None = None
    street: str | None = None
    house_number: str | None = None
    osiedle: str | None = None
    photos: tuple[str, ...] = ()
    source: str = "telegram"  # or "open311"
    contact: dict[str, str] | None = None  # an Open311 requester's details; never shown publicly
    media_url: str | None = None
    actor: str | None = None  # who filed it, for history and audit; the resident by default


def format_ticket(year: int, number: int) -> str:
    return f"{TICKET_PREFIX}-{year}-{number:06d}"


async def next_ticket(session: AsyncSession, year: int) -> str:
    """The next number of the year, atomically: a row lock (PostgreSQL) or the writer lock (SQLite)."""
    bump = (
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )
    number = await session.scalar(bump)
    if number is None:
        await _ensure_counter(session, year)
        number = await session.scalar(bump)
    return format_ticket(year, int(number))


async def _ensure_counter(session: AsyncSession, year: int) -> None:
    dialect = session.bind.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    await session.execute(upsert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())


async def file_report(session: AsyncSession, new: NewReport, *, now: datetime) -> Report:
    """Create the report with its ticket, photos and first history entry."""
    if new.category not in BY_CODE:
        raise ReportError(f"unknown category {new.category!r}")
    if not new.description.strip() or len(new.description) > MAX_DESCRIPTION:
        raise ReportError("description must be 1..2000 characters")
    ticket = await next_ticket(session, to_city_time(now).year)
    report = Report(
        ticket=ticket,
        resident_id=new.resident_id,
        category=new.category,
        description=new.description.strip(),
        street=new.street,
        house_number=new.house_number,
        osiedle=new.osiedle,
        latitude=new.latitude,
        longitude=new.longitude,
        status="new",
        language=new.language,
        created_at=now,
        updated_at=now,
        source=new.source,
        contact=new.contact,
        media_url=new.media_url,
    )
    session.add(report)
    await session.flush()
    if new.photos:
        await session.execute(
            insert(ReportPhoto),
            [
                {"report_id": report.id, "file_id": file_id, "position": n}
                for n, file_id in enumerate(new.photos)
            ],
        )
    actor = new.actor or _resident(new.resident_id)
    session.add(ReportEvent(report_id=report.id, status="new", note=None, actor=actor, at=now))
    await audit.record(session, actor, "report.filed", ticket, at=now)
    return report


async def open_duplicates(
    session: AsyncSession,
    category: str,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    street: str | None = None,
    house_number: str | None = None,
    radius_m: float = DUPLICATE_RADIUS_M,
    limit: int = 3,
) -> list[Report]:
    """Open reports of the category within `radius_m` of the pin, or at the same address.

    The pin search asks the (category, status, latitude, longitude) index for a bounding box and
    checks the exact distance only for what falls inside it.
    """
    found: dict[int, tuple[float, Report]] = {}
    if latitude is not None and longitude is not None:
        box = box_around(latitude, longitude, radius_m)
        query = select(Report).where(
            Report.category == category,
            Report.status.in_(OPEN_STATUSES),
            Report.latitude.between(box.south, box.north),
            Report.longitude.between(box.west, box.east),
        )
        for report in (await session.execute(query)).scalars():
            distance = distance_m(latitude, longitude, report.latitude, report.longitude)
            if distance <= radius_m:
                found[report.id] = (distance, report)
    if street:
        query = select(Report).where(
            Report.category == category,
            Report.status.in_(OPEN_STATUSES),
            Report.street == street,
            Report.house_number == house_number if house_number else Report.house_number.is_(None),
        )
        for report in (await session.execute(query.limit(limit))).scalars():
            found.setdefault(report.id, (0.0, report))
    ranked = sorted(found.values(), key=lambda pair: (pair[0], -pair[1].id))
    return [report for _distance, report in ranked[:limit]]


async def follow(session: AsyncSession, ticket: str, resident_id: int, *, now: datetime) -> bool:
    """+1 on someone's report: the resident gets its updates. False when already following or own."""
    report = await by_ticket(session, ticket)
    if report.resident_id == resident_id:
        return False
    exists = await session.get(ReportFollower, (report.id, resident_id))
    if exists is not None:
        return False
    session.add(ReportFollower(report_id=report.id, resident_id=resident_id, created_at=now))
    await audit.record(session, _resident(resident_id), "report.followed", ticket, at=now)
    return True


async def by_ticket(session: AsyncSession, ticket: str) -> Report:
    report = await session.scalar(select(Report).where(Report.ticket == ticket.strip().upper()))
    if report is None:
        raise ReportNotFound(ticket)
    return report


async def visible_to(session: AsyncSession, ticket: str, resident_id: int) -> Report | None:
    """The report if the resident filed or follows it; None otherwise (no hint that it exists)."""
    try:
        report = await by_ticket(session, ticket)
    except ReportNotFound:
        return None
    if report.resident_id == resident_id:
        return report
    following = await session.get(ReportFollower, (report.id, resident_id))
    return report if following is not None else None


async def reports_of(session: AsyncSession, resident_id: int, limit: int = 10) -> tuple[int, list[Report]]:
    """How many reports the resident filed or follows, and the most recently changed ones."""
    followed = select(ReportFollower.report_id).where(ReportFollower.resident_id == resident_id)
    mine = or_(Report.resident_id == resident_id, Report.id.in_(followed))
    total = await session.scalar(select(func.count()).select_from(Report).where(mine)) or 0
    query = select(Report).where(mine).order_by(Report.updated_at.desc(), Report.id.desc()).limit(limit)
    return int(total), list((await session.execute(query)).scalars())


async def history(session: AsyncSession, report_id: int) -> list[ReportEvent]:
    query = select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
    return list((await session.execute(query)).scalars())


async def photos(session: AsyncSession, report_id: int) -> list[ReportPhoto]:
    query = select(ReportPhoto).where(ReportPhoto.report_id == report_id).order_by(ReportPhoto.position)
    return list((await session.execute(query)).scalars())


async def followers(session: AsyncSession, report_id: int) -> list[int]:
    query = select(ReportFollower.resident_id).where(ReportFollower.report_id == report_id)
    return list((await session.execute(query)).scalars())


async def change_status(
    session: AsyncSession,
    ticket: str,
    status: str,
    *,
    note: str | None,
    actor: str,
    now: datetime,
    quiet_for: int | None = None,
) -> Report:
    """Move a report to `status`, keep the history, and tell the reporter and followers
    (except `quiet_for`, the resident who caused the change and is answered directly)."""
    report = await by_ticket(session, ticket)
    if status not in STATUS_LABELS:
        raise InvalidTransition(f"unknown status {status!r}; expected one of {', '.join(STATUS_LABELS)}")
    if status not in TRANSITIONS[report.status]:
        raise InvalidTransition(f"{report.ticket} is {report.status}; it cannot become {status}")
    previous = report.status
    report.status = status
    report.updated_at = now
    session.add(ReportEvent(report_id=report.id, status=status, note=note, actor=actor, at=now))
    await audit.record(
        session,
        actor,
        "report.status",
        report.ticket,
        details={"from": previous, "to": status, "note": note},
        at=now,
    )
    await session.flush()
    await _notify_status(session, report, note, now, quiet_for)
    return report


async def _notify_status(
    session: AsyncSession, report: Report, note: str | None, now: datetime, quiet_for: int | None
) -> None:
    def render(with_question: bool) -> outbox.Notice:
        text = _("Update on your report {ticket} ({category}): it is now {status}.").format(
            ticket=report.ticket,
            category=_(BY_CODE[report.category].label),
            status=_(STATUS_LABELS[report.status]),
        )
        if note:
            text += "\n" + _("Note from the city: {note}").format(note=note)
        if not with_question:
            return outbox.Notice(text)
        text += "\n\n" + _("Is it really fixed?")
        buttons = (
            (
                (_("👍 Yes, fixed"), "fixed", f"{report.id}:y"),
                (_("👎 No, not fixed"), "fixed", f"{report.id}:n"),
            ),
        )
        return outbox.Notice(text, buttons)

    resolved = report.status == "resolved"
    if report.resident_id is not None and report.resident_id != quiet_for:
        await outbox.notify(session, report.resident_id, "report.status", lambda: render(resolved), now=now)
    others = [
        rid for rid in await followers(session, report.id) if rid not in (report.resident_id, quiet_for)
    ]
    await outbox.notify_all(session, others, "report.status", lambda: render(False), now=now)


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def one_line(report: Report) -> str:
    """`PZN-2026-000123 · Roads and pavements · in progress · 29 November 2026`."""
    return " · ".join(
        (
            report.ticket,
            _(BY_CODE[report.category].label),
            status_label(report.status),
            format_date(report.updated_at, "medium"),
        )
    )


def where(report: Report) -> str:
    if report.street:
        return f"{report.street} {report.house_number or ''}".strip()
    if report.latitude is not None and report.longitude is not None:
        return f"{report.latitude:.5f}, {report.longitude:.5f}"
    return "—"


def _resident(resident_id: int | None) -> str:
    return f"resident:{resident_id}" if resident_id is not None else "resident:?"
