"""Residents the bot can no longer reach (they blocked it or deleted the chat).

Telegram answers 403 or "chat not found" for them; sending again only wastes the flood budget, so
they are marked unreachable and their alert subscriptions stop, each stop recorded in the consent
ledger as done by the system. Opening the alerts screen again makes them reachable
(bot.domain.subscriptions.mark_reachable).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AlertPreferences, ConsentEntry, Subscription
from bot.domain import audit


async def mark_unreachable(session: AsyncSession, resident_id: int, now: datetime, reason: str) -> int:
    """Flag the resident and stop their subscriptions; returns how many subscriptions stopped."""
    prefs = await session.get(AlertPreferences, resident_id)
    if prefs is None:
        session.add(AlertPreferences(resident_id=resident_id, unreachable_at=now))
    elif prefs.unreachable_at is None:
        prefs.unreachable_at = now
    topics = list(
        (
            await session.execute(select(Subscription.topic).where(Subscription.resident_id == resident_id))
        ).scalars()
    )
    for topic in topics:
        session.add(
            ConsentEntry(resident_id=resident_id, topic=topic, action="opt_out", channel="system", at=now)
        )
    await session.execute(delete(Subscription).where(Subscription.resident_id == resident_id))
    await audit.record(
        session,
        "system",
        "resident.unreachable",
        f"resident:{resident_id}",
        details={"reason": reason[:120]},
        at=now,
    )
    return len(topics)
