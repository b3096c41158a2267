"""Booking visits, the domain rules on a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL):
the last desk goes to exactly one resident, limits, cancel, atomic move, reminders in the outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, Booking, OutboxMessage, Resident
from bot.domain import booking
from bot.domain.booking_calendar import moment
from bot.domain.booking_errors import BookingNotFound, Closed, LimitReached, OutsideHours, SlotTaken, TooEarly
from bot.domain.booking_reminders import ref
from scheduler.dispatch import dispatch_once

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # Sunday, 10:00 in Poznań
MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return moment(day, time(hour, minute))


async def residents(db, *ids: int, language: str = "en") -> None:
    async with db.transaction() as session:
        for resident_id in ids:
            session.add(Resident(id=resident_id, language=language))


async def book(
    db, resident_id: int, starts_at: datetime, matter="id_card_application", office="libelta", now=NOW
):
    async with db.transaction() as session:
        return await booking.book(session, resident_id, office, matter, starts_at, now=now)


async def rows(db, model, *where):
    async with db.transaction() as session:
        return list((await session.execute(select(model).where(*where).order_by(model.id))).scalars())


# -- the last desk ---------------------------------------------------------------------------------
async def test_last_desk_goes_to_exactly_one_resident(db):
    """Three of four desks are taken; twenty residents race, each in their own transaction."""
    await residents(db, *range(1, 24))
    ten = at(MONDAY, 10)
    for resident_id in (1, 2, 3):
        await book(db, resident_id, ten)

    async def attempt(resident_id: int):
        try:
            return await book(db, resident_id, ten)
        except SlotTaken as taken:
            return taken

    results = await asyncio.gather(*(attempt(resident_id) for resident_id in range(4, 24)))
    won = [result for result in results if isinstance(result, Booking)]
    lost = [result for result in results if isinstance(result, SlotTaken)]
    assert len(won) == 1 and len(lost) == 19
    assert won[0].desk == 4
    for taken in lost:
        assert taken.alternatives and ten not in [slot.starts_at for slot in taken.alternatives]
        assert [slot.hhmm for slot in taken.alternatives] == [
            "09:15",
            "09:30",
            "09:45",
            "10:15",
            "10:30",
            "10:45",
        ]
    active = await rows(db, Booking, Booking.starts_at == ten, Booking.status == "active")
    assert sorted(b.desk for b in active) == [1, 2, 3, 4]


async def test_nearest_alternatives_come_from_the_same_day_first_then_the_next_days(db):
    await residents(db, *range(1, 40))
    # Every slot of Monday for the one-desk waste-declaration help, except 16:45, is taken.
    monday_starts = [at(MONDAY, 7, 30) + timedelta(minutes=15 * n) for n in range(38)]
    for n, starts_at in enumerate(monday_starts[:-1]):
        async with db.transaction() as session:
            session.add(
                Booking(
                    code=f"T{n:05d}",
                    resident_id=None,
                    office="gronowa",
                    matter="waste_declaration_help",
                    desk=1,
                    day=MONDAY,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=15),
                    status="active",
                    created_at=NOW,
                )
            )
    async with db.transaction() as session:
        near = await booking.nearest_free(
            session, "gronowa", "waste_declaration_help", at(MONDAY, 10), now=NOW, limit=4
        )
    assert [(slot.day, slot.hhmm) for slot in near] == [
        (MONDAY, "16:45"),
        (TUESDAY, "09:45"),
        (TUESDAY, "10:00"),
        (TUESDAY, "10:15"),
    ]


async def test_availability_counts_free_slots_per_day(db):
    await residents(db, 1)
    await book(db, 1, at(MONDAY, 10), matter="waste_declaration_help")
    async with db.transaction() as session:
        month = await booking.availability(session, "libelta", "waste_declaration_help", now=NOW)
        free = await booking.free_slots(session, "libelta", "waste_declaration_help", MONDAY, now=NOW)
    assert month[MONDAY] == 37 and month[TUESDAY] == 32
    assert date(2026, 12, 24) not in month and max(month) == date(2026, 12, 29)
    assert at(MONDAY, 10) not in [slot.starts_at for slot in free] and len(free) == 37


@pytest.mark.parametrize(
    ("starts_at", "error"),
    [
        (at(date(2026, 11, 27), 10), TooEarly),
        (at(date(2026, 11, 29), 12), TooEarly),  # today
        (at(date(2026, 12, 24), 10), Closed),
        (at(MONDAY, 17), OutsideHours),
        (at(TUESDAY, 15, 30), OutsideHours),  # closing time on Tuesday
        (at(MONDAY, 10, 5), OutsideHours),
    ],
)
async def test_times_the_rules_refuse(db, starts_at, error):
    await residents(db, 1)
    with pytest.raises(error):
        await book(db, 1, starts_at)
    assert await rows(db, Booking) == []


async def test_unknown_matter_or_office_is_refused(db):
    await residents(db, 1)
    with pytest.raises(booking.UnknownMatter):
        await book(db, 1, at(MONDAY, 10), matter="passport")
    with pytest.raises(booking.UnknownOffice):
        await book(db, 1, at(MONDAY, 10), office="warsaw")


# -- codes and reminders ---------------------------------------------------------------------------
async def test_booking_has_an_unambiguous_code_reminders_and_an_audit_entry(db):
    await residents(db, 1)
    made = await book(db, 1, at(TUESDAY, 10))
    assert len(made.code) == 6 and not set(made.code) & set("01OI")
    assert made.day == TUESDAY and made.ends_at - made.starts_at == timedelta(minutes=15)
    reminders = await rows(db, OutboxMessage, OutboxMessage.ref == ref(made.id))
    assert [(m.kind, m.not_before) for m in reminders] == [
        ("booking.reminder", datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),  # Monday 18:00 CET
        ("booking.reminder", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),  # 08:00 CET
    ]
    assert reminders[0].text.startswith(
        "⏰ Reminder: tomorrow, Tuesday, 1 December, at 10:00 you have a city-hall visit: "
        "ID card application."
    )
    assert made.code in reminders[0].text and "35 × 45 mm" in reminders[0].text
    assert reminders[1].text.startswith("⏰ Your city-hall visit is today at 10:00: ID card application.")
    assert reminders[0].buttons == [[["✖️ Cancel the visit", "bcancel", str(made.id)]]]
    audit = await rows(db, AuditEntry, AuditEntry.target == made.code)
    assert [entry.action for entry in audit] == ["booking.made"]


async def test_an_early_reminder_is_silent(db):
    await residents(db, 1)
    made = await book(db, 1, at(TUESDAY, 7, 30))  # two hours before is 5:30
    evening, early = await rows(db, OutboxMessage, OutboxMessage.ref == ref(made.id))
    assert not evening.silent and early.silent


async def test_reminders_are_delivered_when_due_even_after_a_restart(db, database_url):
    """The reminders are outbox rows: a new bot process (a new Database) delivers them on time."""
    from bot.db.database import Database
    from tests.test_reports_delivery import RecordingDelivery

    await residents(db, 7)
    await book(db, 7, at(TUESDAY, 10))
    restarted = Database(database_url, pool_size=2)
    try:
        delivery = RecordingDelivery()
        assert (
            await dispatch_once(restarted, delivery, clock=lambda: datetime(2026, 11, 30, 16, 59, tzinfo=UTC))
            == 0
        )
        assert (
            await dispatch_once(restarted, delivery, clock=lambda: datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
            == 1
        )
        assert (
            await dispatch_once(restarted, delivery, clock=lambda: datetime(2026, 12, 1, 7, 1, tzinfo=UTC))
            == 1
        )
    finally:
        await restarted.dispose()
    assert [text.split(":")[0] for _resident, text in delivery.delivered] == [
        "⏰ Reminder",
        "⏰ Your city-hall visit is today at 10",
    ]


# -- limits ----------------------------------------------------------------------------------------
async def test_at_most_three_upcoming_visits(db):
    await residents(db, 1)
    await book(db, 1, at(MONDAY, 10))
    await book(db, 1, at(TUESDAY, 10))
    await book(db, 1, at(TUESDAY, 11, 10), matter="driving_licence")
    with pytest.raises(LimitReached) as refused:
        await book(db, 1, at(date(2026, 12, 2), 10))
    assert (refused.value.rule, refused.value.limit) == ("future", 3)
    # a visit that has taken place no longer counts
    later = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    await book(db, 1, at(date(2026, 12, 2), 10), now=later)


async def test_one_visit_per_matter_a_day(db):
    await residents(db, 1)
    await book(db, 1, at(MONDAY, 10))
    with pytest.raises(LimitReached) as refused:
        await book(db, 1, at(MONDAY, 12))
    assert refused.value.rule == "matter_day"
    with pytest.raises(LimitReached):
        await book(db, 1, at(MONDAY, 12), office="gronowa")  # at the other office too
    await book(db, 1, at(MONDAY, 12), matter="residence_registration")  # another matter is fine
    await book(db, 1, at(TUESDAY, 12))  # and another day


async def test_a_cancelled_visit_does_not_count(db):
    await residents(db, 1)
    first = await book(db, 1, at(MONDAY, 10))
    async with db.transaction() as session:
        await booking.cancel(session, first.id, 1, now=NOW)
    await book(db, 1, at(MONDAY, 11))


# -- cancel ----------------------------------------------------------------------------------------
async def test_cancel_frees_the_slot_and_withdraws_the_reminders(db):
    await residents(db, 1, 2)
    mine = await book(db, 1, at(MONDAY, 10), matter="waste_declaration_help")
    with pytest.raises(SlotTaken):
        await book(db, 2, at(MONDAY, 10), matter="waste_declaration_help")
    async with db.transaction() as session:
        cancelled = await booking.cancel(session, mine.id, 1, now=NOW)
    assert cancelled.status == "cancelled" and cancelled.changed_at == NOW
    assert await rows(db, OutboxMessage, OutboxMessage.ref == ref(mine.id)) == []
    theirs = await book(db, 2, at(MONDAY, 10), matter="waste_declaration_help")
    assert theirs.desk == 1


async def test_only_the_owner_cancels_and_only_once(db):
    await residents(db, 1, 2)
    mine = await book(db, 1, at(MONDAY, 10))
    with pytest.raises(BookingNotFound):
        async with db.transaction() as session:
            await booking.cancel(session, mine.id, 2, now=NOW)
    async with db.transaction() as session:
        await booking.cancel(session, mine.id, 1, now=NOW)
    with pytest.raises(BookingNotFound):
        async with db.transaction() as session:
            await booking.cancel(session, mine.id, 1, now=NOW)


# -- move ------------------------------------------------------------------------------------------
async def test_move_books_the_new_time_and_frees_the_old_one(db):
    await residents(db, 1, 2)
    old = await book(db, 1, at(MONDAY, 10), matter="waste_declaration_help")
    async with db.transaction() as session:
        new = await booking.move(session, old.id, 1, at(TUESDAY, 9), now=NOW)
    assert new.id != old.id and new.code != old.code and new.starts_at == at(TUESDAY, 9)
    (old_again,) = await rows(db, Booking, Booking.id == old.id)
    assert old_again.status == "moved"
    assert await rows(db, OutboxMessage, OutboxMessage.ref == ref(old.id)) == []
    assert len(await rows(db, OutboxMessage, OutboxMessage.ref == ref(new.id))) == 2
    await book(db, 2, at(MONDAY, 10), matter="waste_declaration_help")  # the old time is free


async def test_a_move_to_a_taken_time_leaves_the_old_booking_untouched(db):
    await residents(db, 1, 2)
    old = await book(db, 1, at(MONDAY, 10), matter="waste_declaration_help")
    await book(db, 2, at(TUESDAY, 9), matter="waste_declaration_help")
    with pytest.raises(SlotTaken) as taken:
        async with db.transaction() as session:
            await booking.move(session, old.id, 1, at(TUESDAY, 9), now=NOW)
    assert taken.value.alternatives
    (unchanged,) = await rows(db, Booking, Booking.id == old.id)
    assert (unchanged.status, unchanged.starts_at, unchanged.desk) == ("active", at(MONDAY, 10), 1)
    assert unchanged.changed_at is None
    assert len(await rows(db, OutboxMessage, OutboxMessage.ref == ref(old.id))) == 2
    assert len(await rows(db, Booking, Booking.resident_id == 1)) == 1


async def test_moving_is_allowed_at_the_limit_and_on_the_same_day(db):
    await residents(db, 1)
    first = await book(db, 1, at(MONDAY, 10))
    await book(db, 1, at(TUESDAY, 10))
    await book(db, 1, at(TUESDAY, 11, 10), matter="driving_licence")
    async with db.transaction() as session:
        moved = await booking.move(session, first.id, 1, at(MONDAY, 12), now=NOW)
    assert moved.starts_at == at(MONDAY, 12)
    async with db.transaction() as session:
        assert len(await booking.upcoming(session, 1, now=NOW)) == 3
