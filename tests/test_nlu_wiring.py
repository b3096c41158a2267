"""The engine with the real embedded interpreter: free text routes to intents, carries entities into
the flow it starts, and low confidence offers the two likeliest intents as buttons."""

from __future__ import annotations

import pytest

from bot.conversation import Dialogue, Registry, Turn
from handlers import register_all
from tests.conversation import Conversation
from tests.sample_flow import register_sample


@pytest.fixture
def started() -> list[dict]:
    return []


@pytest.fixture
def chat(db, nlu_interpreter, clock, started) -> Conversation:
    registry = register_sample(register_all(Registry()))

    async def booking(turn: Turn, _arg: str) -> None:
        parse = await turn.understand()
        started.append(parse.entity_values())
        turn.say("booking started")

    registry.add_intent("book_appointment", booking, "Book a city-hall visit")
    return Conversation(Dialogue(db, registry, nlu_interpreter, clock=clock))


async def test_greeting_in_free_text_starts_the_conversation(chat):
    await chat.says("dzień dobry")
    assert chat.replies[0].text.startswith("Dzień dobry! Jestem botem Miasta Poznania.")


@pytest.mark.parametrize(
    ("text", "next_question"),
    [
        ("na Głogowskiej jest dziura w jezdni", "Możesz dodać do 5 zdjęć"),  # kind, street, description known
        ("nie świeci latarnia przy Garbarach", "Możesz dodać do 5 zdjęć"),
        ("zglaszam dziure na ulicy", "Gdzie to jest?"),  # the kind is clear, the place is not
        ("chcę zgłosić problem", "Jaki to problem?"),
    ],
)
async def test_problem_descriptions_start_a_report_with_what_they_already_say(chat, text, next_question):
    await chat.says(text)
    assert chat.text.startswith(next_question)


async def test_a_request_for_a_person_is_understood_in_both_languages(chat):
    await chat.says("chcę porozmawiać z człowiekiem")
    assert "rozmowa z pracownikiem urzędu" in chat.text
    await chat.says("/start")
    await chat.press("English")
    await chat.says("can I talk to a real person please")
    assert "talking to city staff" in chat.text


async def test_free_text_starts_the_flow_with_the_entities_it_carries(chat, started):
    await chat.says("umów mnie jutro o 10 na dowód osobisty")
    assert chat.text == "booking started"
    assert started == [{"date": "2026-11-30", "time": "10:00", "service": "id_card_application"}]


async def test_low_confidence_offers_the_two_likeliest_intents_and_keeps_the_entities(chat, started):
    await chat.says("jutro")
    assert chat.text == "Nie jestem pewien, czy dobrze rozumiem. Czy chodzi o:"
    assert chat.labels()[0] == "Umówić wizytę w urzędzie" and len(chat.labels()) == 2
    await chat.press("Umówić wizytę")
    assert started == [{"date": "2026-11-30"}]


async def test_help_breaks_into_a_form_and_the_question_is_repeated(chat):
    await chat.says("/sample")
    await chat.says("Piknik")
    await chat.says("nie wiem co robić, pomocy")
    assert chat.replies[0].text.startswith("Pomagam mieszkańcom Poznania")
    assert chat.replies[-1].text == "How many people?"


async def test_off_topic_chat_is_not_mistaken_for_a_city_matter(chat):
    await chat.says("jaki jest najlepszy przepis na sernik?")
    assert chat.text.startswith("Przepraszam, nie zrozumiałem.")
