"""The alerts screen: one big toggle button per topic showing its state, and the delivery settings.

Every button carries the state it asks for (`g:asub:weather:1`), never "flip whatever it is now",
so a double tap or a button from an old message cannot undo what the resident just did.
"""

from __future__ import annotations

from bot.conversation import Button, Turn
from bot.conversation.payloads import global_payload
from bot.domain import subscriptions
from bot.domain.subscriptions import TOPICS, Preferences
from bot.i18n import _

TOGGLE = "asub"
SILENT = "asilent"
QUIET = "aquiet"
PLACE = "aplace"
IN_FORCE = "anow"
SCREEN = "alerts"
OFF_ALL = "aoffall"


def channel(turn: Turn) -> str:
    """The channel the consent was given through, as app.py names it; "bot" when it does not say."""
    name = str(turn.services.get("channel") or "bot")
    return name if name in subscriptions.CHANNELS else "bot"


def topic_label(code: str, osiedle: str | None = None) -> str:
    label = _(subscriptions.BY_CODE[code].label)
    return f"{label} ({osiedle})" if osiedle else label


def where(osiedle: str | None) -> str:
    return osiedle or _("whole city")


def quiet_label(prefs: Preferences) -> str:
    if not prefs.has_quiet_hours:
        return _("🌙 Quiet hours: off")
    return _("🌙 Quiet hours: {start}–{end}").format(start=prefs.quiet_from, end=prefs.quiet_to)


def local_osiedle(subscribed: dict[str, str | None]) -> str | None:
    """The osiedle the resident narrowed local news to (shared by all local topics)."""
    return next((subscribed[code] for code in subscriptions.LOCAL_TOPICS if subscribed.get(code)), None)


async def show_screen(turn: Turn, note: str | None = None) -> None:
    """The current state as buttons; `note` (what just changed) comes first in the same message."""
    session, resident_id = turn.session, turn.resident.id
    await subscriptions.mark_reachable(session, resident_id)
    subscribed = await subscriptions.subscriptions_of(session, resident_id)
    prefs = await subscriptions.preferences(session, resident_id)
    rows = []
    for topic in TOPICS:
        on = topic.code in subscribed
        label = ("✅ " if on else "⬜ ") + topic_label(topic.code, subscribed.get(topic.code))
        rows.append([Button(label, global_payload(TOGGLE, f"{topic.code}:{0 if on else 1}"))])
    place = where(local_osiedle(subscribed))
    rows += [
        [Button(_("📍 Osiedle for local news: {where}").format(where=place), global_payload(PLACE))],
        [Button(quiet_label(prefs), global_payload(QUIET))],
        [
            Button(
                _("🔕 Silent delivery: on") if prefs.silent else _("🔔 Silent delivery: off"),
                global_payload(SILENT, "0" if prefs.silent else "1"),
            )
        ],
        [Button(_("⚠️ Warnings in force now"), global_payload(IN_FORCE))],
    ]
    intro = (
        _("🔔 Alerts from the city. Tap a topic to switch it on or off (✅ on, ⬜ off).")
        if subscribed
        else _("🔔 Alerts from the city. You receive no alerts now. Tap a topic to switch it on.")
    )
    text = f"{note}\n\n{intro}" if note else intro
    turn.say(text, buttons=rows)


async def screen(turn: Turn, _arg: str = "") -> None:
    """The menu item, /alerts, and the "back" buttons."""
    await show_screen(turn)
