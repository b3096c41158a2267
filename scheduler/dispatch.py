"""Delivers the outbox: due messages are claimed under a lease, sent concurrently, and marked.

Claiming and marking are short transactions of their own, so a slow Telegram call never holds a
database lock, and a dispatcher that dies mid-way only delays its claimed messages by one lease
(a message in flight at the crash may be sent twice; nothing is lost). A dispatcher that is
stopped (shutdown, lost leadership) records what it did send and gives the rest back at once
(`release_claimed`), so another process need not wait for the lease. The pace is the channel's
business (bot.channels.ratelimit): sends here are bulk traffic that yields to interactive replies.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot import metrics
from bot.conversation.delivery import Delivery, DeliveryError, FloodWait, Unavailable, Unreachable
from bot.conversation.messages import Button, Reply
from bot.conversation.payloads import global_payload
from bot.db.database import Database
from bot.db.models import Broadcast, OutboxMessage
from bot.domain import outbox
from bot.domain.broadcasts import expand_due
from bot.domain.reachability import mark_unreachable

log = logging.getLogger(__name__)

SENT, RETRY, UNREACHABLE = "sent", "retry", "unreachable"
# Seconds a stopping dispatcher spends recording what it sent and giving back the rest.
SETTLE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    resident_id: int
    attempts: int
    broadcast_id: int | None
    reply: Reply


@dataclass(frozen=True, slots=True)
class Outcome:
    item: Claimed
    status: str
    error: str | None = None
    retry_after: float | None = None
    transient: bool = False  # the messenger was unreachable, not this message refused


@dataclass
class ClaimBook:
    """Outbox ids this process claimed and has not recorded yet, and the settling work still
    running after a cancelled batch; one per Database, so stopping releases exactly these."""

    ids: set[int] = field(default_factory=set)
    settling: set[asyncio.Task[None]] = field(default_factory=set)
    # Tasks inside `dispatch_once` now: a cancelled one needs a few loop turns to reach its handler.
    active: set[asyncio.Task[object]] = field(default_factory=set)


_books: weakref.WeakKeyDictionary[Database, ClaimBook] = weakref.WeakKeyDictionary()


def claims(db: Database) -> ClaimBook:
    book = _books.get(db)
    if book is None:
        book = _books[db] = ClaimBook()
    return book


def as_reply(message: OutboxMessage) -> Reply:
    rows = [
        [Button(label, global_payload(action, argument)) for label, action, argument in row]
        for row in message.buttons or []
    ]
    return Reply(message.text, buttons=rows, silent=message.silent)


async def expand_broadcasts(db: Database, *, clock: Callable[[], datetime] | None = None) -> int:
    """Queue broadcasts whose time has come (one outbox row per subscriber)."""
    async with db.transaction() as session:
        queued = await expand_due(session, (clock or (lambda: datetime.now(UTC)))())
    if queued:
        metrics.BROADCAST_QUEUED.inc(queued)
    return queued


async def dispatch_once(
    db: Database,
    delivery: Delivery,
    *,
    clock: Callable[[], datetime] | None = None,
    limit: int = 200,
    concurrency: int = 32,
    lease: timedelta = outbox.LEASE,
    wait_floods: float = 0.0,
) -> int:
    """Deliver what is due now (one batch); returns how many messages went out.

    A message refused with a flood wait of at most `wait_floods` seconds waits exactly that long
    and is tried once more inside the batch (its lease covers it), instead of going back to the
    table and waiting for the next tick; longer waits are re-queued with their retry_after.
    """
    book = claims(db)
    task = asyncio.current_task()
    if task is not None:
        book.active.add(task)
    try:
        return await _dispatch_batch(db, delivery, book, clock, limit, concurrency, lease, wait_floods)
    finally:
        if task is not None:
            book.active.discard(task)


async def _dispatch_batch(
    db: Database,
    delivery: Delivery,
    book: ClaimBook,
    clock: Callable[[], datetime] | None,
    limit: int,
    concurrency: int,
    lease: timedelta,
    wait_floods: float,
) -> int:
    now = (clock or (lambda: datetime.now(UTC)))()
    async with db.transaction() as session:
        claimed = [
            Claimed(m.id, m.resident_id, m.attempts, m.broadcast_id, as_reply(m))
            for m in await outbox.claim_due(session, now, limit, lease)
        ]
    # Tracked once committed (a cancel at the very commit leaves them to the lease, as a crash would).
    book.ids.update(item.id for item in claimed)
    if not claimed:
        return 0
    gate = asyncio.Semaphore(concurrency)

    async def send(item: Claimed) -> Outcome:
        outcome = await attempt(item)
        if outcome.retry_after is not None and outcome.retry_after <= wait_floods:
            await asyncio.sleep(outcome.retry_after)  # this message only; the others go on
            outcome = await attempt(item)
        return outcome

    async def attempt(item: Claimed) -> Outcome:
        async with gate:
            try:
                await delivery.deliver(item.resident_id, [item.reply])
                return Outcome(item, SENT)
            except Unreachable as unreachable:
                return Outcome(item, UNREACHABLE, f"unreachable: {unreachable}")
            except FloodWait as flood:
                return Outcome(item, RETRY, str(flood), flood.retry_after)
            except Unavailable as away:
                return Outcome(item, RETRY, str(away) or "messenger unavailable", transient=True)
            except DeliveryError as failure:
                return Outcome(item, RETRY, str(failure) or "delivery failed")
            except Exception as failure:  # a bug must not stop the other messages
                metrics.ERRORS.labels("dispatch").inc()
                log.exception("outbox message %s failed", item.id)
                return Outcome(item, RETRY, type(failure).__name__)

    tasks = [asyncio.ensure_future(send(item)) for item in claimed]
    try:
        outcomes = await asyncio.gather(*tasks)
    except asyncio.CancelledError:  # stopping: keep what was sent, give back the rest
        finished = [t.result() for t in tasks if t.done() and not t.cancelled() and t.exception() is None]
        _settle_later(book, _settle(db, book, finished, [item.id for item in claimed]))
        raise
    record = asyncio.ensure_future(_record(db, outcomes, (clock or (lambda: datetime.now(UTC)))()))
    try:
        await asyncio.shield(record)  # a cancel must not undo the record of messages already sent
    except asyncio.CancelledError:
        _settle_later(book, _forget_after(record, book, [item.id for item in claimed]))
        raise
    book.ids.difference_update(item.id for item in claimed)
    return sum(1 for outcome in outcomes if outcome.status == SENT)


def _settle_later(book: ClaimBook, work: object) -> None:
    task: asyncio.Task[None] = asyncio.ensure_future(work)  # type: ignore[arg-type]
    book.settling.add(task)
    task.add_done_callback(book.settling.discard)


async def _forget_after(record: asyncio.Future[None], book: ClaimBook, ids: list[int]) -> None:
    try:
        await record
    except Exception:
        log.exception("recording a stopped outbox batch failed; its leases will expire")
    book.ids.difference_update(ids)


async def _settle(db: Database, book: ClaimBook, finished: list[Outcome], ids: list[int]) -> None:
    """After a cancelled batch: record the messages that did go out, release the others."""
    done = {outcome.item.id for outcome in finished}
    try:
        async with asyncio.timeout(SETTLE_SECONDS):
            if finished:
                await _record(db, finished, datetime.now(UTC))
            async with db.transaction() as session:
                released = await outbox.release(session, [i for i in ids if i not in done])
        log.info("stopped outbox batch: %d recorded, %d released", len(finished), released)
    except Exception as error:  # the database is away too: the leases expire on their own
        log.warning("stopped outbox batch not settled (%s); its leases will expire", type(error).__name__)
    book.ids.difference_update(ids)


async def release_claimed(db: Database, *, timeout: float = SETTLE_SECONDS) -> int:
    """Give back every outbox message this process claimed and has not recorded (graceful stop),
    after letting cancelled batches record what they sent; returns how many went back."""
    book = claims(db)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for waiting in (book.active, book.settling):  # cancelled batches first start settling, then settle
        current = {task for task in waiting if task is not asyncio.current_task()}
        if current:
            await asyncio.wait(current, timeout=max(0.0, deadline - loop.time()))
    ids = sorted(book.ids)
    book.ids.clear()
    if not ids:
        return 0
    try:
        async with asyncio.timeout(timeout), db.transaction() as session:
            released = await outbox.release(session, ids)
    except Exception as error:
        log.warning("outbox leases not released (%s); they will expire", type(error).__name__)
        return 0
    log.info("released %d claimed outbox messages", released)
    return released


def pending_claims(db: Database) -> Iterable[int]:
    """Ids this process holds claimed right now (tests, diagnostics)."""
    return frozenset(claims(db).ids)


async def drain(
    db: Database,
    delivery: Delivery,
    *,
    lease: timedelta = outbox.LEASE,
    budget_seconds: float = 30.0,
    workers: int = 4,
    rate: float | None = None,
) -> int:
    """Dispatch batch after batch while messages are due (a broadcast of 100,000 rows should not
    wait for the next tick between batches); stops after `budget_seconds` so the job yields.

    Several workers overlap one batch's database work (claim, record) with another's sending;
    leases keep them from ever claiming the same message. With the channel's `rate` known, a batch
    is sized so that it is sent well within its lease even when all workers share that rate;
    otherwise a slow batch's lease would run out and another worker would send it again.
    """
    limit = batch_size(rate, lease, workers)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_seconds
    await expand_broadcasts(db)

    async def worker() -> int:
        total = 0
        while loop.time() < deadline:
            sent = await dispatch_once(
                db, delivery, lease=lease, limit=limit, wait_floods=lease.total_seconds() / 4
            )
            total += sent
            if sent == 0:
                break
            await expand_broadcasts(db)
        return total

    return sum(await asyncio.gather(*(worker() for _ in range(workers))))


def batch_size(rate: float | None, lease: timedelta, workers: int, largest: int = 200) -> int:
    """Messages one worker claims at a time: all workers' batches fit in half a lease at `rate`."""
    if not rate or rate <= 0:
        return largest
    return max(1, min(largest, int(rate * lease.total_seconds() / (2 * workers))))


