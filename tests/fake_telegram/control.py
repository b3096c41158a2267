"""Reading back what the bot did (transcripts, waiting) and the HTTP form of the control API.

ControlMixin and UserActionsMixin are FakeTelegram's in-process Python API; handle_control()
exposes the same methods over HTTP under /_control/<name> so a bot in another process can be
driven and inspected too.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import inspect
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError
from .events import Event, EventFilter
from .params import STRING_KEYS, decode_value

if TYPE_CHECKING:
    from .server import FakeTelegram

_CONTROL_STRING_KEYS = STRING_KEYS | {
    "callback_data", "kind", "text_contains", "token", "method", "status", "mime_type", "username",
}  # fmt: skip
# Control methods reachable over HTTP (same names and keyword arguments as the Python API).
CONTROL_ACTIONS = frozenset(
    {
        "user", "send_message", "send_location", "send_photo", "send_document", "send_sticker", "send_voice",
        "send_video", "send_contact", "edit_message", "press_button", "group", "group_message", "set_member",
        "block", "unblock", "create_topic", "close_topic", "delete_topic", "group_photo", "transcript",
        "bot_messages", "last_bot_message", "message",
        "callback_answers", "commands", "file_bytes", "pending_updates", "wait_for", "wait_idle", "reset",
        "inject_fault", "clear_faults", "rate_limits", "stats", "set_webhook_targets", "info",
    }
)  # fmt: skip


class ControlMixin:
    """Inspection and waiting helpers; mixed into FakeTelegram."""

    def transcript(self: FakeTelegram, chat_id: int, *, token: str | None = None) -> list[Event]:
        """Every event in the chat so far (bot actions and user actions), in order."""
        transcript = self.bot_state(token).transcripts.get(chat_id)
        return list(transcript.events) if transcript else []

    def bot_messages(self: FakeTelegram, chat_id: int, *, token: str | None = None) -> list[Event]:
        """Only messages the bot sent (not edits, answers or actions)."""
        return [event for event in self.transcript(chat_id, token=token) if event.sent]

    def last_bot_message(self: FakeTelegram, chat_id: int, *, token: str | None = None) -> Event | None:
        transcript = self.bot_state(token).transcripts.get(chat_id)
        for event in reversed(transcript.events if transcript else []):
            if event.sent:
                return event
        return None

    def message(
        self: FakeTelegram, chat_id: int, message_id: int, *, token: str | None = None
    ) -> dict | None:
        """The current state of a stored message (after edits), or None if absent/deleted."""
        chat = self.bot_state(token).chats.get(chat_id)
        stored = chat.messages.get(message_id) if chat else None
        return stored.data if stored else None

    def callback_answers(
        self: FakeTelegram,
        callback_query_id: str | int | None = None,
        *,
        chat_id: int | None = None,
        token: str | None = None,
    ) -> list[Event]:
        """answerCallbackQuery events for one query (str id), one chat (int id), or all chats."""
        bot = self.bot_state(token)
        if isinstance(callback_query_id, int):
            callback_query_id, chat_id = None, callback_query_id
        if callback_query_id is not None:
            record = bot.callbacks.get(callback_query_id)
            return list(record.answers) if record else []
        events = self.transcript(chat_id, token=token) if chat_id is not None else bot.all_events.events
        return [event for event in events if event.kind == "callback_answer"]

    def commands(
        self: FakeTelegram,
        scope: dict[str, Any] | None = None,
        language_code: str | None = None,
        *,
        token: str | None = None,
    ) -> list[dict[str, Any]]:
        bot = self.bot_state(token)
        return bot.commands.get(bot.commands_key(scope, language_code), [])

    def file_bytes(self: FakeTelegram, file_id: str) -> bytes:
        return self.world.files[file_id].data

    def pending_updates(self: FakeTelegram, *, token: str | None = None) -> int:
        return self.bot_state(token).pending_update_count

    async def wait_for(
        self: FakeTelegram,
        chat_id: int | None,
        predicate: EventFilter | None = None,
        count: int = 1,
        timeout: float = 5.0,
        *,
        kind: str | list[str] | None = None,
        text_contains: str | None = None,
        from_bot: bool | None = True,
        since: int | None = None,
        token: str | None = None,
    ) -> list[Event]:
        """Wait for `count` new matching events in a chat (chat_id None: any chat of the bot).

        "New" means after the chat's read cursor, which every successful wait_for advances past
        its last match; events that arrived before the call are therefore not missed. since=N
        starts from transcript index N instead. Raises TimeoutError listing the last events.
        """
        bot = self.bot_state(token)
        transcript = bot.all_events if chat_id is None else bot.transcript(chat_id)
        kinds = {kind} if isinstance(kind, str) else set(kind) if kind else None

        def match(event: Event) -> bool:
            if from_bot is not None and event.from_bot != from_bot:
                return False
            if kinds is not None and event.kind not in kinds:
                return False
            if text_contains is not None and (event.text is None or text_contains not in event.text):
                return False
            return predicate is None or bool(predicate(event))

        return await transcript.wait(match, count, timeout, since)

    async def wait_idle(self: FakeTelegram, timeout: float = 10.0, quiet: float = 0.05) -> None:
        """Wait until no update is queued or being delivered, no API call is running, and nothing
        happened for `quiet` seconds (a bot may take a moment between reading an update and replying).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            busy = self._in_flight > 0 or any(b.queue or b.in_flight for b in self.world.bots.values())
            idle_for = time.monotonic() - self._last_activity
            if not busy and idle_for >= quiet:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                pending = {b.id: b.pending_update_count for b in self.world.bots.values()}
                raise TimeoutError(
                    f"not idle after {timeout}s: {self._in_flight} calls running, pending updates {pending}"
                )
            await self._activity.wait(remaining if busy else min(remaining, quiet - idle_for))

    def info(self: FakeTelegram) -> dict[str, Any]:
        return {
            "url": self.url,
            "base_url": self.base_url,
            "base_file_url": self.base_file_url,
            "token": self.token,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Event):
        return value.to_dict()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


async def handle_control(fake: FakeTelegram, request: web.Request) -> web.Response:
    """/_control/<name>: keyword arguments from the query string and/or a JSON body."""
    name = request.match_info["action"]
    if name not in CONTROL_ACTIONS:
        return web.json_response({"ok": False, "error": f"unknown control action {name!r}"}, status=404)
    kwargs: dict[str, Any] = {k: decode_value(k, v, _CONTROL_STRING_KEYS) for k, v in request.query.items()}
    if request.body_exists:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"ok": False, "error": "body must be a JSON object"}, status=400)
        if isinstance(body, dict):
            kwargs.update(body)
    if "data_b64" in kwargs:
        kwargs["data"] = base64.b64decode(kwargs.pop("data_b64"))
    try:
        if name == "stats":
            result: Any = fake.stats.to_dict()
        else:
            result = getattr(fake, name)(**kwargs)
            if inspect.isawaitable(result):
                result = await result
    except TimeoutError as exc:
        return web.json_response({"ok": False, "error": str(exc)}, status=408)
    except (TypeError, ValueError, LookupError, ApiError) as exc:
        return web.json_response({"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}, status=400)
    return web.json_response({"ok": True, "result": _jsonable(result)})
