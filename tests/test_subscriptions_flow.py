"""Alert subscriptions, the conversations: toggles, double taps, free text, quiet hours, osiedle, warnings.

Residents here speak English so exact texts can be asserted whatever state the Polish catalog is in;
the Polish conversation checks its texts only once the catalog has them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.conversation.payloads import global_payload
from bot.db.models import Alert, ConsentEntry
from bot.domain import subscriptions
from bot.i18n import translate
from handlers import alerts, register_all
from tests.conversation import Conversation, ScriptedInterpreter

RESIDENT = 1001
SCREEN_INTRO = "🔔 Alerts from the city. Tap a topic to switch it on or off (✅ on, ⬜ off)."
EMPTY_INTRO = "🔔 Alerts from the city. You receive no alerts now. Tap a topic to switch it on."
SETTINGS_BUTTONS = [
    "📍 Osiedle for local news: whole city",
    "🌙 Quiet hours: 22:00–07:00",
    "🔔 Silent delivery: off",
    "⚠️ Warnings in force now",
]
needs_polish_catalog = pytest.mark.skipif(
    translate("Weather warnings", "pl") == "Weather warnings",
    reason="Polish alert messages not in locales yet",
)


def build_registry() -> Registry:
    registry = register_all(Registry())
    alerts.register(registry)
    return registry


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def services() -> dict:
    return {}


@pytest.fixture
def dialogue(db, interpreter, clock, services) -> Dialogue:
    return Dialogue(db, build_registry(), interpreter, config=DialogueConfig(services=services), clock=clock)


@pytest.fixture
def chat(dialogue) -> Conversation:
    return Conversation(dialogue, resident_id=RESIDENT, language="en")


async def subscribed(db, resident_id: int = RESIDENT) -> dict[str, str | None]:
    async with db.transaction() as session:
        return await subscriptions.subscriptions_of(session, resident_id)


async def ledger(db, resident_id: int = RESIDENT) -> list[tuple[str, str, str | None, str]]:
    async with db.transaction() as session:
        entries = await subscriptions.ledger_of(session, resident_id)
    return [(e["topic"], e["action"], e["osiedle"], e["channel"]) for e in entries]


# -- the toggle screen -------------------------------------------------------------------------------
async def test_the_screen_shows_every_topic_and_toggles_reflect_the_state(chat, db):
    await chat.says("🔔 Alerts")
    assert chat.text == EMPTY_INTRO
    assert chat.labels() == [
        "⬜ Weather warnings",
        "⬜ Road works and traffic",
        "⬜ Announcements for seniors",
        "⬜ City news",
        "⬜ Waste collection reminders",
        *SETTINGS_BUTTONS,
    ]
    assert all(len(row) == 1 for row in chat.replies[-1].buttons)  # one big button per row
    await chat.press("Weather warnings")
    assert chat.text == f"✅ Switched on: Weather warnings.\n\n{SCREEN_INTRO}"
    assert chat.labels()[:2] == ["✅ Weather warnings", "⬜ Road works and traffic"]
    await chat.press("Weather warnings")
    assert chat.text.startswith("⬜ Switched off: Weather warnings.")
    assert chat.labels()[0] == "⬜ Weather warnings"
    assert await subscribed(db) == {}
    assert await ledger(db) == [("weather", "opt_in", None, "bot"), ("weather", "opt_out", None, "bot")]


async def test_a_double_tap_does_not_undo_the_first(chat, db):
    await chat.says("/alerts")
    switch_on = chat.buttons["⬜ Waste collection reminders"]
    await asyncio.gather(chat.send(payload=switch_on), chat.send(payload=switch_on))
    assert await subscribed(db) == {"waste_collection": None}
    await chat.send(payload=switch_on)  # a third, late tap on the same old button
    assert chat.text.startswith("Waste collection reminders: already on.")
    assert await subscribed(db) == {"waste_collection": None}
    assert await ledger(db) == [("waste_collection", "opt_in", None, "bot")]


async def test_a_stale_button_from_an_old_screen_is_harmless(chat, db):
    await chat.says("/alerts")
    old_off = chat.buttons["⬜ Announcements for seniors"]
    await chat.press("Announcements for seniors")
    await chat.press("Announcements for seniors")  # off again
    await chat.press("Announcements for seniors")  # on again
    await chat.send(payload=old_off)  # the very first screen's button asks for "on": it is on
    assert chat.text.startswith("Announcements for seniors: already on.")
    await chat.send(payload=global_payload("asub", "tornadoes:1"))
    assert chat.text.startswith("This button has expired.")
    await chat.send(payload=global_payload("asub", "weather:maybe"))
    assert chat.text.startswith("This button has expired.")
    assert await subscribed(db) == {"seniors": None}


@pytest.mark.parametrize("services", [{"channel": "telegram"}])
async def test_the_ledger_names_the_channel_app_py_gives(chat, db):
    await chat.says("/subscribe weather")
    assert await ledger(db) == [("weather", "opt_in", None, "telegram")]


# -- commands and free text --------------------------------------------------------------------------
async def test_subscribe_and_unsubscribe_by_command(chat, db):
    await chat.says("/subscribe road works")
    assert chat.text.startswith("✅ Switched on: Road works and traffic.")
    await chat.says("/subscribe weather, city news")
    assert chat.text.startswith("✅ Switched on: Weather warnings.\n✅ Switched on: City news.\n\n")
    await chat.says("/unsubscribe weather")
    assert chat.text.startswith("⬜ Switched off: Weather warnings.")
    await chat.says("/subscribe volcanoes")
    assert chat.text == f"I don't know the topic “volcanoes”. Please choose below.\n\n{SCREEN_INTRO}"
    await chat.says("/unsubscribe")
    assert chat.text == SCREEN_INTRO
    assert await subscribed(db) == {"road_works": None, "city_news": None}


async def test_free_text_unsubscribes_from_the_named_topic(dialogue, interpreter, db):
    chat = Conversation(dialogue, resident_id=RESIDENT, language="pl")
    text = "wypisz mnie z alertów pogodowych"
    interpreter.understands(text, "unsubscribe", topic="weather")
    await chat.says("/subscribe pogoda")
    await chat.says("/subscribe wywóz śmieci")
    await chat.says(text)
    assert await subscribed(db) == {"waste_collection": None}
    assert await ledger(db) == [
        ("weather", "opt_in", None, "bot"),
        ("waste_collection", "opt_in", None, "bot"),
        ("weather", "opt_out", None, "bot"),
    ]
    if translate("Weather warnings", "pl") != "Weather warnings":
        assert chat.text.startswith("⬜ Wyłączono: Ostrzeżenia pogodowe.")
        assert chat.labels()[0] == "⬜ Ostrzeżenia pogodowe"


async def test_free_text_subscribes_a_local_topic_for_the_named_osiedle(chat, interpreter, db):
    text = "let me know about road works in Wilda"
    interpreter.understands(text, "subscribe", topic="road_works", district="Wilda")
    await chat.says(text)
    assert chat.text.startswith("✅ Switched on: Road works and traffic (Wilda).")
    interpreter.understands("city news please", "subscribe", topic="city_news")
    await chat.says("city news please")  # the local osiedle already chosen is kept
    assert chat.text.startswith("✅ Switched on: City news (Wilda).")
    interpreter.understands("weather warnings for Rataje", "subscribe", topic="weather", district="Rataje")
    await chat.says("weather warnings for Rataje")  # weather is for the whole city
    assert chat.text.startswith("✅ Switched on: Weather warnings.")
    interpreter.understands("subscribe me", "subscribe")
    await chat.says("subscribe me")
    assert chat.text == SCREEN_INTRO
    assert await subscribed(db) == {"road_works": "Wilda", "city_news": "Wilda", "weather": None}


async def test_unsubscribing_from_everything_asks_first(chat, interpreter, db):
    interpreter.understands("unsubscribe me from everything", "unsubscribe")
    await chat.says("unsubscribe me from everything")
    assert chat.text == f"You don't receive any alerts, so there is nothing to stop.\n\n{EMPTY_INTRO}"
    await chat.says("/subscribe weather")
    await chat.says("/subscribe seniors")
    await chat.says("unsubscribe me from everything")
    assert (
        chat.text
        == "Unsubscribe from all alerts? You now receive: Weather warnings, Announcements for seniors."
    )
    assert chat.labels() == ["✅ Yes, unsubscribe from all", "✖️ No, keep them"]
    await chat.press("No, keep them")
    assert chat.text == SCREEN_INTRO
    await chat.says("/unsubscribe all")
    yes = chat.buttons["✅ Yes, unsubscribe from all"]
    await chat.send(payload=yes)
    assert chat.text == f"Done: unsubscribed from 2 topics. You will get no more alerts.\n\n{EMPTY_INTRO}"
    await chat.send(payload=yes)  # a double tap
    assert chat.text.startswith("You don't receive any alerts, so there is nothing to stop.")
    assert [action for _topic, action, _o, _c in await ledger(db)] == ["opt_in"] * 2 + ["opt_out"] * 2


async def test_a_topic_free_stop_shows_the_screen_without_touching_anything(chat, interpreter, db):
    await chat.says("/subscribe weather")
    interpreter.understands("stop", "unsubscribe")
    await chat.says("stop")
    assert chat.text == SCREEN_INTRO
    assert await subscribed(db) == {"weather": None}


# -- quiet hours and silent delivery -----------------------------------------------------------------
async def test_quiet_hours_form_refuses_bad_times_with_a_reason(chat, db):
    await chat.says("/alerts")
    await chat.press("Quiet hours")
    assert chat.labels() == ["22:00–07:00", "23:00–06:00", "21:00–08:00", "No quiet hours"]
    await chat.says("25:00-7")
    assert chat.replies[0].text == "“25:00” is not a time of day: hours go from 00:00 to 23:59."
    assert chat.replies[-1].text.startswith("🌙 During quiet hours alerts wait until the morning")
    await chat.says("abc")
    assert chat.replies[0].text == "Please write when quiet hours start and end, like 22:00-07:00."
    await chat.says("x" * 500)
    assert chat.replies[0].text == "Please write when quiet hours start and end, like 22:00-07:00."
    await chat.says("23:30-6")
    assert chat.text.startswith("Done: quiet hours from 23:30 to 06:00.")
    assert "🌙 Quiet hours: 23:30–06:00" in chat.labels()
    async with db.transaction() as session:
        assert await subscriptions.preferences(session, RESIDENT) == subscriptions.Preferences(
            "23:30", "06:00", False
        )


async def test_quiet_hours_by_button_and_none_at_all(chat, db):
    await chat.says("/alerts")
    await chat.press("Quiet hours")
    await chat.press("21:00–08:00")
    assert chat.text.startswith("Done: quiet hours from 21:00 to 08:00.")
    await chat.press("Quiet hours")
    await chat.press("No quiet hours")
    assert chat.text.startswith("Done: no quiet hours, alerts come at any time.")
    assert "🌙 Quiet hours: off" in chat.labels()
    async with db.transaction() as session:
        prefs = await subscriptions.preferences(session, RESIDENT)
    assert not prefs.has_quiet_hours


async def test_silent_delivery_toggle_survives_a_double_tap(chat, db):
    await chat.says("/alerts")
    silent_on = chat.buttons["🔔 Silent delivery: off"]
    await chat.send(payload=silent_on)
    assert chat.text.startswith("🔕 Silent delivery is on: alerts arrive without a sound.")
    await chat.send(payload=silent_on)
    assert "🔕 Silent delivery: on" in chat.labels()
    await chat.press("Silent delivery: on")
    assert chat.text.startswith("🔔 Silent delivery is off: alerts arrive with a sound.")
    await chat.send(payload=global_payload("asilent", "loud"))
    assert chat.text.startswith("This button has expired.")


# -- the osiedle of local news -----------------------------------------------------------------------
async def test_osiedle_needs_a_local_subscription_first(chat):
    await chat.says("/alerts")
    await chat.press("Osiedle for local news")
    assert chat.text.startswith(
        "The osiedle is for “Road works and traffic” and “City news”. Please switch one of them on first."
    )


async def test_osiedle_typed_with_a_typo_is_offered_and_applied_to_local_topics(chat, db):
    await chat.says("/subscribe road works")
    await chat.says("/subscribe weather")
    await chat.press("Osiedle for local news")
    assert chat.text.endswith("Now: whole city.")
    await chat.says("Wlida")
    assert chat.text == "I don't know an osiedle called “Wlida”. Did you mean:"
    assert chat.labels() == ["Wilda", "🏙 Whole city"]
    await chat.press("Wilda")
    assert chat.text.startswith("Done: “Road works and traffic” and “City news” now cover: Wilda.")
    assert "✅ Road works and traffic (Wilda)" in chat.labels()
    assert "📍 Osiedle for local news: Wilda" in chat.labels()
    await chat.press("City news")  # switched on later: it follows the osiedle chosen
    assert chat.text.startswith("✅ Switched on: City news (Wilda).")
    await chat.press("Osiedle for local news")
    await chat.says("na Łazarzu")
    assert chat.text.startswith("Done: “Road works and traffic” and “City news” now cover: Św. Łazarz.")
    await chat.press("Osiedle for local news")
    await chat.says("Qwerty")
    assert chat.replies[0].text == (
        "I don't know an osiedle called “Qwerty”. Please check the name, or choose the whole city."
    )
    await chat.press("Whole city")
    assert chat.text.startswith("Done: “Road works and traffic” and “City news” now cover: whole city.")
    assert await subscribed(db) == {"road_works": None, "weather": None, "city_news": None}


async def test_an_umbrella_name_offers_its_osiedla(chat, db):
    await chat.says("/subscribe city news")
    await chat.press("Osiedle for local news")
    await chat.says("Winogrady")
    assert chat.text == "“Winogrady” covers several osiedla. Which one do you mean?"
    assert "Stare Winogrady" in chat.labels()
    await chat.press("Stare Winogrady")
    assert await subscribed(db) == {"city_news": "Stare Winogrady"}


# -- warnings in force -------------------------------------------------------------------------------
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


async def test_no_warnings_in_force(chat, interpreter):
    await chat.says("/alerts")
    await chat.press("Warnings in force now")
    assert chat.text == "No warnings in force right now."
    interpreter.understands("are there any warnings?", "current_alerts")
    await chat.says("are there any warnings?")
    assert chat.text == "No warnings in force right now."
    assert chat.labels() == ["🔔 My alert subscriptions"]


async def test_warnings_in_force_in_the_residents_language(chat, interpreter, db):
    async with db.transaction() as session:
        session.add_all(
            [
                Alert(
                    source="imgw",
                    external_id="storm-1",
                    topic="weather",
                    level=2,
                    title_pl="Burze z gradem",
                    title_en="Thunderstorms with hail",
                    body_pl="",
                    body_en="",
                    valid_from=NOW - timedelta(hours=1),
                    valid_to=NOW + timedelta(hours=8),
                    status="active",
                    fingerprint="a",
                ),
                Alert(
                    source="roadworks",
                    external_id="rw-7",
                    topic="road_works",
                    level=None,
                    title_pl="Remont Dąbrowskiego",
                    title_en="Dąbrowskiego street works",
                    body_pl="",
                    body_en="",
                    osiedla=["Jeżyce"],
                    valid_to=None,
                    status="active",
                    fingerprint="b",
                ),
                Alert(
                    source="imgw",
                    external_id="old",
                    topic="weather",
                    level=1,
                    title_pl="Przymrozki",
                    title_en="Frost",
                    body_pl="",
                    body_en="",
                    valid_to=NOW - timedelta(hours=1),
                    status="active",
                    fingerprint="c",
                ),
            ]
        )
    await chat.says("/warnings")
    assert chat.text.splitlines() == [
        "⚠️ In force now:",
        "🟠 Thunderstorms with hail (level 2)",
        "   until 29/11/2026, 18:00",
        "⚠️ Dąbrowskiego street works",
        "   Jeżyce",
    ]
    interpreter.understands("any road works today?", "current_alerts", topic="road_works")
    await chat.says("any road works today?")
    assert chat.text.splitlines()[1] == "⚠️ Dąbrowskiego street works"
    assert len(chat.text.splitlines()) == 3
    polish = Conversation(chat.dialogue, resident_id=7, language="pl")
    await polish.send(payload=global_payload("anow"))
    assert "🟠 Burze z gradem" in polish.text


@needs_polish_catalog
async def test_polish_resident_sees_the_screen_in_polish(dialogue):
    chat = Conversation(dialogue, resident_id=8, language="pl")
    await chat.says("🔔 Alerty")
    assert chat.labels()[:5] == [
        "⬜ Ostrzeżenia pogodowe",
        "⬜ Remonty i utrudnienia w ruchu",
        "⬜ Ogłoszenia dla seniorów",
        "⬜ Wiadomości z miasta",
        "⬜ Przypomnienia o wywozie odpadów",
    ]
    await chat.press("Ostrzeżenia pogodowe")
    assert chat.text.startswith("✅ Włączono: Ostrzeżenia pogodowe.")


async def test_consent_entries_carry_time_of_the_turn(chat, clock, db):
    await chat.says("/subscribe weather")
    clock.advance(hours=3)
    await chat.says("/unsubscribe weather")
    async with db.transaction() as session:
        times = list((await session.execute(select(ConsentEntry.at).order_by(ConsentEntry.id))).scalars())
    assert times == [NOW, NOW + timedelta(hours=3)]


async def test_the_real_nlu_model_routes_subscribe_and_unsubscribe(db, clock, nlu_interpreter):
    dialogue = Dialogue(db, build_registry(), nlu_interpreter, clock=clock)
    chat = Conversation(dialogue, resident_id=9, language="pl")
    await chat.says("zapisz mnie na powiadomienia o remontach na Wildzie")
    await chat.says("subscribe to weather warnings")
    assert await subscribed(db, 9) == {"road_works": "Wilda", "weather": None}
    await chat.says("wypisz mnie z alertów pogodowych")
    assert await subscribed(db, 9) == {"road_works": "Wilda"}
    await chat.says("wypisz mnie ze wszystkiego")
    assert len(chat.labels()) == 2  # yes / no: nothing is stopped before the resident confirms
    assert await subscribed(db, 9) == {"road_works": "Wilda"}
