"""End to end on Telegram: the real PTB application over HTTP against the fake Bot API server,
in long-polling and in webhook mode."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from bot.app import App
from bot.channels.telegram import reply_markup, split_text, webhook_secret
from bot.conversation import Attachment, Button, Reply
from tests.fake_telegram import FakeTelegram
from tests.sample_flow import register_sample
from tests.telegram_harness import RunningBot

ANNA = 501


def with_sample(app: App) -> None:
    register_sample(app.registry)


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture(params=["polling", "webhook"])
async def bot(request, fake, db, database_url):
    running = RunningBot(fake, database_url, webhook=request.param == "webhook", customise=with_sample)
    await running.start()
    yield running
    await running.stop()


async def say(fake: FakeTelegram, text: str, count: int = 1, user: int = ANNA, **kwargs):
    await fake.send_message(user, text, **kwargs)
    return await fake.wait_for(user, kind="message", count=count, timeout=10)


def inline_buttons(event) -> dict[str, str]:
    markup = event.reply_markup or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def keyboard_labels(event) -> list[str]:
    markup = event.reply_markup or {}
    return [b["text"] for row in markup.get("keyboard", []) for b in row]


def shown_keyboard(fake: FakeTelegram, chat_id: int = ANNA) -> list[str]:
    """The reply keyboard on the resident's screen: the last one any bot message carried."""
    for event in reversed(fake.bot_messages(chat_id)):
        if event.reply_markup and "keyboard" in event.reply_markup:
            return keyboard_labels(event)
    return []


