"""The Telegram channel: with telegram_http.py and telegram_staff.py, the only modules importing PTB.

It turns updates into `Inbound`, hands them to the Dialogue and renders each `Reply`. Long polling
by default; with PUBLIC_URL set, Telegram calls our own aiohttp server (bot/web) instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, TypeHandler

from bot import metrics
from bot.app import start_background
from bot.channels.ratelimit import FloodGate
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_staff import StaffGroup
from bot.conversation import Inbound, Location, Reply
from bot.conversation.delivery import DeliveryError, FileUnavailable, FloodWait, Unavailable, Unreachable
from bot.conversation.locks import ResidentLocks
from bot.i18n import LANGUAGES, _, normalise_language, translate, use_language
from bot.web.server import WEBHOOK_PATH, WebServer

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram unreachable: a reply is tried again after these pauses (seconds) before it is given up;
# start-up calls back off from 1 s doubling to STARTUP_BACKOFF_CAP and never give up.
REPLY_RETRY_PAUSES = (0.5, 1.0, 2.0)
STARTUP_BACKOFF_CAP = 30.0
# Telegram lets bots download files up to 20 MB; pictures larger than this are refused politely.
MAX_FILE_BYTES = 10 * 1024 * 1024

# Message kinds the bot cannot read, in the order Telegram's Message exposes them.
UNSUPPORTED_FIELDS = (
    "sticker", "voice", "video_note", "video", "animation", "audio", "contact", "poll", "dice", "venue",
    "game", "document",
)  # fmt: skip


class CityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """PTB's hook into every Bot API request: paces sends through the FloodGate, and when Telegram
    still answers 429 waits exactly its retry_after for that request alone, then tries again. A
    reply that fails on the network or a Telegram server error is tried again a few times (a
    timed-out send may then arrive twice: better than a resident left without an answer)."""

    def __init__(self, gate: FloodGate, max_retries: int = 3) -> None:
        self.gate = gate
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        if chat_id is not None:
            await self.gate.wait(int(chat_id) if str(chat_id).lstrip("-").isdigit() else None, bulk=bulk)
        # Bulk messages are not retried here: the dispatcher re-queues one refused message for exactly
        # its retry_after and goes on with the others, instead of holding a sender in a sleep.
        attempt = self.max_retries if bulk else 0
        pauses = list(REPLY_RETRY_PAUSES) if chat_id is not None and not bulk else []
        while True:
            try:
                return await callback(*args, **kwargs)
            except BadRequest:
                raise  # a NetworkError subclass in PTB, but the request itself is wrong
            except RetryAfter as flood:
                attempt += 1
                if attempt > self.max_retries:
                    if bulk:
                        self.gate.refund()
                    raise
                wait = flood.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                log.info("flood control on %s: waiting %.1fs for this request", endpoint, seconds)
                await asyncio.sleep(seconds)
            except NetworkError as error:
                if not pauses:
                    raise
                pause = pauses.pop(0)
                log.warning("%s failed (%s); trying again in %.1fs", endpoint, error, pause)
                await asyncio.sleep(pause)


def webhook_secret(token: str, configured: str | None = None) -> str:
    """The secret Telegram echoes in every webhook call; derived from the token unless configured,
    so every process of one bot agrees on it without extra setup."""
    if configured:
        return configured
    return hashlib.sha256(f"citybot-webhook:{token}".encode()).hexdigest()[:48]


def to_inbound(update: Update) -> Inbound | None:
    """What the resident did, or None for updates residents do not send (groups, edits, channels)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None
    common: dict[str, Any] = {
        "resident_id": user.id,
        "language_hint": user.language_code,
        "display_name": user.full_name,
    }
    query = update.callback_query
    if query is not None:
        return Inbound(payload=query.data or "", **common)
    message = update.message
    if message is None:
        return None
    common["received_at"] = message.date
    if message.text is not None:
        return Inbound(text=message.text, **common)
    if message.location is not None and message.venue is None:
        return Inbound(location=Location(message.location.latitude, message.location.longitude), **common)
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return Inbound(photos=(largest.file_id,), text=message.caption, **common)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        # A picture sent "as a file" is still a picture; only its size needs checking.
        if (document.file_size or 0) > MAX_FILE_BYTES:
            return Inbound(unsupported="oversized", **common)
        return Inbound(photos=(document.file_id,), text=message.caption, **common)
    for kind in UNSUPPORTED_FIELDS:
        if getattr(message, kind, None):
            return Inbound(unsupported=kind, **common)
    return Inbound(unsupported="other", **common)


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Inline buttons win (a message carries one keyboard); then the location request; then the menu."""
    if reply.buttons:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in reply.buttons]
        )
    if reply.request_location:
        rows: list[list[KeyboardButton]] = [[KeyboardButton(reply.request_location, request_location=True)]]
        rows += [[KeyboardButton(label) for label in row] for row in reply.menu or []]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=not reply.menu)
    if reply.menu:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(label) for label in row] for row in reply.menu],
            resize_keyboard=True,
            is_persistent=True,
        )
    return None


def keyboard_key(reply: Reply) -> tuple | None:
    """What identifies the reply keyboard a reply would show (None: it shows no reply keyboard)."""
    if reply.buttons or not (reply.request_location or reply.menu):
        return None
    return (reply.request_location, tuple(tuple(row) for row in reply.menu or ()))


class KeyboardMemory:
    """The reply keyboard last shown in each chat, so an unchanged persistent menu is not resent
    with every message (Telegram keeps it on screen). Bounded: the oldest chats are forgotten."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._shown: OrderedDict[int, tuple] = OrderedDict()

    def get(self, chat_id: int) -> tuple | None:
        return self._shown.get(chat_id)

    def put(self, chat_id: int, keyboard: tuple) -> None:
        self._shown[chat_id] = keyboard
        self._shown.move_to_end(chat_id)
        if len(self._shown) > self.size:
            self._shown.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        self._shown.pop(chat_id, None)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Telegram takes at most 4096 characters a message; split at line breaks where possible."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        parts.append(text)
    return parts


