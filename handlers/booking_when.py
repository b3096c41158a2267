"""The "when" of a visit: the day step (a week of buttons) and the time step (free times as buttons).

A day or time the resident gave in the first message is a wish (`_wish_day`, `_wish_time`) tried
when its step comes; a taken time, or a stale button, offers the nearest free times instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from bot.conversation import Answer, FormFlow, Invalid, Turn
from bot.domain import booking
from bot.domain.booking_calendar import (
    HORIZON_DAYS,
    check_day,
    closed_reason,
    last_bookable_day,
    moment,
    today,
)
from bot.domain.booking_errors import BookingError, OutsideHours, TimeSlot
from bot.domain.booking_text import day_phrase, first_upper, long_day, short_day
from bot.domain.offices import MATTERS_BY_CODE, OFFICES_BY_CODE
from bot.i18n import _, format_time
from handlers.booking_replies import refusal
from nlu.entities import TimeExtractor, extract_entities, impossible_date, parse_date

TIMES_PER_PAGE = 12
TIMES_PER_ROW = 4
DAYS_PER_ROW = 3
NEAREST_SHOWN = 6
_BARE_TIME = re.compile(r"^\s*(?:o\s+|at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*$", re.IGNORECASE)


def chosen_day(turn: Turn) -> date:
    return date.fromisoformat(turn.slots["day"])


def moving_id(turn: Turn) -> int | None:
    return turn.slots.get("_moving")


def excluded(turn: Turn) -> tuple[datetime, ...]:
    """When moving, the visit's own time is not offered: it is not a change."""
    old = turn.slots.get("_moving_from")
    return (datetime.fromisoformat(old),) if old else ()


# -- day -----------------------------------------------------------------------------------------
async def ask_day(turn: Turn, flow: FormFlow) -> None:
    """Which day: the day asked for in the first message if it can be had, else a week of buttons."""
    wish = turn.slots.get("_wish_day")
    if wish is not None:
        turn.drop_slot("_wish_day")
        try:
            value: str | None = await _day_value(turn, date.fromisoformat(str(wish)))
        except ValueError:
            value = None
        except Invalid as refused:
            turn.say(refused.reason)
            value = None
        if value is not None:
            turn.set_slot("day", value)
            await flow.advance(turn)
            return
    await _show_week(turn, flow)


async def _show_week(turn: Turn, flow: FormFlow) -> None:
    office, matter = turn.slots["office"], turn.slots["matter"]
    free = await booking.availability(turn.session, office, matter, now=turn.now)
    weeks = sorted({_week_start(day) for day in free})
    if not weeks:
        turn.say(_("Sorry, there are no free times in the next {days} days.").format(days=HORIZON_DAYS))
        return
    page = min(max(int(turn.slots.get("_week", 0)), 0), len(weeks) - 1)
    shown = [day for day in sorted(free) if _week_start(day) == weeks[page]]
    days = [flow.button(turn, short_day(day), day.isoformat()) for day in shown if free[day] > 0]
    rows = [days[i : i + DAYS_PER_ROW] for i in range(0, len(days), DAYS_PER_ROW)]
    paging = []
    if page > 0:
        paging.append(flow.button(turn, _("‹ previous week"), f"week:{page - 1}"))
    if page < len(weeks) - 1:
        paging.append(flow.button(turn, _("next week ›"), f"week:{page + 1}"))
    if paging:
        rows.append(paging)
    lines = [_('Which day would you like? Choose below, or write a date, for example "tomorrow" or "3.12".')]
    full = [short_day(day) for day in shown if free[day] == 0]
    if full:
        lines.append(_("Fully booked: {days}.").format(days=", ".join(full)))
    closed = _closed_in_week(turn, weeks[page], shown)
    if closed:
        lines.append(_("The city hall is closed on: {days}.").format(days=", ".join(closed)))
    if not days:
        lines.append(_("There are no free times this week; please look at another week."))
    turn.say("\n".join(lines), buttons=rows)


def _week_start(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())


def _closed_in_week(turn: Turn, monday: date, shown: list[date]) -> list[str]:
    """Weekdays the office normally opens but not this week (holidays), within the horizon."""
    office = OFFICES_BY_CODE[turn.slots["office"]]
    start, end = today(turn.now), last_bookable_day(turn.now)
    days = [date.fromordinal(monday.toordinal() + n) for n in range(7)]
    return [
        short_day(day)
        for day in days
        if start < day <= end
        and day not in shown
        and day.weekday() in office.hours
        and closed_reason(office, day) in ("holiday", "christmas_eve")
    ]


