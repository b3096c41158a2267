"""The scheduler: jobs in a persistent store, exactly one leader per database, and takeover."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import text

from bot.db.database import Database
from scheduler import build_scheduler, job_store, jobs
from scheduler.leader import AdvisoryLock, FileLock, leader_lock
from scheduler.supervisor import SchedulerSupervisor


class NoDelivery:
    async def deliver(self, resident_id, replies):  # pragma: no cover - never called here
        raise AssertionError("nothing is due")

    async def fetch_file(self, file_id):  # pragma: no cover
        raise AssertionError("nothing is due")


def test_job_store_per_database(tmp_path):
    pg = job_store("postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    assert isinstance(pg, SQLAlchemyJobStore)
    assert pg.engine.url.drivername == "postgresql+psycopg"  # a sync driver: APScheduler 3 is sync
    side = job_store(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    assert isinstance(side, SQLAlchemyJobStore)
    assert side.engine.url.database == str(tmp_path / "bot.jobs.sqlite3")  # never the bot's own file
    assert isinstance(job_store("sqlite+aiosqlite://"), MemoryJobStore)


async def test_jobs_are_stored_by_name_and_survive_a_restart(db, tmp_path):
    feeds = SimpleNamespace(feed_timeout=1.0, imgw_url="http://127.0.0.1:9/none", imgw_interval=600.0)
    first = build_scheduler(db, NoDelivery(), media_dir=tmp_path, dispatch_seconds=60, settings=feeds)
    try:
        stored = {job.id: job for job in first.get_jobs()}
        assert set(stored) == {"outbox", "media", "retention", "feed_imgw"}
        assert stored["outbox"].func_ref == "scheduler.jobs:outbox"  # picklable: a name, not a closure
        assert stored["feed_imgw"].args == ("feed_imgw",)
        outbox_next = stored["outbox"].next_run_time
    finally:
        first.shutdown(wait=False)
    await asyncio.sleep(1.1)  # a rebuilt job would now get a later first run

    # Same configuration: the stored schedule is kept (not restarted from now).
    second = build_scheduler(db, NoDelivery(), media_dir=tmp_path, dispatch_seconds=60, settings=feeds)
    try:
        assert second.get_job("outbox").next_run_time == outbox_next
    finally:
        second.shutdown(wait=False)

    # Changed interval and a feed switched off: the store follows the configuration.
    third = build_scheduler(db, NoDelivery(), media_dir=tmp_path, dispatch_seconds=30, settings=None)
    try:
        assert {job.id for job in third.get_jobs()} == {"outbox", "media", "retention"}
        assert third.get_job("outbox").trigger.interval == timedelta(seconds=30)
    finally:
        third.shutdown(wait=False)


async def test_a_stored_job_runs_through_the_installed_context(db, tmp_path):
    ran = asyncio.Event()

    async def poll() -> int:
        ran.set()
        return 0

    scheduler = build_scheduler(db, NoDelivery(), media_dir=tmp_path, dispatch_seconds=60)
    try:
        jobs.context().feeds["feed_test"] = poll
        assert await jobs.feed("feed_test") == 0 and ran.is_set()
        assert await jobs.feed("feed_gone") == 0  # a stored job for a feed switched off: skipped
        assert await jobs.outbox() == 0  # nothing due: the real dispatcher ran through the context
    finally:
        scheduler.shutdown(wait=False)


def test_leader_lock_kind_follows_the_database(tmp_path):
    assert isinstance(
        leader_lock(Database("postgresql+asyncpg://postgres@127.0.0.1:5432/test")), AdvisoryLock
    )
    lock = leader_lock(Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"))
    assert isinstance(lock, FileLock) and lock.path == tmp_path / "bot.leader.lock"


class FakeScheduler:
    """Stands in for AsyncIOScheduler in supervisor tests: records whether it was shut down."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log
        log.append(f"{name} started")

    def shutdown(self, wait: bool = True) -> None:
        self.log.append(f"{self.name} stopped")


async def test_one_leader_per_database_and_takeover_when_it_goes(database_url):
    """Two processes (two Database objects, two locks): one leads; when it stops the other takes over."""
    events: list[str] = []
    first_db, second_db = Database(database_url), Database(database_url)
    first = SchedulerSupervisor(
        leader_lock(first_db), lambda: FakeScheduler("first", events), check_seconds=0.1
    )
    second = SchedulerSupervisor(
        leader_lock(second_db), lambda: FakeScheduler("second", events), check_seconds=0.1
    )
    try:
        await first.start()
        await second.start()
        assert first.is_leader and not second.is_leader
        assert first.status()["role"] == "leader" and second.status()["role"] == "standby"
        await asyncio.sleep(0.3)
        assert first.is_leader and not second.is_leader  # checks keep the same leader
        await first.stop()
        for _ in range(50):
            if second.is_leader:
                break
            await asyncio.sleep(0.05)
        assert second.is_leader
        assert events == ["first started", "first stopped", "second started"]  # never two at once
    finally:
        await first.stop()
        await second.stop()
        await first_db.dispose()
        await second_db.dispose()


async def test_leader_whose_connection_dies_steps_down_and_the_standby_takes_over(database_url):
    """A leader killed without goodbye: its PostgreSQL session ends, the lock with it."""
    database = Database(database_url)
    if not database.is_postgres:
        await database.dispose()
        pytest.skip("advisory locks are PostgreSQL's; SQLite's flock is dropped by the kernel on exit")
    events: list[str] = []
    other = Database(database_url)
    first = SchedulerSupervisor(
        AdvisoryLock(database), lambda: FakeScheduler("first", events), check_seconds=0.1
    )
    second = SchedulerSupervisor(
        AdvisoryLock(other), lambda: FakeScheduler("second", events), check_seconds=0.1
    )
    try:
        await first.start()
        await second.start()
        assert first.is_leader
        pid = (await first.lock.connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        await first.lock.connection.commit()
        async with other.engine.begin() as connection:  # as if the leader's host vanished
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(60):
            if second.is_leader and not first.is_leader:
                break
            await asyncio.sleep(0.05)
        assert not first.is_leader and second.is_leader
        assert events[:2] == ["first started", "first stopped"] and events[-1] == "second started"
    finally:
        await first.stop()
        await second.stop()
        await database.dispose()
        await other.dispose()


async def test_sqlite_second_process_stays_standby(tmp_path: Path):
    """Two `citybot run` on one SQLite file by mistake: the second never dispatches."""
    path = tmp_path / "bot.sqlite3"
    one, two = FileLock(path.with_suffix(".leader.lock")), FileLock(path.with_suffix(".leader.lock"))
    assert await one.acquire() and not await two.acquire()
    await one.release()
    assert await two.acquire()
    await two.release()


def test_expected_overlap_warnings_are_dropped_and_others_kept(caplog):
    logger = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        logger.warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)', "outbox", 1
        )
        logger.warning('Run time of job "%s" was missed by %s', "feed_imgw", "0:00:45")
    assert [record.getMessage() for record in caplog.records] == [
        'Run time of job "feed_imgw" was missed by 0:00:45'
    ]
