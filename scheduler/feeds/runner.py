"""Polling the feeds: fetch, sync in one transaction, and keep each feed's health with back-off.

A failing feed never raises into the scheduler: the failure is logged (an error after a few in a
row), and the next attempt waits 30 s, 60 s, 120 s ... up to 30 minutes. Jobs tick at most every
30 s and fetch only when their feed is due, so a failure is retried sooner than the normal interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bot import metrics
from bot.db.database import Database
from bot.domain.alerts import IMGW, ROADWORKS, FeedItem, sync_alerts
from scheduler.feeds.download import FeedError
from scheduler.feeds.imgw import DEFAULT_URL, fetch_imgw, for_poznan
from scheduler.feeds.roadworks import fetch_roadworks

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=30)
# Scheduler jobs never tick slower than this, so a back-off retry is not held up by a long interval.
TICK = 30.0
# A tick arriving a moment before the feed is due still polls it (scheduler jitter).
SLACK = timedelta(seconds=1)
ALARM_AFTER = 5
USER_AGENT = "poznan-citybot (city alerts; +https://www.poznan.pl)"

Fetch = Callable[[], Awaitable[Sequence[FeedItem]]]
Job = tuple[str, Callable[[], Awaitable[int]], float]


@dataclass
class FeedHealth:
    """How one feed is doing: what /healthz or a log reader wants to know."""

    name: str
    interval: float = 300.0
    failures: int = 0
    next_attempt: datetime | None = None
    last_error: str | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.next_attempt is None or now >= self.next_attempt - SLACK

    def succeeded(self, now: datetime) -> None:
        self.failures, self.last_error, self.last_success = 0, None, now
        self.next_attempt = now + timedelta(seconds=self.interval)

    def failed(self, now: datetime, error: str) -> timedelta:
        """Count the failure and return how long to wait before the next attempt."""
        self.failures += 1
        self.last_error = error[:500]
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(self.failures - 1, 16))
        self.next_attempt = now + delay
        return delay

    def snapshot(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "failures": self.failures,
            "last_error": self.last_error,
            "last_success": iso(self.last_success),
            "last_attempt": iso(self.last_attempt),
            "next_attempt": iso(self.next_attempt),
        }


# One per feed and process; the scheduler's jobs and a health page share them.
HEALTH: dict[str, FeedHealth] = {}


def feed_health() -> dict[str, dict[str, Any]]:
    return {name: health.snapshot() for name, health in HEALTH.items()}


async def poll_feed(
    db: Database, name: str, fetch: Fetch, now: datetime | None = None, *, health: FeedHealth | None = None
) -> int:
    """Poll feed `name` (also the alerts' source) if it is due; returns the broadcasts made. Never raises."""
    now = now or datetime.now(UTC)
    health = health or HEALTH.setdefault(name, FeedHealth(name))
    if not health.due(now):
        return 0
    health.last_attempt = now
    try:
        items = await fetch()
        async with db.transaction() as session:
            made = len(await sync_alerts(session, name, items, now=now))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a feed, a parser bug or the database: the bot must carry on
        known = isinstance(exc, FeedError)
        metrics.FEED_POLLS.labels(name, "error").inc()
        delay = health.failed(now, str(exc) if known else f"{type(exc).__name__}: {exc}")
        log.log(
            logging.ERROR if health.failures >= ALARM_AFTER else logging.WARNING,
            "feed %s failed (%d in a row): %s; next attempt in %d s",
            name, health.failures, health.last_error, delay.total_seconds(), exc_info=not known,
        )  # fmt: skip
        metrics.FEED_FAILURES.labels(name).set(health.failures)
        return 0
    metrics.FEED_POLLS.labels(name, "ok").inc()
    metrics.FEED_FAILURES.labels(name).set(0)
    if health.failures:
        log.info("feed %s recovered after %d failures", name, health.failures)
    health.succeeded(now)
    return made


def _job(
    db: Database, name: str, fetch: Fetch, interval: float, clock: Callable[[], datetime] | None
) -> tuple[Callable[[], Awaitable[int]], float]:
    health = HEALTH.setdefault(name, FeedHealth(name))
    health.interval = interval

    async def run() -> int:
        return await poll_feed(db, name, fetch, (clock or (lambda: datetime.now(UTC)))(), health=health)

    return run, min(interval, TICK)


def build_feed_jobs(db: Database, settings: Any, *, clock: Callable[[], datetime] | None = None) -> list[Job]:
    """(job id, coroutine function, tick seconds) per enabled feed, for the scheduler to add.

    Settings read (with defaults): imgw_url, imgw_include_county, imgw_interval, roadworks_url
    (None: no road works feed), roadworks_interval, feed_timeout, city_boundary_file.
    """
    timeout = float(getattr(settings, "feed_timeout", 10.0))
    boundary = getattr(settings, "city_boundary_file", None)
    boundary_file = str(boundary) if boundary else None
    jobs: list[Job] = []

    imgw_url = getattr(settings, "imgw_url", DEFAULT_URL)
    if imgw_url:
        include_county = bool(getattr(settings, "imgw_include_county", False))

        async def imgw_items() -> Sequence[FeedItem]:
            async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as http:
                return for_poznan(await fetch_imgw(http, imgw_url, timeout), include_county=include_county)

        run, tick = _job(db, IMGW, imgw_items, float(getattr(settings, "imgw_interval", 300.0)), clock)
        jobs.append(("feed_imgw", run, tick))

    roadworks_url = getattr(settings, "roadworks_url", None)
    if roadworks_url:

        async def roadworks_items() -> Sequence[FeedItem]:
            async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as http:
                return await fetch_roadworks(http, roadworks_url, timeout, boundary_file)

        interval = float(getattr(settings, "roadworks_interval", 900.0))
        run, tick = _job(db, ROADWORKS, roadworks_items, interval, clock)
        jobs.append(("feed_roadworks", run, tick))
    return jobs
