"""Broadcast delivery against the fake Bot API enforcing Telegram's limits. Prints JSON.

The fake server runs here; the bot is a real `citybot run` process (its outbox dispatcher does the
work), as it would be against Telegram. Scenarios:
  a) `--seconds` (60) of traffic at 30 msg/s allowed, with a 429 injected every 2 s;
  b) `--recipients` (100,000) with the fake's limit raised to 1000 msg/s;
  c) the same as (b), with the bot process killed (SIGKILL) mid-way and started again.
For each: achieved rate / allowed rate, lost (recipients without the message), duplicates.

    python bench/broadcast.py [--seconds 60] [--recipients 100000] [--only a|b|c]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from bot.db.database import Database
from bot.db.migrate import upgrade
from bot.db.models import Broadcast, OutboxMessage, Resident, Subscription
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.messaging import private_chat

FIRST_RESIDENT = 10_000_000


async def seed(database_url: str, count: int) -> None:
    """`count` residents subscribed to city news, and one broadcast due now."""
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.transaction() as session:
            for start in range(0, count, 5000):
                ids = range(FIRST_RESIDENT + start, FIRST_RESIDENT + min(count, start + 5000))
                await session.execute(
                    insert(Resident),
                    [
                        {
                            "id": i,
                            "language": "pl",
                            "language_chosen": True,
                            "created_at": now,
                            "last_seen_at": now,
                        }
                        for i in ids
                    ],
                )
                await session.execute(
                    insert(Subscription),
                    [
                        {"resident_id": i, "topic": "city_news", "osiedle": None, "created_at": now}
                        for i in ids
                    ],
                )
            session.add(
                Broadcast(
                    kind="announcement",
                    topic="city_news",
                    osiedla=None,
                    text_pl="Komunikat testowy",
                    text_en="Test notice",
                    urgent=True,
                    send_at=now,
                    created_by="bench",
                    created_at=now,
                )
            )
    finally:
        await db.dispose()


async def claimed_unsent(database_url: str) -> int:
    """Outbox rows under a live lease and not marked sent: what a dispatcher had in hand."""
    db = Database(database_url)
    try:
        async with db.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count()).where(
                        OutboxMessage.sent_at.is_(None), OutboxMessage.lease_until > datetime.now(UTC)
                    )
                )
                or 0
            )
    finally:
        await db.dispose()


def start_bot(fake: FakeTelegram, database_url: str, rate: float) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.base_url,
        "TELEGRAM_FILE_URL": fake.base_file_url,
        "DATABASE_URL": database_url,
        "NLU_BACKEND": "none",
        "FEEDS_ENABLED": "false",
        "TELEGRAM_MAX_RATE": str(rate),
        "DISPATCH_INTERVAL": "0.2",
        "OUTBOX_LEASE_SECONDS": "5",
        "WEB_PORT": "0",
        "LOG_LEVEL": "WARNING",
    }
    return asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def run_scenario(name: str, recipients: int, allowed: float, *, random_429: bool, crash: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite+aiosqlite:///{tmp}/broadcast.sqlite3"
        await asyncio.to_thread(upgrade, database_url)
        await seed(database_url, recipients)
        async with FakeTelegram() as fake:
            fake.rate_limits(global_per_second=allowed, per_chat_per_second=1, per_group_per_minute=20)
            bot_state = fake.bot_state()
            for n in range(recipients):  # every subscriber once talked to the bot
                private_chat(bot_state, fake.user(FIRST_RESIDENT + n))
            bot = await start_bot(fake, database_url, allowed)
            started = time.monotonic()
            crashed_at: int | None = None
            in_flight: int | None = None
            faults = 0
            try:
                # Until every recipient has the message (a total would count duplicates too).
                while (
                    len(fake.stats.sent_per_chat) < recipients
                    and time.monotonic() - started < recipients / allowed * 4 + 60
                ):
                    await asyncio.sleep(0.25)
                    if random_429 and int((time.monotonic() - started) / 2) > faults:
                        faults += 1
                        fake.inject_fault("sendMessage", "429", times=1, retry_after=1)
                    if crash and crashed_at is None and fake.stats.sent >= recipients // 2:
                        crashed_at = fake.stats.sent
                        bot.send_signal(signal.SIGKILL)
                        await bot.wait()
                        in_flight = await claimed_unsent(database_url)
                        bot = await start_bot(fake, database_url, allowed)
                elapsed = time.monotonic() - started
            finally:
                bot.terminate()
                await bot.wait()
            per_chat = fake.stats.sent_per_chat
            delivered = [per_chat.get(FIRST_RESIDENT + n, 0) for n in range(recipients)]
            times = [event.time for n in range(recipients) for event in fake.bot_messages(FIRST_RESIDENT + n)]
            # The rate counts from the first message to the last, not the bot's start-up.
            sending = max(times) - min(times) if len(times) > 1 else elapsed
            return {
                "scenario": name,
                "recipients": recipients,
                "allowed_per_s": allowed,
                "seconds_sending": round(sending, 2),
                "seconds_total": round(elapsed, 2),
                "achieved_per_s": round(sum(delivered) / sending, 1),
                "ratio": round(sum(delivered) / sending / allowed, 3),
                "lost": sum(1 for count in delivered if count == 0),
                "duplicates": sum(max(0, count - 1) for count in delivered),
                "refused_429": fake.stats.refused_429,
                "injected_429": faults,
                "crashed_after_sent": crashed_at,
                # Claimed by the killed dispatcher and not recorded: the most that can go twice.
                "in_flight_at_crash": in_flight,
            }


async def main(args: argparse.Namespace) -> list[dict]:
    results = []
    if args.only in (None, "a"):
        results.append(await run_scenario("a", int(args.seconds * 30), 30, random_429=True, crash=False))
    if args.only in (None, "b"):
        results.append(await run_scenario("b", args.recipients, 1000, random_429=False, crash=False))
    if args.only in (None, "c"):
        results.append(await run_scenario("c", args.recipients, 1000, random_429=False, crash=True))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--only", choices=("a", "b", "c"))
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args())), indent=2))