async def _record(db: Database, outcomes: list[Outcome], now: datetime) -> None:
    """Mark every message, count per broadcast, and stop writing to residents who cannot be reached."""
    counters: dict[int, dict[str, int]] = {}
    async with db.transaction() as session:
        delivered = [o.item.id for o in outcomes if o.status == SENT]
        if delivered:  # the common case in one statement, not one per message
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(delivered))
                .values(sent_at=now, lease_until=None, last_error=None)
            )
        for outcome in outcomes:
            item = outcome.item
            if outcome.status == RETRY:
                await outbox.mark_failed(
                    session,
                    item.id,
                    now,
                    outcome.error or "",
                    item.attempts,
                    outcome.retry_after,
                    transient=outcome.transient,
                )
            elif outcome.status != SENT:
                await outbox.mark_sent(session, item.id, now, outcome.error)
            gave_up = (
                outcome.status == RETRY
                and outcome.retry_after is None
                and outbox.gives_up(item.attempts, transient=outcome.transient)
            )
            metrics.OUTBOX.labels("failed" if gave_up else outcome.status).inc()
            if item.broadcast_id is not None and (outcome.status != RETRY or gave_up):
                column = {SENT: "sent", UNREACHABLE: "unreachable", RETRY: "failed"}[outcome.status]
                bucket = counters.setdefault(item.broadcast_id, {})
                bucket[column] = bucket.get(column, 0) + 1
        for resident_id in {o.item.resident_id for o in outcomes if o.status == UNREACHABLE}:
            await mark_unreachable(session, resident_id, now, "blocked or chat not found")
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.resident_id == resident_id, OutboxMessage.sent_at.is_(None))
                .values(sent_at=now, last_error="unreachable")
            )
        for broadcast_id, counts in counters.items():
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(
                    {getattr(Broadcast, name): getattr(Broadcast, name) + n for name, n in counts.items()}
                )
            )
