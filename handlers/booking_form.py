"""The booking form: matter -> office -> day -> time -> confirm; the same steps move a visit.

    matter   seven big buttons; or the NLU `service` entity, or the matter's name typed
    office   the offices dealing with the matter (buttons; "Gronowa" typed works too)
    day      a week of day buttons with "next week ›" paging, or a date typed ("jutro", "3.12");
             past days, today, beyond 30 days, weekends, holidays and 24 December are refused
             with the reason
    time     the day's free times as buttons, 12 at a time with "later times ›", or a time typed;
             a taken time (or a stale button) offers the nearest free ones instead
    confirm  summary; confirm, change one answer, or cancel

A day or time the resident gave in the first message ("jutro o 10 dowód osobisty") is kept as a
wish (`_wish_day`, `_wish_time`) and tried when its step comes, so a refusal is explained there.
The day and time steps live in handlers/booking_when.py; what is said after the form (refusals,
the confirmation with its .ics, times offered when the slot went at the last moment) in
handlers/booking_replies.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from bot.conversation import Answer, FormFlow, Invalid, Slot, Turn
from bot.domain import booking
from bot.domain.booking_calendar import moment
from bot.domain.booking_errors import BookingError, SlotTaken
from bot.domain.booking_text import long_day, office_place, when
from bot.domain.offices import MATTERS, MATTERS_BY_CODE, offices_for
from bot.i18n import N_, _, format_time
from handlers.booking_replies import confirm_booking, offer_alternatives, refusal
from handlers.booking_when import (
    ask_day,
    ask_time,
    chosen_day,
    excluded,
    forget_time,
    moving_id,
    parse_day,
    parse_time,
)
from nlu.entities import ServiceExtractor, extract_entities
from nlu.text import fold

FLOW = "booking"
MOVE_FLOW = "booking_move"


# -- matter --------------------------------------------------------------------------------------
def ask_matter(turn: Turn, flow: FormFlow) -> None:
    """What the visit is about: seven big buttons, one per row."""
    buttons = [[flow.button(turn, _(matter.label), matter.code)] for matter in MATTERS]
    turn.say(_("What is your visit about? Choose below."), buttons=buttons)


def parse_matter(turn: Turn, answer: Answer) -> str:
    code = answer.choice if answer.choice in MATTERS_BY_CODE else _matter_in(turn, answer.text)
    if code is None:
        raise Invalid(_("I don't know that matter. Please choose one of the buttons."))
    forget_time(turn)
    if turn.slots.get("office") and turn.slots["office"] not in {o.code for o in offices_for(code)}:
        turn.drop_slot("office")
    return code


def _matter_in(turn: Turn, text: str) -> str | None:
    """The matter named in typed text: the NLU service phrase, or a matter's label in any case."""
    if not text:
        return None
    found = extract_entities(text, lang=turn.lang, now=turn.now, extractors=(ServiceExtractor(),))
    if found:
        return str(found[0].value)
    typed = fold(text).strip(" .!")
    return next((m.code for m in MATTERS if fold(_(m.label)) == typed or fold(m.label) == typed), None)


# -- office --------------------------------------------------------------------------------------
def ask_office(turn: Turn, flow: FormFlow) -> None:
    """Which office: one button per office dealing with the matter, named by its street."""
    offices = offices_for(turn.slots["matter"])
    buttons = [[flow.button(turn, f"🏛 {office.street}", office.code)] for office in offices]
    turn.say(_("Which office of the City Hall would you like to visit?"), buttons=buttons)


def parse_office(turn: Turn, answer: Answer) -> str:
    serving = offices_for(turn.slots.get("matter", "")) if turn.slots.get("matter") else []
    codes = {office.code for office in serving}
    if answer.choice in codes:
        code = answer.choice
    else:
        words = set(re.findall(r"\w+", fold(answer.text or "")))
        code = next((office.code for office in serving if words & set(office.keywords)), None)
    if code is None:
        raise Invalid(_("Please choose the office from the buttons."))
    forget_time(turn)
    return code


# -- summary, booking, confirmation ----------------------------------------------------------------
def _chosen(turn: Turn) -> datetime:
    return moment(chosen_day(turn), time.fromisoformat(turn.slots["time"]))


def summary(turn: Turn, flow: FormFlow) -> str:
    slots = turn.slots
    matter = MATTERS_BY_CODE[slots["matter"]]
    starts_at = _chosen(turn)
    if moving_id(turn):
        return "\n".join(
            (
                _("Please check the change of your visit ({matter}):").format(matter=_(matter.label)),
                _("From: {when}").format(when=when(datetime.fromisoformat(slots["_moving_from"]))),
                _("To: {when}").format(when=when(starts_at)),
                _("Office: {place}").format(place=office_place(slots["office"])),
            )
        )
    return "\n".join(
        (
            _("Please check your visit:"),
            _("Matter: {matter} ({minutes} min.)").format(matter=_(matter.label), minutes=matter.minutes),
            _("Office: {place}").format(place=office_place(slots["office"])),
            _("Day: {day}").format(day=long_day(starts_at)),
            _("Time: {time}").format(time=format_time(starts_at)),
        )
    )


async def submit(turn: Turn, flow: FormFlow) -> None:
    """Book (or move); a time taken since it was chosen gets the nearest free ones as buttons."""
    slots, starts_at = turn.slots, _chosen(turn)
    moving = moving_id(turn)
    try:
        if moving:
            made = await booking.move(turn.session, moving, turn.resident.id, starts_at, now=turn.now)
        else:
            made = await booking.book(
                turn.session, turn.resident.id, slots["office"], slots["matter"], starts_at, now=turn.now
            )
    except SlotTaken as taken:
        alternatives = [slot for slot in taken.alternatives if slot.starts_at not in excluded(turn)]
        offer_alternatives(turn, _("Sorry, someone has just taken that time."), alternatives, moving)
        return
    except BookingError as error:
        turn.say(refusal(error, turn.now), menu=turn.registry.keyboard())
        return
    confirm_booking(turn, made, moved=bool(moving))


def wishes(day: date | str | None, at: str | None) -> dict[str, Any]:
    """Values that make the form try a day and a time when their steps come."""
    values: dict[str, Any] = {}
    if day is not None:
        values["_wish_day"] = day if isinstance(day, str) else day.isoformat()
    if at is not None:
        values["_wish_time"] = at
    return values


BOOKING = FormFlow(
    FLOW,
    [
        Slot("matter", ask_matter, parse_matter, label=N_("Matter"), entity="service"),
        Slot("office", ask_office, parse_office, label=N_("Office")),
        Slot("day", ask_day, parse_day, label=N_("Day")),
        Slot("time", ask_time, parse_time, label=N_("Time")),
    ],
    submit=submit,
    summary=summary,
)

# Moving keeps the matter and the office (given as values); only the day and time are asked.
MOVE = FormFlow(
    MOVE_FLOW,
    [
        Slot("day", ask_day, parse_day, label=N_("Day")),
        Slot("time", ask_time, parse_time, label=N_("Time")),
    ],
    submit=submit,
    summary=summary,
)
