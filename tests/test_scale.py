"""Several `citybot run` processes on one PostgreSQL database behind one webhook (issue: scale out).

The fake Bot API delivers webhooks over parallel connections and alternates between the processes,
so one resident's messages reach both processes at once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import insert

from bot.db.models import Broadcast, Resident, Subscription
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.messaging import private_chat
from tests.multiprocess import start_processes

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
async def pg(db):
    if not db.is_postgres:
        pytest.skip("several processes share a PostgreSQL database; SQLite serves one process")
    return db


async def updates_handled(url: str) -> float:
    async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as answer:
        text = await answer.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("citybot_updates_total{")
    )


async def test_interleaved_residents_on_two_processes_get_every_reply_in_order(pg, database_url):
    residents = [880_000 + n for n in range(24)]
    messages = 8
    async with FakeTelegram(parallel_webhook=True) as fake:
        processes = await start_processes(fake, database_url, 2)
        try:
            roles = sorted([await process.role() for process in processes])
            assert roles == ["leader", "standby"]  # exactly one scheduler
            # A deployment that has run before: the inbox knows the latest update id, so gaps
            # before a resident's first update can be seen (an empty inbox cannot tell).
            await fake.send_message(879_999, "/count 1", language_code="pl")
            await fake.wait_for(879_999, kind="message", timeout=30)

            async def resident(user: int) -> None:
                for n in range(1, messages + 1):  # sent back to back, not waiting for answers
                    await fake.send_message(user, f"/count {n}", language_code="pl")

            await asyncio.gather(*(resident(user) for user in residents))
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if all(len(fake.bot_messages(user)) >= messages for user in residents):
                    break
                await asyncio.sleep(0.2)
            handled = [await updates_handled(process.url) for process in processes]
        finally:
            for process in processes:
                await process.stop()
        for user in residents:
            texts = [event.text for event in fake.bot_messages(user)]
            assert texts == [f"{n} after {n - 1}" for n in range(1, messages + 1)], (user, texts)
    assert all(count > 0 for count in handled), handled  # both processes did part of the work
    assert sum(handled) == len(residents) * messages + 1  # each update handled once


async def seed_broadcast(db, recipients: list[int]) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        await session.execute(
            insert(Resident),
            [
                {"id": r, "language": "pl", "language_chosen": True, "created_at": now, "last_seen_at": now}
                for r in recipients
            ],
        )
        await session.execute(
            insert(Subscription),
            [
                {"resident_id": r, "topic": "city_news", "osiedle": None, "created_at": now}
                for r in recipients
            ],
        )
        session.add(
            Broadcast(
                kind="announcement", topic="city_news", osiedla=None, text_pl="Komunikat", text_en="Notice",
                urgent=True, send_at=now, created_by="test", created_at=now,
            )
        )  # fmt: skip


async def test_killing_the_scheduler_leader_mid_broadcast_hands_over_without_loss(pg, database_url):
    recipients = [890_000 + n for n in range(240)]
    settings = {
        "telegram_max_rate": "40",
        "outbox_lease_seconds": "3",
        "dispatch_interval": "0.2",
        "leader_check_seconds": "0.5",
    }
    async with FakeTelegram(parallel_webhook=True) as fake:
        # Telegram's limits for the whole bot, at the rate the deployment is configured for.
        fake.rate_limits(global_per_second=40, per_chat_per_second=1, per_group_per_minute=20)
        state = fake.bot_state()
        for user in recipients:  # every subscriber once talked to the bot
            private_chat(state, fake.user(user))
        processes = await start_processes(fake, database_url, 2, **settings)
        try:
            roles = {process: await process.role() for process in processes}
            leader = next(p for p, role in roles.items() if role == "leader")
            standby = next(p for p, role in roles.items() if role == "standby")
            await seed_broadcast(pg, recipients)
            while fake.stats.sent < len(recipients) // 3:
                await asyncio.sleep(0.05)
            leader.kill()  # no goodbye: its database session ends, and the advisory lock with it
            killed_at = time.monotonic()
            while await standby.role() != "leader":
                assert time.monotonic() - killed_at < 10, "the standby did not take over"
                await asyncio.sleep(0.1)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if all(fake.stats.sent_per_chat.get(user, 0) >= 1 for user in recipients):
                    break
                await asyncio.sleep(0.2)
        finally:
            for process in processes:
                await process.stop()
    delivered = [fake.stats.sent_per_chat.get(user, 0) for user in recipients]
    assert all(count >= 1 for count in delivered)  # nothing lost
    # One dispatching leader at a time: two dispatchers side by side at 40/s each would be refused
    # dozens of times a second; at most a stray refusal is allowed for requests that left evenly
    # but reached the fake bunched together (seen once in CI across the handover).
    assert fake.stats.refused_429 <= 2
    # Only what the killed process had claimed and not yet recorded can go twice: at most its
    # workers' batches (4 workers x 40/s x 3 s / 8 = 15 each).
    assert sum(count - 1 for count in delivered) <= 4 * 15