async def parse_day(turn: Turn, answer: Answer) -> str:
    choice = answer.choice or ""
    if choice.startswith("week:"):
        turn.set_slot("_week", int(choice.removeprefix("week:") or 0))
        raise Invalid("")  # nothing to explain: the question is asked again for the other week
    if choice:
        try:
            day = date.fromisoformat(choice)
        except ValueError:
            raise Invalid(_("Please choose a day from the buttons.")) from None
    else:
        day = _typed_date(turn, answer.text)
    return await _day_value(turn, day)


def _typed_date(turn: Turn, text: str) -> date:
    """A date written by the resident; a time in the same words ("środa o 9") is kept for later."""
    day = parse_date(text, now=turn.now) if text else None
    if day is None:
        bad = impossible_date(text, now=turn.now) if text else None
        if bad:
            raise Invalid(_("There is no such date: {text}.").format(text=bad[:20]))
        raise Invalid(_('Please choose a day from the buttons, or write a date, for example "3.12".'))
    typed_time = _time_entity(turn, text)
    if typed_time:
        turn.set_slot("_wish_time", typed_time)
    return day


async def _day_value(turn: Turn, day: date) -> str:
    """The day as ISO text if it can be booked for this matter and resident, else Invalid(why)."""
    office, matter = turn.slots["office"], turn.slots["matter"]
    try:
        check_day(OFFICES_BY_CODE[office], day, turn.now)
        await booking.check_limits(
            turn.session, turn.resident.id, matter, day, now=turn.now, replacing=moving_id(turn)
        )
    except BookingError as error:
        raise Invalid(refusal(error, turn.now)) from None
    if not await booking.free_slots(turn.session, office, matter, day, now=turn.now, exclude=excluded(turn)):
        later = await booking.availability(turn.session, office, matter, now=turn.now)
        options = [other for other, count in sorted(later.items()) if other > day and count][:3]
        raise Invalid(
            _("Sorry, there are no free times left on {day}.").format(day=day_phrase(day)),
            choices=[(short_day(other), other.isoformat()) for other in options],
        )
    forget_time(turn)
    return day.isoformat()


# -- time ----------------------------------------------------------------------------------------
async def ask_time(turn: Turn, flow: FormFlow) -> None:
    """Which time: the time asked for if free, else the free times of the day as buttons."""
    if "day" not in turn.slots:  # "another day" was chosen: the form goes back to the day
        await flow.advance(turn)
        return
    wish = turn.slots.get("_wish_time")
    if wish is not None:
        turn.drop_slot("_wish_time")
        try:
            value = await _time_value(turn, str(wish), tapped=False)
        except Invalid as refused:
            flow.explain(turn, refused)
            if not refused.reprompt:  # the nearest free times are on the buttons already
                return
        else:
            turn.set_slot("time", value)
            await flow.advance(turn)
            return
        if "day" not in turn.slots:
            await flow.advance(turn)
            return
    office, matter, day = turn.slots["office"], turn.slots["matter"], chosen_day(turn)
    free = await booking.free_slots(turn.session, office, matter, day, now=turn.now, exclude=excluded(turn))
    if not free:
        turn.say(_("Sorry, there are no free times left on {day}.").format(day=day_phrase(day)))
        turn.drop_slot("day")
        await flow.advance(turn)
        return
    pages = (len(free) + TIMES_PER_PAGE - 1) // TIMES_PER_PAGE
    page = min(max(int(turn.slots.get("_page", 0)), 0), pages - 1)
    shown = free[page * TIMES_PER_PAGE : (page + 1) * TIMES_PER_PAGE]
    times = [flow.button(turn, slot.hhmm, slot.hhmm) for slot in shown]
    rows = [times[i : i + TIMES_PER_ROW] for i in range(0, len(times), TIMES_PER_ROW)]
    paging = []
    if page > 0:
        paging.append(flow.button(turn, _("‹ earlier times"), f"page:{page - 1}"))
    if page < pages - 1:
        paging.append(flow.button(turn, _("later times ›"), f"page:{page + 1}"))
    if paging:
        rows.append(paging)
    rows.append([flow.button(turn, _("📅 Another day"), "otherday")])
    minutes = MATTERS_BY_CODE[matter].minutes
    turn.say(
        "\n".join(
            (
                _("{day}: choose a time. The visit takes {minutes} minutes.").format(
                    day=first_upper(long_day(day)), minutes=minutes
                ),
                _('You can also write a time, for example "10:30".'),
            )
        ),
        buttons=rows,
    )


async def parse_time(turn: Turn, answer: Answer) -> str:
    choice = answer.choice or ""
    if choice.startswith("page:"):
        turn.set_slot("_page", int(choice.removeprefix("page:") or 0))
        raise Invalid("")  # the question is asked again with the other times
    if choice == "otherday":
        turn.drop_slot("day")
        forget_time(turn)
        raise Invalid("")  # asking the time again goes back to the day
    raw = choice or _typed_time(turn, answer.text)
    return await _time_value(turn, raw, tapped=bool(choice))


