"""Booking under pressure, on SQLite and PostgreSQL: prints JSON, asserts nothing about time.

1. The race: 200 residents try, all at once, to book the one free desk of a slot (each attempt its
   own transaction, as each would be its own Telegram turn). Exactly one booking must result;
   it is printed, with how the others were answered (SlotTaken with alternatives).
2. A month's availability: with the next 30 days about 60% booked (two offices, seven matters,
   ~13,000 active bookings) and 100,000 older rows, `availability()` for one office and matter
   (free slots per day up to the horizon, as the day step of the form asks) is timed: p50/p99.

    python bench/booking.py [--racers 200] [--queries 1000] [--postgres URL | --no-postgres]

On PostgreSQL the racers share a pool of `--pool` connections (twice that with overflow); the
others wait for a connection, as turns of a busy bot would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select, text

from bench.figures import percentile
from bot.db.database import Database
from bot.db.migrate import upgrade
from bot.db.models import AuditEntry, Booking, OutboxMessage, Resident
from bot.domain import booking
from bot.domain.booking_calendar import bookable_days, moment, slots_of_day
from bot.domain.booking_errors import SlotTaken
from bot.domain.offices import MATTERS, MATTERS_BY_CODE, OFFICES, OFFICES_BY_CODE

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # a Sunday morning in Poznań
FIRST_RESIDENT = 900_000
RACE = ("libelta", "id_card_application")  # four desks: three are taken before the race
ALPHABET = booking.CODE_ALPHABET


def bench_code(n: int) -> str:
    """Distinct 6-character codes for filler rows (base 32 over the booking alphabet)."""
    digits = []
    for _ in range(booking.CODE_LENGTH):
        n, digit = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


async def clean(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.ref.like("booking:%")))
        await session.execute(delete(AuditEntry).where(AuditEntry.action.like("booking.%")))
        await session.execute(delete(Booking))
        await session.execute(delete(Resident).where(Resident.id >= FIRST_RESIDENT))


async def fill(db: Database, rng: random.Random, history: int) -> tuple[int, float]:
    """The next 30 days about 60% booked, plus `history` rows of past visits (numbered desks
    beyond the real ones, so past rows never meet the unique index)."""
    started = time.perf_counter()
    rows: list[dict] = []
    for office in OFFICES:
        for matter in MATTERS:
            for day in bookable_days(office, NOW):
                for slot in slots_of_day(office, matter, day):
                    for desk in range(1, matter.desks + 1):
                        if rng.random() < 0.6 and (office.code, matter.code) != RACE:
                            rows.append(_row(len(rows), office.code, matter.code, desk, slot, "active"))
    active = len(rows)
    past_day = NOW.date() - timedelta(days=400)
    for n in range(history):
        office, matter = rng.choice(OFFICES), rng.choice(MATTERS)
        day = past_day + timedelta(days=n % 360)
        slots = slots_of_day(office, matter, day)
        if not slots:
            continue
        status = rng.choice(("active", "active", "cancelled", "moved"))
        rows.append(_row(len(rows), office.code, matter.code, 1000 + n, rng.choice(slots), status))
    async with db.transaction() as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Booking), rows[start : start + 5000])
    if db.is_postgres:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE bookings"))
    return active, time.perf_counter() - started


def _row(n: int, office: str, matter: str, desk: int, slot, status: str) -> dict:
    return {
        "code": bench_code(n + 1),
        "resident_id": None,
        "office": office,
        "matter": matter,
        "desk": desk,
        "day": slot.day,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "status": status,
        "created_at": NOW - timedelta(days=1),
    }


async def race(db: Database, racers: int) -> dict:
    """Three desks taken, then `racers` residents at once for the fourth."""
    office, matter = RACE
    starts_at = moment(NOW.date() + timedelta(days=1), clock_time(10))
    async with db.transaction() as session:
        for n in range(racers + 3):
            session.add(Resident(id=FIRST_RESIDENT + n, language="pl", created_at=NOW, last_seen_at=NOW))
    for n in range(3):
        async with db.transaction() as session:
            await booking.book(session, FIRST_RESIDENT + n, office, matter, starts_at, now=NOW)

    async def attempt(resident_id: int):
        try:
            async with db.transaction() as session:
                return await booking.book(session, resident_id, office, matter, starts_at, now=NOW)
        except SlotTaken as taken:
            return taken

    started = time.perf_counter()
    results = await asyncio.gather(*(attempt(FIRST_RESIDENT + 3 + n) for n in range(racers)))
    seconds = time.perf_counter() - started
    won = [result for result in results if isinstance(result, Booking)]
    taken = [result for result in results if isinstance(result, SlotTaken)]
    errors = [repr(result) for result in results if not isinstance(result, (Booking, SlotTaken))]
    async with db.transaction() as session:
        active = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.office == office,
                Booking.matter == matter,
                Booking.starts_at == starts_at,
                Booking.status == "active",
            )
        )
    return {
        "racers": racers,
        "desks": MATTERS_BY_CODE[matter].desks,
        "desks_taken_before": 3,
        "bookings_won": len(won),
        "exactly_one_booking": len(won) == 1 and active == 4,
        "active_rows_at_the_slot": active,
        "answered_slot_taken_with_alternatives": sum(bool(t.alternatives) for t in taken),
        "errors": errors[:3],
        "booking": (
            {
                "code": won[0].code,
                "resident_id": won[0].resident_id,
                "office": won[0].office,
                "matter": won[0].matter,
                "desk": won[0].desk,
                "starts_at": won[0].starts_at.isoformat(),
            }
            if won
            else None
        ),
        "seconds": round(seconds, 3),
    }


async def availability(db: Database, queries: int, rng: random.Random) -> dict:
    pairs = [(office.code, matter) for office in OFFICES for matter in office.matters]
    latencies, free_total = [], 0
    for _ in range(queries):
        office, matter = rng.choice(pairs)
        started = time.perf_counter()
        async with db.transaction() as session:
            month = await booking.availability(session, office, matter, now=NOW)
        latencies.append(time.perf_counter() - started)
        free_total += sum(month.values())
    return {
        "queries": queries,
        "days_per_query": len(bookable_days(OFFICES_BY_CODE["libelta"], NOW)),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "max_ms": round(max(latencies) * 1000, 3),
        "mean_free_slots_per_month": round(free_total / queries, 1),
    }


async def measure(url: str, args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    db = Database(url, pool_size=args.pool)
    try:
        await clean(db)
        active, fill_seconds = await fill(db, rng, args.history)
        result = {
            "active_bookings": active,
            "history_rows": args.history,
            "fill_seconds": round(fill_seconds, 2),
            "race": await race(db, args.racers),
            "month_availability": await availability(db, args.queries, rng),
        }
        await clean(db)
        return result
    finally:
        await db.dispose()


async def main(args: argparse.Namespace) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(upgrade, sqlite)
        results["sqlite"] = await measure(sqlite, args)
    if not args.no_postgres:
        await asyncio.to_thread(upgrade, args.postgres)
        results["postgresql"] = await measure(args.postgres, args)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--racers", type=int, default=200)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=20, help="PostgreSQL pool size (overflow as much again)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL (its bookings table is emptied)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args())), indent=2))
