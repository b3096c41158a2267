"""The fake Telegram Bot API server, exercised by real python-telegram-bot over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import struct
import time
import warnings
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import Event, FakeTelegram, RateLimitConfig

pytestmark = pytest.mark.timeout(30)

ANNA = 1001
GROUP = -1001234567890


def png_bytes(width: int = 2, height: int = 3) -> bytes:
    """A tiny valid PNG, so the fake can read its size like Telegram would."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# ----- a small PTB bot used by the tests -----


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Tak", callback_data="yes"), InlineKeyboardButton("Nie", callback_data="no")]]
    )
    await update.effective_message.reply_text("Cześć! Wybierz:", reply_markup=keyboard)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    file = await update.effective_message.photo[-1].get_file()
    data = bytes(await file.download_as_bytearray())
    context.bot_data["photo"] = data
    await update.effective_message.reply_text(f"photo {len(data)} bytes")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"chosen {query.data}")
    await query.edit_message_text(f"You chose {query.data}")


def build_app(
    fake: FakeTelegram, *, updater: bool = True, rate_limiter: AIORateLimiter | None = None
) -> Application:
    builder = ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
    if not updater:
        builder = builder.updater(None)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server
        assert server.internal_errors == []


@pytest.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application]:
    """A PTB Application long-polling the fake."""
    application = build_app(fake)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A bare PTB Bot (no rate limiter, no handlers) for direct API calls."""
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as raw_bot:
        yield raw_bot


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# ----- long polling with a real PTB Application -----


async def test_text_gets_echoed_and_user_messages_are_flagged(fake: FakeTelegram, app: Application) -> None:
    sent = await fake.send_message(ANNA, "dzień dobry", first_name="Anna", language_code="pl")
    [reply] = await fake.wait_for(ANNA)
    assert reply.kind == "message" and reply.text == "echo: dzień dobry"
    assert reply.from_bot and reply.method == "sendMessage" and reply.params["chat_id"] == ANNA
    assert reply.message is not None and reply.message["message_id"] == sent["message_id"] + 1
    first = fake.transcript(ANNA)[0]
    assert (first.kind, first.from_bot, first.user_id, first.text) == ("message", False, ANNA, "dzień dobry")
    assert [e.text for e in fake.bot_messages(ANNA)] == ["echo: dzień dobry"]


async def test_command_gets_entity_and_keyboard_is_stored(fake: FakeTelegram, app: Application) -> None:
    sent = await fake.send_message(ANNA, "/start")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    [reply] = await fake.wait_for(ANNA)
    buttons = reply.reply_markup["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["yes", "no"]
    assert reply.message["reply_markup"]["inline_keyboard"][0][1]["text"] == "Nie"


async def test_button_press_is_answered_and_message_edited(fake: FakeTelegram, app: Application) -> None:
    await fake.send_message(ANNA, "/start")
    [menu] = await fake.wait_for(ANNA)
    query_id = await fake.press_button(ANNA, menu.message_id, "yes")
    answer, edit = await fake.wait_for(ANNA, count=2)
    assert (answer.kind, answer.text, answer.callback_query_id) == ("callback_answer", "chosen yes", query_id)
    assert (edit.kind, edit.message_id, edit.text) == ("edit_text", menu.message_id, "You chose yes")
    assert fake.callback_answers(query_id) == [answer]
    assert fake.callback_answers(chat_id=ANNA) == [answer]
    current = fake.message(ANNA, menu.message_id)
    assert current["text"] == "You chose yes" and "reply_markup" not in current and "edit_date" in current
    with pytest.raises(LookupError):
        await fake.press_button(ANNA, menu.message_id, "yes")  # the keyboard is gone now


async def test_user_photo_is_downloadable_by_the_bot(fake: FakeTelegram, app: Application) -> None:
    image = png_bytes(400, 300)
    message = await fake.send_photo(ANNA, image, caption="dziura w jezdni")
    assert message["photo"][-1]["width"] == 400 and len(message["photo"]) == 3
    [reply] = await fake.wait_for(ANNA)
    assert reply.text == f"photo {len(image)} bytes"
    assert app.bot_data["photo"] == image


async def test_unsupported_kinds_reach_the_bot(fake: FakeTelegram, app: Application) -> None:
    for action in (fake.send_sticker, fake.send_voice, fake.send_video, fake.send_contact):
        await action(ANNA)
    await fake.send_location(ANNA, 52.4064, 16.9252)
    await fake.send_document(ANNA, b"a;b\n1;2\n", "data.csv")
    kinds = [e.kind for e in fake.transcript(ANNA)]
    assert kinds == ["sticker", "voice", "video", "contact", "location", "document"]
    await fake.wait_idle(timeout=5)
    assert fake.pending_updates() == 0
    assert fake.bot_messages(ANNA) == []  # the test bot has no handlers for these


async def test_bot_uploads_are_stored_and_downloadable(fake: FakeTelegram, app: Application) -> None:
    await fake.send_message(ANNA, "hi")
    await fake.wait_for(ANNA)
    image = png_bytes(10, 20)
    photo_message = await app.bot.send_photo(ANNA, photo=image, caption="<b>mapa</b>", parse_mode="HTML")
    assert photo_message.caption == "mapa" and photo_message.caption_entities[0].type == "bold"
    largest = photo_message.photo[-1]
    assert (largest.width, largest.height) == (10, 20)
    assert bytes(await (await app.bot.get_file(largest.file_id)).download_as_bytearray()) == image

    doc_message = await app.bot.send_document(
        ANNA, document=b"id;name\n1;Stary Rynek\n", filename="places.csv"
    )
    document = doc_message.document
    assert document.file_name == "places.csv" and document.mime_type == "text/csv"
    downloaded = await (await app.bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"id;name\n1;Stary Rynek\n"

    again = await app.bot.send_document(ANNA, document=document.file_id)  # re-send by file_id
    assert again.document.file_id == document.file_id
    events = fake.bot_messages(ANNA)[-3:]
    assert [e.kind for e in events] == ["photo", "document", "document"]
    assert events[0].text == "mapa" and events[0].params["photo"]["size"] == len(image)
    assert fake.file_bytes(events[1].file_id) == b"id;name\n1;Stary Rynek\n"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await app.bot.send_photo(ANNA, photo="no-such-file-id")

    album = await app.bot.send_media_group(ANNA, [InputMediaPhoto(png_bytes(5, 5)), InputMediaPhoto(image)])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id is not None
    assert [e.kind for e in fake.bot_messages(ANNA)[-2:]] == ["photo", "photo"]


async def test_commands_are_stored_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    await bot.set_my_commands(
        [BotCommand("start", "Zacznij"), BotCommand("help", "Pomoc")], language_code="pl"
    )
    await bot.set_my_commands([BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in await bot.get_my_commands(language_code="pl")] == ["start", "help"]
    assert await bot.get_my_commands() == ()
    assert fake.commands({"type": "all_private_chats"}) == [{"command": "start", "description": "Start"}]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_forum_topics_and_closed_topic(fake: FakeTelegram, app: Application) -> None:
    fake.group(GROUP, "Poznań – zgłoszenia", forum=True)
    topic = await app.bot.create_forum_topic(GROUP, "Dziury")
    thread = topic.message_thread_id
    await app.bot.send_message(GROUP, "Nowe zgłoszenie", message_thread_id=thread)

    # A resident writes in the topic; PTB's reply_text answers in the same thread.
    await fake.group_message(GROUP, ANNA, "Jest dziura na Głogowskiej", message_thread_id=thread)
    [echo] = await fake.wait_for(GROUP, text_contains="echo:")
    assert echo.thread_id == thread and echo.message["is_topic_message"] is True
    assert echo.message["chat"]["is_forum"] is True

    assert await app.bot.close_forum_topic(GROUP, thread)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await app.bot.send_message(GROUP, "late", message_thread_id=thread)
    with pytest.raises(BadRequest, match=r"(?i)topic_not_modified"):
        await app.bot.close_forum_topic(GROUP, thread)
    assert await app.bot.reopen_forum_topic(GROUP, thread)
    assert await app.bot.edit_forum_topic(GROUP, thread, name="Dziury w jezdni")
    kinds = [e.kind for e in fake.transcript(GROUP) if e.from_bot]
    assert kinds == ["topic_created", "message", "message", "topic_closed", "topic_reopened", "topic_edited"]
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await app.bot.send_message(GROUP, "x", message_thread_id=99999)


async def test_chat_members_and_get_chat(fake: FakeTelegram, bot: Bot) -> None:
    fake.group(GROUP, "Rada osiedla")
    fake.set_member(GROUP, ANNA, "administrator")
    fake.set_member(GROUP, 1002, "member")
    assert (await bot.get_chat_member(GROUP, ANNA)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, 1002)).status == "member"
    assert (await bot.get_chat_member(GROUP, 1003)).status == "left"
    assert (await bot.get_chat_member(GROUP, bot.id)).status == "administrator"
    chat = await bot.get_chat(GROUP)
    assert chat.type == "supergroup" and chat.title == "Rada osiedla"
    fake.user(ANNA, "Anna", username="anna_poz")
    assert (await bot.get_chat(ANNA)).username == "anna_poz"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat(424242)
    fake.set_member(GROUP, bot.id, "kicked")
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(GROUP, "hello?")


async def test_copy_and_forward_are_recorded(fake: FakeTelegram, bot: Bot) -> None:
    fake.group(GROUP, "Moderacja")
    original = await fake.send_message(ANNA, "Zgłaszam awarię latarni")
    copied = await bot.copy_message(GROUP, ANNA, original["message_id"])
    [copy] = fake.bot_messages(GROUP)
    assert (copy.kind, copy.message_id, copy.text) == ("copy", copied.message_id, "Zgłaszam awarię latarni")
    forwarded = await bot.forward_message(GROUP, ANNA, original["message_id"])
    assert forwarded.forward_origin.sender_user.id == ANNA
    assert [e.kind for e in fake.bot_messages(GROUP)] == ["copy", "forward"]
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(GROUP, ANNA, 9999)


# ----- errors Telegram would give -----


async def test_telegram_like_errors(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ANNA)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "hello")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ANNA, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", chat_id=ANNA, message_id=999)
    message = await bot.send_message(ANNA, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=ANNA, message_id=message.message_id)
    edited = await bot.edit_message_reply_markup(
        ANNA,
        message.message_id,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]]),
    )
    assert edited.reply_markup.inline_keyboard[0][0].callback_data == "a"
    assert fake.transcript(ANNA)[-1].kind == "edit_markup"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: character '.' is reserved"):
        await bot.send_message(ANNA, "Koniec.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(ANNA, "a <3 b", parse_mode="HTML")
    assert await bot.delete_message(ANNA, message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ANNA, message.message_id)
    formatted = await bot.send_message(ANNA, "*Stary Rynek* \\- mapa", parse_mode="MarkdownV2")
    assert formatted.text == "Stary Rynek - mapa" and formatted.entities[0].type == "bold"


async def test_callback_data_over_64_bytes_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ANNA)
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ż" * 32)]])  # 64 bytes
    await bot.send_message(ANNA, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(ANNA, "does not fit", reply_markup=too_long)
    assert [e.text for e in fake.bot_messages(ANNA)] == ["fits"]


async def test_raw_http_shapes_and_encodings(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    fake.user(ANNA)
    async with http.post(f"{fake.base_url}{fake.token}/noSuchMethod") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    async with http.post(f"{fake.base_url}{fake.token}/sendMessage", json={"chat_id": ANNA}) as resp:
        assert resp.status == 400
        assert await resp.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: message text is empty",
        }
    markup = {"keyboard": [[{"text": "Zgłoś", "request_location": True}]], "resize_keyboard": True}
    # JSON body with a nested object, and the nested object as a JSON string.
    async with http.post(
        f"{fake.base_url}{fake.token}/sendmessage",
        json={"chat_id": ANNA, "text": "a", "reply_markup": markup},
    ) as resp:
        assert (await resp.json())["ok"] is True
    form = {"chat_id": str(ANNA), "text": "123", "reply_markup": '{"remove_keyboard": true}'}
    async with http.post(f"{fake.base_url}{fake.token}/sendMessage", data=form) as resp:
        assert (await resp.json())["result"]["text"] == "123"
    multipart = aiohttp.FormData({"chat_id": str(ANNA)})
    multipart.add_field("document", b"hello", filename="hello.txt", content_type="text/plain")
    async with http.post(f"{fake.base_url}{fake.token}/sendDocument", data=multipart) as resp:
        assert (await resp.json())["result"]["document"]["file_name"] == "hello.txt"
    async with http.get(f"{fake.base_url}{fake.token}/getMe") as resp:
        me = (await resp.json())["result"]
        assert me["is_bot"] is True and me["username"] == "poznan_test_bot" and me["can_join_groups"] is True
    events = fake.bot_messages(ANNA)
    assert events[0].reply_markup == markup and events[1].reply_markup == {"remove_keyboard": True}
    assert events[1].params["text"] == "123"


async def test_get_updates_long_poll_offset_and_other_tokens(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.base_url}{fake.token}/getUpdates"
    started = time.monotonic()
    async with http.post(url, json={"timeout": 0.3}) as resp:
        assert (await resp.json())["result"] == []
    assert time.monotonic() - started >= 0.25

    async def user_writes_later() -> None:
        await asyncio.sleep(0.1)
        await fake.send_message(ANNA, "ping")

    writer = asyncio.create_task(user_writes_later())
    started = time.monotonic()
    async with http.post(url, json={"timeout": 5}) as resp:
        [update] = (await resp.json())["result"]
    await writer
    assert time.monotonic() - started < 2 and update["message"]["text"] == "ping"
    async with http.post(url, json={"offset": update["update_id"] + 1, "timeout": 0}) as resp:
        assert (await resp.json())["result"] == []

    other = "987654:OTHER-token"
    await fake.send_message(ANNA, "to the other bot", token=other)
    async with http.post(f"{fake.base_url}{other}/getUpdates") as resp:
        [update] = (await resp.json())["result"]
    assert update["message"]["text"] == "to the other bot"
    assert fake.transcript(ANNA, token=other)[0].bot_id == 987654


# ----- webhooks -----


class Receiver:
    """A tiny webhook endpoint: checks the secret, optionally fails, and feeds a PTB Application."""

    def __init__(
        self, app: Application | None = None, secret: str | None = None, fail_first: int = 0
    ) -> None:
        self.app = app
        self.secret = secret
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.headers: list[str | None] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.headers.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if self.secret is not None and self.headers[-1] != self.secret:
            return web.Response(status=403)
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        data = await request.json()
        self.received.append(data)
        if self.app is not None:
            await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        return web.Response()

    async def __aenter__(self) -> Receiver:
        web_app = web.Application()
        web_app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(web_app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_webhook_mode_with_secret(fake: FakeTelegram) -> None:
    application = build_app(fake, updater=False)
    async with application, Receiver(application, secret="s3cret_token") as receiver:
        await application.start()
        try:
            assert await application.bot.set_webhook(receiver.url, secret_token="s3cret_token")
            await fake.send_message(ANNA, "przez webhook")
            [reply] = await fake.wait_for(ANNA)
            assert reply.text == "echo: przez webhook"
            assert receiver.headers == ["s3cret_token"]
            with pytest.raises(Conflict, match="webhook is active"):
                await application.bot.get_updates()
            info = await application.bot.get_webhook_info()
            assert info.url == receiver.url and info.pending_update_count == 0 and info.max_connections == 40
            assert await application.bot.delete_webhook()
            assert (await application.bot.get_webhook_info()).url == ""
        finally:
            await application.stop()


async def test_set_webhook_terminates_a_running_long_poll(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Receiver() as receiver:
        await bot.set_webhook(receiver.url)
        with pytest.raises(Conflict, match="terminated by setWebhook"):
            await poll
        await bot.delete_webhook()


async def test_failed_webhook_delivery_is_retried_in_order(fake: FakeTelegram, bot: Bot) -> None:
    async with Receiver(fail_first=2) as receiver:
        await bot.set_webhook(receiver.url)
        for text in ("one", "two", "three"):
            await fake.send_message(ANNA, text)
        await fake.wait_idle(timeout=5)
        assert [u["message"]["text"] for u in receiver.received] == ["one", "two", "three"]
        assert fake.stats.webhook_failed == 2 and fake.stats.webhook_delivered == 3
        info = await bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert info.last_error_date is not None and info.pending_update_count == 0
        await bot.delete_webhook()


async def test_webhook_round_robin_targets(fake: FakeTelegram, bot: Bot) -> None:
    async with Receiver() as first, Receiver() as second:
        fake.webhook_targets = [first.url, second.url]
        await bot.set_webhook("http://127.0.0.1:9/ignored-because-targets-are-set")
        for i in range(4):
            await fake.send_message(ANNA + i, f"m{i}")
        await fake.wait_idle(timeout=5)
        assert [u["message"]["text"] for u in first.received] == ["m0", "m2"]
        assert [u["message"]["text"] for u in second.received] == ["m1", "m3"]
        await bot.delete_webhook()


async def test_parallel_webhook_delivers_everything() -> None:
    async with (
        FakeTelegram(parallel_webhook=True) as server,
        Receiver() as receiver,
        Bot(server.token, base_url=server.base_url) as raw_bot,
    ):
        await raw_bot.set_webhook(receiver.url, max_connections=8)
        for i in range(50):
            await server.send_message(ANNA + i % 5, f"m{i}")
        await server.wait_idle(timeout=5)
        ids = [u["update_id"] for u in receiver.received]
        assert len(ids) == 50 and len(set(ids)) == 50  # each delivered exactly once
        await raw_bot.delete_webhook()


# ----- faults -----


async def test_injected_faults(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ANNA)
    fake.inject_fault("sendMessage", "403")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANNA, "a")
    fake.inject_fault("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANNA, "b")
    assert retry_seconds(caught.value) == 7
    fake.inject_fault("sendMessage", "500", chat_id=ANNA)
    with pytest.raises(NetworkError):
        await bot.send_message(ANNA, "c")
    fake.inject_fault("getMe", "slow", delay=0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.29
    fake.inject_fault("sendMessage", "400", description="Bad Request: custom failure")
    with pytest.raises(BadRequest, match=r"(?i)custom failure"):
        await bot.send_message(ANNA, "d")
    await bot.send_message(ANNA, "e")  # faults are used up
    assert [e.text for e in fake.bot_messages(ANNA)] == ["e"]
    assert fake.stats.faults_injected == 5


async def test_blocked_user_gives_403_and_my_chat_member_update(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ANNA)
    fake.block(ANNA)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANNA, "hello")
    [update] = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"


# ----- rate limits -----


async def test_per_chat_limit_refuses_with_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ANNA)
    fake.rate_limits(global_per_second=None, per_chat_per_second=1, per_group_per_minute=None)
    await bot.send_message(ANNA, "1")
    for text in ("2", "3"):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ANNA, text)
        assert retry_seconds(caught.value) == 1
    assert fake.stats.sent == 1 and fake.stats.refused_429 == 2
    assert fake.stats.refused_429_per_chat[ANNA] == 2


async def test_global_and_group_limits(fake: FakeTelegram, bot: Bot) -> None:
    users = [fake.user(2000 + i).id for i in range(8)]
    fake.rate_limits(global_per_second=5, per_chat_per_second=None, per_group_per_minute=None)
    results = await asyncio.gather(*(bot.send_message(u, "hej") for u in users), return_exceptions=True)
    refused = [r for r in results if isinstance(r, RetryAfter)]
    assert len(refused) == 3 and fake.stats.refused_429 == 3 and fake.stats.sent == 5

    fake.group(GROUP)
    fake.rate_limits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=2)
    await bot.send_message(GROUP, "1")
    await bot.send_message(GROUP, "2")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "3")
    assert 59 <= retry_seconds(caught.value) <= 60


async def test_aio_rate_limiter_gets_a_burst_through(fake: FakeTelegram) -> None:
    fake.user(ANNA)
    fake.rate_limits(global_per_second=30, per_chat_per_second=2, per_group_per_minute=20, per_chat_burst=2)
    application = build_app(fake, updater=False, rate_limiter=AIORateLimiter(max_retries=3))
    async with application:
        sends = [application.bot.send_message(ANNA, f"burst {i}") for i in range(5)]
        await asyncio.gather(*sends)
    assert len(fake.bot_messages(ANNA)) == 5
    assert fake.stats.refused_429 >= 2 and fake.stats.sent == 5


async def test_rate_limits_from_constructor() -> None:
    limits = RateLimitConfig(global_per_second=None, per_chat_per_second=1, per_group_per_minute=None)
    async with FakeTelegram(rate_limits=limits) as server:
        server.user(ANNA)
        async with Bot(server.token, base_url=server.base_url) as raw_bot:
            await raw_bot.send_message(ANNA, "1")
            with pytest.raises(RetryAfter):
                await raw_bot.send_message(ANNA, "2")
            server.reset()  # back to the constructor's limits, windows cleared
            server.user(ANNA)
            await raw_bot.send_message(ANNA, "3")


# ----- control API: Python and HTTP -----


async def test_wait_for_does_not_miss_early_events_and_times_out(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(ANNA)
    await bot.send_message(ANNA, "first")
    await bot.send_message(ANNA, "second")
    [first] = await fake.wait_for(ANNA)
    [second] = await fake.wait_for(ANNA)
    assert (first.text, second.text) == ("first", "second")
    with pytest.raises(TimeoutError):
        await fake.wait_for(ANNA, timeout=0.1)
    late = asyncio.create_task(fake.wait_for(ANNA, lambda e: e.text == "third", kind="message"))
    await asyncio.sleep(0.05)
    await bot.send_chat_action(ANNA, "typing")
    await bot.send_message(ANNA, "third")
    [third] = await late
    assert third.text == "third" and fake.transcript(ANNA)[-2].kind == "chat_action"


async def test_control_over_http(fake: FakeTelegram, app: Application, http: aiohttp.ClientSession) -> None:
    control = f"{fake.url}/_control"
    async with http.post(f"{control}/send_message", json={"user": ANNA, "text": "przez HTTP"}) as resp:
        sent = (await resp.json())["result"]
    assert sent["text"] == "przez HTTP"
    async with http.post(f"{control}/wait_for", json={"chat_id": ANNA, "timeout": 5}) as resp:
        [event] = (await resp.json())["result"]
    assert event["text"] == "echo: przez HTTP" and event["from_bot"] is True
    async with http.get(f"{control}/transcript", params={"chat_id": str(ANNA)}) as resp:
        assert [e["from_bot"] for e in (await resp.json())["result"]] == [False, True]
    async with http.post(f"{control}/send_photo", json={"user": ANNA, "data_b64": "iVBORw0KGgo="}) as resp:
        assert (await resp.json())["ok"] is True
    async with http.post(f"{control}/inject_fault", json={"method": "getMe", "kind": "500"}) as resp:
        assert (await resp.json())["result"]["kind"] == "500"
    async with http.get(f"{control}/stats") as resp:
        stats = (await resp.json())["result"]
    assert stats["methods"]["sendMessage"] >= 1 and stats["updates_queued"] == 2
    await fake.send_message(ANNA, "drugi")
    query = {"chat_id": str(ANNA), "kind": "message", "text_contains": "drugi", "timeout": "5"}
    async with http.post(f"{control}/wait_for", params=query) as resp:
        [event] = (await resp.json())["result"]
    assert event["text"] == "echo: drugi"
    async with http.post(f"{control}/wait_for", json={"chat_id": ANNA, "timeout": 0.05}) as resp:
        assert resp.status == 408
    async with http.post(f"{control}/nope") as resp:
        assert resp.status == 404


async def test_user_edits_and_group_buttons(fake: FakeTelegram, app: Application) -> None:
    sent = await fake.send_message(ANNA, "/start")
    await fake.wait_for(ANNA)
    await fake.edit_message(ANNA, sent["message_id"], "poprawiony tekst")
    [echo] = await fake.wait_for(ANNA)  # edited_message passes filters.TEXT, so the echo answers it
    assert echo.text == "echo: poprawiony tekst"
    assert fake.transcript(ANNA)[2].kind == "edited_message"

    await fake.group_message(GROUP, ANNA, "/start@poznan_test_bot")
    [menu] = await fake.wait_for(GROUP)
    assert menu.message["reply_to_message"]["text"] == "/start@poznan_test_bot"  # PTB quotes in groups
    query_id = await fake.press_button(1002, menu.message_id, "no", chat_id=GROUP, first_name="Piotr")
    [answer] = await fake.wait_for(GROUP, kind="callback_answer")
    assert answer.callback_query_id == query_id and answer.user_id == 1002
    [edit] = await fake.wait_for(GROUP, kind="edit_text")
    assert edit.message_id == menu.message_id
    assert fake.message(GROUP, menu.message_id)["text"] == "You chose no"


async def test_reset_clears_everything(fake: FakeTelegram, bot: Bot) -> None:
    async with Receiver() as receiver:
        await fake.send_message(ANNA, "old")
        fake.inject_fault("getMe", "500", times=None)
        await bot.set_webhook(receiver.url)
        fake.reset()
        assert fake.transcript(ANNA) == [] and fake.pending_updates() == 0
        assert (await bot.get_webhook_info()).url == ""
        await bot.get_me()  # fault gone
        assert fake.stats.methods == {"getWebhookInfo": 1, "getMe": 1}


def test_fast_text_path_matches_ptb() -> None:
    """Text messages skip the telegram.Message round trip for speed; the JSON must be identical."""
    from tests.fake_telegram.builders import build_message
    from tests.fake_telegram.state import ChatRecord, FakeUser

    chat = ChatRecord(GROUP, "supergroup", title="Forum", is_forum=True)
    user = FakeUser(ANNA, "Anna", username="anna")
    markup = {"inline_keyboard": [[{"text": "Tak", "callback_data": "yes"}]]}
    entities = [{"type": "bold", "offset": 0, "length": 3}]
    kwargs: dict[str, Any] = {"thread_id": 7, "inline_markup": markup, "entities": entities, "text": "Hej ty"}
    fast = build_message(chat, user.ptb, sender_dict=user.ptb_dict, message_id=5, **kwargs)
    slow = build_message(chat, user.ptb, sender_dict=user.ptb_dict, message_id=5, fast=False, **kwargs)
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(slow))
    assert Message.de_json(fast, None) == Message.de_json(slow, None)


def test_event_to_dict_round_trip() -> None:
    event = Event("message", ANNA, True, message_id=1, text="x")
    assert event.to_dict()["text"] == "x" and event.sent
