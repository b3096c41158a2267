"""Duplicate lookup with many existing reports: p50/p99 of `open_duplicates` on SQLite and PostgreSQL.

Fills a fresh database with N reports spread over Poznań (12 categories, 80% open), then asks for
open reports of a category within 50 m of random points, as the report flow does. Prints JSON.

    python bench/reports.py [--reports 100000] [--queries 1000] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, text

from bench.figures import percentile
from bot.db.database import Database
from bot.db.migrate import upgrade
from bot.db.models import Report
from bot.domain import reports
from bot.domain.categories import CATEGORIES

SOUTH, NORTH, WEST, EAST = 52.33, 52.48, 16.82, 17.02
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def fill(db: Database, count: int, rng: random.Random) -> float:
    codes = [category.code for category in CATEGORIES]
    now = datetime.now(UTC)
    start = time.perf_counter()
    async with db.transaction() as session:
        await session.execute(delete(Report))
        batch = []
        for n in range(count):
            batch.append(
                {
                    "ticket": f"BENCH-{n:07d}",
                    "category": rng.choice(codes),
                    "description": "bench",
                    "latitude": rng.uniform(SOUTH, NORTH),
                    "longitude": rng.uniform(WEST, EAST),
                    "status": "new" if rng.random() < 0.8 else "resolved",
                    "language": "pl",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 5000:
                await session.execute(insert(Report), batch)
                batch = []
        if batch:
            await session.execute(insert(Report), batch)
    if db.is_postgres:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE reports"))
    return time.perf_counter() - start


async def measure(url: str, count: int, queries: int, seed: int) -> dict:
    rng = random.Random(seed)
    db = Database(url)
    try:
        fill_seconds = await fill(db, count, rng)
        codes = [category.code for category in CATEGORIES]
        latencies, found = [], 0
        for _ in range(queries):
            lat, lon = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
            started = time.perf_counter()
            async with db.transaction() as session:
                nearby = await reports.open_duplicates(
                    session, rng.choice(codes), latitude=lat, longitude=lon
                )
            latencies.append(time.perf_counter() - started)
            found += len(nearby)
        async with db.transaction() as session:
            await session.execute(delete(Report))
        return {
            "reports": count,
            "queries": queries,
            "fill_seconds": round(fill_seconds, 2),
            "p50_ms": round(percentile(latencies, 50) * 1000, 3),
            "p99_ms": round(percentile(latencies, 99) * 1000, 3),
            "max_ms": round(max(latencies) * 1000, 3),
            "duplicates_found": found,
            "target_p99_le_20ms": percentile(latencies, 99) * 1000 <= 20,
        }
    finally:
        await db.dispose()


async def main(args: argparse.Namespace) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(upgrade, sqlite)
        results["sqlite"] = await measure(sqlite, args.reports, args.queries, args.seed)
    if not args.no_postgres:
        await asyncio.to_thread(upgrade, args.postgres)
        results["postgresql"] = await measure(args.postgres, args.reports, args.queries, args.seed)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL (its reports table is emptied)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args())), indent=2))
