"""In-memory Telegram: users, bots, chats, stored messages, files and update queues."""

from __future__ import annotations

import itertools
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import telegram

from .events import Event, Transcript
from .signals import Signal

BOT_FIRST_UPDATE_ID = 100_001
# Update types Telegram sends when allowed_updates is empty/unspecified.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction_count",
    }
)
_FILE_PREFIX = {
    "photo": "AgAC",
    "document": "BQAC",
    "voice": "AwAC",
    "video": "BAAC",
    "audio": "CQAC",
    "animation": "CgAC",
    "sticker": "CAAC",
}


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user the tests act as; their private chat id equals their user id."""

    id: int
    first_name: str = "Anna"
    language_code: str | None = "pl"
    username: str | None = None
    last_name: str | None = None
    is_premium: bool | None = None

    @cached_property
    def ptb(self) -> telegram.User:
        return telegram.User(
            self.id,
            self.first_name,
            is_bot=False,
            last_name=self.last_name,
            username=self.username,
            language_code=self.language_code,
            is_premium=self.is_premium,
        )

    @cached_property
    def ptb_dict(self) -> dict[str, Any]:
        return self.ptb.to_dict()


@dataclass(slots=True)
class FileRecord:
    """A stored file: bytes plus what getFile and downloads need."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    filename: str | None = None
    mime_type: str | None = None
    source_url: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    sizes: list[str] | None = None  # photos: file_ids of all sizes, smallest first

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class TopicRecord:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False


@dataclass(slots=True)
class StoredMessage:
    """Current state of one message (edits replace `data`)."""

    message_id: int
    data: dict[str, Any]
    from_bot: bool
    thread_id: int | None = None

    @property
    def text(self) -> str | None:
        return self.data.get("text")


@dataclass(slots=True)
class ChatRecord:
    """A chat as one bot sees it. Message ids are per chat, shared by users and the bot."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    blocked: bool = False
    bot_status: str = "administrator"
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    topics: dict[int, TopicRecord] = field(default_factory=dict)
    next_message_id: int = 1
    _ptb: telegram.Chat | None = None
    _ptb_dict: dict[str, Any] | None = None

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    @property
    def ptb(self) -> telegram.Chat:
        if self._ptb is None:
            self._ptb = telegram.Chat(
                self.id,
                self.type,
                title=self.title,
                username=self.username,
                first_name=self.first_name,
                last_name=self.last_name,
                is_forum=self.is_forum or None,
            )
        return self._ptb

    @property
    def ptb_dict(self) -> dict[str, Any]:
        if self._ptb_dict is None:
            self._ptb_dict = self.ptb.to_dict()
        return self._ptb_dict

    def changed(self) -> None:
        """Drop the cached PTB Chat after editing attributes."""
        self._ptb = None
        self._ptb_dict = None


@dataclass(slots=True)
class CallbackRecord:
    query_id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    answered: bool = False
    answers: list[Event] = field(default_factory=list)


@dataclass(slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str = "127.0.0.1"


class BotState:
    """Everything one token owns: its chats, update queue, webhook, commands and transcripts."""

    def __init__(self, token: str, username: str, first_name: str) -> None:
        self.token = token
        self.id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self.user = telegram.User(
            self.id,
            first_name,
            is_bot=True,
            username=username,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        self.user_dict = self.user.to_dict()
        self.next_update_id = BOT_FIRST_UPDATE_ID
        self.signal = Signal()  # new update queued, webhook changed, or another poller arrived
        self.poll_generation = 0
        self.webhook_targets: list[str] | None = None
        self.rr_index = 0
        self.clear()

    def clear(self) -> None:
        """Forget chats, queued updates, webhook and transcripts; update ids keep increasing."""
        self.chats: dict[int, ChatRecord] = {}
        self.usernames: dict[str, int] = {}
        self.queue: deque[dict[str, Any]] = deque()
        self.in_flight: dict[int, dict[str, Any]] = {}
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook: WebhookConfig | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[str, dict[str, Any]] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.transcripts: dict[int, Transcript] = {}
        self.all_events = Transcript()
        self.signal.notify()

    @property
    def pending_update_count(self) -> int:
        return len(self.queue) + len(self.in_flight)

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update unless allowed_updates filters it out."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.queue.append(update)
        self.signal.notify()
        return update

    def confirm(self, offset: int) -> None:
        """getUpdates offset semantics: forget everything below offset (negative: keep the last -offset)."""
        queue = self.queue
        if offset < 0:
            while len(queue) > -offset:
                queue.popleft()
            return
        while queue and queue[0]["update_id"] < offset:
            queue.popleft()

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES

    def transcript(self, chat_id: int) -> Transcript:
        transcript = self.transcripts.get(chat_id)
        if transcript is None:
            transcript = self.transcripts[chat_id] = Transcript()
        return transcript

    def record(self, event: Event) -> Event:
        event.bot_id = self.id
        transcript = self.transcript(event.chat_id)
        event.seq = len(transcript.events)
        transcript.append(event)
        self.all_events.append(event)
        return event

    def next_webhook_target(self) -> str:
        targets = self.webhook_targets
        if targets:
            url = targets[self.rr_index % len(targets)]
            self.rr_index += 1
            return url
        assert self.webhook is not None
        return self.webhook.url

    @staticmethod
    def commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


class World:
    """Everything shared by all tokens: users, files, id counters."""

    def __init__(self) -> None:
        self.users: dict[int, FakeUser] = {}
        self.bots: dict[str, BotState] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self._file_counter = itertools.count(1)
        self._query_counter = itertools.count(1)

    def clear(self) -> None:
        for bot in self.bots.values():
            bot.clear()
        self.users.clear()
        self.files.clear()
        self.files_by_path.clear()

    def new_file(
        self,
        kind: str,
        data: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        extension: str = "bin",
        **meta: Any,
    ) -> FileRecord:
        number = next(self._file_counter)
        folder = {
            "photo": "photos",
            "document": "documents",
            "voice": "voice",
            "video": "videos",
            "audio": "music",
            "animation": "animations",
            "sticker": "stickers",
        }.get(kind, kind)
        record = FileRecord(
            file_id=f"{_FILE_PREFIX.get(kind, 'BQAC')}AgIFAKE{number:06d}{secrets.token_hex(10)}",
            file_unique_id=f"AQAD{number:06d}{secrets.token_hex(3)}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}.{extension}",
            filename=filename,
            mime_type=mime_type,
            **meta,
        )
        self.files[record.file_id] = record
        self.files_by_path[record.file_path] = record
        return record

    def new_query_id(self) -> str:
        return f"{next(self._query_counter)}{secrets.randbelow(10**12):012d}"
