"""The audit trail: who did what to which thing. Staff actions and data changes write here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, utcnow


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str | None = None,
    *,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction, so the trail and the change commit together."""
    entry = AuditEntry(actor=actor, action=action, target=target, details=details, at=at or utcnow())
    session.add(entry)
    await session.flush()
    return entry


async def entries_for(session: AsyncSession, target: str, limit: int = 100) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
