"""Background jobs on APScheduler: the outbox dispatcher, photo downloads, feed polling, retention.

Jobs live in a persistent SQLAlchemy job store, so their schedule survives a restart and a new
scheduler leader (scheduler.supervisor) picks up where the old one stopped. The store is
APScheduler's own table: in the bot's PostgreSQL database, or for SQLite in a side file next to the
database (`*.jobs.sqlite3`), because the store writes synchronously from the event loop and must
never wait on the SQLite writer lock the bot's own transactions hold.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import make_url

from bot.conversation.delivery import Delivery
from bot.db.database import Database
from scheduler import jobs
from scheduler.feeds.runner import build_feed_jobs

JOB_TABLE = "apscheduler_jobs"


class ExpectedOverlap(logging.Filter):
    """Drops APScheduler's warning that a run was skipped because the previous one still runs: the
    dispatcher drains a large broadcast for up to 30 s while ticking every few seconds, by design,
    and a warning every tick would bury the warnings that matter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(ExpectedOverlap())
# "Running job ..." / "... executed successfully" at INFO for every tick of every job is noise too.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
RETENTION_SECONDS = 3600.0


def job_store(database_url: str) -> BaseJobStore:
    """The persistent store for `database_url` (memory only for an in-memory SQLite database)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        sync = url.set(drivername="postgresql+psycopg")
        return SQLAlchemyJobStore(
            url=sync.render_as_string(hide_password=False),
            tablename=JOB_TABLE,
            engine_options={"pool_size": 1, "max_overflow": 1, "pool_pre_ping": True},
        )
    if not url.database or url.database == ":memory:":
        return MemoryJobStore()
    side_file = Path(url.database).with_suffix(".jobs.sqlite3")
    return SQLAlchemyJobStore(url=f"sqlite:///{side_file}", tablename=JOB_TABLE)


def wanted_jobs(
    *, dispatch_seconds: float, feeds: dict[str, float]
) -> dict[str, tuple[Any, list[Any], float]]:
    """Job id -> (function, args, interval seconds): what this configuration should run."""
    wanted: dict[str, tuple[Any, list[Any], float]] = {
        "outbox": (jobs.outbox, [], dispatch_seconds),
        "media": (jobs.media, [], 5.0),
        "retention": (jobs.retention, [], RETENTION_SECONDS),
    }
    for job_id, seconds in feeds.items():
        wanted[job_id] = (jobs.feed, [job_id], seconds)
    return wanted


def build_scheduler(
    db: Database,
    delivery: Delivery,
    *,
    media_dir: Path,
    dispatch_seconds: float = 2.0,
    lease: timedelta = timedelta(seconds=60),
    settings: Any = None,
    store: BaseJobStore | None = None,
    rate: float | None = None,
) -> AsyncIOScheduler:
    """A started scheduler whose stored jobs match this configuration.

    Jobs never overlap themselves (max_instances=1) and missed runs collapse into one. A stored job
    whose interval is unchanged keeps its next run time; others are (re)written, and stored jobs
    this configuration no longer wants (a feed switched off) are removed. `settings` gives the feeds
    (unless `feeds_enabled` is false) and the retention ages; None runs no feeds, default ages.
    """
    context = jobs.JobContext(db, delivery, media_dir, lease, rate, settings=settings)
    feed_ticks: dict[str, float] = {}
    with_feeds = settings is not None and getattr(settings, "feeds_enabled", True)
    for job_id, run, tick in build_feed_jobs(db, settings) if with_feeds else []:
        context.feeds[job_id] = run
        feed_ticks[job_id] = tick
    jobs.install(context)
    scheduler = AsyncIOScheduler(
        jobstores={"default": store if store is not None else job_store(db.url)},
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
    )
    scheduler.start(paused=True)
    wanted = wanted_jobs(dispatch_seconds=dispatch_seconds, feeds=feed_ticks)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for job_id, (func, args, seconds) in wanted.items():
        existing = scheduler.get_job(job_id)
        trigger = existing.trigger if existing is not None else None
        same = (
            isinstance(trigger, IntervalTrigger)
            and trigger.interval == timedelta(seconds=seconds)
            and existing.args == tuple(args)
        )
        if not same:
            scheduler.add_job(
                func, IntervalTrigger(seconds=seconds), args=args, id=job_id, replace_existing=True
            )
    scheduler.resume()
    return scheduler
