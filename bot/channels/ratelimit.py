"""Telegram's flood limits, kept on our side so the bot is rarely refused.

One `FloodGate` per bot process paces every request: a global token bucket (30 messages/s by
default), one message per second per chat for bulk traffic, and 20 per minute per group. Two
classes of traffic share the bucket: interactive replies always go first, and bulk traffic
(broadcasts, notifications) only takes a token when no reply is waiting, so a broadcast never
starves a resident's conversation.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

WAKE_SLACK = 0.1  # tokens of room at low rates (see FloodGate)


class TokenBucket:
    """`rate` tokens a second, holding at most `capacity`; bulk takers yield to interactive ones."""

    def __init__(
        self, rate: float, capacity: float | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self.clock = clock
        self.tokens = self.capacity
        self.updated = clock()
        self.interactive_waiting = 0
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        # Refill up to capacity; a refunded token above it (see refund) is kept until used.
        self.tokens = max(self.tokens, min(self.capacity, self.tokens + (now - self.updated) * self.rate))
        self.updated = now

    async def take(self, *, bulk: bool = False, reserve: float = 0.0) -> None:
        """Wait for one token; bulk callers also wait while replies queue or the reserve is reached."""
        if self.rate <= 0:
            return
        if not bulk:
            self.interactive_waiting += 1
        try:
            while True:
                async with self._lock:
                    self._refill()
                    floor = 1.0 + (reserve if bulk else 0.0)
                    if self.tokens >= floor and not (bulk and self.interactive_waiting):
                        self.tokens -= 1.0
                        return
                    missing = max(floor - self.tokens, 0.0)
                await asyncio.sleep(max(missing / self.rate, 0.001))
        finally:
            if not bulk:
                self.interactive_waiting -= 1


    def refund(self) -> None:
        """Give back the token of a request that delivered nothing. It may lift the bucket above its
        capacity: the slot was already paid for in time, and the next sender uses it at once."""
        self._refill()
        self.tokens += 1.0


class ChatPacing:
    """Per-chat spacing: bulk messages to one private chat at most one a second; groups 20 a minute."""

    def __init__(
        self,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
        max_chats: int = 200_000,
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.clock = clock
        self.max_chats = max_chats
        self._next: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}

    def delay(self, chat_id: int, *, bulk: bool) -> float:
        """Seconds to wait before this send, reserving the slot it will use."""
        now = self.clock()
        if chat_id < 0 and self.group_per_minute > 0:
            sends = self._group_sends.setdefault(chat_id, deque())
            while sends and now - sends[0] >= 60.0:
                sends.popleft()
            start = now if len(sends) < self.group_per_minute else sends[0] + 60.0
            sends.append(start)
            return start - now
        if not bulk or self.per_chat_interval <= 0:
            return 0.0
        start = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = start + self.per_chat_interval
        if len(self._next) > self.max_chats:  # forget chats whose slot has long passed
            self._next = {chat: due for chat, due in self._next.items() if due > now}
        return start - now


class FloodGate:
    """What every outgoing request passes through: chat pacing first, then the global bucket."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        bulk_reserve: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Telegram counts any one-second window: a bucket holding C tokens lets C - 1 extra through,
        # so its refill rate is lowered by as much, and as much again for requests that leave
        # evenly but arrive bunched. The room beyond one token lets a sender that wakes late (the
        # event loop's timers have millisecond resolution: 3% of an interval at 30/s) use the
        # tokens it slept through instead of losing them: a tenth of a token at low rates, 1% of
        # the rate at high ones.
        burst = max(1.0 + WAKE_SLACK, float(int(rate / 100)))
        self.bucket = TokenBucket(rate - 2 * (burst - 1.0), capacity=burst, clock=clock)
        self.pacing = ChatPacing(per_chat_interval, group_per_minute, clock=clock)
        # Replies that are waiting always go first; beyond that, bulk traffic may keep a reserve of
        # tokens untouched (only meaningful with a bucket larger than one token).
        self.bulk_reserve = bulk_reserve if bulk_reserve is not None else 0.0

    def refund(self) -> None:
        """A bulk message Telegram refused with 429 was not delivered: the next one may use its slot
        (the refused one itself waits its retry_after in the dispatcher)."""
        self.bucket.refund()

    async def wait(self, chat_id: int | None, *, bulk: bool) -> None:
        if chat_id is not None:
            delay = self.pacing.delay(chat_id, bulk=bulk)
            if delay > 0:
                await asyncio.sleep(delay)
        await self.bucket.take(bulk=bulk, reserve=self.bulk_reserve if bulk else 0.0)