def _typed_time(turn: Turn, text: str) -> str:
    """`10`, `10:30`, `o 10`, `wpół do jedenastej`; with a date too ("jutro o 11") as ISO date+time."""
    bare = _BARE_TIME.match(text or "")
    if bare and int(bare.group(1)) < 24:
        return f"{int(bare.group(1)):02d}:{bare.group(2) or '00'}"
    found = _time_entity(turn, text)
    if found is None:
        raise Invalid(_('Please choose a time from the buttons, or write it, for example "10:30".'))
    day = parse_date(text, now=turn.now)
    return f"{day.isoformat()}T{found}" if day else found


def _time_entity(turn: Turn, text: str) -> str | None:
    found = extract_entities(text, lang=turn.lang, now=turn.now, extractors=(TimeExtractor(),))
    return str(found[0].value) if found else None


async def _time_value(turn: Turn, raw: str, *, tapped: bool) -> str:
    """ "HH:MM" when a desk is free then; the nearest free times as choices when it is not."""
    day_part, _sep, hhmm = raw.rpartition("T")
    try:
        if day_part and day_part != turn.slots.get("day"):
            turn.set_slot("day", await _day_value(turn, date.fromisoformat(day_part)))
        at = time.fromisoformat(hhmm)
    except ValueError:
        raise Invalid(_('Please choose a time from the buttons, or write it, for example "10:30".')) from None
    office, matter, day = turn.slots["office"], turn.slots["matter"], chosen_day(turn)
    wanted = moment(day, at)
    try:
        slot = booking.slot_for(office, matter, wanted, now=turn.now)
    except OutsideHours as outside:
        raise await _offer_nearest(turn, wanted, _outside_hours(matter, outside)) from None
    except BookingError as error:
        raise Invalid(refusal(error, turn.now)) from None
    if slot.starts_at in excluded(turn):
        raise await _offer_nearest(turn, wanted, _("That is the time of your visit now."))
    free = await booking.free_slots(turn.session, office, matter, day, now=turn.now)
    if slot.starts_at not in {other.starts_at for other in free}:
        taken = (
            _("Sorry, someone has just taken that time.")
            if tapped
            else _("Sorry, {time} is already taken.").format(time=slot.hhmm)
        )
        raise await _offer_nearest(turn, wanted, taken)
    return slot.hhmm


async def _offer_nearest(turn: Turn, wanted: datetime, reason: str) -> Invalid:
    """Invalid(reason) with the nearest free times as buttons answering the time step."""
    choices = await _nearest_choices(turn, wanted)
    return Invalid(_nearest_said(reason, choices), choices=choices, reprompt=False)


def _outside_hours(matter: str, outside: OutsideHours) -> str:
    if outside.within_hours:
        return _("Visits for this matter start every {minutes} minutes.").format(
            minutes=MATTERS_BY_CODE[matter].minutes
        )
    if outside.last_start is None:
        return _("The city hall is closed that day.")
    return _("On {day} the first visit starts at {opens} and the last one at {last}.").format(
        day=day_phrase(outside.day), opens=format_time(outside.opens), last=format_time(outside.last_start)
    )


async def _nearest_choices(turn: Turn, wanted: datetime) -> list[tuple[str, str]]:
    """The nearest free times as choices answering the time step, then the way to all times."""
    nearest = await booking.nearest_free(
        turn.session,
        turn.slots["office"],
        turn.slots["matter"],
        wanted,
        now=turn.now,
        limit=NEAREST_SHOWN,
        exclude=excluded(turn),
    )
    current = turn.slots.get("day")
    choices = [_choice(slot, current) for slot in nearest]
    return [*choices, (_("🕑 All free times"), "page:0"), (_("📅 Another day"), "otherday")]


def _nearest_said(reason: str, choices: list[tuple[str, str]]) -> str:
    """The reason, then what the buttons under it are (only the last two when nothing is near)."""
    found = len(choices) > 2
    return "\n".join((reason, _("The nearest free times:") if found else _("Please choose another day.")))


def _choice(slot: TimeSlot, current_day: str | None) -> tuple[str, str]:
    if slot.day.isoformat() == current_day:
        return (f"🕑 {slot.hhmm}", slot.hhmm)
    return (f"🕑 {short_day(slot.day)} {slot.hhmm}", f"{slot.day.isoformat()}T{slot.hhmm}")


def forget_time(turn: Turn) -> None:
    """A new matter, office or day makes the chosen time (and its page) meaningless."""
    for name in ("time", "_page"):
        turn.drop_slot(name)
