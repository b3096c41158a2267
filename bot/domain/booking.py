"""City-hall visits: free times, booking a desk without ever booking it twice, limits, cancel, move.

Plain async functions over a session; `now` is always passed in. Double booking is left to the
database: the partial unique index on (office, matter, desk, starts_at) WHERE status = 'active'
lets exactly one `INSERT ... ON CONFLICT DO NOTHING` take a desk, on SQLite and PostgreSQL alike,
so two residents racing for the last desk get one booking and one `SlotTaken` with the nearest
free times; no unique-violation error is raised, so no transaction is left aborted.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Booking, Resident
from bot.domain import audit, booking_reminders
from bot.domain.booking_calendar import bookable_days, check_day, slot_at, slots_of_day
from bot.domain.booking_errors import (
    BookingError,
    BookingNotFound,
    Closed,
    LimitReached,
    OutsideHours,
    SlotTaken,
    TimeSlot,
    TooEarly,
    TooLate,
    UnknownMatter,
    UnknownOffice,
)
from bot.domain.offices import MATTERS_BY_CODE, OFFICES_BY_CODE, Matter, Office
from bot.i18n import CITY_ZONE

__all__ = [
    "BookingError",
    "BookingNotFound",
    "Closed",
    "LimitReached",
    "OutsideHours",
    "SlotTaken",
    "TimeSlot",
    "TooEarly",
    "TooLate",
    "UnknownMatter",
    "UnknownOffice",
    "availability",
    "book",
    "cancel",
    "check_limits",
    "free_slots",
    "matter_of",
    "move",
    "nearest_free",
    "office_for",
    "owned_upcoming",
    "slot_for",
    "upcoming",
]

ACTIVE, CANCELLED, MOVED = "active", "cancelled", "moved"
MAX_UPCOMING = 3
# No 0/O and 1/I: the code is read aloud at the desk and typed by people who squint.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_ATTEMPTS = 10
ALTERNATIVES = 6
# The partial unique index of bookings (bot.db.models.Booking), spelled out for ON CONFLICT.
SLOT_INDEX = ("office", "matter", "desk", "starts_at")
SLOT_INDEX_WHERE = text("status = 'active'")


# -- configuration look-ups ------------------------------------------------------------------------
def matter_of(code: str) -> Matter:
    matter = MATTERS_BY_CODE.get(code)
    if matter is None:
        raise UnknownMatter(code)
    return matter


def office_for(code: str, matter: str) -> Office:
    """The office, which must deal with `matter`."""
    office = OFFICES_BY_CODE.get(code)
    if office is None or matter not in office.matters:
        raise UnknownOffice(code, matter)
    return office


def slot_for(office: str, matter: str, starts_at: datetime, *, now: datetime) -> TimeSlot:
    """The bookable slot starting at `starts_at`, or the reason there is none."""
    found = matter_of(matter)
    place = office_for(office, matter)
    local = starts_at.astimezone(CITY_ZONE)
    check_day(place, local.date(), now)
    return slot_at(place, found, local.date(), local.time().replace(tzinfo=None))


# -- availability ----------------------------------------------------------------------------------
async def _full(session: AsyncSession, office: str, matter: Matter, first: date, last: date) -> set[datetime]:
    """Start times between two days at which every desk is booked: one indexed query for a month,
    returning only the full slots (the rest are free)."""
    query = (
        select(Booking.starts_at)
        .where(
            Booking.office == office,
            Booking.matter == matter.code,
            Booking.day.between(first, last),
            Booking.status == ACTIVE,
        )
        .group_by(Booking.starts_at)
        .having(func.count() >= matter.desks)
    )
    return set((await session.execute(query)).scalars())


async def free_slots(
    session: AsyncSession,
    office: str,
    matter: str,
    day: date,
    *,
    now: datetime,
    exclude: Collection[datetime] = (),
) -> list[TimeSlot]:
    """Slots of `day` with at least one free desk; none when the day cannot be booked."""
    found, place = matter_of(matter), office_for(office, matter)
    try:
        check_day(place, day, now)
    except BookingError:
        return []
    full = await _full(session, office, found, day, day)
    return [
        slot
        for slot in slots_of_day(place, found, day)
        if slot.starts_at not in full and slot.starts_at not in exclude
    ]


async def availability(session: AsyncSession, office: str, matter: str, *, now: datetime) -> dict[date, int]:
    """How many free slots each bookable day has, from the next working day to the horizon."""
    found, place = matter_of(matter), office_for(office, matter)
    days = bookable_days(place, now)
    if not days:
        return {}
    full = await _full(session, office, found, days[0], days[-1])
    return {day: sum(slot.starts_at not in full for slot in slots_of_day(place, found, day)) for day in days}


async def nearest_free(
    session: AsyncSession,
    office: str,
    matter: str,
    wanted: datetime,
    *,
    now: datetime,
    limit: int = ALTERNATIVES,
    exclude: Collection[datetime] = (),
) -> list[TimeSlot]:
    """Free slots closest to `wanted`: on its day first, then on the following days at about the
    same hour; in time order."""
    found, place = matter_of(matter), office_for(office, matter)
    local = wanted.astimezone(CITY_ZONE)
    days = [day for day in bookable_days(place, now) if day >= local.date()]
    if not days:
        return []
    full = await _full(session, office, found, days[0], days[-1])
    wanted_minutes = local.hour * 60 + local.minute
    picked: list[TimeSlot] = []
    for day in days:
        free = [
            slot
            for slot in slots_of_day(place, found, day)
            if slot.starts_at not in full and slot.starts_at not in exclude
        ]
        free.sort(
            key=lambda slot: (abs(slot.start.hour * 60 + slot.start.minute - wanted_minutes), slot.start)
        )
        picked += free[: limit - len(picked)]
        if len(picked) >= limit:
            break
    return sorted(picked, key=lambda slot: slot.starts_at)


# -- booking ---------------------------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def book(
    session: AsyncSession,
    resident_id: int,
    office: str,
    matter: str,
    starts_at: datetime,
    *,
    now: datetime,
    replacing: int | None = None,
) -> Booking:
    """Book a desk at `starts_at` for the resident, with reminders; the caller's transaction commits.

    Raises UnknownMatter/UnknownOffice, TooEarly/TooLate/Closed/OutsideHours, LimitReached, or
    SlotTaken with the nearest free times. `replacing` is a booking being moved: it does not count
    against the limits.
    """
    slot = slot_for(office, matter, starts_at, now=now)
    await _lock_resident(session, resident_id)
    await check_limits(session, resident_id, matter, slot.day, now=now, replacing=replacing)
    booking = await _insert_on_free_desk(session, resident_id, slot, matter_of(matter).desks, now=now)
    if booking is None:
        raise SlotTaken(await nearest_free(session, office, matter, slot.starts_at, now=now))
    await booking_reminders.schedule(session, booking, now=now)
    await audit.record(
        session,
        f"resident:{resident_id}",
        "booking.made",
        booking.code,
        details={"office": office, "matter": matter, "starts_at": slot.starts_at.isoformat()},
        at=now,
    )
    return booking


async def _lock_resident(session: AsyncSession, resident_id: int) -> None:
    """Serialise one resident's bookings (PostgreSQL row lock), so two at once cannot both pass the
    limits; SQLite already lets one writer at a time."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(Resident.id).where(Resident.id == resident_id).with_for_update())


