"""Per-resident flood throttling, checked before a turn touches the database.

A resident (or a script using their account) sending more than `limit` messages within `seconds`
gets one polite notice for that window; further messages in the same window are dropped without
a database round trip. Counting is per process: behind a load balancer a resident may reach each
process's limit, which still bounds the load one account can cause, with no shared counter to
keep (and no extra database write per message, which is what throttling is meant to save).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    """What to do with one message."""

    PASS = "pass"  # handle it as usual
    NOTICE = "notice"  # first message over the limit in this window: say "slow down" once
    DROP = "drop"  # later messages over the limit: answer nothing


@dataclass(slots=True)
class _Window:
    start: float
    count: int = 0
    noticed: bool = False
    language: str | None = None


class Throttle:
    """Fixed windows per resident, starting at their first message; `limit` 0 turns it off."""

    def __init__(self, limit: int, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self._windows: dict[int, _Window] = {}
        self._next_sweep = clock() + seconds

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def check(self, resident_id: int) -> Verdict:
        """Count one message of `resident_id` and say whether it may be handled."""
        if not self.enabled:
            return Verdict.PASS
        now = self.clock()
        self._sweep(now)
        window = self._windows.get(resident_id)
        if window is None or now - window.start >= self.seconds:
            language = window.language if window is not None else None
            window = self._windows[resident_id] = _Window(now, language=language)
        window.count += 1
        if window.count <= self.limit:
            return Verdict.PASS
        if not window.noticed:
            window.noticed = True
            return Verdict.NOTICE
        return Verdict.DROP

    def remember_language(self, resident_id: int, language: str) -> None:
        """The resident's language as of their last turn, so the notice needs no database read."""
        window = self._windows.get(resident_id)
        if window is not None:
            window.language = language

    def language(self, resident_id: int) -> str | None:
        window = self._windows.get(resident_id)
        return window.language if window is not None else None

    def _sweep(self, now: float) -> None:
        """Forget windows that ended (once per window length), so memory follows active residents."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.seconds
        expired = [rid for rid, window in self._windows.items() if now - window.start >= self.seconds]
        for resident_id in expired:
            del self._windows[resident_id]

    def __len__(self) -> int:
        return len(self._windows)
