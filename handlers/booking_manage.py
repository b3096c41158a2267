"""My bookings: the resident's upcoming visits with Cancel and Move, and every button acting on one visit.

Each tap is checked again: only the resident's own active visit that has not started answers;
anything else (another resident's id, a cancelled or past visit, an old message) has "expired".
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation import Attachment, Button, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import Booking
from bot.domain import booking
from bot.domain.booking_errors import BookingNotFound, LimitReached
from bot.domain.booking_ics import MIME_TYPE, ics_filename, visit_calendar
from bot.domain.booking_text import matter_label, office_place, short_day, when
from bot.domain.offices import MATTERS_BY_CODE, OFFICES_BY_CODE
from bot.i18n import CITY_ZONE, _, format_time, ngettext
from handlers.booking_form import BOOKING, MOVE, wishes
from handlers.booking_replies import refusal
from nlu.text import fold


def describe(visit: Booking) -> str:
    return "\n".join(
        (
            f"📋 {matter_label(visit.matter)}",
            f"📅 {when(visit.starts_at)}",
            f"🏛 {office_place(visit.office)}",
            _("Booking code: {code}").format(code=visit.code),
        )
    )


async def my_bookings(turn: Turn, _arg: str = "") -> None:
    """Upcoming visits, soonest first, each in its own message with its buttons."""
    visits = await booking.upcoming(turn.session, turn.resident.id, now=turn.now)
    if not visits:
        turn.say(
            _("You have no upcoming city-hall visits."),
            buttons=[[Button(_("📅 Book a visit"), global_payload("book"))]],
        )
        return
    count = len(visits)
    turn.say(
        ngettext("You have {count} upcoming visit:", "You have {count} upcoming visits:", count).format(
            count=count
        ),
        menu=turn.registry.keyboard(),
    )
    for visit in visits:
        turn.say(
            describe(visit),
            buttons=[
                [
                    Button(_("✖️ Cancel the visit"), global_payload("bcancel", str(visit.id))),
                    Button(_("🕑 Change the time"), global_payload("bmove", str(visit.id))),
                ],
                [Button(_("📎 Calendar file"), global_payload("bics", str(visit.id)))],
            ],
        )


async def refused_at_limit(turn: Turn) -> bool:
    """Say so and return True when the resident cannot book another visit now."""
    try:
        await booking.check_limits(turn.session, turn.resident.id, now=turn.now)
    except LimitReached as error:
        turn.say(
            refusal(error, turn.now),
            buttons=[[Button(_("🗂 My bookings"), global_payload("bookings"))]],
        )
        return True
    return False


async def _owned(turn: Turn, arg: str) -> Booking | None:
    """The visit a button names, if it is still the resident's upcoming one; else "expired"."""
    try:
        if not arg.isdigit():
            raise BookingNotFound(arg)
        return await booking.owned_upcoming(turn.session, int(arg), turn.resident.id, now=turn.now)
    except BookingNotFound:
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return None


async def ask_cancel(turn: Turn, arg: str) -> None:
    """Cancel is asked once more: a slip of the finger must not lose a visit."""
    visit = await _owned(turn, arg)
    if visit is None:
        return
    turn.say(
        _("Do you want to cancel this visit?") + "\n" + describe(visit),
        buttons=[
            [Button(_("✖️ Yes, cancel it"), global_payload("bcancelok", str(visit.id)))],
            [Button(_("↩️ No, keep it"), global_payload("bkeep"))],
        ],
    )


async def confirm_cancel(turn: Turn, arg: str) -> None:
    visit = await _owned(turn, arg)
    if visit is None:
        return
    await booking.cancel(turn.session, visit.id, turn.resident.id, now=turn.now)
    turn.say(
        _("Your visit {code} is cancelled. The time is free for others now.").format(code=visit.code),
        menu=turn.registry.keyboard(),
    )


async def keep(turn: Turn, _arg: str = "") -> None:
    turn.say(_("Good, your visit stays as it is."), menu=turn.registry.keyboard())


async def start_move(turn: Turn, arg: str) -> None:
    """Move: the same form, matter and office kept, asking only the new day and time."""
    visit = await _owned(turn, arg)
    if visit is None:
        return
    turn.say(
        _("Let's find a new time. Your visit now: {when}.").format(when=when(visit.starts_at))
        + " "
        + _("It stays booked until you confirm the new time.")
    )
    await MOVE.start(turn, {}, values=_moving(visit))


def _moving(visit: Booking) -> dict[str, object]:
    return {
        "matter": visit.matter,
        "office": visit.office,
        "_moving": visit.id,
        "_moving_from": visit.starts_at.isoformat(),
    }


async def send_calendar(turn: Turn, arg: str) -> None:
    """The .ics of a visit again (a lost file, a new phone)."""
    visit = await _owned(turn, arg)
    if visit is None:
        return
    reply = turn.say(_("The calendar file of your visit {code}:").format(code=visit.code))
    reply.attachments.append(Attachment(ics_filename(visit), visit_calendar(visit, now=turn.now), MIME_TYPE))


async def pick(turn: Turn, arg: str) -> None:
    """A time offered after it was found taken at the last moment: the form again, at that time."""
    head, _sep, stamp = arg.rpartition(".")
    try:
        starts = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=CITY_ZONE)
    except ValueError:
        starts = None
    if starts is None or not head:
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return
    wished = wishes(starts.date(), f"{starts:%H:%M}")
    if head.startswith("m"):
        visit = await _owned(turn, head[1:])
        if visit is not None:
            await MOVE.start(turn, {}, values={**_moving(visit), **wished})
        return
    office, _dot, matter = head.partition(".")
    if office not in OFFICES_BY_CODE or matter not in MATTERS_BY_CODE:
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return
    if await refused_at_limit(turn):
        return
    await BOOKING.start(turn, {}, values={"matter": matter, "office": office, **wished})


# The NLU has one intent for "cancel" and "move" a visit; these words mean the resident wants to move it.
_MOVE_WORDS = ("przeloz", "przenies", "zmien termin", "zmienic termin", "inny termin", "move", "reschedul")


async def cancel_from_text(turn: Turn, _arg: str = "") -> None:
    """ "odwołaj moją wizytę": the one visit straight away, or a choice among several;
    "przełóż wizytę": the move of the one visit, or the list with Move buttons."""
    visits = await booking.upcoming(turn.session, turn.resident.id, now=turn.now)
    if not visits:
        turn.say(_("You have no upcoming city-hall visits."), menu=turn.registry.keyboard())
        return
    parse = await turn.understand()
    said = fold(parse.text if parse is not None else turn.text)
    if any(word in said for word in _MOVE_WORDS):
        if len(visits) == 1:
            await start_move(turn, str(visits[0].id))
        else:
            await my_bookings(turn)
        return
    if len(visits) == 1:
        await ask_cancel(turn, str(visits[0].id))
        return
    buttons = [[Button(f"✖️ {_short(visit)}", global_payload("bcancel", str(visit.id)))] for visit in visits]
    turn.say(_("Which visit would you like to cancel?"), buttons=buttons)


def _short(visit: Booking) -> str:
    """`pon 30.11 10:00 · ID card application`: a visit on one button."""
    return f"{short_day(visit.starts_at)} {format_time(visit.starts_at)} · {matter_label(visit.matter)}"
