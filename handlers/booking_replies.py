"""What the bot answers about a visit outside the questions: refusals, the confirmation, alternatives.

Shared by the booking form, "my bookings" and the buttons that start the form again at a time.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation import Attachment, Button, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import Booking
from bot.domain.booking_calendar import HORIZON_DAYS, today
from bot.domain.booking_errors import (
    BookingError,
    BookingNotFound,
    Closed,
    LimitReached,
    TimeSlot,
    TooEarly,
    TooLate,
)
from bot.domain.booking_ics import MIME_TYPE, ics_filename, visit_calendar
from bot.domain.booking_reminders import reminder_moments
from bot.domain.booking_text import (
    day_phrase,
    first_upper,
    long_day,
    matter_label,
    office_place,
    short_day,
    what_to_bring,
    when,
)
from bot.i18n import CITY_ZONE, _, ngettext


# -- refusals --------------------------------------------------------------------------------------
def refusal(error: BookingError, now: datetime) -> str:
    """Why the rules refuse, in the resident's words."""
    if isinstance(error, TooEarly):
        if error.day < today(now):
            why = _("{day} has already passed.").format(day=first_upper(day_phrase(error.day)))
        else:
            why = _("Visits are booked at least one day ahead.")
        return f"{why} " + _("The first day you can book is {first}.").format(first=long_day(error.first))
    if isinstance(error, TooLate):
        return _("Visits can be booked at most {days} days ahead, so until {last}.").format(
            days=HORIZON_DAYS, last=day_phrase(error.last)
        )
    if isinstance(error, Closed):
        return _closed(error)
    if isinstance(error, LimitReached):
        if error.rule == "matter_day":
            return _("You already have a visit for this matter that day; one a day is possible.")
        return ngettext(
            "You already have {count} upcoming visit, the most one person can book. "
            "To book another, cancel or move it first.",
            "You already have {count} upcoming visits, the most one person can book. "
            "To book another, cancel or move one of them first.",
            error.limit,
        ).format(count=error.limit)
    if isinstance(error, BookingNotFound):
        return _("This visit can no longer be changed: it was cancelled or its time has passed.")
    return _("Sorry, this time cannot be booked. Please choose another one.")


def _closed(error: Closed) -> str:
    day = day_phrase(error.day)
    if error.reason == "christmas_eve":
        return _("The city hall is closed on 24 December. Please choose another day.")
    if error.reason == "holiday":
        return _(
            "The city hall is closed on {day}: it is a public holiday. Please choose another day."
        ).format(day=day)
    return _("The city hall is closed on {day}. It is open Monday to Friday.").format(day=day)


def confirm_booking(turn: Turn, made: Booking, *, moved: bool = False) -> None:
    """The code, what, when, where, what to bring, and the calendar file."""
    headline = (
        _("✅ Done, your visit is moved. Your new booking code: {code}")
        if moved
        else _("✅ Booked! Your booking code: {code}")
    )
    lines = [
        headline.format(code=made.code),
        "",
        _("Matter: {matter}").format(matter=matter_label(made.matter)),
        _("When: {when}").format(when=when(made.starts_at)),
        _("Where: {place}").format(place=office_place(made.office)),
        "",
        _("Please bring:"),
        *what_to_bring(made.matter),
        "",
        _reminders_said(made, turn.now),
        _("The file below adds the visit to your phone's calendar."),
    ]
    if moved:
        lines.append(_("If you added the old time to your calendar, please delete it there."))
    lines.append(_("To cancel or move the visit, write /bookings."))
    reply = turn.say("\n".join(lines), menu=turn.registry.keyboard())
    reply.attachments.append(Attachment(ics_filename(made), visit_calendar(made, now=turn.now), MIME_TYPE))


def _reminders_said(made: Booking, now: datetime) -> str:
    kinds = {kind for kind, _moment in reminder_moments(made.starts_at, now)}
    if kinds == {"evening", "soon"}:
        return _("I will remind you the evening before and 2 hours before the visit.")
    if "soon" in kinds:
        return _("I will remind you 2 hours before the visit.")
    return _("The visit is very soon, so there will be no reminder.")


def offer_alternatives(turn: Turn, reason: str, alternatives: list[TimeSlot], moving: int | None) -> None:
    """After the form has ended: the nearest free times as buttons that start it again at that time."""
    if not alternatives:
        again = global_payload("bmove", str(moving)) if moving else global_payload("book")
        turn.say(
            reason + "\n" + _("There are no free times nearby."),
            buttons=[[Button(_("📅 Choose another day"), again)]],
        )
        return
    buttons = [
        [Button(f"🕑 {short_day(slot.day)} {slot.hhmm}", global_payload("bpick", pick_token(slot, moving)))]
        for slot in alternatives
    ]
    turn.say(reason + "\n" + _("The nearest free times:"), buttons=buttons)


def pick_token(slot: TimeSlot, moving: int | None) -> str:
    """`libelta.id_card_application.202612011030`, or `m42.202612011030` when moving booking 42."""
    stamp = slot.starts_at.astimezone(CITY_ZONE).strftime("%Y%m%d%H%M")
    return f"m{moving}.{stamp}" if moving else f"{slot.office}.{slot.matter}.{stamp}"
