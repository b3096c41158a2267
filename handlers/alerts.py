"""Alert subscriptions: the toggle screen, /subscribe and /unsubscribe, free text, warnings in force.

Ways in, all ending on the same screen of toggles so the resident sees the state they left:

    🔔 Alerts, /alerts          the screen (alerts_screen)
    a topic button              g:asub:<topic>:<1|0>, the state wanted, so double taps are harmless
    /subscribe TOPIC, text      "zapisz mnie na alerty pogodowe", with an osiedle for local topics
    /unsubscribe TOPIC, text    "wypisz mnie z alertów pogodowych"; "ze wszystkiego" asks first
    ⚠️ warnings in force         g:anow, /warnings, "czy są jakieś ostrzeżenia?"

Quiet hours, silent delivery and the osiedle of local news live in alerts_settings.
"""

from __future__ import annotations

import re

from bot.conversation import Button, Registry, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import Alert
from bot.domain import subscriptions
from bot.domain.subscriptions import BY_CODE, TOPICS
from bot.i18n import N_, _, format_datetime, ngettext
from handlers import alerts_screen as screen_
from handlers import alerts_settings
from handlers.alerts_screen import channel, local_osiedle, show_screen, topic_label
from nlu.entities import extract_entities
from nlu.gazetteer import default_gazetteer
from nlu.interface import Parse
from nlu.text import fold

_EVERYTHING = re.compile(r"\b(?:wszystk\w*|everything|all|calkiem|kazd\w*)\b")
LEVEL_MARKS = {1: "🟡", 2: "🟠", 3: "🔴"}
MAX_ARGUMENT = 200


# -- switching topics on and off -------------------------------------------------------------------
async def switch_on(turn: Turn, topics: list[str], district: str | None = None) -> str:
    """Subscribe to each topic; local ones take the named osiedle, else the one already chosen."""
    subscribed = await subscriptions.subscriptions_of(turn.session, turn.resident.id)
    chosen = local_osiedle(subscribed)
    notes = []
    for code in topics:
        osiedle = (district or chosen) if BY_CODE[code].local else None
        if code in subscribed and not district:
            osiedle = subscribed[code]  # "subscribe" again keeps the filter it has
        changed = await subscriptions.subscribe(
            turn.session, turn.resident.id, code, osiedle=osiedle, channel=channel(turn), now=turn.now
        )
        label = topic_label(code, osiedle)
        notes.append(
            _("✅ Switched on: {topic}.").format(topic=label)
            if changed
            else _("{topic}: already on.").format(topic=label)
        )
    return "\n".join(notes)


async def switch_off(turn: Turn, topics: list[str]) -> str:
    notes = []
    for code in topics:
        changed = await subscriptions.unsubscribe(
            turn.session, turn.resident.id, code, channel=channel(turn), now=turn.now
        )
        label = topic_label(code)
        notes.append(
            _("⬜ Switched off: {topic}.").format(topic=label)
            if changed
            else _("{topic}: already off.").format(topic=label)
        )
    return "\n".join(notes)


async def toggle(turn: Turn, arg: str) -> None:
    """A topic button: `weather:1` switches weather on (again, harmlessly, on a second tap)."""
    code, _sep, wanted = arg.partition(":")
    if code not in BY_CODE or wanted not in ("0", "1"):
        await show_screen(turn, _("This button has expired."))
        return
    note = await switch_on(turn, [code]) if wanted == "1" else await switch_off(turn, [code])
    await show_screen(turn, note)


# -- unsubscribing from everything -----------------------------------------------------------------
async def ask_off_all(turn: Turn) -> None:
    """Stopping every alert is asked once more: one stray "stop" should not silence storm warnings."""
    subscribed = await subscriptions.subscriptions_of(turn.session, turn.resident.id)
    if not subscribed:
        await show_screen(turn, _("You don't receive any alerts, so there is nothing to stop."))
        return
    names = ", ".join(topic_label(t.code, subscribed[t.code]) for t in TOPICS if t.code in subscribed)
    turn.say(
        _("Unsubscribe from all alerts? You now receive: {topics}.").format(topics=names),
        buttons=[
            [Button(_("✅ Yes, unsubscribe from all"), global_payload(screen_.OFF_ALL))],
            [Button(_("✖️ No, keep them"), global_payload(screen_.SCREEN))],
        ],
    )


async def off_all(turn: Turn, _arg: str = "") -> None:
    """The confirmation; a second tap finds nothing left and says so."""
    left = await subscriptions.unsubscribe_all(
        turn.session, turn.resident.id, channel=channel(turn), now=turn.now
    )
    if not left:
        await show_screen(turn, _("You don't receive any alerts, so there is nothing to stop."))
        return
    note = ngettext(
        "Done: unsubscribed from {count} topic. You will get no more alerts.",
        "Done: unsubscribed from {count} topics. You will get no more alerts.",
        len(left),
    ).format(count=len(left))
    await show_screen(turn, note)


# -- commands and free text ------------------------------------------------------------------------
def topics_in(text: str, lang: str) -> list[str]:
    """Topic codes a resident named ("weather", "alerty pogodowe", "road works"), in TOPICS order."""
    text = text[:MAX_ARGUMENT]
    found = {word for word in fold(text).replace(",", " ").split() if word in BY_CODE}
    found |= {str(e.value) for e in extract_entities(text, lang=lang) if e.entity == "topic"}
    return [topic.code for topic in TOPICS if topic.code in found]


