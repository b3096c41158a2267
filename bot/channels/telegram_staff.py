"""The staff supergroup: one forum topic per escalated conversation, messages carried both ways.

Part of the Telegram channel, so it imports `telegram` like bot/channels/telegram.py (only modules
under bot/channels/ do). Resident -> topic: effects the resident's turn left (open a topic, copy
this message, a notice, close the topic). Topic -> resident: what staff write there, relayed
signed as city staff, plus /close, /note and /status. Telegram is called directly rather than
through the outbox: a conversation needs answers within a second, and a blocked resident must be
known at once to tell staff in the topic.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from telegram import Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.conversation import Button, Reply
from bot.conversation.payloads import global_payload
from bot.db.models import HandoffCase, Resident
from bot.domain import audit, handoff, message_log, reports
from bot.i18n import N_, _, use_language

if TYPE_CHECKING:
    from bot.app import App
    from bot.channels.telegram import TelegramChannel

log = logging.getLogger(__name__)

MEMBER_STATUSES = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
MEMBER_CACHE_SECONDS = 60.0
SWEEP_SECONDS = 60.0


class MemberCache:
    """Who may act as staff, asked of Telegram (getChatMember) at most once a `ttl` per user."""

    def __init__(self, ttl: float = MEMBER_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._known: dict[int, tuple[bool, float]] = {}

    def get(self, user_id: int) -> bool | None:
        known = self._known.get(user_id)
        if known is None or known[1] <= time.monotonic():
            return None
        return known[0]

    def put(self, user_id: int, allowed: bool) -> None:
        self._known[user_id] = (allowed, time.monotonic() + self.ttl)


class StaffGroup:
    """The staff side of talking to a person, bound to one supergroup (STAFF_CHAT_ID)."""

    def __init__(self, app: App, channel: TelegramChannel) -> None:
        settings = app.settings
        assert settings.staff_chat_id is not None
        self.app = app
        self.channel = channel
        self.chat_id: int = settings.staff_chat_id
        self.staff_ids = settings.staff_ids
        self.members = MemberCache()
        self.sweep_seconds = min(SWEEP_SECONDS, settings.handoff_idle_minutes * 15.0)
        self._locks: dict[int, asyncio.Lock] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def clock(self) -> datetime:
        """The Dialogue's clock, so idle times and notices agree with the residents' turns."""
        return self.app.dialogue.clock()

    @property
    def bot(self) -> Any:
        return self.channel.application.bot

    @property
    def language(self) -> str:
        """Staff read the bot's notices in the city's default language."""
        return self.app.settings.default_language

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="handoff-idle-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep_idle()
            except Exception:  # a failed sweep is retried next time; the bot goes on
                log.exception("handoff idle sweep failed")

    # -- resident -> topic ---------------------------------------------------------------------
    async def carry_out(self, message: Message | None, effects: Sequence[Any]) -> None:
        """Do what the resident's turn asked, in order; a Telegram failure is logged, never raised."""
        for effect in effects:
            try:
                if isinstance(effect, handoff.OpenTopic):
                    await self._thread(effect.case_id)
                elif isinstance(effect, handoff.ToStaff) and message is not None:
                    await self._in_topic(
                        effect.case_id,
                        lambda thread, m=message: self.bot.copy_message(
                            self.chat_id, m.chat_id, m.message_id, message_thread_id=thread
                        ),
                    )
                elif isinstance(effect, handoff.StaffNotice):
                    await self._notice(effect.case_id, effect.text)
                elif isinstance(effect, handoff.CloseTopic):
                    await self._close_topic(effect.case_id)
            except TelegramError as error:
                log.warning("handoff %s not carried out: %s", effect, error)

    def _lock(self, case_id: int) -> asyncio.Lock:
        return self._locks.setdefault(case_id, asyncio.Lock())

    async def _thread(self, case_id: int) -> int:
        """The case's topic, created (with the resident card) on first need."""
        async with self._lock(case_id):
            async with self.app.db.transaction() as session:
                case = await handoff.get_case(session, case_id)
            assert case is not None
            if case.thread_id is not None:
                return case.thread_id
            return await self._new_topic(case)

    async def _new_topic(self, case: HandoffCase) -> int:
        now = self.clock()
        async with self.app.db.transaction() as session:
            resident = await session.get(Resident, case.resident_id)
            with use_language(self.language):
                name = handoff.topic_name(case, resident.display_name if resident else None)
                text = await handoff.card(session, case, flow_label=case.flow, now=now)
        topic = await self.bot.create_forum_topic(self.chat_id, name)
        thread = int(topic.message_thread_id)
        async with self.app.db.transaction() as session:
            await handoff.set_topic(session, case.id, thread)
        case.thread_id = thread
        for chunk in _chunks(text):
            await self.bot.send_message(self.chat_id, chunk, message_thread_id=thread)
        return thread

    async def _in_topic(self, case_id: int, send: Callable[[int], Awaitable[Any]]) -> Any:
        """Post into the case's topic; a topic closed by someone is reopened, a deleted one replaced."""
        thread = await self._thread(case_id)
        try:
            return await send(thread)
        except BadRequest as error:
            reason = str(error).lower()
            if "topic_closed" in reason:
                await self.bot.reopen_forum_topic(self.chat_id, thread)
            elif "thread not found" in reason:
                async with self._lock(case_id), self.app.db.transaction() as session:
                    case = await handoff.get_case(session, case_id)
                assert case is not None
                thread = await self._new_topic(case)
            else:
                raise
            return await send(thread)

    async def _notice(self, case_id: int, text: str) -> None:
        await self._in_topic(
            case_id, lambda thread: self.bot.send_message(self.chat_id, text, message_thread_id=thread)
        )

    async def _close_topic(self, case_id: int) -> None:
        async with self.app.db.transaction() as session:
            case = await handoff.get_case(session, case_id)
        if case is None or case.thread_id is None:
            return
        try:
            await self.bot.close_forum_topic(self.chat_id, case.thread_id)
        except BadRequest as error:  # closed or deleted already: nothing left to do
            log.info("topic of case %s not closed: %s", case_id, error)

    # -- topic -> resident ---------------------------------------------------------------------
    async def on_update(self, update: Update) -> bool:
        """Handle a staff-group update; False when the update is not from the staff group."""
        message = update.message
        chat = update.effective_chat
        if chat is None or chat.id != self.chat_id:
            return False
        user = message.from_user if message is not None else None
        if message is None or user is None or user.is_bot or message.message_thread_id is None:
            return True
        if not _has_content(message):
            return True  # service messages: topic created, closed, a member joined
        if not await self.is_staff(user.id):
            log.info("ignored a message from %s in the staff group: not staff", user.id)
            return True
        async with self.app.db.transaction() as session:
            case = await handoff.case_in_topic(session, self.chat_id, message.message_thread_id)
        if case is None:
            return True
        text = message.text or ""
        if text.startswith("/"):
            await self._command(message, case, user.id, text)
        elif case.status != handoff.OPEN:
            await self._reply(message, N_("This conversation is closed; the resident was not sent this."))
        else:
            await self._relay(message, case, user.id, user.first_name)
        return True

    async def is_staff(self, user_id: int) -> bool:
        """A member of the staff group (asked of Telegram, cached briefly) or one of STAFF_USER_IDS."""
        if user_id in self.staff_ids:
            return True
        known = self.members.get(user_id)
        if known is not None:
            return known
        try:
            member = await self.bot.get_chat_member(self.chat_id, user_id)
            allowed = member.status in MEMBER_STATUSES or (
                member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False))
            )
        except TelegramError as error:
            log.info("membership of %s unknown: %s", user_id, error)
            return False
        self.members.put(user_id, allowed)
        return allowed

    async def _reply(self, message: Message, text: str) -> None:
        """A line for staff in the same topic, in the staff's language (`text` is a msgid)."""
        with use_language(self.language):
            translated = _(text)
        await self.bot.send_message(self.chat_id, translated, message_thread_id=message.message_thread_id)

    async def _relay(self, message: Message, case: HandoffCase, user_id: int, first_name: str) -> None:
        """Staff wrote in the topic: the resident receives it, signed as city staff."""
        now = self.clock()
        async with self.app.db.transaction() as session:
            language = await session.scalar(select(Resident.language).where(Resident.id == case.resident_id))
        with use_language(language or self.language):
            signed = handoff.signature(first_name, show_names=self.app.settings.staff_show_names)
        body = message.text
        try:
            if body is not None:
                await self.channel.send(case.resident_id, [Reply(f"{signed}\n{body}")])
            else:
                await self.channel.send(case.resident_id, [Reply(signed)])
                await self.bot.copy_message(case.resident_id, self.chat_id, message.message_id)
        except Forbidden:
            await self._resident_gone(message, case)
            return
        except BadRequest as error:
            if "chat not found" not in str(error).lower():
                raise
            await self._resident_gone(message, case)
            return
        async with self.app.db.transaction() as session:
            await handoff.touch(session, case.id, now)
            kind = "text" if body is not None else "media"
            await audit.record(
                session, handoff.staff_actor(user_id), "handoff.relay", handoff.target(case.id),
                details={"kind": kind}, at=now,
            )  # fmt: skip
            await message_log.record(session, case.resident_id, [(message_log.OUT, body or "")], now=now)

    async def _resident_gone(self, message: Message, case: HandoffCase) -> None:
        """The resident blocked the bot: say so in the topic and close the case."""
        async with self.app.db.transaction() as session:
            await handoff.close_case(session, case.id, by="blocked", now=self.clock())
        await self._reply(
            message,
            N_("The resident has blocked the bot, so this was not delivered. The conversation is closed."),
        )
        await self._close_topic(case.id)

    # -- staff commands --------------------------------------------------------------------------
    async def _command(self, message: Message, case: HandoffCase, user_id: int, text: str) -> None:
        head, _space, rest = text.partition(" ")
        name = head[1:].split("@", 1)[0].lower()
        rest = rest.strip()
        if name == "close":
            await self._close(message, case, user_id)
        elif name == "note":
            await self._note(message, case, user_id, rest)
        elif name == "status":
            await self._status(message, user_id, rest)
        else:
            await self._reply(
                message,
                N_(
                    "Commands here: /note TEXT (internal), /status TICKET STATUS [note], /close. "
                    "Anything else you write goes to the resident."
                ),
            )

    async def _note(self, message: Message, case: HandoffCase, user_id: int, note: str) -> None:
        if not note:
            await self._reply(message, N_("Write the note after the command: /note TEXT"))
            return
        async with self.app.db.transaction() as session:
            await audit.record(
                session, handoff.staff_actor(user_id), "handoff.note", handoff.target(case.id),
                details={"note": note[:2000]}, at=self.clock(),
            )  # fmt: skip
        await self._reply(message, N_("Note saved. It was not sent to the resident."))

    async def _status(self, message: Message, user_id: int, args: str) -> None:
        parts = args.split(maxsplit=2)
        if len(parts) < 2:
            await self._reply(
                message, N_("Usage: /status PZN-2026-000123 in_progress [note for the resident]")
            )
            return
        ticket, status = parts[0], parts[1].lower()
        note = parts[2] if len(parts) > 2 else None
        try:
            async with self.app.db.transaction() as session:
                report = await reports.change_status(
                    session,
                    ticket,
                    status,
                    note=note,
                    actor=handoff.staff_actor(user_id),
                    now=self.clock(),
                )
                ticket = report.ticket
        except reports.ReportNotFound:
            with use_language(self.language):
                text = _("There is no report {ticket}.").format(ticket=ticket[:40])
            await self.bot.send_message(self.chat_id, text, message_thread_id=message.message_thread_id)
            return
        except reports.InvalidTransition:
            await self._reply(
                message,
                N_(
                    "This status cannot be set now. Statuses: new, in_progress, resolved, "
                    "rejected, duplicate."
                ),
            )
            return
        with use_language(self.language):
            text = _("{ticket} is now {status}; the reporter and followers will be notified.").format(
                ticket=ticket, status=reports.status_label(status)
            )
        await self.bot.send_message(self.chat_id, text, message_thread_id=message.message_thread_id)

    async def _close(self, message: Message, case: HandoffCase, user_id: int) -> None:
        """Staff end the conversation: the resident is told and asked to rate the help."""
        async with self.app.db.transaction() as session:
            closed = await handoff.close_case(
                session, case.id, by=handoff.staff_actor(user_id), now=self.clock()
            )
            language = await session.scalar(select(Resident.language).where(Resident.id == case.resident_id))
        if not closed:
            await self._reply(message, N_("This conversation is closed already."))
            return
        with use_language(language or self.language):
            replies = [
                Reply(
                    _("City staff have ended the conversation. You are back with the bot."),
                    menu=self.app.registry.keyboard(),
                ),
                Reply(
                    _("How would you rate the help you got? 1 is poor, 5 is very good."),
                    buttons=rating(case.id),
                ),
            ]
        try:
            await self.channel.send(case.resident_id, replies)
        except (Forbidden, BadRequest) as error:
            log.info("resident %s not told about the close: %s", case.resident_id, error)
            await self._reply(message, N_("The resident has blocked the bot and was not told."))
        else:
            await self._reply(message, N_("Conversation closed. The resident was asked to rate the help."))
        await self._close_topic(case.id)

    # -- long silences -------------------------------------------------------------------------
    async def sweep_idle(self, now: datetime | None = None) -> int:
        """Close cases silent for HANDOFF_IDLE_MINUTES: the resident is back with the bot."""
        now = now or self.clock()
        idle_minutes = self.app.settings.handoff_idle_minutes
        closed: list[tuple[HandoffCase, str]] = []
        async with self.app.db.transaction() as session:
            for case in await handoff.idle_cases(session, now, idle_minutes):
                if await handoff.close_case(session, case.id, by="idle", now=now):
                    language = await session.scalar(
                        select(Resident.language).where(Resident.id == case.resident_id)
                    )
                    closed.append((case, language or self.language))
        for case, language in closed:
            with use_language(language):
                reply = Reply(
                    _(
                        "It has been quiet for a while, so the conversation with city staff has ended. "
                        "You are back with the bot."
                    ),
                    menu=self.app.registry.keyboard(),
                )
            with use_language(self.language):
                notice = _("The conversation ended after a long silence; the resident is back with the bot.")
            try:
                await self.channel.send(case.resident_id, [reply])
            except TelegramError as error:
                log.info("resident %s not told about the idle close: %s", case.resident_id, error)
            try:
                await self._notice(case.id, notice)
                await self._close_topic(case.id)
            except TelegramError as error:
                log.warning("topic of idle case %s not updated: %s", case.id, error)
        return len(closed)


def rating(case_id: int) -> list[list[Button]]:
    """1-5 buttons; the handoff handler stores the answer (`g:rate:<case>:<n>`)."""
    return [[Button(f"{n} ⭐", global_payload("rate", f"{case_id}:{n}")) for n in handoff.RATINGS]]


def _has_content(message: Message) -> bool:
    return bool(message.text or message.photo or message.location or message.document or message.caption)


def _chunks(text: str, limit: int = 4000) -> list[str]:
    return [text[i : i + limit] for i in range(0, len(text), limit)] or [text]
