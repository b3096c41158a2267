"""Civic initiatives, the conversations: submit, cancel, restart, browse, support, the PBO explainer.

Residents here speak English so that exact texts can be asserted before the Polish catalog has
these messages; `test_polish_resident_*` checks only the shape of the Polish conversation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.config import load_settings
from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.conversation.payloads import global_payload
from bot.db.models import ConversationState, Initiative, OutboxMessage, Resident
from bot.domain import initiatives
from bot.i18n import translate, use_language
from handlers import initiative, initiative_browse, register_all
from tests.conversation import Conversation, ScriptedInterpreter

DESCRIPTION = "Five new benches along the main alley, so that seniors can rest on the way."
TITLE_QUESTION = "What is your initiative called?"
SUPPORT_THRESHOLD = 2
# Polish texts are asserted only once the catalog has them (they are merged from a translation file).
needs_polish_catalog = pytest.mark.skipif(
    translate("👍 Support", "pl") == "👍 Support", reason="Polish initiative messages not in locales yet"
)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def build_registry() -> Registry:
    registry = register_all(Registry())
    initiative.register(registry)
    return registry


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def config() -> DialogueConfig:
    settings = load_settings(initiative_support_threshold=SUPPORT_THRESHOLD)
    return DialogueConfig(max_text_length=4096, services={"settings": settings})


@pytest.fixture
def dialogue(db, interpreter, clock, config) -> Dialogue:
    return Dialogue(db, build_registry(), interpreter, config=config, clock=clock)


@pytest.fixture
def chat(dialogue) -> Conversation:
    return Conversation(dialogue, resident_id=1001, language="en")


async def count_initiatives(db) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Initiative))


async def state_of(db, resident_id: int) -> ConversationState:
    async with db.transaction() as session:
        return await session.get(ConversationState, resident_id)


async def fill_until(chat: Conversation, step: str) -> None:
    """Walk the submit form from the hub up to (not answering) `step`."""
    answers = [
        ("title", lambda: chat.says("New benches in the park")),
        ("description", lambda: chat.says(DESCRIPTION)),
        ("osiedle", lambda: chat.says("na Wildzie")),
        ("category", lambda: chat.press("Greenery")),
    ]
    await chat.says("💡 Initiatives")
    await chat.press("Submit an initiative")
    for name, answer in answers:
        if name == step:
            return
        await answer()


async def published(db, *, author: int = 1, title: str = "Benches for Wilda", osiedle: str | None = "Wilda"):
    """An approved initiative by `author` (a resident row is made when missing)."""
    async with db.transaction() as session:
        if await session.get(Resident, author) is None:
            session.add(Resident(id=author, language="en", created_at=NOW, last_seen_at=NOW))
            await session.flush()
        made = await initiatives.submit(session, author, title, DESCRIPTION, osiedle, "greenery", NOW)
        await initiatives.approve(session, made.id, actor="cli", now=NOW)
    return made.id


def support_buttons(chat: Conversation) -> dict[str, str]:
    """Card title line -> payload of its 👍 button (Conversation keeps only the last message's)."""
    return {
        reply.text.splitlines()[0]: button.payload
        for reply in chat.replies
        for row in reply.buttons
        for button in row
        if "Support" in button.label
    }


# -- the hub and the explainer -------------------------------------------------------------------


async def test_the_menu_entry_opens_the_initiatives_hub(chat):
    await chat.says("💡 Initiatives")
    assert chat.text.startswith("💡 Civic initiatives")
    assert chat.labels() == [
        "✍️ Submit an initiative",
        "🔎 Browse initiatives",
        "ℹ️ About the Civic Budget (PBO)",
        "📋 My initiatives",
    ]


async def test_pbo_explainer_is_one_tap_from_the_hub(chat):
    await chat.says("💡 Initiatives")
    await chat.press("About the Civic Budget")
    text = chat.text
    for fact in ("residents of Poznań", "up to 3 projects", "at least 10 residents", "spring", "autumn"):
        assert fact in text
    assert "poznan.pl" in text and "not an official PBO application" in text
    assert chat.labels() == ["✍️ Submit an initiative"]


async def test_pbo_explainer_inside_the_form_returns_to_the_question(chat):
    await fill_until(chat, "title")
    await chat.press("About the Civic Budget")
    assert "Poznański Budżet Obywatelski" in chat.replies[0].text
    assert chat.replies[-1].text.startswith(TITLE_QUESTION)
    await chat.says("New benches in the park")
    assert chat.text.startswith("Please describe your idea")


# -- submitting ----------------------------------------------------------------------------------


async def test_submit_end_to_end_saves_one_initiative_awaiting_moderation(chat, db):
    await chat.says("💡 Initiatives")
    await chat.press("Submit an initiative")
    assert "a few short questions" in chat.replies[0].text
    assert chat.replies[-1].text.startswith(TITLE_QUESTION)
    await chat.says("New benches in the park")
    assert chat.text.startswith("Please describe your idea")
    await chat.says(DESCRIPTION)
    assert chat.text.startswith("Which osiedle is it for?")
    assert chat.labels() == ["🏙 City-wide"]
    await chat.says("na Wildzie")
    assert chat.labels()[:2] == ["🌳 Greenery", "🚲 Transport and cycling"] and len(chat.labels()) == 8
    await chat.press("Greenery")
    assert chat.text == "\n".join(
        [
            "Please check your initiative:",
            "",
            "Title: New benches in the park",
            f"Description: {DESCRIPTION}",
            "Where: Wilda",
            "Category: 🌳 Greenery",
            "",
            "Shall I send it for moderation?",
        ]
    )
    await chat.press("Confirm")
    async with db.transaction() as session:
        [saved] = (await session.execute(select(Initiative))).scalars().all()
    assert (saved.title, saved.osiedle, saved.category, saved.status, saved.resident_id) == (
        "New benches in the park",
        "Wilda",
        "greenery",
        "awaiting_moderation",
        1001,
    )
    assert chat.text.startswith(
        f"Thank you! Your initiative “New benches in the park” is saved under number {saved.id} "
        "and is awaiting moderation."
    )
    assert "What happens next" in chat.text and "I will let you know" in chat.text
    assert chat.menu() is not None
    assert (await state_of(db, 1001)).flow is None


@pytest.mark.parametrize("step", ["title", "description", "osiedle", "category", "confirm"])
async def test_cancel_at_any_step_saves_nothing(chat, db, step):
    await fill_until(chat, step)
    await chat.says("/cancel")
    assert chat.text == "Cancelled. Nothing was saved."
    assert await count_initiatives(db) == 0
    state = await state_of(db, 1001)
    assert state.flow is None and state.slots == {}


async def test_cancel_button_on_the_summary_saves_nothing(chat, db):
    await fill_until(chat, "confirm")
    await chat.press("Cancel")
    assert chat.text == "Cancelled. Nothing was saved."
    assert await count_initiatives(db) == 0


async def test_double_tap_on_confirm_makes_exactly_one_initiative(chat, db):
    await fill_until(chat, "confirm")
    confirm = chat.buttons["✅ Confirm"]
    first, second = await asyncio.gather(chat.send(payload=confirm), chat.send(payload=confirm))
    texts = [reply.text for reply in first + second]
    assert sum(text.startswith("Thank you!") for text in texts) == 1
    assert "This button has expired. Here is the menu." in texts
    assert await count_initiatives(db) == 1


async def test_restart_in_the_middle_of_the_form_continues(db, interpreter, clock, config):
    first = Conversation(
        Dialogue(db, build_registry(), interpreter, config=config, clock=clock), language="en"
    )
    await fill_until(first, "osiedle")
    # A new engine (a restarted process) picks the form up from the database.
    second = Conversation(
        Dialogue(db, build_registry(), interpreter, config=config, clock=clock), language="en"
    )
    await second.says("Rataje")
    assert second.text.startswith("What kind of initiative is it?")
    await second.press("Culture")
    await second.press("Confirm")
    assert second.text.startswith("Thank you!")
    assert await count_initiatives(db) == 1


async def test_overlong_title_is_refused_with_the_reason_and_asked_again(chat, db):
    await fill_until(chat, "title")
    await chat.says("x" * 121)
    assert chat.replies[0].text == (
        "The title is too long: 121 characters. Please shorten it to at most 120."
    )
    assert chat.replies[-1].text.startswith(TITLE_QUESTION)
    await chat.says("Hi")
    assert chat.replies[0].text == "The title is too short. Please write at least 5 characters."
    await chat.says("12345 !!!")
    assert chat.replies[0].text == "Please write the title in words."
    await chat.says("New benches")
    assert chat.text.startswith("Please describe your idea")


async def test_overlong_description_is_refused_with_the_reason_and_asked_again(chat):
    await fill_until(chat, "description")
    await chat.says("y" * 2001)
    assert chat.replies[0].text == (
        "The description is too long: 2001 characters. Please shorten it to at most 2000."
    )
    assert chat.replies[-1].text.startswith("Please describe your idea")
    await chat.says("Benches, please.")
    assert chat.replies[0].text == "The description is too short. Please write at least 20 characters."


async def test_a_photo_or_a_pin_instead_of_text_is_asked_again(chat):
    await fill_until(chat, "title")
    await chat.send(photos=("file-1",))
    assert chat.replies[0].text == "Please write the title as a text message."
    await chat.says("New benches")
    await chat.sends_location(52.4, 16.9)
    assert chat.replies[0].text == "Please write the description as a text message."


async def test_an_umbrella_name_offers_its_osiedla_as_buttons(chat, db):
    await fill_until(chat, "osiedle")
    await chat.says("na Winogradach")
    assert chat.replies[0].text == "“na Winogradach” matches several osiedla. Which one do you mean?"
    assert chat.labels() == [
        "Stare Winogrady",
        "Nowe Winogrady Północ",
        "Nowe Winogrady Południe",
        "Nowe Winogrady Wschód",
        "🏙 City-wide",
    ]
    await chat.press("Nowe Winogrady Wschód")
    await chat.press("Sport")
    assert "Where: Nowe Winogrady Wschód" in chat.text


async def test_unknown_osiedle_is_asked_again_and_city_wide_can_be_typed(chat):
    await fill_until(chat, "osiedle")
    await chat.says("Atlantyda")
    assert chat.replies[0].text == (
        "I don't know an osiedle called “Atlantyda”. Please check the name, or choose “City-wide”."
    )
    await chat.says("the whole city")
    await chat.says("culture")  # a category may be typed too
    assert "Where: City-wide" in chat.text and "Category: 🎭 Culture" in chat.text


async def test_a_wrong_category_is_asked_again(chat):
    await fill_until(chat, "category")
    await chat.says("fireworks")
    assert chat.replies[0].text == "Please choose a category from the buttons."
    assert len(chat.labels()) == 8


async def test_changing_the_place_from_the_summary(chat, db):
    await fill_until(chat, "confirm")
    await chat.press("Change something")
    assert chat.labels() == [
        "Title",
        "Description",
        "Osiedle or city-wide",
        "Category",
        "↩️ Back to the summary",
    ]
    await chat.press("Osiedle or city-wide")
    await chat.press("City-wide")
    assert "Where: City-wide" in chat.text
    await chat.press("Confirm")
    async with db.transaction() as session:
        assert (await session.scalars(select(Initiative.osiedle))).all() == [None]


async def test_the_intent_prefills_the_place_and_a_written_out_title(chat, interpreter):
    text = "my idea: drinking fountains in the parks"
    interpreter.understands(text, "submit_initiative", district="Wilda")
    await chat.says(text)
    assert chat.replies[-1].text.startswith("Please describe your idea")  # the title was written out
    await chat.says(DESCRIPTION)
    assert chat.text.startswith("What kind of initiative is it?")  # Wilda came with the message
    await chat.press("Greenery")
    assert "Title: Drinking fountains in the parks" in chat.text
    assert "Where: Wilda" in chat.text


async def test_a_plain_request_does_not_become_the_title(chat, interpreter):
    text = "I have an idea for new benches in the park"
    interpreter.understands(text, "submit_initiative")
    await chat.says(text)
    assert chat.replies[-1].text.startswith(TITLE_QUESTION)


async def test_the_real_nlu_offers_the_winogrady_units_from_the_first_message(
    db, nlu_interpreter, clock, config
):
    chat = Conversation(
        Dialogue(db, build_registry(), nlu_interpreter, config=config, clock=clock), language="en"
    )
    await chat.says("a może mural na ścianie bloku na Winogradach?")
    assert chat.replies[-1].text.startswith(TITLE_QUESTION)
    await chat.says("Mural na bloku")
    await chat.says(DESCRIPTION)
    assert chat.labels()[:4] == [
        "Stare Winogrady",
        "Nowe Winogrady Północ",
        "Nowe Winogrady Południe",
        "Nowe Winogrady Wschód",
    ]


async def test_the_fourth_initiative_of_the_year_is_refused_before_the_form(chat, db):
    for _ in range(3):
        await fill_until(chat, "confirm")
        await chat.press("Confirm")
    await chat.says("💡 Initiatives")
    await chat.press("Submit an initiative")
    assert chat.text.startswith("You already have 3 initiatives this year")
    assert (await state_of(db, 1001)).flow is None
    assert await count_initiatives(db) == 3


async def test_the_limit_is_checked_again_on_confirm(chat, db):
    await fill_until(chat, "confirm")
    for n in range(3):  # meanwhile, say from the staff panel's import
        await published(db, author=1001, title=f"Earlier idea {n}")
    await chat.press("Confirm")
    assert chat.text.startswith("You already have 3 initiatives this year")
    assert await count_initiatives(db) == 3
    assert (await state_of(db, 1001)).flow is None


async def test_my_initiatives_shows_each_status(chat, db):
    await chat.says("💡 Initiatives")
    await chat.press("My initiatives")
    assert chat.text == "You have not submitted any initiatives yet."
    await fill_until(chat, "confirm")
    await chat.press("Confirm")
    await published(db, author=1001, title="Approved idea")
    await chat.says("💡 Initiatives")
    await chat.press("My initiatives")
    assert chat.text == "\n".join(
        [
            "Your initiatives:",
            "",
            "• “New benches in the park” — awaiting moderation",
            "• “Approved idea” — approved, 0 supports",
            "",
            "This year you can submit 1 more initiative.",
        ]
    )


# -- browsing and supporting ---------------------------------------------------------------------


async def test_browse_support_and_already_supported(chat, db):
    benches = await published(db, title="Benches for Wilda")
    await published(db, author=2, title="Trees for everyone", osiedle=None)
    await chat.says("💡 Initiatives")
    await chat.press("Browse initiatives")
    assert chat.text == "Which osiedle would you like to see? Choose below or write its name."
    assert chat.labels() == ["Wilda (1)", "🏙 City-wide (1)"]
    await chat.press("Wilda")
    assert chat.replies[0].text == "Approved initiatives — Wilda:"
    assert chat.replies[1].text.splitlines() == [
        "“Benches for Wilda”",
        "📍 Wilda · 🌳 Greenery",
        DESCRIPTION,
        "👍 0 supports",
    ]
    assert chat.replies[-1].text == "That is all for Wilda."
    support = support_buttons(chat)["“Benches for Wilda”"]
    assert support == global_payload("isupport", str(benches))
    await chat.send(payload=support)
    assert chat.text == "Thank you! You support “Benches for Wilda” (1 support so far)."
    await chat.send(payload=support)
    assert chat.text == "You already support “Benches for Wilda”."
    await chat.says("💡 Initiatives")
    await chat.press("Browse")
    await chat.says("Wilda")  # typed instead of tapped
    assert "✅ You support this initiative." in chat.replies[1].text
    assert support_buttons(chat) == {}


async def test_reaching_the_threshold_tells_the_author_once(dialogue, db):
    benches = await published(db)
    for resident in (2001, 2002, 2003):
        await Conversation(dialogue, resident_id=resident, language="en").send(
            payload=global_payload("isupport", str(benches))
        )
    async with db.transaction() as session:
        notices = (await session.execute(select(OutboxMessage))).scalars().all()
        supports = await session.scalar(select(Initiative.supports).where(Initiative.id == benches))
    assert supports == 3
    assert [(n.resident_id, n.kind) for n in notices if n.kind == "initiative.threshold"] == [
        (1, "initiative.threshold")
    ]


async def test_more_pages_through_the_list(chat, db):
    for n in range(7):
        await published(db, author=10 + n, title=f"Wilda idea {n}")
    await chat.says("💡 Initiatives")
    await chat.press("Browse")
    await chat.press("Wilda (7)")
    assert len(support_buttons(chat)) == 5
    assert chat.replies[-1].text == "There are more initiatives for Wilda."
    assert chat.labels()[-2:] == ["➡️ More", "🔎 Browse initiatives"]
    await chat.press("More")
    assert sorted(support_buttons(chat)) == ["“Wilda idea 0”", "“Wilda idea 1”"]
    assert chat.replies[-1].text == "That is all for Wilda."


async def test_the_author_sees_their_own_card_without_a_support_button(chat, db):
    await published(db, author=1001, title="My own idea")
    await chat.says("💡 Initiatives")
    await chat.press("Browse")
    await chat.press("Wilda")
    assert "This is your initiative." in chat.replies[1].text
    assert support_buttons(chat) == {}
    await chat.send(payload=global_payload("isupport", "1"))
    assert chat.text == "This is your own initiative. Support is counted from other residents."


async def test_stale_support_buttons_answer_politely(chat, db):
    async with db.transaction() as session:
        session.add(Resident(id=5, language="en"))
        await session.flush()
        made = await initiatives.submit(session, 5, "Rejected idea", DESCRIPTION, "Wilda", "other", NOW)
        await initiatives.reject(session, made.id, actor="cli", now=NOW, reason="No.")
    await chat.send(payload=global_payload("isupport", str(made.id)))
    assert chat.text == "Sorry, this initiative is not open for support."
    await chat.send(payload=global_payload("isupport", "999"))
    assert chat.text == "Sorry, I can't find this initiative any more."
    for forged in ("abc", "-1", "9" * 30):
        await chat.send(payload=global_payload("isupport", forged))
        assert chat.text == "Sorry, I can't find this initiative any more."
    await chat.send(payload=global_payload("ilist", f"{'9' * 30}:Wilda"))
    assert chat.text.startswith("This button has expired.")
    await chat.send(payload=global_payload("ilist", "x:Atlantis"))
    assert chat.text.startswith("This button has expired.")


async def test_a_support_tap_inside_the_form_answers_and_repeats_the_question(chat, db):
    benches = await published(db)
    await fill_until(chat, "description")
    await chat.send(payload=global_payload("isupport", str(benches)))
    assert chat.replies[0].text.startswith("Thank you! You support")
    assert chat.replies[-1].text.startswith("Please describe your idea")


async def test_browsing_with_nothing_approved_offers_to_submit(chat):
    await chat.says("💡 Initiatives")
    await chat.press("Browse")
    assert chat.text == "There are no approved initiatives yet. Yours could be the first!"
    assert chat.labels() == ["✍️ Submit an initiative"]


async def test_browsing_an_osiedle_without_initiatives_asks_again(chat, db):
    await published(db)
    await chat.says("💡 Initiatives")
    await chat.press("Browse")
    await chat.says("Rataje")
    assert chat.replies[0].text == "There are no approved initiatives for Rataje yet. Please choose another."
    assert chat.labels() == ["Wilda (1)", "🏙 City-wide"]


# -- Polish --------------------------------------------------------------------------------------


async def test_polish_resident_goes_through_the_whole_form(dialogue, db):
    """Structure only: the Polish texts come with the merged catalog."""
    chat = Conversation(dialogue, resident_id=3001, language="pl")
    await chat.says("💡 Inicjatywy")
    assert len(chat.labels()) == 4
    await chat.press("PBO")
    assert len(chat.labels()) == 1
    await chat.send(payload=chat.buttons[chat.labels()[0]])
    await chat.says("Nowe ławki w parku")
    await chat.says("Pięć nowych ławek wzdłuż głównej alei, żeby seniorzy mogli odpocząć.")
    await chat.says("na Łazarzu")
    assert len(chat.labels()) == 8
    await chat.send(payload=chat.buttons[chat.labels()[0]])
    assert "Św. Łazarz" in chat.text and len(chat.labels()) == 3
    await chat.press("Potwierdzam")
    assert "something went wrong" not in chat.text and "coś poszło nie tak" not in chat.text
    assert await count_initiatives(db) == 1


@needs_polish_catalog
@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "👍 0 poparć"), (1, "👍 1 poparcie"), (2, "👍 2 poparcia"), (5, "👍 5 poparć"), (12, "👍 12 poparć"),
     (22, "👍 22 poparcia"), (25, "👍 25 poparć")],
)  # fmt: skip
def test_supports_follow_polish_plurals(count, expected):
    with use_language("pl"):
        assert initiative_browse.supports_text(count) == expected


@needs_polish_catalog
async def test_polish_resident_browses_and_supports(dialogue, db):
    benches = await published(db, title="Ławki na Wildzie")
    chat = Conversation(dialogue, resident_id=3002, language="pl")
    await chat.says("💡 Inicjatywy")
    await chat.press("Przeglądaj inicjatywy")
    assert chat.text == "Które osiedle chcesz zobaczyć? Wybierz poniżej albo napisz jego nazwę."
    await chat.says("na Wildzie")
    assert chat.replies[1].text.splitlines() == [
        "„Ławki na Wildzie”",
        "📍 Wilda · 🌳 Zieleń",
        DESCRIPTION,
        "👍 0 poparć",
    ]
    await chat.send(payload=global_payload("isupport", str(benches)))
    assert chat.text == "Dziękuję! Popierasz „Ławki na Wildzie” (na razie 1 poparcie)."
    await chat.send(payload=global_payload("isupport", str(benches)))
    assert chat.text == "Już popierasz „Ławki na Wildzie”."
