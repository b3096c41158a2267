"""Messages to residents that are not answers to what they just wrote: status pushes, notices.

`notify()` writes to the outbox in the caller's transaction, rendered in the recipient's own
language; the dispatcher (scheduler/dispatch.py) delivers due rows and marks them sent. A change
that rolls back therefore never notifies, and a crash after commit never loses a notification.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, Resident
from bot.i18n import use_language

# How long a claimed message stays reserved for the dispatcher that claimed it.
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
# While the messenger is unreachable every message fails through no fault of its own: retry after
# 2, 4, 8 ... seconds up to a minute, so delivery resumes within a minute of its return, and give
# up only after about an hour and a half of trying.
TRANSIENT_MAX_ATTEMPTS = 100
TRANSIENT_BACKOFF_CAP = 60


def gives_up(attempts: int, *, transient: bool = False) -> bool:
    """Whether a message failing for the `attempts`-th time is given up rather than retried."""
    return attempts >= (TRANSIENT_MAX_ATTEMPTS if transient else MAX_ATTEMPTS)


@dataclass(frozen=True, slots=True)
class Notice:
    """A rendered message: text and inline buttons as rows of (label, action, argument).

    Actions are the global button actions handlers register (e.g. "fixed"); the dispatcher turns
    them into channel payloads, so the domain knows nothing of payload formats.
    """

    text: str
    buttons: tuple[tuple[tuple[str, str, str], ...], ...] = ()
    silent: bool = False


Render = Callable[[], Notice]


async def notify(
    session: AsyncSession,
    resident_id: int,
    kind: str,
    render: Render,
    *,
    now: datetime,
    not_before: datetime | None = None,
    ref: str | None = None,
) -> OutboxMessage | None:
    """Queue a notice for one resident, rendered by `render()` in that resident's language."""
    language = await session.scalar(select(Resident.language).where(Resident.id == resident_id))
    if language is None:
        return None
    with use_language(language):
        notice = render()
    message = OutboxMessage(
        resident_id=resident_id,
        kind=kind,
        text=notice.text,
        buttons=[[list(button) for button in row] for row in notice.buttons] or None,
        silent=notice.silent,
        created_at=now,
        not_before=not_before or now,
        ref=ref,
    )
    session.add(message)
    await session.flush()
    return message


async def notify_all(
    session: AsyncSession, resident_ids: Sequence[int], kind: str, render: Render, *, now: datetime
) -> int:
    """The same notice to several residents, each in their own language; duplicates sent once."""
    sent = 0
    for resident_id in dict.fromkeys(resident_ids):
        if await notify(session, resident_id, kind, render, now=now) is not None:
            sent += 1
    return sent


async def withdraw(session: AsyncSession, ref: str) -> int:
    """Drop unsent messages about `ref` (reminders of a cancelled visit); returns how many."""
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.ref == ref, OutboxMessage.sent_at.is_(None))
    )
    return int(result.rowcount or 0)


async def claim_due(
    session: AsyncSession, now: datetime, limit: int = 50, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Reserve due, unsent messages for this dispatcher (SKIP LOCKED lets several share the work)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list((await session.execute(query)).scalars())
    for message in messages:
        message.lease_until = now + lease
        message.attempts += 1
    return messages


async def release(session: AsyncSession, message_ids: Sequence[int]) -> int:
    """Give claimed, unsent messages back at once (a dispatcher shutting down), without counting
    the claim as an attempt; returns how many went back."""
    if not message_ids:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.sent_at.is_(None))
        .values(lease_until=None, attempts=OutboxMessage.attempts - 1)
    )
    return int(result.rowcount or 0)


async def mark_sent(session: AsyncSession, message_id: int, now: datetime, error: str | None = None) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(sent_at=now, lease_until=None, last_error=error[:255] if error else None)
    )


async def mark_failed(
    session: AsyncSession,
    message_id: int,
    now: datetime,
    error: str,
    attempts: int,
    retry_after: float | None = None,
    *,
    transient: bool = False,
) -> None:
    """Try again later: after exactly `retry_after` when the messenger said so (flood control,
    not counted as a failure), else with backoff (short and long-lived when the messenger was
    unreachable, `transient`); past the attempts limit give up and keep the reason."""
    if retry_after is not None:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                lease_until=None,
                not_before=now + timedelta(seconds=retry_after),
                attempts=OutboxMessage.attempts - 1,
                last_error=error[:255],
            )
        )
        return
    if gives_up(attempts, transient=transient):
        await mark_sent(session, message_id, now, f"gave up: {error}")
        return
    backoff = min(TRANSIENT_BACKOFF_CAP, 2 ** min(attempts, 6)) if transient else min(600, 5 * 2**attempts)
    retry_at = now + timedelta(seconds=backoff)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(lease_until=None, not_before=retry_at, last_error=error[:255])
    )
