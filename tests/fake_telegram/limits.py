"""Telegram's flood limits (sliding windows) and injected faults."""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("400", "403", "429", "500", "502", "slow")


@dataclass(slots=True)
class RateLimitConfig:
    """Limits per bot; None disables one. Defaults are Telegram's documented values.

    per_chat_burst lets `burst` messages through in any window of burst/per_chat_per_second seconds;
    1 means strict one-per-interval, larger values tolerate short bursts like Telegram does.
    """

    global_per_second: float | None = 30
    per_chat_per_second: float | None = 1
    per_group_per_minute: float | None = 20
    per_chat_burst: int = 1

    @classmethod
    def disabled(cls) -> RateLimitConfig:
        return cls(None, None, None)

    @property
    def enabled(self) -> bool:
        return any(
            v is not None
            for v in (self.global_per_second, self.per_chat_per_second, self.per_group_per_minute)
        )


class _Window:
    """Timestamps of accepted sends inside a sliding window; amortised O(1)."""

    __slots__ = ("stamps",)

    def __init__(self) -> None:
        self.stamps: deque[float] = deque()

    def wait_needed(self, now: float, limit: int, span: float) -> float:
        stamps = self.stamps
        while stamps and stamps[0] <= now - span:
            stamps.popleft()
        if len(stamps) < limit:
            return 0.0
        return stamps[len(stamps) - limit] + span - now


class RateLimiter:
    """Checks a send against the global, per-chat and per-group windows of one bot."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._global: dict[int, _Window] = {}
        self._chat: dict[tuple[int, int | str], _Window] = {}
        self._group: dict[tuple[int, int | str], _Window] = {}

    def clear(self) -> None:
        self._global.clear()
        self._chat.clear()
        self._group.clear()

    def check(self, bot_id: int, chat_id: int | str | None, is_group: bool) -> int:
        """Return 0 and count the send when allowed, else the retry_after (whole seconds, >= 1)."""
        cfg = self.config
        now = time.monotonic()
        checks: list[tuple[_Window, int, float]] = []
        if cfg.global_per_second:
            window = self._global.get(bot_id) or self._global.setdefault(bot_id, _Window())
            checks.append(
                (
                    window,
                    max(1, int(cfg.global_per_second)),
                    1.0 if cfg.global_per_second >= 1 else 1.0 / cfg.global_per_second,
                )
            )
        if chat_id is not None and cfg.per_chat_per_second:
            key = (bot_id, chat_id)
            window = self._chat.get(key) or self._chat.setdefault(key, _Window())
            burst = max(1, cfg.per_chat_burst)
            checks.append((window, burst, burst / cfg.per_chat_per_second))
        if chat_id is not None and is_group and cfg.per_group_per_minute:
            key = (bot_id, chat_id)
            window = self._group.get(key) or self._group.setdefault(key, _Window())
            checks.append((window, max(1, int(cfg.per_group_per_minute)), 60.0))
        wait = max((w.wait_needed(now, limit, span) for w, limit, span in checks), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window, _, _ in checks:
            window.stamps.append(now)
        return 0


@dataclass(slots=True)
class Fault:
    """An injected failure for the next `times` matching calls (None = forever)."""

    method: str | None
    kind: str
    times: int | None = 1
    chat_id: int | str | None = None
    retry_after: int = 3
    delay: float = 1.0
    description: str | None = None
    token: str | None = None
    hits: int = 0

    def matches(self, method: str, chat_id: Any, token: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method not in ("*", method.lower()):
            return False
        if self.token is not None and self.token != token:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)


class FaultInjector:
    """Active faults in insertion order; the list is tiny so a scan per request is fine."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}, expected one of {FAULT_KINDS}")
        if fault.method is not None:
            fault.method = fault.method.lower()
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: Any, token: str) -> Fault | None:
        """Consume one use of the first matching fault."""
        if not self.faults:
            return None
        for fault in self.faults:
            if fault.matches(method, chat_id, token):
                fault.hits += 1
                if fault.times is not None:
                    fault.times -= 1
                if fault.times is not None and fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()


@dataclass
class Stats:
    """Counters for benchmarks and assertions (also served at /_control/stats)."""

    methods: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    sent: int = 0
    sent_per_chat: Counter[Any] = field(default_factory=Counter)
    refused_429: int = 0
    refused_429_per_chat: Counter[Any] = field(default_factory=Counter)
    faults_injected: int = 0
    updates_queued: int = 0
    webhook_delivered: int = 0
    webhook_failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "methods": dict(self.methods),
            "errors": {str(k): v for k, v in self.errors.items()},
            "sent": self.sent,
            "sent_per_chat": {str(k): v for k, v in self.sent_per_chat.items()},
            "refused_429": self.refused_429,
            "refused_429_per_chat": {str(k): v for k, v in self.refused_429_per_chat.items()},
            "faults_injected": self.faults_injected,
            "updates_queued": self.updates_queued,
            "webhook_delivered": self.webhook_delivered,
            "webhook_failed": self.webhook_failed,
        }