async def check_limits(
    session: AsyncSession,
    resident_id: int,
    matter: str | None = None,
    day: date | None = None,
    *,
    now: datetime,
    replacing: int | None = None,
) -> None:
    """Raise LimitReached when the resident has MAX_UPCOMING upcoming visits ("future"), or already
    one for `matter` on `day` ("matter_day"); `replacing` (a visit being moved) does not count."""
    mine = [Booking.resident_id == resident_id, Booking.status == ACTIVE, Booking.starts_at > now]
    if replacing is not None:
        mine.append(Booking.id != replacing)
    upcoming_count = await session.scalar(select(func.count()).select_from(Booking).where(*mine))
    if (upcoming_count or 0) >= MAX_UPCOMING:
        raise LimitReached("future", MAX_UPCOMING)
    if matter is None or day is None:
        return
    same_day = select(Booking.id).where(*mine, Booking.matter == matter, Booking.day == day)
    if await session.scalar(same_day.limit(1)) is not None:
        raise LimitReached("matter_day", 1)


async def _insert_on_free_desk(
    session: AsyncSession, resident_id: int, slot: TimeSlot, desks: int, *, now: datetime
) -> Booking | None:
    """Take the first desk still free at the slot, or return None when every desk is taken.

    Desks seen free are tried in order with INSERT ... ON CONFLICT DO NOTHING against the partial
    unique index: a concurrent booking of the same desk makes the insert return nothing (after
    waiting for the other transaction on PostgreSQL), never raise.
    """
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    seen_taken = set(
        (
            await session.execute(
                select(Booking.desk).where(
                    Booking.office == slot.office,
                    Booking.matter == slot.matter,
                    Booking.starts_at == slot.starts_at,
                    Booking.status == ACTIVE,
                )
            )
        ).scalars()
    )
    free_desks = [desk for desk in range(1, desks + 1) if desk not in seen_taken]
    if not free_desks:
        return None
    code = await _unused_code(session)
    for desk in free_desks:
        statement = (
            insert(Booking)
            .values(
                code=code,
                resident_id=resident_id,
                office=slot.office,
                matter=slot.matter,
                desk=desk,
                day=slot.day,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                status=ACTIVE,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=list(SLOT_INDEX), index_where=SLOT_INDEX_WHERE)
            .returning(Booking)
        )
        booking = await session.scalar(statement)
        if booking is not None:
            return booking
    return None


