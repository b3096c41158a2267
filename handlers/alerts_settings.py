"""How alerts arrive: quiet hours, silent delivery, and the osiedle local news are narrowed to.

Two one-question forms, each answered by a button or by typing:

    alert_quiet   hours   "22:00-07:00", "23-6", "od 21 do 8", or a button; "no quiet hours"
    alert_place   osiedle an osiedle's name (typos get "did you mean"), or 🏙 whole city
"""

from __future__ import annotations

from bot.conversation import Answer, FormFlow, Invalid, Slot, Turn
from bot.domain import subscriptions
from bot.domain.subscriptions import LOCAL_TOPICS, BadSpan, BadTime, parse_span
from bot.i18n import _
from handlers.alerts_screen import channel, local_osiedle, show_screen, topic_label, where
from handlers.initiative_place import is_city_wide, osiedla_named
from nlu.gazetteer import default_gazetteer
from nlu.gazetteer.fuzzy import distance
from nlu.text import fold

NO_QUIET_HOURS = "off"
COMMON_SPANS = ("22:00-07:00", "23:00-06:00", "21:00-08:00")
_NO_QUIET_WORDS = {"off", "none", "no", "brak", "nie", "bez", "wylacz", "wylaczone", "zadne", "zadnych"}
WHOLE_CITY = "*"
SUGGESTIONS = 3


# -- quiet hours -----------------------------------------------------------------------------------
async def ask_hours(turn: Turn, flow: FormFlow) -> None:
    """The rule in one sentence, the common choices as buttons, any span typed."""
    buttons = [[flow.button(turn, span.replace("-", "–"), span)] for span in COMMON_SPANS]
    buttons.append([flow.button(turn, _("No quiet hours"), NO_QUIET_HOURS)])
    turn.say(
        _(
            "🌙 During quiet hours alerts wait until the morning; only weather warnings of level 2 or 3 "
            "come at once. Write the hours like 22:00-07:00, or choose:"
        ),
        buttons=buttons,
    )


def parse_hours(turn: Turn, answer: Answer) -> str:
    """A span "HH:MM-HH:MM" (it may cross midnight) or NO_QUIET_HOURS."""
    text = (answer.choice or answer.text).strip()
    if text == NO_QUIET_HOURS or fold(text).strip(" .!") in _NO_QUIET_WORDS:
        return NO_QUIET_HOURS
    try:
        start, end = parse_span(text)
    except BadTime as bad:
        raise Invalid(
            _("“{text}” is not a time of day: hours go from 00:00 to 23:59.").format(text=bad.text)
        ) from None
    except BadSpan:
        raise Invalid(_("Please write when quiet hours start and end, like 22:00-07:00.")) from None
    return f"{start}-{end}"


async def save_hours(turn: Turn, flow: FormFlow) -> None:
    value = turn.slots["hours"]
    start, _sep, end = value.partition("-")
    if value == NO_QUIET_HOURS:
        start = end = "00:00"  # equal ends: no quiet hours
    prefs = await subscriptions.set_quiet_hours(turn.session, turn.resident.id, start, end, now=turn.now)
    note = (
        _("Done: quiet hours from {start} to {end}.").format(start=prefs.quiet_from, end=prefs.quiet_to)
        if prefs.has_quiet_hours
        else _("Done: no quiet hours, alerts come at any time.")
    )
    await show_screen(turn, note)


QUIET_FORM = FormFlow("alert_quiet", [Slot("hours", ask_hours, parse_hours)], submit=save_hours)


async def start_quiet_hours(turn: Turn, _arg: str = "") -> None:
    await QUIET_FORM.start(turn, {})


# -- silent delivery -------------------------------------------------------------------------------
async def set_silent(turn: Turn, arg: str) -> None:
    """The button says which state it wants, so a second tap repeats it instead of undoing it."""
    if arg not in ("0", "1"):
        await show_screen(turn, _("This button has expired."))
        return
    prefs = await subscriptions.set_silent(turn.session, turn.resident.id, arg == "1", now=turn.now)
    note = (
        _("🔕 Silent delivery is on: alerts arrive without a sound.")
        if prefs.silent
        else _("🔔 Silent delivery is off: alerts arrive with a sound.")
    )
    await show_screen(turn, note)


