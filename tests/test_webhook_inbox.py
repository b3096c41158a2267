"""The webhook inbox: updates stored before "ok", each resident's handled one at a time and in
update_id order even when two processes receive them at once, nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.database import Database
from bot.db.models import InboxUpdate
from bot.web.webhook_inbox import SHARED_KEY, WebhookInbox, ordering_key


def update(update_id: int, user: int, text: str = "hi") -> dict:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "from": {"id": user}, "chat": {"id": user}, "text": text},
    }


def test_ordering_key_is_the_sender():
    assert ordering_key(update(1, 42)) == 42
    assert ordering_key({"update_id": 2, "callback_query": {"id": "x", "from": {"id": 7}}}) == 7
    assert ordering_key({"update_id": 3, "channel_post": {"chat": {"id": -100}}}) == SHARED_KEY


@pytest.fixture
async def pg(db):
    if not db.is_postgres:
        pytest.skip("the inbox serves several processes on PostgreSQL; SQLite runs one process")
    return db


class Recorder:
    """A `process` callback: records the order, checks one resident is never handled twice at once."""

    def __init__(self, name: str, busy: dict[int, str], log: list[tuple[int, int]]) -> None:
        self.name, self.busy, self.log = name, busy, log

    async def __call__(self, data: dict) -> None:
        user = data["message"]["from"]["id"]
        assert user not in self.busy, f"{self.name} overlaps {self.busy.get(user)} for {user}"
        self.busy[user] = self.name
        try:
            await asyncio.sleep(random.uniform(0, 0.01))
            self.log.append((user, data["update_id"]))
        finally:
            del self.busy[user]


async def wait_empty(db: Database, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        async with db.sessions() as session:
            pending = select(func.count()).where(InboxUpdate.handled_at.is_(None))
            if not await session.scalar(pending):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("inbox not drained")


async def test_two_processes_handle_each_resident_in_order_without_overlap(pg, database_url):
    """Like Telegram over 40 connections behind a load balancer: updates alternate between two
    processes and arrive concurrently; each resident's are handled in update_id order."""
    busy: dict[int, str] = {}
    log: list[tuple[int, int]] = []
    other_db = Database(database_url, pool_size=5)
    first = WebhookInbox(pg, Recorder("first", busy, log))
    second = WebhookInbox(other_db, Recorder("second", busy, log))
    residents = [501, 502, 503, 504, 505, 506]
    updates = [update(1000 + n, residents[n % len(residents)]) for n in range(120)]
    try:
        for start in range(0, len(updates), 12):  # bursts: a dozen updates in flight at once
            burst = updates[start : start + 12]
            await asyncio.gather(*((first if n % 2 else second).accept(item) for n, item in enumerate(burst)))
        await wait_empty(pg)
        await first.close()
        await second.close()
    finally:
        await other_db.dispose()
    assert sorted(log) == sorted((u["message"]["from"]["id"], u["update_id"]) for u in updates)  # all, once
    for resident in residents:
        handled = [update_id for user, update_id in log if user == resident]
        assert handled == sorted(handled)


async def test_a_redelivered_update_is_handled_once(pg):
    log: list[tuple[int, int]] = []
    inbox = WebhookInbox(pg, Recorder("one", {}, log))
    await inbox.accept(update(77, 9))
    await wait_empty(pg)
    await inbox.accept(update(77, 9))  # Telegram did not hear our "ok" and sent it again
    await wait_empty(pg)
    await inbox.close()
    assert log == [(9, 77)]


async def test_concurrent_copies_of_one_update_are_stored_once(pg):
    log: list[tuple[int, int]] = []
    gate = asyncio.Event()

    async def slow(data: dict) -> None:
        await gate.wait()
        log.append((data["message"]["from"]["id"], data["update_id"]))

    inbox = WebhookInbox(pg, slow)
    await asyncio.gather(inbox.accept(update(88, 5)), inbox.accept(update(88, 5)))
    gate.set()
    await wait_empty(pg)
    await inbox.close()
    assert log == [(5, 88)]


async def test_updates_left_by_a_dead_process_are_picked_up_by_the_sweeper(pg):
    async with pg.transaction() as session:  # acknowledged, then the process died
        session.add(
            InboxUpdate(
                update_id=91, chat_key=12, body=update(91, 12),
                received_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        )  # fmt: skip
        session.add(  # handled two hours ago: forgotten by the sweeper
            InboxUpdate(
                update_id=90, chat_key=12, body=update(90, 12),
                received_at=datetime.now(UTC) - timedelta(hours=2),
                handled_at=datetime.now(UTC) - timedelta(hours=2),
            )
        )  # fmt: skip
    log: list[tuple[int, int]] = []
    inbox = WebhookInbox(pg, Recorder("survivor", {}, log), sweep_seconds=0.05)
    inbox.start()
    try:
        await wait_empty(pg)
    finally:
        await inbox.close()
    assert log == [(12, 91)]
    async with pg.sessions() as session:
        assert await session.get(InboxUpdate, 90) is None


async def test_a_failing_update_does_not_block_the_next(pg):
    handled: list[int] = []

    async def flaky(data: dict) -> None:
        if data["update_id"] == 1:
            raise RuntimeError("a bug")
        handled.append(data["update_id"])

    inbox = WebhookInbox(pg, flaky)
    await inbox.accept(update(1, 3))
    await inbox.accept(update(2, 3))
    await wait_empty(pg)
    await inbox.close()
    assert handled == [2]


async def test_an_update_arriving_as_the_worker_finishes_is_not_left_for_the_sweeper(pg):
    """A kick racing the end of a worker must start a new one (no sweeper runs in this test)."""
    handled: list[int] = []
    inbox = WebhookInbox(pg, lambda data: _note(handled, data))
    try:
        for n in range(1, 41):
            await inbox.accept(update(n, 4))
            for _ in range(200):
                if handled and handled[-1] == n:
                    break
                await asyncio.sleep(0.005)
            assert handled[-1] == n, f"update {n} waited for the sweeper"
    finally:
        await inbox.close()
    assert handled == list(range(1, 41))


async def _note(handled: list[int], data: dict) -> None:
    handled.append(data["update_id"])