async def test_start_language_choice_menu_and_lang_switch(bot, fake):
    greeting, choice, menu = await say(fake, "/start", count=3, language_code="pl")
    assert greeting.text.startswith("Dzień dobry! Jestem botem Miasta Poznania.")
    assert inline_buttons(choice) == {"✓ Polski": "g:lang:pl", "English": "g:lang:en"}
    assert keyboard_labels(menu)[:2] == ["📝 Zgłoś problem", "💡 Inicjatywy"]
    assert menu.reply_markup["is_persistent"] is True

    query_id = await fake.press_button(ANNA, choice.message_id, "g:lang:en")
    (done,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert done.text == "Done, I will write in English."
    assert keyboard_labels(done)[0] == "📝 Report a problem"
    assert len(fake.callback_answers(query_id)) == 1
    # The pressed keyboard was removed before the answer was sent, so it cannot be tapped twice.
    assert [e.message_id for e in fake.transcript(ANNA) if e.kind == "edit_markup"] == [choice.message_id]
    assert not fake.message(ANNA, choice.message_id).get("reply_markup")

    (again,) = await say(fake, "/menu")
    assert again.reply_markup is None  # the same menu is on screen already; it is not resent
    (switch,) = await say(fake, "/lang")
    assert inline_buttons(switch) == {"Polski": "g:lang:pl", "✓ English": "g:lang:en"}
    await fake.press_button(ANNA, switch.message_id, "g:lang:pl")
    (back,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert back.text == "Gotowe, będę pisać po polsku."


async def test_unknown_text_answers_with_help_and_the_menu(bot, fake):
    (answer,) = await say(fake, "qwerty asdf")
    assert answer.text.startswith("Przepraszam, nie zrozumiałem.")
    assert "📝 Zgłoś problem" in keyboard_labels(answer)


async def test_stale_button_is_answered_and_shows_the_menu(bot, fake):
    await say(fake, "/sample")
    await say(fake, "Piknik")
    (people,) = await fake.wait_for(
        ANNA, kind="message", since=0, predicate=lambda e: e.text == "How many people?"
    )
    await say(fake, "/cancel")
    query_id = await fake.press_button(ANNA, people.message_id, inline_buttons(people)["2"])
    (expired,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert expired.text == "Ten przycisk jest już nieaktualny. Oto menu."
    assert "📝 Zgłoś problem" in shown_keyboard(fake)
    assert len(fake.callback_answers(query_id)) == 1


async def test_unsupported_message_kinds_get_a_polite_explanation(bot, fake):
    await fake.send_sticker(ANNA)
    (sticker,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert sticker.text.startswith("Nie umiem jeszcze odczytywać naklejek.")
    await fake.send_voice(ANNA, b"OggS fake voice")
    (voice,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert "wiadomości głosowych" in voice.text
    await fake.send_contact(ANNA, phone_number="+48600100200", first_name="Jan")
    (contact,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert "kontaktów" in contact.text


async def test_form_with_buttons_and_a_location_pin(bot, fake):
    await say(fake, "/sample", language_code="en")
    await say(fake, "Picnic")
    (people,) = await fake.wait_for(
        ANNA, kind="message", since=0, predicate=lambda e: e.text == "How many people?"
    )
    await fake.press_button(ANNA, people.message_id, inline_buttons(people)["3"])
    (where,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert where.reply_markup["keyboard"][0][0] == {"text": "Send my location", "request_location": True}
    await fake.send_location(ANNA, 52.4064, 16.9252)
    (summary,) = await fake.wait_for(ANNA, kind="message", timeout=10)
    assert summary.text == "Event Picnic for 3."
    assert list(inline_buttons(summary)) == ["✅ Confirm", "✏️ Change something", "✖️ Cancel"]


async def test_localized_commands_are_published_at_start(bot, fake):
    scope = {"type": "all_private_chats"}
    polish = {c["command"]: c["description"] for c in fake.commands(scope, "pl")}
    english = {c["command"]: c["description"] for c in fake.commands(scope, "en")}
    assert polish["lang"] == "zmień język" and english["lang"] == "change the language"
    assert {"start", "menu", "help", "lang", "cancel", "report", "status", "book", "bookings"} <= set(polish)
    assert fake.commands(scope, None) == fake.commands(scope, "pl")


async def test_a_command_in_a_group_points_to_the_private_chat(bot, fake):
    await fake.group_message(-100500, ANNA, "/start")
    (pointer,) = await fake.wait_for(-100500, kind="message", timeout=10)
    assert (
        pointer.text
        == "Rozmawiam z mieszkańcami tylko na czacie prywatnym. Otwórz czat ze mną: @poznan_test_bot"
    )
    await fake.group_message(-100500, ANNA, "hello everyone")
    await fake.wait_idle()
    assert len(fake.bot_messages(-100500)) == 1


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_restart_mid_form_keeps_the_state(fake, db, database_url, webhook):
    first = await RunningBot(fake, database_url, webhook=webhook, customise=with_sample).start()
    await say(fake, "/sample", language_code="en")
    await say(fake, "Picnic")
    await first.stop()
    second = await RunningBot(fake, database_url, webhook=webhook, customise=with_sample).start()
    try:
        (summary,) = await say(fake, "2")
        assert summary.text == "Event Picnic for 2."
    finally:
        await second.stop()


async def test_a_failed_send_is_logged_and_the_resident_is_told(fake, db, database_url, caplog):
    running = await RunningBot(fake, database_url).start()
    try:
        fake.inject_fault("sendMessage", "400", times=1, chat_id=ANNA, description="Bad Request: boom")
        with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
            (apology,) = await say(fake, "/menu")
        assert (
            apology.text == "Przepraszamy, coś poszło nie tak po naszej stronie. Spróbuj ponownie za chwilę."
        )
        assert any("error while handling an update" in record.message for record in caplog.records)
        assert "boom" not in apology.text
        (menu,) = await say(fake, "/menu")
        assert menu.text.startswith("W czym mogę pomóc?")
    finally:
        await running.stop()


async def test_a_resident_who_blocked_the_bot_does_not_break_it(fake, db, database_url):
    running = await RunningBot(fake, database_url).start()
    try:
        fake.inject_fault("sendMessage", "403", times=1, chat_id=ANNA)
        await fake.send_message(ANNA, "/menu")
        await fake.wait_idle()
        assert fake.bot_messages(ANNA) == []
        (menu,) = await say(fake, "/menu")
        assert menu.text.startswith("W czym mogę pomóc?")
    finally:
        await running.stop()


async def test_flood_control_429_is_retried_by_the_rate_limiter(fake, db, database_url):
    running = await RunningBot(fake, database_url).start()
    try:
        fake.inject_fault("sendMessage", "429", times=1, chat_id=ANNA, retry_after=1)
        (menu,) = await say(fake, "/menu")
        assert menu.text.startswith("W czym mogę pomóc?")
        assert fake.stats.faults_injected == 1
        assert fake.stats.methods["sendMessage"] == 2  # refused once, then sent after retry_after
    finally:
        await running.stop()


async def test_webhook_refuses_a_wrong_secret_and_malformed_bodies(fake, db, database_url):
    running = await RunningBot(fake, database_url, webhook=True).start()
    try:
        url = running.url + "/telegram/webhook"
        update = {
            "update_id": 1,
            "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}},
        }
        async with aiohttp.ClientSession() as http:
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            ) as wrong:
                assert wrong.status == 403
            async with http.post(url, json=update) as missing:
                assert missing.status == 403
            secret = webhook_secret(fake.token)
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
            async with http.post(url, data=b"{not json", headers=headers) as malformed:
                assert malformed.status == 400
            async with http.get(running.url + "/healthz") as health:
                assert (await health.json()) == {"status": "ok"}
        info = await running.channel.application.bot.get_webhook_info()
        assert info.url == url
    finally:
        await running.stop()


async def test_many_residents_in_parallel_each_get_their_own_answers(bot, fake):
    residents = list(range(9000, 9015))
    await asyncio.gather(*(fake.send_message(r, "/sample", language_code="en") for r in residents))
    await asyncio.gather(*(fake.wait_for(r, kind="message", timeout=10) for r in residents))
    await asyncio.gather(*(fake.send_message(r, f"Event {r}") for r in residents))
    await asyncio.gather(*(fake.wait_for(r, kind="message", timeout=10) for r in residents))
    await asyncio.gather(*(fake.send_message(r, "1") for r in residents))
    answers = await asyncio.gather(*(fake.wait_for(r, kind="message", timeout=10) for r in residents))
    assert [events[0].text for events in answers] == [f"Event Event {r} for 1." for r in residents]


def test_rendering_picks_one_keyboard_and_splits_long_text():
    inline = reply_markup(Reply("x", buttons=[[Button("A", "g:a")]], menu=[["M"]]))
    assert inline.to_dict()["inline_keyboard"][0][0]["callback_data"] == "g:a"
    location = reply_markup(Reply("x", request_location="📍 Send", menu=[["M"]]))
    assert location.to_dict()["keyboard"] == [
        [{"text": "📍 Send", "request_location": True}],
        [{"text": "M"}],
    ]
    assert reply_markup(Reply("x")) is None
    parts = split_text("line\n" * 2000)
    assert all(len(part) <= 4096 for part in parts) and "".join(parts).count("line") == 2000


def with_attachments(app: App) -> None:
    async def card(turn, _arg: str) -> None:
        reply = turn.say("Your visit card", silent=True)
        reply.attachments.append(
            Attachment("wizyta.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
        )
        reply.attachments.append(Attachment("mapa.png", PNG, "image/png", caption="Libelta 16/20"))

    app.registry.add_command("card", card)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


async def test_attachments_and_silent_delivery_are_rendered(fake, db, database_url):
    running = await RunningBot(fake, database_url, customise=with_attachments).start()
    try:
        await fake.send_message(ANNA, "/card")
        text, document, photo = await fake.wait_for(
            ANNA, kind=["message", "document", "photo"], count=3, timeout=10
        )
        assert text.text == "Your visit card" and text.params.get("disable_notification") in (True, "true")
        assert document.kind == "document" and fake.file_bytes(document.file_id).startswith(
            b"BEGIN:VCALENDAR"
        )
        assert photo.kind == "photo" and photo.text == "Libelta 16/20"
        assert fake.file_bytes(photo.file_id) == PNG
    finally:
        await running.stop()


async def test_a_photo_from_a_resident_reaches_the_engine_as_a_file_id(fake, db, database_url):
    seen = []

    def capture(app: App) -> None:
        async def on_photo(turn, _arg: str) -> None:
            seen.append((turn.inbound.photos, turn.inbound.text))
            turn.say("Photo received")

        app.registry.on_photo = on_photo

    running = await RunningBot(fake, database_url, customise=capture).start()
    try:
        await fake.send_photo(ANNA, PNG, caption="dziura")
        (answer,) = await fake.wait_for(ANNA, kind="message", timeout=10)
        assert answer.text == "Photo received"
        ((photos, caption),) = seen
        assert caption == "dziura" and fake.file_bytes(photos[0]) == PNG
    finally:
        await running.stop()


async def test_one_residents_quick_messages_are_answered_in_order_even_when_a_reply_is_slow(bot, fake):
    """Updates are handled concurrently, but a resident's replies leave in the order they wrote."""
    from tests.scale_bot import count

    bot.app.registry.add_command("count", count)
    await say(fake, "/menu")  # the chat exists and the menu keyboard is settled
    fake.inject_fault("sendMessage", "slow", times=1, chat_id=ANNA, delay=0.5)
    for n in range(1, 6):  # back to back, not waiting for answers
        await fake.send_message(ANNA, f"/count {n}")
    events = await fake.wait_for(ANNA, kind="message", count=5, timeout=20)
    assert [event.text for event in events] == [f"{n} after {n - 1}" for n in range(1, 6)]
