"""Turning one broadcast into one outbox row per subscriber, exactly once.

The rows and the broadcast's `expanded_at` are written in one transaction, so a crash leaves a
broadcast either untouched (expanded again later) or fully queued, never half. Each row is due
when the resident's quiet hours allow (at once for urgent weather warnings) and carries the text
in the resident's language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Broadcast, OutboxMessage
from bot.domain.subscriptions import deliver_at, recipients

BATCH = 5000


async def fan_out(session: AsyncSession, broadcast: Broadcast, now: datetime) -> int:
    """Queue the broadcast for every current subscriber; returns how many rows were written."""
    if broadcast.expanded_at is not None:
        return 0
    due = max(broadcast.send_at, now)
    rows = [
        {
            "resident_id": person.resident_id,
            "kind": f"broadcast.{broadcast.kind}",
            "text": broadcast.text_en if person.language == "en" else broadcast.text_pl,
            "silent": person.silent,
            "created_at": now,
            "not_before": deliver_at(person, due, urgent=broadcast.urgent),
            "broadcast_id": broadcast.id,
            "attempts": 0,
        }
        for person in await recipients(session, broadcast.topic, broadcast.osiedla)
    ]
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(OutboxMessage), rows[start : start + BATCH])
    broadcast.queued = len(rows)
    broadcast.expanded_at = now
    return len(rows)


async def expand_due(session: AsyncSession, now: datetime, limit: int = 20) -> int:
    """Expand broadcasts whose send time has come (claimed with SKIP LOCKED: one process each)."""
    query = (
        select(Broadcast)
        .where(Broadcast.expanded_at.is_(None), Broadcast.send_at <= now)
        .order_by(Broadcast.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    total = 0
    for broadcast in (await session.execute(query)).scalars():
        total += await fan_out(session, broadcast, now)
    return total
