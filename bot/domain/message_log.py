"""The last lines of each resident's conversation, so staff taking over see what was said.

Text only, capped at 500 characters a line; photos and pins leave a short marker. One INSERT per
turn at most. Retention (anonymising lines older than a configurable age) is issue #8.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MessageLogEntry

MAX_TEXT = 500
IN, OUT = "in", "out"


def clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


async def record(
    session: AsyncSession, resident_id: int, lines: Iterable[tuple[str, str]], *, now: datetime
) -> None:
    """Append (direction, text) lines in the caller's transaction; empty texts are skipped."""
    rows = [
        {"resident_id": resident_id, "direction": direction, "text": clip(text), "at": now}
        for direction, text in lines
        if text and text.strip()
    ]
    if rows:
        await session.execute(insert(MessageLogEntry), rows)


async def recent(session: AsyncSession, resident_id: int, limit: int = 10) -> list[MessageLogEntry]:
    """The resident's last `limit` lines, oldest first."""
    query = (
        select(MessageLogEntry)
        .where(MessageLogEntry.resident_id == resident_id)
        .order_by(MessageLogEntry.id.desc())
        .limit(limit)
    )
    return list(reversed(list((await session.execute(query)).scalars())))
