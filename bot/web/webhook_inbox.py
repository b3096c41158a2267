"""Ordered, durable intake of webhook updates for several bot processes on PostgreSQL.

Telegram posts updates over up to 40 parallel connections, and a load balancer spreads them over
the processes, so two messages of one resident can arrive at two processes at the same moment.
Each update is first written to the `webhook_inbox` table (the answer 200 goes out only after that
commit, so an acknowledged update survives a crash; handled rows are kept for `keep_handled`, so
a copy Telegram sends again is recognised by its update_id and dropped). Then a worker handles the
resident's pending updates one at a time, lowest update_id first (Telegram's order), holding a
transaction-scoped advisory lock on the resident: whichever process gets the lock handles the
next update, the other waits and then finds it done.

At most one worker per resident waits in each process (`_active`), so a burst of one resident's
updates costs one database connection per process, not one per update, and at most
`pool_size / 2` residents are worked on at once per process. A sweeper handles updates
left behind by a process that died after acknowledging them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import metrics
from bot.db.database import Database
from bot.db.models import InboxUpdate

log = logging.getLogger(__name__)

Process = Callable[[dict[str, Any]], Awaitable[None]]

GAP_POLL = 0.02  # seconds between looks while an earlier update is still on its way
LOOK_BACK = 1000  # update ids checked for gaps before a resident's first known update
WORKER_RETRIES = 3  # a worker's attempts after a database error before the sweeper takes over
FIRST_SETTLE = 0.5  # seconds the very first update of an empty inbox waits for earlier ones
# The resident's oldest pending update; `lower`: their previous update (handled, as this one is
# the oldest pending), or for a first update the look-back limit; `arrived`: ids seen in between.
_NEXT = text(
    """
    WITH next AS (
        SELECT update_id, body, EXTRACT(EPOCH FROM clock_timestamp() - received_at) AS age
        FROM webhook_inbox WHERE chat_key = :key AND handled_at IS NULL
        ORDER BY update_id LIMIT 1
    ), known AS (
        SELECT
            (SELECT max(w.update_id) FROM webhook_inbox w
             WHERE w.chat_key = :key AND w.update_id < next.update_id) AS previous,
            (SELECT min(update_id) FROM webhook_inbox) AS oldest
        FROM next
    ), bounds AS (
        SELECT next.*, known.previous, known.oldest,
            COALESCE(known.previous, GREATEST(known.oldest - 1, next.update_id - :look_back)) AS lower
        FROM next, known
    )
    SELECT bounds.*,
        (SELECT count(*) FROM webhook_inbox w
         WHERE w.update_id > bounds.lower AND w.update_id < bounds.update_id) AS arrived
    FROM bounds
    """
)

# Updates that carry a user are ordered per user; anything else (rare) shares one queue.
SHARED_KEY = 0
KINDS_WITH_SENDER = (
    "message", "edited_message", "callback_query", "my_chat_member", "chat_member",
    "message_reaction", "inline_query", "chosen_inline_result", "pre_checkout_query",
)  # fmt: skip


def ordering_key(update: dict[str, Any]) -> int:
    """The sender's Telegram id (ids stay below 2**52, far from the scheduler's lock key)."""
    for kind in KINDS_WITH_SENDER:
        body = update.get(kind)
        if isinstance(body, dict):
            sender = body.get("from") or body.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return sender["id"]
    return SHARED_KEY


class WebhookInbox:
    def __init__(
        self,
        db: Database,
        process: Process,
        *,
        sweep_seconds: float = 5.0,
        stale_after: timedelta = timedelta(seconds=30),
        keep_handled: timedelta = timedelta(hours=1),
        max_wait: float = 2.0,
    ) -> None:
        self.db = db
        self.process = process
        self.sweep_seconds = sweep_seconds
        self.stale_after = stale_after
        self.keep_handled = keep_handled
        self.max_wait = max_wait
        # A worker holds two connections (the resident's lock, the turn): at most half the pool's
        # worth of residents at once, so a burst waits here instead of timing out in the pool.
        self._slots = asyncio.Semaphore(max(1, db.pool_size // 2))
        self._active: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self.closing = False

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="webhook-inbox-sweeper")

    async def accept(self, update: dict[str, Any]) -> None:
        """Store the update (idempotent on update_id), then make sure a worker will handle it."""
        key = ordering_key(update)
        async with self.db.transaction() as session:
            await session.execute(
                insert(InboxUpdate)
                .values(
                    update_id=int(update["update_id"]), chat_key=key, body=update,
                    received_at=func.clock_timestamp(),  # the database's clock, shared by all processes
                )
                .on_conflict_do_nothing(index_elements=["update_id"])
            )  # fmt: skip
        self.kick(key)

    def kick(self, key: int) -> None:
        if self.closing:
            return  # stored; another process (or the next start) handles it
        if key in self._active:
            self._again.add(key)  # the running worker looks once more before it ends
            return
        self._active[key] = asyncio.create_task(self._work(key), name=f"webhook-inbox-{key}")

    async def _work(self, key: int) -> None:
        try:
            await self._drain(key)
        finally:
            # Unregistered in the same step as the last look for work (no await in between): a
            # kick that comes later starts a new worker instead of flagging this finished one.
            if self._active.get(key) is asyncio.current_task():
                del self._active[key]

    async def _drain(self, key: int) -> None:
        """Handle the resident's updates one per turn of the slot queue: a resident who keeps
        writing does not hold a slot while others wait (the semaphore serves first come first)."""
        failures = 0
        while True:
            self._again.discard(key)
            try:
                async with self._slots:
                    handled = await self._handle_next(key)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away mid-way: try again shortly, then leave it
                metrics.ERRORS.labels("inbox").inc()  # to the sweeper
                failures += 1
                log.exception("webhook inbox worker failed (%d in a row)", failures)
                if failures >= WORKER_RETRIES or self.closing:
                    return
                await asyncio.sleep(failures)
                continue
            failures = 0
            if handled:
                continue
            if key not in self._again or self.closing:
                return

    async def _handle_next(self, key: int) -> bool:
        """Under the resident's lock: handle their oldest pending update; False when none is left.

        Telegram numbers a bot's updates one by one, so an update may go only when every update
        between the resident's previous one and it has arrived (any of them could be the
        resident's, still on its way to another process). A gap that does not fill within
        `max_wait` seconds (an update Telegram never sent to us) is not waited for any longer.
        """
        while True:
            async with self.db.engine.connect() as connection, connection.begin():
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
                # One statement, so one snapshot: the resident's next update and what arrived
                # before it are seen at the same instant (separate reads could straddle a commit).
                row = (await connection.execute(_NEXT, {"key": key, "look_back": LOOK_BACK})).first()
                if row is None:
                    return False
                if self._may_go(row):
                    body = row.body if isinstance(row.body, dict) else json.loads(row.body)
                    await self._handle(connection, row.update_id, body)
                    return True
            await asyncio.sleep(GAP_POLL)

    def _may_go(self, row: Any) -> bool:
        if row.age >= self.max_wait:
            return True
        if row.previous is None and (row.oldest is None or row.oldest >= row.update_id):
            # Nothing older is known at all (a new deployment): an earlier update cannot be told
            # from none, so give it a moment to arrive.
            return row.age >= FIRST_SETTLE
        return row.arrived == row.update_id - row.lower - 1

    async def _handle(self, connection: AsyncConnection, update_id: int, body: dict[str, Any]) -> None:
        """Process one update and mark it handled, inside the lock-holding transaction."""
        try:
            await self.process(body)
        except Exception:  # the channel logs and answers errors itself; never block the queue
            metrics.ERRORS.labels("inbox").inc()
            log.exception("update %s failed in processing", update_id)
        await connection.execute(
            update(InboxUpdate).where(InboxUpdate.update_id == update_id).values(handled_at=datetime.now(UTC))
        )

    async def sweep(self) -> int:
        """Kick workers for updates older than `stale_after` (their process died) and forget handled
        ones after `keep_handled`; returns how many residents were kicked."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            newest = select(func.max(InboxUpdate.update_id)).scalar_subquery()
            await session.execute(  # the newest row stays: later updates are checked for gaps from it
                delete(InboxUpdate).where(
                    InboxUpdate.handled_at < now - self.keep_handled, InboxUpdate.update_id < newest
                )
            )
            stale = (
                select(InboxUpdate.chat_key)
                .where(InboxUpdate.handled_at.is_(None), InboxUpdate.received_at < now - self.stale_after)
                .distinct()
                .limit(500)
            )
            keys = (await session.execute(stale)).scalars().all()
        for key in keys:
            self.kick(key)
        return len(keys)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("webhook inbox sweep failed: %s", error)
            await asyncio.sleep(self.sweep_seconds)

    async def close(self, timeout: float = 10.0) -> None:
        """Stop taking work and let running workers finish (graceful shutdown)."""
        self.closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        running = list(self._active.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
