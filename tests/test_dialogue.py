"""Scripted conversations against the Dialogue engine: routing, forms, state, languages, failures."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.db.models import AuditEntry, ConversationState, Resident
from handlers import register_all
from tests.conversation import Conversation, ScriptedInterpreter
from tests.sample_flow import register_sample


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def dialogue(db, interpreter, clock) -> Dialogue:
    registry = register_sample(register_all(Registry()))
    return Dialogue(db, registry, interpreter, config=DialogueConfig(max_text_length=200), clock=clock)


@pytest.fixture
def chat(dialogue) -> Conversation:
    return Conversation(dialogue)


async def test_start_greets_offers_languages_preselected_and_shows_menu(chat):
    await chat.says("/start")
    assert "Dzień dobry" in chat.text
    assert chat.labels() == ["✓ Polski", "English"]
    assert chat.menu() == [
        "📝 Zgłoś problem",
        "💡 Inicjatywy",
        "📅 Wizyta w urzędzie",
        "♻️ Deklaracja śmieciowa",
        "🔔 Alerty",
        "📂 Moje sprawy",
        "🙋 Rozmowa z człowiekiem",
        "⚙️ Ustawienia",
    ]


async def test_unknown_telegram_language_falls_back_to_polish(dialogue):
    chat = Conversation(dialogue, resident_id=77, language="uk")
    await chat.says("/start")
    assert chat.labels() == ["✓ Polski", "English"]


async def test_english_hint_preselects_english(dialogue):
    chat = Conversation(dialogue, resident_id=78, language="en-GB")
    await chat.says("/start")
    assert "Hello!" in chat.text
    assert chat.labels() == ["Polski", "✓ English"]


async def test_choosing_english_switches_every_later_answer(chat, db):
    await chat.says("/start")
    await chat.press("English")
    assert chat.text == "Done, I will write in English."
    assert "📝 Report a problem" in chat.menu()
    await chat.says("/help")
    assert "Commands:" in chat.text
    async with db.transaction() as session:
        resident = await session.get(Resident, chat.resident_id)
        audit = (await session.execute(select(AuditEntry))).scalars().all()
    assert resident.language == "en" and resident.language_chosen
    assert [(entry.action, entry.details) for entry in audit] == [("language.set", {"language": "en"})]


async def test_lang_command_offers_the_choice_again(chat):
    await chat.says("/lang")
    assert chat.labels() == ["✓ Polski", "English"]
    await chat.press("English")
    await chat.says("/lang")
    assert chat.labels() == ["Polski", "✓ English"]


async def test_menu_label_typed_in_either_language_opens_the_item(chat):
    await chat.says("🙋 Rozmowa z człowiekiem")
    assert "Już wkrótce" in chat.text
    await chat.says("talk to a person")
    assert "Już wkrótce" in chat.text
    await chat.says("⚙️ Ustawienia")
    assert "Twój język: Polski" in chat.text


async def test_features_not_built_yet_say_so_honestly(chat):
    await chat.says("🙋 Rozmowa z człowiekiem")
    assert chat.text.startswith("Już wkrótce: rozmowa z pracownikiem urzędu.")
    assert chat.menu() is not None


async def test_unknown_text_gets_help_then_an_offer_of_a_person(chat):
    await chat.says("asdf qwerty")
    assert "nie zrozumiałem" in chat.text
    assert chat.menu() is not None
    await chat.says("zxcv")
    assert "porozmawiać z pracownikiem" in chat.text
    assert chat.labels() == ["🙋 Rozmowa z człowiekiem"]
    await chat.press("Rozmowa")
    assert "Już wkrótce: rozmowa z pracownikiem urzędu" in chat.text


async def test_a_understood_message_resets_the_miss_count(chat, interpreter):
    interpreter.understands("dzięki", "thanks")
    await chat.says("asdf")
    await chat.says("dzięki")
    await chat.says("asdf")
    assert "porozmawiać z pracownikiem" not in chat.text


async def test_unknown_command_lists_the_ones_that_work(chat):
    await chat.says("/frobnicate")
    assert "Nie znam polecenia /frobnicate" in chat.text
    assert "/start" in chat.text and "/cancel" in chat.text


async def test_free_text_starts_a_flow_with_entities_already_given(chat, interpreter):
    interpreter.understands("zbiórka dla 2 osób", "sample_intent", event="Zbiórka", people=2)
    await chat.says("zbiórka dla 2 osób")
    assert chat.text == "Event Zbiórka for 2."
    assert chat.labels() == ["✅ Potwierdzam", "✏️ Zmień coś", "✖️ Anuluj"]
    await chat.press("Potwierdzam")
    assert chat.text == "Saved."


async def test_low_confidence_offers_the_top_two_intents_and_keeps_the_entities(chat, interpreter):
    interpreter.understands(
        "coś z 3 osobami",
        "sample_intent",
        0.4,
        ranking=[("sample_intent", 0.4), ("help", 0.3)],
        event="Spacer",
        people=3,
    )
    await chat.says("coś z 3 osobami")
    assert chat.labels() == ["Sample", "Pomoc"]
    await chat.press("Sample")
    assert chat.text == "Where? Send a pin."  # name and people came from the first message


async def test_form_validates_reasks_with_reason_and_confirms(chat, db):
    await chat.says("/sample")
    assert chat.text == "What is the name of the event?"
    await chat.says("Piknik")
    assert chat.labels() == ["1", "2", "3"]
    await chat.says("eleven")
    assert chat.text == "Please give a number from 1 to 10.\nHow many people?"
    await chat.says("5")
    assert chat.replies[0].request_location == "Send my location"
    await chat.says("here")
    assert chat.text.startswith("I need a pin.")
    await chat.sends_location(52.4, 16.9)
    assert chat.text == "Event Piknik for 5."
    await chat.press("Potwierdzam")
    async with db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.target == "Piknik")
        )
        state = await session.get(ConversationState, chat.resident_id)
    assert count == 1
    assert state.flow is None and state.slots == {}


async def test_edit_from_the_summary_changes_one_slot_and_drops_needless_ones(chat):
    await chat.says("/sample")
    await chat.says("Piknik")
    await chat.says("5")
    await chat.sends_location(52.4, 16.9)
    await chat.press("Zmień")
    assert chat.labels() == ["Event name", "People", "Spot", "↩️ Wróć do podsumowania"]
    await chat.press("People")
    await chat.press("2")
    assert chat.text == "Event Piknik for 2."  # the place is no longer needed for two people


async def test_double_tap_on_confirm_saves_once_and_second_tap_is_stale(chat, db):
    await chat.says("/sample")
    await chat.says("Piknik")
    await chat.says("1")
    confirm = chat.buttons["✅ Potwierdzam"]
    first, second = await asyncio.gather(chat.send(payload=confirm), chat.send(payload=confirm))
    texts = sorted(reply.text for reply in first + second)
    assert texts == ["Saved.", "Ten przycisk jest już nieaktualny. Oto menu."]
    async with db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert count == 1


async def test_button_from_an_earlier_run_is_stale_and_reminds_the_current_question(chat):
    await chat.says("/sample")
    await chat.says("Piknik")
    old_two = chat.buttons["2"]
    await chat.says("/cancel")
    await chat.says("/sample")
    await chat.send(payload=old_two)
    assert chat.text == "Ten przycisk jest już nieaktualny. Oto menu.\nWhat is the name of the event?"


async def test_garbage_payload_is_treated_as_expired(chat):
    await chat.send(payload="zzz")
    assert "nieaktualny" in chat.text
    await chat.send(payload="g:no-such-action")
    assert "nieaktualny" in chat.text


async def test_cancel_at_any_step_saves_nothing(chat, db):
    await chat.says("/cancel")
    assert chat.text == "Nie ma nic do anulowania."
    await chat.says("/sample")
    await chat.says("Piknik")
    await chat.says("/cancel")
    assert chat.text == "Anulowano. Nic nie zostało zapisane."
    async with db.transaction() as session:
        state = await session.get(ConversationState, chat.resident_id)
        count = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert state.flow is None and count == 0


async def test_help_inside_a_form_answers_and_repeats_the_question(chat, interpreter):
    interpreter.understands("pomocy", "help")
    await chat.says("/sample")
    await chat.says("Piknik")
    await chat.says("pomocy")
    assert "Pomagam mieszkańcom Poznania" in chat.replies[0].text
    assert chat.replies[-1].text == "How many people?"
    await chat.says("/help")
    assert chat.replies[-1].text == "How many people?"


async def test_restart_mid_form_loses_nothing(db, interpreter, clock):
    registry = register_sample(register_all(Registry()))
    first = Conversation(Dialogue(db, registry, interpreter, clock=clock))
    await first.says("/sample")
    await first.says("Piknik")
    # A new engine (a restarted process) continues from the database.
    second = Conversation(Dialogue(db, register_sample(register_all(Registry())), interpreter, clock=clock))
    await second.says("2")
    assert second.text == "Event Piknik for 2."


async def test_unsupported_kind_is_explained_and_the_form_goes_on(chat):
    await chat.says("/sample")
    await chat.send(unsupported="sticker")
    assert chat.text == (
        "Nie umiem jeszcze odczytywać naklejek. Napisz, proszę, wiadomość tekstową albo użyj przycisków.\n"
        "What is the name of the event?"
    )


async def test_overlong_text_is_refused_with_polish_plural_and_nothing_lost(chat):
    await chat.says("/sample")
    await chat.says("x" * 202)
    assert chat.replies[0].text == "Wiadomość jest za długa: 202 znaki. Zmieść się, proszę, w 200."
    await chat.says("y" * 205)
    assert chat.replies[0].text == "Wiadomość jest za długa: 205 znaków. Zmieść się, proszę, w 200."
    assert chat.replies[-1].text == "What is the name of the event?"


async def test_a_failing_handler_answers_politely_and_rolls_back(db, clock):
    registry = register_all(Registry())

    async def broken(turn, _arg):
        turn.resident.display_name = "changed"
        raise RuntimeError("database exploded")

    registry.add_command("broken", broken)
    chat = Conversation(Dialogue(db, registry, clock=clock), language="en")
    await chat.says("/start")
    await chat.says("/broken")
    assert chat.text == "Sorry, something went wrong on our side. Please try again in a moment."
    async with db.transaction() as session:
        resident = await session.get(Resident, chat.resident_id)
    assert resident.display_name is None


async def test_each_turn_bumps_the_state_version(chat, db):
    for text in ("/start", "/menu", "/help"):
        await chat.says(text)
    async with db.transaction() as session:
        state = await session.get(ConversationState, chat.resident_id)
    assert state.version == 3


async def test_many_residents_at_once_each_keep_their_own_state(dialogue):
    chats = [Conversation(dialogue, resident_id=5000 + n) for n in range(20)]
    await asyncio.gather(*(chat.says("/sample") for chat in chats))
    await asyncio.gather(*(chat.says(f"Event {n}") for n, chat in enumerate(chats)))
    await asyncio.gather(*(chat.says("1") for chat in chats))
    assert [chat.text for chat in chats] == [f"Event Event {n} for 1." for n in range(20)]
