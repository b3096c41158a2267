"""What happened in a chat, in order: bot actions and the fake users' own actions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .signals import Signal

# Event kinds that put a new message from the bot into a chat.
SENT_KINDS = frozenset(
    {
        "message",
        "photo",
        "document",
        "location",
        "venue",
        "contact",
        "video",
        "voice",
        "audio",
        "animation",
        "sticker",
        "copy",
        "forward",
    }
)


@dataclass(slots=True)
class Event:
    """One transcript entry.

    kind: bot side "message", "edit_text", "edit_caption", "edit_markup", "delete", "callback_answer",
    "chat_action", "location", "photo", "document", "copy", "forward", "topic_created",
    "topic_closed", "topic_reopened", "topic_edited", "topic_deleted"; user side (from_bot False)
    "message", "edited_message", "photo", "document", "location", "sticker", "voice", "video",
    "contact", "callback_query", "blocked", "unblocked".
    text is the plain text as the user sees it (markup parsed away; params["text"] is raw).
    """

    kind: str
    chat_id: int
    from_bot: bool
    message_id: int | None = None
    text: str | None = None
    reply_markup: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    thread_id: int | None = None
    time: float = field(default_factory=time.monotonic)
    method: str | None = None
    user_id: int | None = None
    callback_query_id: str | None = None
    callback_data: str | None = None
    file_id: str | None = None
    message: dict[str, Any] | None = None
    bot_id: int = 0
    seq: int = -1

    @property
    def sent(self) -> bool:
        """True for a message the bot sent (not an edit, answer, action...)."""
        return self.from_bot and self.kind in SENT_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


EventFilter = Callable[[Event], bool]


class Transcript:
    """Append-only event list with a read cursor so wait_for() never misses an early reply."""

    __slots__ = ("cursor", "events", "signal")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.cursor = 0
        self.signal = Signal()

    def append(self, event: Event) -> None:
        self.events.append(event)
        self.signal.notify()

    async def wait(self, match: EventFilter, count: int, timeout: float, since: int | None) -> list[Event]:
        """Collect `count` matching events after the cursor (or `since`), then advance the cursor.

        Only the newly appended tail is scanned after each wake-up, so waiting is O(new events).
        """
        pos = self.cursor if since is None else since
        found: list[Event] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            events = self.events
            while pos < len(events) and len(found) < count:
                if match(events[pos]):
                    found.append(events[pos])
                pos += 1
            if len(found) >= count:
                self.cursor = pos
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [f"{e.kind}:{e.text!r}" for e in events[-5:]]
                raise TimeoutError(
                    f"waited {timeout}s for {count} event(s), got {len(found)}; last events: {recent}"
                )
            await self.signal.wait(remaining)
