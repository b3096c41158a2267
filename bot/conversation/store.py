"""Loading and saving a resident and their conversation state, locked for the length of a turn.

Every message pays for this, so it is two Core statements (one joined SELECT, one UPDATE) on
plain records rather than ORM objects: the ORM's unit of work cost more than the rest of a turn.
On PostgreSQL the state row is read `FOR UPDATE`, so two processes handling the same resident
take turns; SQLite serialises writers by itself (see bot.db.database).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.db.models import ConversationState, Resident

LAST_SEEN_PRECISION = timedelta(minutes=1)

residents = Resident.__table__
states = ConversationState.__table__


@dataclass
class ResidentRecord:
    """The resident as a turn sees it; changed fields are written back at the end of the turn."""

    id: int
    language: str
    language_chosen: bool
    display_name: str | None
    created_at: datetime
    last_seen_at: datetime


@dataclass
class StateRecord:
    """Where the resident is: active flow, its step and slots, misunderstandings in a row."""

    resident_id: int
    flow: str | None
    step: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    misses: int = 0
    version: int = 0
    updated_at: datetime | None = None


_RESIDENT_COLUMNS = [residents.c[f.name] for f in fields(ResidentRecord)]
_STATE_COLUMNS = [states.c[f.name] for f in fields(StateRecord)]
_LOAD = (
    select(*_STATE_COLUMNS, *_RESIDENT_COLUMNS)
    .select_from(states.join(residents, residents.c.id == states.c.resident_id))
    .where(states.c.resident_id == bindparam("rid"))
    .with_for_update(of=states)
)
_SAVE_STATE = (
    update(states)
    .where(states.c.resident_id == bindparam("rid"))
    .values(
        flow=bindparam("flow"),
        step=bindparam("step"),
        slots=bindparam("slots", type_=states.c.slots.type),
        misses=bindparam("misses"),
        version=bindparam("version"),
        updated_at=bindparam("updated_at", type_=states.c.updated_at.type),
    )
)
_SAVE_RESIDENT = (
    update(residents)
    .where(residents.c.id == bindparam("rid"))
    .values(
        language=bindparam("language"),
        language_chosen=bindparam("language_chosen"),
        display_name=bindparam("display_name"),
        last_seen_at=bindparam("last_seen_at", type_=residents.c.last_seen_at.type),
    )
)


@dataclass
class Loaded:
    """What a turn starts from, with a snapshot of the resident to see what changed."""

    resident: ResidentRecord
    state: StateRecord
    first_contact: bool
    original: dict[str, Any]


async def _insert_missing(
    conn: AsyncConnection, resident_id: int, language: str, name: str | None, now: datetime
) -> None:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(
        insert(residents)
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
    await conn.execute(
        insert(states)
        .values(resident_id=resident_id, slots={}, misses=0, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["resident_id"])
    )


async def load_for_turn(
    session: AsyncSession, resident_id: int, *, language: str, display_name: str | None, now: datetime
) -> Loaded:
    """The resident (created on first contact) and their locked state, in one round trip usually."""
    conn = await session.connection()
    row = (await conn.execute(_LOAD, {"rid": resident_id})).one_or_none()
    first_contact = row is None
    if first_contact:
        await _insert_missing(conn, resident_id, language, display_name, now)
        row = (await conn.execute(_LOAD, {"rid": resident_id})).one()
    values = list(row)
    split = len(_STATE_COLUMNS)
    state = StateRecord(*values[:split])
    state.slots = dict(state.slots or {})
    resident = ResidentRecord(*values[split:])
    original = asdict(resident)
    # last_seen only needs minute precision; skipping the write keeps busy chats to one UPDATE a turn.
    if now - resident.last_seen_at >= LAST_SEEN_PRECISION:
        resident.last_seen_at = now
    if display_name and resident.display_name != display_name[:128]:
        resident.display_name = display_name[:128]
    return Loaded(resident, state, first_contact, original)


async def save_turn(session: AsyncSession, loaded: Loaded, now: datetime) -> None:
    """Write the state (version bumped) and the resident if anything of it changed."""
    state, resident = loaded.state, loaded.resident
    state.version += 1
    state.updated_at = now
    conn = await session.connection()
    await conn.execute(
        _SAVE_STATE,
        {
            "rid": state.resident_id,
            "flow": state.flow,
            "step": state.step,
            "slots": state.slots,
            "misses": state.misses,
            "version": state.version,
            "updated_at": now,
        },
    )
    current = asdict(resident)
    if current != loaded.original:
        await conn.execute(
            _SAVE_RESIDENT,
            {
                "rid": resident.id,
                "language": resident.language,
                "language_chosen": resident.language_chosen,
                "display_name": resident.display_name,
                "last_seen_at": resident.last_seen_at,
            },
        )
