"""Scale-out: throughput and p99 latency with 1 and 2 bot processes on PostgreSQL, and 1 on SQLite.

Each bot is a real `citybot run` process (tests/scale_bot.py, the city's handlers) in webhook mode;
the fake Bot API runs here and delivers webhooks over parallel connections, alternating between
the processes as a load balancer would. Residents send the "features" script of
bench/throughput.py (menu, My matters, help, alerts: database reads and writes on every turn).
Prints JSON, including the scaling ratio (2 processes / 1 process on PostgreSQL).

    python bench/scale.py [--messages 3000] [--residents 200] [--outstanding 100] [--rate 50]
                          [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench import throughput
from bench.throughput import cpu_seconds, one_message, saturation, steady
from bot.db.migrate import upgrade
from tests.fake_telegram import FakeTelegram
from tests.multiprocess import start_processes

BENCH_DATABASE = "citybot_scale_bench"


async def fresh_postgres(admin_url: str) -> str:
    """Drop and create the benchmark database; returns its SQLAlchemy URL, migrated."""
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    finally:
        await connection.close()
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{base}/{BENCH_DATABASE}"
    await asyncio.to_thread(upgrade, url)
    return url


async def run_config(name: str, database_url: str, processes: int, args: argparse.Namespace) -> dict:
    async with FakeTelegram(parallel_webhook=True) as fake:
        bots = await start_processes(
            fake, database_url, processes, telegram_max_rate="0", telegram_concurrency="64",
            throttle_messages="0",  # residents here send dozens of messages a minute on purpose
            database_pool_size="20",
        )  # fmt: skip
        try:
            await asyncio.wait_for(one_message(fake, fake.token, 699_999, "/menu"), 60)
            await saturation(fake, fake.token, 200, 20, 20)  # warm-up: caches, connections, JIT-free paths
            cpu_before = [cpu_seconds(bot.process.pid) for bot in bots]
            loaded = await saturation(fake, fake.token, args.messages, args.residents, args.outstanding)
            cpu = [
                cpu_seconds(bot.process.pid) - before for bot, before in zip(bots, cpu_before, strict=True)
            ]
            loaded["bot_cpu_ms_per_update"] = round(sum(cpu) * 1000 / loaded["updates"], 2)
            loaded["cpu_share_per_process"] = [round(c / sum(cpu), 2) for c in cpu] if sum(cpu) else None
            at_rate = await steady(fake, fake.token, args.rate, args.seconds, args.residents)
        finally:
            for bot in bots:
                await bot.stop()
    return {"config": name, "processes": processes, "saturation": loaded, "steady": at_rate}


async def main(args: argparse.Namespace) -> dict:
    throughput.SCRIPT = throughput.SCRIPTS["features"]
    results: dict = {"args": vars(args).copy(), "cpus": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{tmp}/scale.sqlite3"
        await asyncio.to_thread(upgrade, sqlite_url)
        results["runs"].append(await run_config("sqlite-1", sqlite_url, 1, args))
    for processes in (1, 2):
        url = await fresh_postgres(args.pg_admin_url)
        results["runs"].append(await run_config(f"postgresql-{processes}", url, processes, args))
    by_name = {run["config"]: run["saturation"]["updates_per_s"] for run in results["runs"]}
    results["scaling_ratio_pg_2_over_1"] = round(by_name["postgresql-2"] / by_name["postgresql-1"], 3)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000, help="messages in the saturation run")
    parser.add_argument("--residents", type=int, default=200, help="simulated residents")
    parser.add_argument("--outstanding", type=int, default=100, help="residents sending at once")
    parser.add_argument("--rate", type=float, default=50.0, help="updates per second in the steady run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the steady run")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args())), indent=2))