async def _unused_code(session: AsyncSession) -> str:
    """A fresh 6-character code; 32^6 codes make a collision rare, and a repeat is drawn again."""
    for _attempt in range(CODE_ATTEMPTS):
        code = new_code()
        if await session.scalar(select(Booking.id).where(Booking.code == code)) is None:
            return code
    raise BookingError("no unused booking code found")


# -- the resident's bookings -----------------------------------------------------------------------
async def upcoming(session: AsyncSession, resident_id: int, *, now: datetime) -> list[Booking]:
    """The resident's active visits that have not started yet, soonest first."""
    query = (
        select(Booking)
        .where(Booking.resident_id == resident_id, Booking.status == ACTIVE, Booking.starts_at > now)
        .order_by(Booking.starts_at, Booking.id)
    )
    return list((await session.execute(query)).scalars())


async def owned_upcoming(
    session: AsyncSession, booking_id: int, resident_id: int, *, now: datetime, lock: bool = False
) -> Booking:
    """The resident's own active, not yet started booking; BookingNotFound for anything else."""
    query = select(Booking).where(
        Booking.id == booking_id,
        Booking.resident_id == resident_id,
        Booking.status == ACTIVE,
        Booking.starts_at > now,
    )
    if lock:
        query = query.with_for_update()
    booking = await session.scalar(query)
    if booking is None:
        raise BookingNotFound(f"no upcoming booking {booking_id} of resident {resident_id}")
    return booking


async def cancel(session: AsyncSession, booking_id: int, resident_id: int, *, now: datetime) -> Booking:
    """Free the desk (the row stays as history) and withdraw the reminders not sent yet."""
    booking = await owned_upcoming(session, booking_id, resident_id, now=now, lock=True)
    booking.status = CANCELLED
    booking.changed_at = now
    await session.flush()
    await booking_reminders.withdraw(session, booking.id)
    await audit.record(session, f"resident:{resident_id}", "booking.cancelled", booking.code, at=now)
    return booking


async def move(
    session: AsyncSession, booking_id: int, resident_id: int, starts_at: datetime, *, now: datetime
) -> Booking:
    """Move a visit to another time of the same matter and office, in one transaction.

    The new slot is booked first; only then is the old booking marked "moved" and its reminders
    withdrawn. If the new slot is gone (SlotTaken) or not allowed, the old booking is untouched.
    Returns the new booking (the old one when `starts_at` is its own time).
    """
    old = await owned_upcoming(session, booking_id, resident_id, now=now, lock=True)
    if old.starts_at == starts_at:
        return old
    new = await book(session, resident_id, old.office, old.matter, starts_at, now=now, replacing=old.id)
    old.status = MOVED
    old.changed_at = now
    await session.flush()
    await booking_reminders.withdraw(session, old.id)
    await audit.record(
        session,
        f"resident:{resident_id}",
        "booking.moved",
        old.code,
        details={"to": new.code, "starts_at": new.starts_at.isoformat()},
        at=now,
    )
    return new
