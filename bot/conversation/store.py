"""Loading and saving a resident and their conversation state, locked for the length of a turn.

On PostgreSQL the state row is read `FOR UPDATE`, so two processes handling the same resident
take turns; SQLite serialises writers by itself (see bot.db.database).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from bot.db.models import ConversationState, Resident

LAST_SEEN_PRECISION = timedelta(minutes=1)


async def _insert_missing(
    session: AsyncSession, resident_id: int, language: str, name: str | None, now: datetime
) -> None:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(Resident)
        .values(
            id=resident_id,
            language=language,
            language_chosen=False,
            display_name=name,
            created_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    await session.execute(
        insert(ConversationState)
        .values(resident_id=resident_id, slots={}, misses=0, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["resident_id"])
    )


async def load_for_turn(
    session: AsyncSession, resident_id: int, *, language: str, display_name: str | None, now: datetime
) -> tuple[Resident, ConversationState, bool]:
    """The resident (created on first contact) and their locked state; the flag says "first contact".

    One round trip in the common case: resident and state come back from one joined SELECT.
    """
    query = (
        select(ConversationState, Resident)
        .join(Resident, Resident.id == ConversationState.resident_id)
        .where(ConversationState.resident_id == resident_id)
        .with_for_update(of=ConversationState)
    )
    row = (await session.execute(query)).one_or_none()
    first_contact = row is None
    if first_contact:
        await _insert_missing(session, resident_id, language, display_name, now)
        row = (await session.execute(query)).one()
    state, resident = row
    # last_seen only needs minute precision; skipping the write keeps busy chats to one UPDATE a turn.
    if resident.last_seen_at is None or now - resident.last_seen_at >= LAST_SEEN_PRECISION:
        resident.last_seen_at = now
    if display_name and resident.display_name != display_name[:128]:
        resident.display_name = display_name[:128]
    return resident, state, first_contact


def mark_saved(state: ConversationState, now: datetime) -> None:
    """Bump the version and make sure the JSON slots are written even when mutated in place."""
    state.version = (state.version or 0) + 1
    state.updated_at = now
    flag_modified(state, "slots")
