"""Polling: a feed that fails is retried with growing back-off and logged, never raised into the
scheduler; the jobs built from settings fetch from the configured URLs and write broadcasts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot.db.models import Alert, Broadcast
from bot.domain.alerts import WeatherWarning
from scheduler.feeds import FeedError, FeedHealth, build_feed_jobs, poll_feed
from scheduler.feeds import runner as runner_module
from tests.test_feeds_imgw import feed_server

SAMPLES = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)

STORM = WeatherWarning(
    id="SW1",
    event="Burze",
    level=2,
    valid_from=datetime(2026, 7, 15, 12, 0, tzinfo=UTC),
    valid_to=datetime(2026, 7, 16, 0, 0, tzinfo=UTC),
    teryt=("3064",),
)


class ScriptedFeed:
    """A fetch that returns or raises what the test queued, counting its calls."""

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


async def broadcasts(db) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Broadcast)))


@pytest.fixture(autouse=True)
def fresh_health():
    runner_module.HEALTH.clear()
    yield
    runner_module.HEALTH.clear()


async def test_a_successful_poll_syncs_and_schedules_the_next_one(db):
    health = FeedHealth("imgw", interval=300)
    feed = ScriptedFeed([STORM])
    assert await poll_feed(db, "imgw", feed, NOW, health=health) == 1
    assert (health.failures, health.last_success, health.next_attempt) == (
        0,
        NOW,
        NOW + timedelta(seconds=300),
    )
    assert await poll_feed(db, "imgw", feed, NOW + timedelta(seconds=30), health=health) == 0
    assert feed.calls == 1  # not due yet: no request
    assert await poll_feed(db, "imgw", feed, NOW + timedelta(seconds=300), health=health) == 0
    assert feed.calls == 2
    assert await broadcasts(db) == 1


async def test_failures_back_off_exponentially_up_to_half_an_hour(db, caplog):
    health = FeedHealth("imgw", interval=300)
    feed = ScriptedFeed(FeedError("IMGW answered HTTP 503"))
    delays = []
    moment = NOW
    with caplog.at_level(logging.WARNING, logger="scheduler.feeds.runner"):
        for _ in range(9):
            assert await poll_feed(db, "imgw", feed, moment, health=health) == 0
            delays.append(int((health.next_attempt - moment).total_seconds()))
            moment = health.next_attempt
    assert delays == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]
    assert health.failures == 9 and health.last_error == "IMGW answered HTTP 503"
    assert health.last_success is None
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert messages[0] == (
        logging.WARNING,
        "feed imgw failed (1 in a row): IMGW answered HTTP 503; next attempt in 30 s",
    )
    assert messages[4][0] == logging.ERROR  # the fifth failure in a row is an error, for alerting
    assert not any(r.exc_info for r in caplog.records)  # a known feed failure needs no traceback


async def test_a_poll_during_back_off_does_not_touch_the_feed(db):
    health = FeedHealth("imgw", interval=300)
    feed = ScriptedFeed(FeedError("timeout"), [STORM])
    await poll_feed(db, "imgw", feed, NOW, health=health)
    assert await poll_feed(db, "imgw", feed, NOW + timedelta(seconds=10), health=health) == 0
    assert feed.calls == 1
    assert await poll_feed(db, "imgw", feed, NOW + timedelta(seconds=30), health=health) == 1
    assert (health.failures, health.last_error) == (0, None)


async def test_a_bug_or_a_database_failure_is_logged_with_its_traceback_and_not_raised(
    db, caplog, monkeypatch
):
    health = FeedHealth("imgw")
    with caplog.at_level(logging.WARNING, logger="scheduler.feeds.runner"):
        assert await poll_feed(db, "imgw", ScriptedFeed(KeyError("teryt")), NOW, health=health) == 0

        async def broken_sync(*_args, **_kwargs):
            raise RuntimeError("database is locked")

        monkeypatch.setattr(runner_module, "sync_alerts", broken_sync)
        assert await poll_feed(db, "imgw", ScriptedFeed([STORM]), health.next_attempt, health=health) == 0
    assert health.failures == 2
    assert health.last_error == "RuntimeError: database is locked"
    assert all(r.exc_info for r in caplog.records)
    assert await broadcasts(db) == 0


async def test_a_feed_that_fails_keeps_its_alerts_as_they_were(db):
    health = FeedHealth("imgw")
    await poll_feed(db, "imgw", ScriptedFeed([STORM]), NOW, health=health)
    health.next_attempt = None
    await poll_feed(
        db, "imgw", ScriptedFeed(FeedError("malformed JSON")), NOW + timedelta(minutes=5), health=health
    )
    async with db.transaction() as session:
        assert await session.scalar(select(Alert.status).where(Alert.external_id == "SW1")) == "active"
    assert await broadcasts(db) == 1  # a failed poll withdraws nothing


async def test_health_is_kept_per_feed_without_being_passed(db):
    await poll_feed(db, "imgw", ScriptedFeed(FeedError("down")), NOW)
    assert runner_module.feed_health()["imgw"]["failures"] == 1
    assert runner_module.feed_health()["imgw"]["last_error"] == "down"


# -- jobs from settings ----------------------------------------------------------------------------


def test_jobs_follow_the_settings():
    assert [job[0] for job in build_feed_jobs(None, SimpleNamespace())] == ["feed_imgw"]  # road works off
    settings = SimpleNamespace(imgw_url="", roadworks_url="http://127.0.0.1:9/rw", roadworks_interval=20)
    ((job_id, _run, tick),) = build_feed_jobs(None, settings)
    assert (job_id, tick) == ("feed_roadworks", 20)
    ((_id, _run, tick),) = build_feed_jobs(None, SimpleNamespace(imgw_interval=600))
    assert tick == 30  # ticks stay short so that a back-off retry comes soon; the feed is fetched every 600 s
    assert runner_module.HEALTH["imgw"].interval == 600


async def test_the_jobs_poll_the_configured_feeds_and_write_broadcasts(db):
    async with feed_server() as server:
        server.routes["/warningsmeteo"] = (200, (SAMPLES / "imgw_list.json").read_bytes(), 0.0)
        server.routes["/roadworks.geojson"] = (200, (SAMPLES / "roadworks.geojson").read_bytes(), 0.0)
        settings = SimpleNamespace(
            imgw_url=server.url("/warningsmeteo"),
            imgw_include_county=True,
            roadworks_url=server.url("/roadworks.geojson"),
            feed_timeout=5,
        )
        jobs = build_feed_jobs(db, settings, clock=lambda: datetime(2026, 7, 1, tzinfo=UTC))
        assert [await run() for _job_id, run, _tick in jobs] == [3, 4]  # Poznań and county; four in the city
        assert [await run() for _job_id, run, _tick in jobs] == [0, 0]  # not due again yet
    assert await broadcasts(db) == 7


async def test_a_job_against_a_slow_feed_times_out_and_backs_off(db, caplog):
    async with feed_server() as server:
        server.routes["/slow"] = (200, b"[]", 2.0)
        settings = SimpleNamespace(imgw_url=server.url("/slow"), feed_timeout=0.2)
        ((_id, run, _tick),) = build_feed_jobs(db, settings, clock=lambda: NOW)
        with caplog.at_level(logging.WARNING, logger="scheduler.feeds.runner"):
            assert await run() == 0
    health = runner_module.HEALTH["imgw"]
    assert health.failures == 1 and "no answer within 0.2 s" in health.last_error
    assert health.next_attempt == NOW + timedelta(seconds=30)
    assert "feed imgw failed" in caplog.text
