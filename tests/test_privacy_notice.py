"""The privacy notice: /privacy, the button under ⚙️ Settings, the `my_data` intent; periods and the
officer's contact come from the settings, in Polish and English."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.conversation import Dialogue, DialogueConfig, Registry
from handlers import register_all
from tests.conversation import Conversation, ScriptedInterpreter

SETTINGS = load_settings(
    nlu_backend="none",
    retention_conversation_days=60,
    retention_message_log_days=1,
    retention_handoff_days=180,
    retention_audit_days=0,
    privacy_contact="iod@example.pl",
)


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def dialogue(db, interpreter, clock) -> Dialogue:
    config = DialogueConfig(services={"settings": SETTINGS, "db": db})
    return Dialogue(db, register_all(Registry()), interpreter, config=config, clock=clock)


async def test_privacy_notice_in_english_names_controller_periods_rights_and_contact(dialogue):
    chat = Conversation(dialogue, resident_id=11, language="en")
    await chat.says("/privacy")
    text = chat.text
    assert "Controller: the City of Poznań (Miasto Poznań), pl. Kolegiacki 17, 61-841 Poznań." in text
    assert "Data protection officer: iod@example.pl" in text
    assert "an unfinished conversation: 60 days after your last message" in text
    assert "shown to staff who take over a chat): 1 day" in text  # singular from the setting
    assert "conversations with city staff: 180 days after they end" in text
    assert "audit trail" not in text  # RETENTION_AUDIT_DAYS=0: no period to state
    assert "/mydata" in text and "/forget" in text and "Prezes UODO" in text
    assert chat.labels() == ["📦 A copy of my data", "🗑 Erase my data"]


async def test_privacy_notice_in_polish(dialogue):
    chat = Conversation(dialogue, resident_id=12, language="pl")
    await chat.says("/privacy")
    text = chat.text
    assert "Administrator: Miasto Poznań, pl. Kolegiacki 17, 61-841 Poznań." in text
    assert "Inspektor ochrony danych: iod@example.pl" in text
    assert "niedokończona rozmowa: 60 dni od Twojej ostatniej wiadomości" in text
    assert ": 1 dzień" in text
    assert "Prezes UODO" in text


async def test_settings_screen_leads_to_the_notice_and_its_buttons_work(dialogue):
    chat = Conversation(dialogue, resident_id=13, language="en")
    await chat.says("/start")
    await chat.says("⚙️ Settings")
    assert "🔒 Privacy and your data" in chat.labels()
    await chat.press("Privacy and your data")
    assert "Data protection officer: iod@example.pl" in chat.text
    await chat.press("A copy of my data")
    assert chat.replies[0].attachments[0].mime_type == "application/json"
    await chat.says("/privacy")
    await chat.press("Erase my data")
    assert "Erase everything?" in chat.text


async def test_the_my_data_intent_offers_the_choices_and_never_erases(dialogue, interpreter):
    interpreter.understands("delete my data", "my_data")
    chat = Conversation(dialogue, resident_id=14, language="en")
    await chat.says("delete my data")
    assert "I can send you a copy of everything the city bot stores about you, or erase it." in chat.text
    assert chat.labels() == ["📦 A copy of my data", "🗑 Erase my data", "🔒 How we handle your data"]


async def test_the_commands_are_published_with_the_others(dialogue):
    assert {"privacy", "mydata", "forget"} <= set(dialogue.registry.command_help)