class TelegramChannel:
    """Binds a PTB Application to the Dialogue."""

    def __init__(self, app: App, *, polling: bool = True) -> None:
        self.app = app
        settings = app.settings
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram channel")
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_url)
            .base_file_url(settings.telegram_file_url)
            .rate_limiter(CityRateLimiter(FloodGate(settings.telegram_max_rate)))
            .request(AiohttpRequest(connection_pool_size=256))
            .get_updates_request(AiohttpRequest(connection_pool_size=2))
            .concurrent_updates(settings.telegram_concurrency)
        )
        if not polling:
            builder = builder.updater(None)
        self.application: Application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.polling = polling
        self.keyboards = KeyboardMemory()
        self.in_order = ResidentLocks()
        self.secret = webhook_secret(settings.telegram_bot_token, settings.webhook_secret)
        # Talking to a person needs the staff group; without it the menu entry says it is not available.
        self.staff = StaffGroup(app, self) if settings.staff_chat_id is not None else None
        if self.staff is not None:
            app.dialogue.config.services["staff_desk"] = True

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect to Telegram; while it cannot be reached, keep trying (cancel to give up)."""
        await _until_reachable("getMe", self.application.initialize)
        await _until_reachable("setMyCommands", self.publish_commands)
        await self.application.start()
        if self.staff is not None:
            self.staff.start()
        if self.polling:
            assert self.application.updater is not None
            # PTB deletes any webhook first (bootstrap, retried forever here), then polls in a loop
            # that survives network and server errors, backing off from 1 s up to 30 s.
            await self.application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                poll_interval=self.app.settings.telegram_poll_interval,
                bootstrap_retries=-1,
                error_callback=_polling_error,
            )
        elif self.app.settings.public_url:
            await _until_reachable(
                "setWebhook",
                lambda: self.application.bot.set_webhook(
                    url=(self.app.settings.public_url or "") + WEBHOOK_PATH,
                    secret_token=self.secret,
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=40,
                ),
            )
        log.info("telegram channel started (%s)", "polling" if self.polling else "webhook")

    async def stop_updates(self) -> None:
        """Fetch no more updates and wait for the ones being handled (PTB's stop finishes every
        update already taken from the queue); the bot can still send afterwards."""
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()

    async def close(self) -> None:
        """Release the HTTP sessions; after `stop_updates` and after the jobs that send stopped."""
        if self.staff is not None:
            await self.staff.stop()
        await self.stop_updates()
        await self.application.shutdown()

    async def stop(self) -> None:
        await self.close()

    async def publish_commands(self) -> None:
        """Localized command lists: Polish by default, each language for its own clients."""
        help_texts = self.app.registry.command_help
        for lang in (None, *LANGUAGES):
            commands = [
                BotCommand(name, translate(text, lang or self.app.settings.default_language)[:256])
                for name, text in help_texts.items()
            ]
            await self.application.bot.set_my_commands(
                commands, scope=BotCommandScopeAllPrivateChats(), language_code=lang
            )

    async def feed_webhook(self, data: dict[str, Any]) -> None:
        """An update that arrived over the webhook; queued like a polled one."""
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)

    async def process_webhook(self, data: dict[str, Any]) -> None:
        """Handle an update to the end before returning (the ordered webhook inbox needs to know
        when a resident's turn is over before it starts their next one)."""
        await self.application.process_update(Update.de_json(data, self.application.bot))

    # -- updates ---------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            await self._answer(query)
        inbound = to_inbound(update)
        if inbound is None:
            if self.staff is not None and await self.staff.on_update(update):
                return
            await self._outside_private_chat(update)
            return
        # The turn, its replies and its copies to staff go out before the resident's next
        # message is handled (updates are handled concurrently; the lock is first come, first served).
        async with self.in_order.hold(inbound.resident_id):
            result = await self.app.dialogue.handle_turn(inbound)
            if query is not None and isinstance(query.message, Message) and query.message.reply_markup:
                await self._drop_buttons(query.message)
            try:
                await self.send(inbound.resident_id, result.replies)
            except Forbidden as error:
                log.info("resident %s cannot be reached: %s", inbound.resident_id, error)
            if result.effects and self.staff is not None:
                await self.staff.carry_out(update.message, result.effects)

    async def _outside_private_chat(self, update: Update) -> None:
        """Residents are served in private chats only; a command in a group gets a pointer there."""
        message = update.message
        if (
            message is None
            or message.chat.type == ChatType.PRIVATE
            or not (message.text or "").startswith("/")
        ):
            return
        command = message.text.split()[0].split("@")[0].lower()
        if command not in ("/start", "/help"):
            return
        user = update.effective_user
        with use_language(normalise_language(user.language_code if user else None)):
            text = _("I talk with residents in a private chat only. Open a chat with me: @{username}").format(
                username=self.application.bot.username
            )
        await message.reply_text(text)

    async def _answer(self, query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError as error:  # a query older than Telegram's window cannot be answered
            log.info("callback query not answered: %s", error)

    async def _drop_buttons(self, message: Message) -> None:
        """Remove the keyboard of a pressed message so it cannot be tapped twice."""
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest as error:
            log.debug("keyboard not removed: %s", error)

    async def send(self, chat_id: int, replies: Sequence[Reply], *, bulk: bool = False) -> None:
        """Render replies in order. `bulk` marks traffic the resident did not just ask for, which
        yields to replies and is paced per chat (see bot.channels.ratelimit)."""
        bot = self.application.bot
        limits = {"rate_limit_args": {"bulk": True}} if bulk else {}
        try:
            for reply in replies:
                keyboard = keyboard_key(reply)
                if keyboard is not None and self.keyboards.get(chat_id) == keyboard:
                    markup = None  # the same reply keyboard is on the resident's screen already
                else:
                    markup = reply_markup(reply)
                chunks = split_text(reply.text) if reply.text else []
                for index, chunk in enumerate(chunks):
                    last = index == len(chunks) - 1
                    await bot.send_message(
                        chat_id,
                        chunk,
                        reply_markup=markup if last else None,
                        disable_notification=reply.silent,
                        **limits,
                    )
                if markup is not None and keyboard is not None:
                    self.keyboards.put(chat_id, keyboard)
                for attachment in reply.attachments:
                    upload = InputFile(attachment.data, filename=attachment.filename)
                    if attachment.is_photo:
                        await bot.send_photo(
                            chat_id,
                            upload,
                            caption=attachment.caption,
                            disable_notification=reply.silent,
                            **limits,
                        )
                    else:
                        await bot.send_document(
                            chat_id,
                            upload,
                            caption=attachment.caption,
                            disable_notification=reply.silent,
                            **limits,
                        )
        except TelegramError:
            self.keyboards.forget(chat_id)  # unsure what the resident sees now: send it next time
            raise

    async def deliver(self, resident_id: int, replies: Sequence[Reply]) -> None:
        """Push messages the resident did not just ask for (the outbox dispatcher calls this)."""
        try:
            await self.send(resident_id, replies, bulk=True)
        except Forbidden as error:
            raise Unreachable(str(error)) from error
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                raise Unreachable(str(error)) from error
            raise DeliveryError(str(error)) from error
        except RetryAfter as flood:
            wait = flood.retry_after
            raise FloodWait(
                wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            ) from flood
        except NetworkError as error:  # Telegram unreachable, timed out, or its server failed
            raise Unavailable(str(error)) from error
        except TelegramError as error:
            raise DeliveryError(str(error)) from error

    async def fetch_file(self, file_id: str) -> bytes:
        """A resident's photo, downloaded from Telegram's file storage."""
        try:
            file = await self.application.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except BadRequest as error:
            raise FileUnavailable(str(error)) from error
        except TelegramError as error:
            raise DeliveryError(str(error)) from error

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the traceback; tell the resident something went wrong, in their language, no internals."""
        log.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        language = normalise_language(update.effective_user.language_code if update.effective_user else None)
        with use_language(language):
            text = _("Sorry, something went wrong on our side. Please try again in a moment.")
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            log.warning("could not tell chat %s about the error", update.effective_chat.id)


def _polling_error(error: TelegramError) -> None:
    """PTB's polling loop hit an error and will try again after a back-off: one line, no traceback."""
    metrics.ERRORS.labels("telegram").inc()
    log.warning("polling Telegram failed (%s: %s); retrying", type(error).__name__, error)


async def _until_reachable(what: str, call: Callable[[], Awaitable[object]]) -> None:
    """Run a start-up call until Telegram answers it: 1 s doubling up to STARTUP_BACKOFF_CAP."""
    pause = 1.0
    while True:
        try:
            await call()
            return
        except BadRequest:
            raise
        except NetworkError as error:
            metrics.ERRORS.labels("telegram").inc()
            log.warning("%s: Telegram unreachable (%s); retrying in %.0fs", what, error, pause)
            await asyncio.sleep(pause)
            pause = min(STARTUP_BACKOFF_CAP, pause * 2)


async def run_telegram(app: App, *, polling: bool) -> None:
    """Serve until SIGINT/SIGTERM: polling, or webhook through the project's aiohttp server.

    Shutdown order: the web server stops taking webhook calls (its inbox finishes the updates it
    holds); polling stops and the updates in hand are finished; the scheduler stops and gives
    back the outbox messages it claimed; then the channel closes (the caller closes the database).
    """
    channel = TelegramChannel(app, polling=polling) if app.settings.telegram_bot_token else None
    app.dialogue.config.services["channel"] = "telegram"  # named in the consent ledger
    web = WebServer(app, telegram=channel)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.start()
        if channel is not None:
            # Start-up waits for Telegram as long as it takes, but a signal still ends it.
            starting = asyncio.create_task(channel.start())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not starting.done():
                starting.cancel()
                await asyncio.gather(starting, return_exceptions=True)
                return
            starting.result()
            await start_background(app, channel)
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:  # a second signal meanwhile changes nothing: the stop runs to its end
        await web.stop()
        if channel is not None:
            await channel.stop_updates()
        await app.close_background()
        if channel is not None:
            await channel.close()
        log.info("stopped")
