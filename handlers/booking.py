"""City-hall visits: the menu entry, /book and /bookings, free text ("jutro o 10 dowód osobisty"),
and the registration of the booking form and of the buttons that act on one visit.

The form itself is handlers/booking_form.py (with the day and time steps in booking_when.py);
"my bookings", cancel and move are handlers/booking_manage.py.
"""

from __future__ import annotations

from bot.conversation import Button, Registry, Turn
from bot.conversation.payloads import global_payload
from bot.domain import booking
from bot.i18n import N_, _
from handlers.booking_form import BOOKING, MOVE, wishes
from handlers.booking_manage import (
    ask_cancel,
    cancel_from_text,
    confirm_cancel,
    keep,
    my_bookings,
    pick,
    refused_at_limit,
    send_calendar,
    start_move,
)


async def visits_hub(turn: Turn, _arg: str = "") -> None:
    """The menu entry: book a new visit, or see (cancel, move) the ones booked."""
    count = len(await booking.upcoming(turn.session, turn.resident.id, now=turn.now))
    mine = _("🗂 My bookings ({count})").format(count=count) if count else _("🗂 My bookings")
    turn.say(
        _("City-hall visits: book a new one, or see, cancel and move yours."),
        buttons=[
            [Button(_("📅 Book a visit"), global_payload("book"))],
            [Button(mine, global_payload("bookings"))],
        ],
    )


def _introduce(turn: Turn) -> None:
    turn.say(_("Let's book a city-hall visit: a few taps. You can stop at any time with /cancel."))


async def start_booking(turn: Turn, _arg: str = "") -> None:
    """/book or the hub's button: nothing known yet."""
    if await refused_at_limit(turn):
        return
    _introduce(turn)
    await BOOKING.start(turn, {})


async def booking_from_text(turn: Turn, _arg: str = "") -> None:
    """ "jutro o 10 dowód osobisty": the matter, day and time it names are not asked again."""
    parse = await turn.understand()
    entities = parse.entity_values() if parse is not None else {}
    if await refused_at_limit(turn):
        return
    prefill = {"office": parse.text if parse is not None else turn.text}  # "na Gronowej"
    if entities.get("service"):
        prefill["service"] = entities["service"]
    _introduce(turn)
    await BOOKING.start(turn, prefill, values=wishes(entities.get("date"), entities.get("time")))


def register(registry: Registry) -> None:
    registry.add_flow(BOOKING)
    registry.add_flow(MOVE)
    registry.add_menu_item("booking", N_("📅 Book a visit"), visits_hub)
    registry.add_command("book", start_booking, N_("book a city-hall visit"))
    registry.add_command("bookings", my_bookings, N_("your city-hall visits"))
    registry.add_intent("book_appointment", booking_from_text, N_("Book a city-hall visit"))
    registry.add_intent("cancel_appointment", cancel_from_text, N_("Cancel a visit"))
    registry.add_action("book", start_booking)
    registry.add_action("bookings", my_bookings)
    registry.add_action("bcancel", ask_cancel)
    registry.add_action("bcancelok", confirm_cancel)
    registry.add_action("bkeep", keep)
    registry.add_action("bmove", start_move)
    registry.add_action("bics", send_calendar)
    registry.add_action("bpick", pick)
