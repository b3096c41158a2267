"""Reminders of a booked visit: the evening before at 18:00 and two hours before.

A reminder is not an APScheduler job of its own but a row in the outbox with `not_before` set to
its moment, written in the booking's own transaction. The outbox dispatcher (an APScheduler
interval job in the bot process, scheduler/dispatch.py) sends rows as they fall due. Because the
rows live in the database, reminders survive a restart or a crash of the bot, are shared by
several bot processes, and go away with the visit: cancelling or moving withdraws them by `ref`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Booking
from bot.domain import outbox
from bot.domain.booking_text import matter_label, office_place, what_to_bring
from bot.i18n import CITY_ZONE, _, format_date, format_time

KIND = "booking.reminder"
EVENING = time(18, 0)
BEFORE = timedelta(hours=2)
# A reminder due before this hour (two hours before a 7:30 visit) arrives without a sound.
QUIET_UNTIL = time(7, 0)


def ref(booking_id: int) -> str:
    """What the outbox rows of a booking are about, so they can be withdrawn together."""
    return f"booking:{booking_id}"


def reminder_moments(starts_at: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """("evening", 18:00 Poznań time the day before) and ("soon", two hours before), in UTC,
    leaving out any moment that is already past."""
    local_day = starts_at.astimezone(CITY_ZONE).date()
    evening = datetime.combine(local_day - timedelta(days=1), EVENING, tzinfo=CITY_ZONE).astimezone(UTC)
    soon = starts_at.astimezone(UTC) - BEFORE
    return [(kind, moment) for kind, moment in (("evening", evening), ("soon", soon)) if moment > now]


async def schedule(session: AsyncSession, booking: Booking, *, now: datetime) -> int:
    """Queue the booking's reminders in the resident's language; returns how many were queued."""
    if booking.resident_id is None:
        return 0
    queued = 0
    for kind, moment in reminder_moments(booking.starts_at, now):
        quiet = moment.astimezone(CITY_ZONE).time() < QUIET_UNTIL

        def render(kind: str = kind, quiet: bool = quiet) -> outbox.Notice:
            return _render(booking, kind, quiet)

        message = await outbox.notify(
            session, booking.resident_id, KIND, render, now=now, not_before=moment, ref=ref(booking.id)
        )
        queued += message is not None
    return queued


async def withdraw(session: AsyncSession, booking_id: int) -> int:
    return await outbox.withdraw(session, ref(booking_id))


def _render(booking: Booking, kind: str, quiet: bool) -> outbox.Notice:
    details = {
        "matter": matter_label(booking.matter),
        "day": format_date(booking.starts_at, "EEEE, d MMMM"),
        "time": format_time(booking.starts_at),
        "place": office_place(booking.office),
        "code": booking.code,
    }
    if kind == "evening":
        lines = [
            _("⏰ Reminder: tomorrow, {day}, at {time} you have a city-hall visit: {matter}.").format(
                **details
            ),
            _("Where: {place}").format(**details),
            _("Your booking code: {code}").format(**details),
            _("Please bring:"),
            *what_to_bring(booking.matter),
        ]
    else:
        lines = [
            _("⏰ Your city-hall visit is today at {time}: {matter}.").format(**details),
            _("Where: {place}").format(**details),
            _("Your booking code: {code}").format(**details),
        ]
    cancel = (_("✖️ Cancel the visit"), "bcancel", str(booking.id))
    buttons = ((cancel,),)
    return outbox.Notice("\n".join(lines), buttons, silent=quiet)
