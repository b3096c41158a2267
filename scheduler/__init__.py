"""Background jobs on APScheduler: the outbox dispatcher and the media downloader (feeds later)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.conversation.delivery import Delivery
from bot.db.database import Database
from scheduler.dispatch import drain
from scheduler.feeds.runner import build_feed_jobs
from scheduler.media import download_pending


def build_scheduler(
    db: Database,
    delivery: Delivery,
    *,
    media_dir: Path,
    dispatch_seconds: float = 2.0,
    lease: timedelta = timedelta(seconds=60),
    settings: Any = None,
) -> AsyncIOScheduler:
    """Jobs never overlap themselves (max_instances=1) and missed runs collapse into one."""
    scheduler = AsyncIOScheduler(
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    )
    scheduler.add_job(
        drain, "interval", seconds=dispatch_seconds, args=[db, delivery], kwargs={"lease": lease}, id="outbox"
    )
    scheduler.add_job(download_pending, "interval", seconds=5, args=[db, delivery, media_dir], id="media")
    if settings is not None:
        for job_id, run, seconds in build_feed_jobs(db, settings):
            scheduler.add_job(run, "interval", seconds=seconds, id=job_id)
    return scheduler
