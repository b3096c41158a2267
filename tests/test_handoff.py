"""Talking to a person on Telegram, end to end over the fake Bot API: a forum topic per case in the
staff group, messages carried both ways, staff commands, and what happens when things go wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.channels.telegram_staff import MemberCache
from bot.db.models import AuditEntry, HandoffCase, Report
from bot.domain import reports
from tests.conversation import FixedClock
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot
from tests.test_telegram import PNG, inline_buttons, keyboard_labels

STAFF = -1001234567890
EWA, OLGA, STRANGER = 9001, 9002, 9003
ANNA = 801
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 11:00 in Poznań: staff are at work
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        server.group(STAFF, "City staff", forum=True)
        server.user(EWA, "Ewa", "pl")
        server.set_member(STAFF, EWA, "member")
        server.user(ANNA, "Anna", "en", last_name="Nowak")
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FRIDAY)


@pytest.fixture
async def bot(fake, db, database_url, clock):
    running = await start_bot(fake, database_url, clock)
    yield running
    await running.stop()


async def start_bot(fake: FakeTelegram, database_url: str, clock: FixedClock, **settings) -> RunningBot:
    def customise(app):
        app.dialogue.clock = clock

    chosen = {"staff_chat_id": STAFF, "default_language": "en", "dispatch_interval": 0.2, **settings}
    return await RunningBot(fake, database_url, customise=customise, **chosen).start()


async def say(fake: FakeTelegram, text: str, count: int = 1):
    await fake.send_message(ANNA, text)
    return await fake.wait_for(ANNA, kind="message", count=count, timeout=10)


async def ask_for_a_person(fake: FakeTelegram) -> int:
    """The resident taps the menu entry; returns the thread id of the topic the bot opens."""
    (connecting,) = await say(fake, "🙋 Talk to a person")
    assert connecting.text.startswith("I am connecting you with city staff.")
    assert keyboard_labels(connecting) == ["↩️ Back to the bot"]
    (topic,) = await fake.wait_for(STAFF, kind="topic_created", timeout=10)
    await fake.wait_for(STAFF, kind="message", text_contains="New conversation", timeout=10)
    return topic.thread_id


async def staff_says(fake: FakeTelegram, thread: int, text: str, user: int = EWA, **kwargs) -> None:
    await fake.group_message(STAFF, user, text, message_thread_id=thread, **kwargs)


async def case_row(db) -> HandoffCase:
    async with db.transaction() as session:
        return await session.scalar(select(HandoffCase).order_by(HandoffCase.id.desc()).limit(1))


async def test_a_conversation_with_staff_from_the_card_to_the_rating(bot, fake, db):
    await say(fake, "/start", count=3)
    async with db.transaction() as session:
        filed = await reports.file_report(
            session,
            reports.NewReport(ANNA, "roads", "Dziura w jezdni przy szkole", "en", street="Głogowska"),
            now=FRIDAY,
        )
    ticket = filed.ticket

    (connecting,) = await say(fake, "🙋 Talk to a person")
    assert connecting.text.startswith("I am connecting you with city staff.")
    (topic,) = await fake.wait_for(STAFF, kind="topic_created", timeout=10)
    assert topic.text.startswith("Anna Nowak · #")
    thread = topic.thread_id
    (card,) = await fake.wait_for(STAFF, kind="message", timeout=10)
    assert card.thread_id == thread
    for line in ("Name: Anna Nowak", "Language: English", "Why: asked for a person", "1 report:", ticket,
                 "Last messages:", "→ /start", "← Hello! I am the City of Poznań bot."):  # fmt: skip
        assert line in card.text, line

    # The resident's text, photo and pin are copied into the topic, and the bot says nothing back.
    await fake.send_message(ANNA, "The street light on my corner has been off for a week")
    (text,) = await fake.wait_for(STAFF, kind="copy", timeout=10)
    assert (text.thread_id, text.text) == (thread, "The street light on my corner has been off for a week")
    await fake.send_photo(ANNA, PNG, caption="here it is")
    (photo,) = await fake.wait_for(STAFF, kind="copy", timeout=10)
    assert photo.thread_id == thread and photo.message["photo"] and photo.text == "here it is"
    await fake.send_location(ANNA, 52.4064, 16.9252)
    (pin,) = await fake.wait_for(STAFF, kind="copy", timeout=10)
    assert pin.thread_id == thread and pin.message["location"]["latitude"] == pytest.approx(52.4064)
    await fake.wait_idle()
    assert [e.text for e in fake.bot_messages(ANNA)][-1] == connecting.text

    # Staff answer in the topic: the resident reads it signed as city staff, without the name.
    await staff_says(fake, thread, "We will send a team today.")
    (answer,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert answer.text == "🏛 City of Poznań staff:\nWe will send a team today."

    await fake.group_photo(STAFF, EWA, PNG, caption="the team's schedule", message_thread_id=thread)
    (header,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    (staff_photo,) = await fake.wait_for(ANNA, kind="copy", timeout=10)
    assert header.text == "🏛 City of Poznań staff:"
    assert staff_photo.message["photo"] and staff_photo.text == "the team's schedule"

    await staff_says(fake, thread, "/note resident sounds worried, call back if needed")
    await fake.wait_for(STAFF, kind="message", text_contains="Note saved", timeout=10)

    await staff_says(fake, thread, f"/status {ticket} in_progress Team on the way")
    (changed,) = await fake.wait_for(STAFF, kind="message", text_contains=ticket, timeout=10)
    assert changed.text == f"{ticket} is now in progress; the reporter and followers will be notified."
    (push,) = await fake.wait_for(ANNA, kind="message", text_contains="Update on your report", timeout=10)
    assert "in progress" in push.text and "Team on the way" in push.text
    assert not any("resident sounds worried" in (e.text or "") for e in fake.bot_messages(ANNA))

    await staff_says(fake, thread, "/close")
    told, question = await fake.wait_for(ANNA, kind="message", count=2, timeout=10)
    assert told.text == "City staff have ended the conversation. You are back with the bot."
    assert keyboard_labels(told)[0] == "📝 Report a problem"
    assert list(inline_buttons(question)) == ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    await fake.wait_for(STAFF, kind="topic_closed", timeout=10)
    await fake.press_button(ANNA, question.message_id, inline_buttons(question)["4 ⭐"])
    (thanks,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert thanks.text == "Thank you for your rating!"

    # Back with the bot: a message is answered by the bot again, not copied to staff.
    copies_before = len([e for e in fake.transcript(STAFF) if e.kind == "copy"])
    (bot_answer,) = await say(fake, "asdf qwerty")
    assert bot_answer.text.startswith("Sorry, I didn't understand that.")
    assert len([e for e in fake.transcript(STAFF) if e.kind == "copy"]) == copies_before

    case = await case_row(db)
    assert (case.status, case.rating, case.closed_by, case.thread_id) == (
        "closed",
        4,
        f"telegram-staff:{EWA}",
        thread,
    )
    async with db.transaction() as session:
        trail = [(a.actor, a.action) for a in (await session.execute(select(AuditEntry))).scalars()]
        status = await session.scalar(select(Report.status).where(Report.ticket == ticket))
    staff_actor = f"telegram-staff:{EWA}"
    for action in ("handoff.relay", "handoff.note", "report.status", "handoff.close"):
        assert (staff_actor, action) in trail, action
    assert (f"resident:{ANNA}", "handoff.rated") in trail and status == "in_progress"


async def test_only_staff_group_members_and_configured_ids_reach_the_resident(fake, db, database_url, clock):
    fake.user(OLGA, "Olga")
    bot = await start_bot(fake, database_url, clock, staff_user_ids=f"{OLGA}")
    try:
        thread = await ask_for_a_person(fake)
        fake.set_member(STAFF, STRANGER, "left")
        await staff_says(fake, thread, "I am not staff", user=STRANGER, join=False)
        await staff_says(fake, thread, "Olga here, not in the group but on the list", user=OLGA, join=False)
        (olga,) = await fake.wait_for(ANNA, kind="message", timeout=10)
        assert olga.text.endswith("Olga here, not in the group but on the list")

        await staff_says(fake, thread, "Ewa, a member")
        (ewa,) = await fake.wait_for(ANNA, kind="message", timeout=10)
        assert ewa.text.endswith("Ewa, a member")
        # Ewa leaves the group; once the membership cache has expired, her messages are ignored.
        bot.channel.staff.members = MemberCache(ttl=0)
        fake.set_member(STAFF, EWA, "left")
        await staff_says(fake, thread, "/close", join=False)
        await staff_says(fake, thread, "I have left", join=False)
        await fake.wait_idle(quiet=0.3)
        assert [e.text for e in fake.bot_messages(ANNA)][-1].endswith("Ewa, a member")
        assert not any("I am not staff" in (e.text or "") for e in fake.bot_messages(ANNA))
        assert (await case_row(db)).status == "open"
    finally:
        await bot.stop()


async def test_outside_staff_hours_the_resident_is_told_when_to_expect_an_answer(fake, db, database_url):
    bot = await start_bot(fake, database_url, FixedClock(SATURDAY))
    try:
        await fake.send_message(ANNA, "/cancel")
        await fake.wait_for(ANNA, kind="message", timeout=10)
        connecting, auto = await say(fake, "🙋 Talk to a person", count=2)
        assert connecting.text.startswith("I am connecting you with city staff.")
        assert auto.text == "Our staff are not at work now. We will reply after 30/11/2026, 08:00."
        await fake.wait_for(STAFF, kind="message", text_contains="outside staff hours", timeout=10)
    finally:
        await bot.stop()


async def test_cancel_and_a_long_silence_return_the_resident_to_the_bot(bot, fake, db, clock):
    thread = await ask_for_a_person(fake)
    (back,) = await say(fake, "/cancel")
    assert back.text == "You are back with the bot."
    assert keyboard_labels(back)[0] == "📝 Report a problem"
    await fake.wait_for(
        STAFF, kind="message", text_contains="The resident ended the conversation", timeout=10
    )
    await fake.wait_for(STAFF, kind="topic_closed", timeout=10)
    assert (await case_row(db)).closed_by == f"resident:{ANNA}"

    # Silent too long: the next message goes to the bot, not to staff.
    second = await ask_for_a_person(fake)
    assert second != thread
    clock.advance(minutes=61)
    quiet, answer = await say(fake, "hello?", count=2)
    assert quiet.text == "It has been quiet for a while, so you are back with the bot."
    assert answer.text.startswith("Sorry, I didn't understand that.")
    assert (await case_row(db)).closed_by == "idle"
    await fake.wait_for(STAFF, kind="message", text_contains="after a long silence", timeout=10)

    # The sweeper ends a silent conversation without waiting for the resident to write.
    await ask_for_a_person(fake)
    clock.advance(minutes=61)
    assert await bot.channel.staff.sweep_idle() == 1
    (told,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert told.text.startswith(
        "It has been quiet for a while, so the conversation with city staff has ended."
    )
    assert (await case_row(db)).status == "closed"
    (bot_again,) = await say(fake, "asdf")
    assert bot_again.text.startswith("Sorry, I didn't understand that.")


async def test_a_resident_who_blocked_the_bot_is_noted_in_the_topic(bot, fake, db):
    thread = await ask_for_a_person(fake)
    fake.block(ANNA)
    await staff_says(fake, thread, "Are you still there?")
    (note,) = await fake.wait_for(STAFF, kind="message", text_contains="blocked the bot", timeout=10)
    assert note.thread_id == thread
    case = await case_row(db)
    assert (case.status, case.closed_by) == ("closed", "blocked")
    await fake.wait_for(STAFF, kind="topic_closed", timeout=10)


async def test_a_closed_topic_is_reopened_and_a_deleted_one_replaced(bot, fake, db):
    thread = await ask_for_a_person(fake)
    fake.close_topic(STAFF, thread)
    await fake.send_message(ANNA, "Is anybody there?")
    await fake.wait_for(STAFF, kind="topic_reopened", timeout=10)
    (copy,) = await fake.wait_for(STAFF, kind="copy", timeout=10)
    assert (copy.thread_id, copy.text) == (thread, "Is anybody there?")

    fake.delete_topic(STAFF, thread)
    await fake.send_message(ANNA, "Hello again")
    (new_topic,) = await fake.wait_for(STAFF, kind="topic_created", timeout=10)
    (card,) = await fake.wait_for(STAFF, kind="message", text_contains="New conversation", timeout=10)
    (copy,) = await fake.wait_for(STAFF, kind="copy", timeout=10)
    assert new_topic.thread_id != thread and card.thread_id == copy.thread_id == new_topic.thread_id
    assert copy.text == "Hello again"
    assert (await case_row(db)).thread_id == new_topic.thread_id


async def test_two_misunderstandings_offer_a_person_and_accepting_opens_a_case(bot, fake, db):
    await say(fake, "qwerty asdf")
    offer, _menu = await say(fake, "zxcv uiop", count=2)
    assert (
        offer.text == "I'm sorry, I still don't understand. Would you like to talk to a person from the city?"
    )
    await fake.press_button(ANNA, offer.message_id, inline_buttons(offer)["🙋 Talk to a person"])
    (connecting,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert connecting.text.startswith("I am connecting you with city staff.")
    (card,) = await fake.wait_for(STAFF, kind="message", text_contains="New conversation", timeout=10)
    assert "Why: accepted after the bot misunderstood twice" in card.text
    assert "→ zxcv uiop" in card.text
    case = await case_row(db)
    assert (case.status, case.reason, case.thread_id) == ("open", "misses", card.thread_id)
