"""Runs the scheduler in this process only while it is the leader.

Every `check_seconds` a standby process tries to take the leader lock, and the leader checks it
still holds it. Taking the lock starts the scheduler from the persistent job store; losing it (the
database connection broke) stops the scheduler and cancels its running jobs at once, so two
processes never run jobs side by side for longer than a job's own lease protects against.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import metrics
from scheduler.leader import LeaderLock

log = logging.getLogger(__name__)


class SchedulerSupervisor:
    """`await start()` tries for leadership at once, then keeps trying (or checking) in the background."""

    def __init__(
        self,
        lock: LeaderLock,
        build: Callable[[], AsyncIOScheduler],
        *,
        check_seconds: float = 5.0,
        name: str = "scheduler",
    ) -> None:
        self.lock = lock
        self.build = build
        self.check_seconds = check_seconds
        self.name = name
        self.scheduler: AsyncIOScheduler | None = None
        self.since: datetime | None = None
        self.last_check: datetime | None = None
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._loop(), name=f"{self.name}-leadership")

    async def check(self) -> None:
        """One round: take or confirm leadership, start or stop the scheduler to match."""
        self.last_check = datetime.now(UTC)
        try:
            leader = await (self.lock.held() if self.is_leader else self.lock.acquire())
            self.last_error = None
        except Exception as error:  # the database is away: a leader cannot prove it still leads
            self.last_error = f"{type(error).__name__}: {error}"
            log.warning("leadership check failed: %s", self.last_error)
            leader = False
        if leader and not self.is_leader:
            self.scheduler = self.build()
            self.since = datetime.now(UTC)
            log.info("this process now runs the scheduler")
        elif not leader and self.is_leader:
            log.warning("leadership lost: stopping the scheduler")
            self._stop_scheduler()
        metrics.SCHEDULER_LEADER.set(1 if self.is_leader else 0)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            await self.check()

    def _stop_scheduler(self) -> None:
        scheduler, self.scheduler, self.since = self.scheduler, None, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)  # also cancels jobs still running on the event loop

    async def stop(self) -> None:
        """Stop checking, stop the jobs, and hand the lock over at once (not after a timeout)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._stop_scheduler()
        await asyncio.sleep(0)  # let cancelled job tasks unwind
        await self.lock.release()
        metrics.SCHEDULER_LEADER.set(0)

    def status(self) -> dict[str, Any]:
        """For /readyz: this process's role and how fresh that knowledge is."""

        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "role": "leader" if self.is_leader else "standby",
            "leader_since": iso(self.since),
            "last_check": iso(self.last_check),
            "check_seconds": self.check_seconds,
            "error": self.last_error,
        }