# -- the osiedle of local news ---------------------------------------------------------------------
async def ask_osiedle(turn: Turn, flow: FormFlow) -> None:
    """Which osiedle, with what is set now; typing is the way, 42 buttons would be a wall."""
    first, second = (topic_label(code) for code in LOCAL_TOPICS)
    lines = [
        _(
            "Which osiedle should “{first}” and “{second}” be about? Write its name (for example: "
            "Wilda, Rataje, Łazarz), or choose the whole city."
        ).format(first=first, second=second),
        _("Now: {where}.").format(where=where(turn.slots.get("_now"))),
    ]
    turn.say("\n".join(lines), buttons=[[flow.button(turn, _("🏙 Whole city"), WHOLE_CITY)]])


def parse_osiedle(turn: Turn, answer: Answer) -> str:
    """An official osiedle name or WHOLE_CITY; several candidates or typos come back as buttons."""
    districts = default_gazetteer().districts
    if answer.choice == WHOLE_CITY or answer.choice in districts:
        return answer.choice
    text = " ".join(answer.text.split())
    if not text:
        raise Invalid(_("Please write the name of the osiedle, or choose a button."))
    shown = text if len(text) <= 40 else text[:39] + "…"
    units = osiedla_named(text[:200])
    if len(units) == 1:
        return units[0]
    if units:
        raise Invalid(
            _("“{name}” covers several osiedla. Which one do you mean?").format(name=shown),
            choices=[(unit, unit) for unit in units],
            reprompt=False,
        )
    if is_city_wide(text[:200]):
        return WHOLE_CITY
    close = similar_osiedla(text)
    if close:
        raise Invalid(
            _("I don't know an osiedle called “{name}”. Did you mean:").format(name=shown),
            choices=[(unit, unit) for unit in close] + [(_("🏙 Whole city"), WHOLE_CITY)],
            reprompt=False,
        )
    raise Invalid(
        _("I don't know an osiedle called “{name}”. Please check the name, or choose the whole city.").format(
            name=shown
        )
    )


def similar_osiedla(text: str) -> list[str]:
    """Official osiedla whose name or alias is a typo or two away from `text` ("Wlida" -> Wilda)."""
    typed = " ".join(word for word in fold(text).split() if word not in {"os", "os.", "osiedle", "na"})
    if not typed or len(typed) > 60:
        return []
    budget = 1 if len(typed) < 8 else 2
    scored: dict[str, int] = {}
    for osiedle in default_gazetteer().osiedla:
        for name in (osiedle.name, *osiedle.aliases):
            cost = distance(typed, fold(name), limit=budget)
            if cost <= budget:
                scored[osiedle.name] = min(cost, scored.get(osiedle.name, cost))
    return sorted(scored, key=lambda name: (scored[name], name))[:SUGGESTIONS]


async def save_osiedle(turn: Turn, flow: FormFlow) -> None:
    value = turn.slots["osiedle"]
    osiedle = None if value == WHOLE_CITY else value
    await subscriptions.set_local_osiedle(
        turn.session, turn.resident.id, osiedle, channel=channel(turn), now=turn.now
    )
    first, second = (topic_label(code) for code in LOCAL_TOPICS)
    await show_screen(
        turn,
        _("Done: “{first}” and “{second}” now cover: {where}.").format(
            first=first, second=second, where=where(osiedle)
        ),
    )


PLACE_FORM = FormFlow("alert_place", [Slot("osiedle", ask_osiedle, parse_osiedle)], submit=save_osiedle)


async def start_osiedle(turn: Turn, _arg: str = "") -> None:
    """Only local subscriptions take an osiedle, so without one there is nothing to narrow yet."""
    subscribed = await subscriptions.subscriptions_of(turn.session, turn.resident.id)
    if not any(code in subscribed for code in LOCAL_TOPICS):
        first, second = (topic_label(code) for code in LOCAL_TOPICS)
        await show_screen(
            turn,
            _("The osiedle is for “{first}” and “{second}”. Please switch one of them on first.").format(
                first=first, second=second
            ),
        )
        return
    await PLACE_FORM.start(turn, {}, values={"_now": local_osiedle(subscribed)})
