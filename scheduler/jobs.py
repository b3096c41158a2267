"""The scheduler's job functions, importable by name so a persistent job store can hold them.

APScheduler's SQLAlchemy job store pickles each job: its function as a "module:name" reference and
its arguments. A database handle or a Telegram channel cannot be pickled, so the jobs take none;
they find what they need in this process's `JobContext`, installed before the scheduler starts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.conversation.delivery import Delivery
from bot.db.database import Database
from bot.domain import retention as retention_rules
from scheduler.dispatch import drain
from scheduler.media import download_pending

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """What this process's jobs work with (one per process; replaced on every start)."""

    db: Database
    delivery: Delivery
    media_dir: Path
    lease: timedelta
    rate: float | None = None  # the channel's messages per second, for batch sizes
    feeds: dict[str, Callable[[], Awaitable[int]]] = field(default_factory=dict)
    settings: Any = None  # bot.config.Settings (RETENTION_*_DAYS); None: the built-in defaults
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


_context: JobContext | None = None


def install(context: JobContext | None) -> None:
    global _context
    _context = context


def context() -> JobContext:
    if _context is None:
        raise RuntimeError("the scheduler's job context is not installed")
    return _context


async def outbox() -> int:
    """Expand due broadcasts and deliver due outbox rows (leases make a second runner harmless)."""
    ctx = context()
    return await drain(ctx.db, ctx.delivery, lease=ctx.lease, rate=ctx.rate)


async def media() -> int:
    """Copy residents' report photos to MEDIA_DIR."""
    ctx = context()
    return await download_pending(ctx.db, ctx.delivery, ctx.media_dir)


async def feed(job_id: str) -> int:
    """Poll one feed; a feed switched off since the job was stored is simply skipped."""
    run = context().feeds.get(job_id)
    return await run() if run is not None else 0


async def retention() -> int:
    """Delete or anonymise what is past its retention age (bot/domain/retention.py)."""
    ctx = context()
    policy = retention_rules.RetentionPolicy.from_settings(ctx.settings)
    async with ctx.db.transaction() as session:
        done = await retention_rules.apply(session, policy, now=ctx.clock())
    if any(done.values()):
        log.info("retention: %s", ", ".join(f"{kind} {count}" for kind, count in done.items() if count))
    return sum(done.values())
