"""Background jobs on APScheduler: the outbox dispatcher and the media downloader (feeds later)."""

from __future__ import annotations

from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.conversation.delivery import Delivery
from bot.db.database import Database
from scheduler.dispatch import dispatch_once, expand_broadcasts
from scheduler.media import download_pending


def build_scheduler(
    db: Database, delivery: Delivery, *, media_dir: Path, dispatch_seconds: float = 2.0
) -> AsyncIOScheduler:
    """Jobs never overlap themselves (max_instances=1) and missed runs collapse into one."""
    scheduler = AsyncIOScheduler(
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    )
    scheduler.add_job(expand_broadcasts, "interval", seconds=dispatch_seconds, args=[db], id="broadcasts")
    scheduler.add_job(dispatch_once, "interval", seconds=dispatch_seconds, args=[db, delivery], id="outbox")
    scheduler.add_job(download_pending, "interval", seconds=5, args=[db, delivery, media_dir], id="media")
    return scheduler