def _parsed_topics(parse: Parse | None) -> list[str]:
    if parse is None:
        return []
    found = {str(e.value) for e in parse.entities if e.entity == "topic"}
    return [topic.code for topic in TOPICS if topic.code in found]


def _district(parse: Parse | None) -> str | None:
    value = parse.entity("district") if parse is not None else None
    return value if value in default_gazetteer().districts else None


def _means_everything(text: str) -> bool:
    return bool(_EVERYTHING.search(fold(text[:MAX_ARGUMENT])))


async def subscribe_command(turn: Turn, arg: str = "") -> None:
    """/subscribe [topic]: without a (known) topic, the screen to pick from."""
    topics = topics_in(arg, turn.lang) if arg else []
    if not topics:
        await show_screen(turn, _unknown_topic(arg))
        return
    await show_screen(turn, await switch_on(turn, topics))


async def unsubscribe_command(turn: Turn, arg: str = "") -> None:
    """/unsubscribe [topic|all]."""
    topics = topics_in(arg, turn.lang) if arg else []
    if topics:
        await show_screen(turn, await switch_off(turn, topics))
    elif arg and _means_everything(arg):
        await ask_off_all(turn)
    else:
        await show_screen(turn, _unknown_topic(arg))


def _unknown_topic(arg: str) -> str | None:
    if not arg:
        return None
    shown = arg if len(arg) <= 40 else arg[:39] + "…"
    return _("I don't know the topic “{text}”. Please choose below.").format(text=shown)


async def subscribe_from_text(turn: Turn, _arg: str = "") -> None:
    """ "powiadamiaj mnie o remontach na Wildzie": the topic, and the osiedle for a local one."""
    parse = await turn.understand()
    topics = _parsed_topics(parse)
    if not topics:
        await show_screen(turn)
        return
    await show_screen(turn, await switch_on(turn, topics, _district(parse)))


async def unsubscribe_from_text(turn: Turn, _arg: str = "") -> None:
    """ "wypisz mnie z alertów pogodowych"; "ze wszystkiego" confirms first; no topic: the screen."""
    parse = await turn.understand()
    topics = _parsed_topics(parse)
    if topics:
        await show_screen(turn, await switch_off(turn, topics))
    elif _means_everything(turn.text):
        await ask_off_all(turn)
    else:
        await show_screen(turn)


# -- warnings in force -----------------------------------------------------------------------------
def alert_lines(alert: Alert, lang: str) -> list[str]:
    """One warning: its title in the resident's language, level, osiedla and how long it holds."""
    title = alert.title_en if lang == "en" and alert.title_en else alert.title_pl
    mark = LEVEL_MARKS.get(alert.level or 0, "⚠️")
    head = f"{mark} {title}"
    if alert.level:
        head += " (" + _("level {level}").format(level=alert.level) + ")"
    details = []
    if alert.osiedla:
        details.append(", ".join(alert.osiedla))
    if alert.valid_to is not None:
        details.append(_("until {time}").format(time=format_datetime(alert.valid_to, "short")))
    return [head] + (["   " + " · ".join(details)] if details else [])


async def in_force(turn: Turn, _arg: str = "", topics: list[str] | None = None) -> None:
    """What is in force now (of the named topics, when the resident named some)."""
    found = await subscriptions.alerts_in_force(turn.session, turn.now, topics=topics)
    back = [[Button(_("🔔 My alert subscriptions"), global_payload(screen_.SCREEN))]]
    if not found:
        turn.say(_("No warnings in force right now."), buttons=back)
        return
    lines = [_("⚠️ In force now:")]
    for alert in found:
        lines += alert_lines(alert, turn.lang)
    turn.say("\n".join(lines), buttons=back)


async def in_force_from_text(turn: Turn, _arg: str = "") -> None:
    """ "czy są jakieś ostrzeżenia?", "jakie utrudnienia w ruchu?" (the topic narrows the list)."""
    await in_force(turn, topics=_parsed_topics(await turn.understand()) or None)


def register(registry: Registry) -> None:
    registry.add_flow(alerts_settings.QUIET_FORM)
    registry.add_flow(alerts_settings.PLACE_FORM)
    registry.add_menu_item("alerts", N_("🔔 Alerts"), screen_.screen)
    registry.add_command("alerts", screen_.screen, N_("alert subscriptions"))
    registry.add_command("subscribe", subscribe_command, N_("subscribe to alerts"))
    registry.add_command("unsubscribe", unsubscribe_command, N_("unsubscribe from alerts"))
    registry.add_command("warnings", in_force, N_("warnings in force now"))
    registry.add_action(screen_.SCREEN, screen_.screen)
    registry.add_action(screen_.TOGGLE, toggle)
    registry.add_action(screen_.OFF_ALL, off_all)
    registry.add_action(screen_.IN_FORCE, in_force)
    registry.add_action(screen_.SILENT, alerts_settings.set_silent)
    registry.add_action(screen_.QUIET, alerts_settings.start_quiet_hours)
    registry.add_action(screen_.PLACE, alerts_settings.start_osiedle)
    registry.add_intent("subscribe", subscribe_from_text, N_("Subscribe to alerts"))
    registry.add_intent("unsubscribe", unsubscribe_from_text, N_("Unsubscribe from alerts"))
    registry.add_intent("current_alerts", in_force_from_text, N_("Current warnings"))
