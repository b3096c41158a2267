"""Broadcasts from fan-out to Telegram: quiet hours, languages, flood control (429), blocked (403)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.models import AlertPreferences, Broadcast, ConsentEntry, OutboxMessage, Subscription
from bot.domain import subscriptions
from bot.domain.broadcasts import fan_out
from scheduler.dispatch import dispatch_once, expand_broadcasts
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot
from tests.test_reports import add_resident

NIGHT = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # 23:30 in Poznań
DAY = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)


async def subscribe(db, resident: int, topic: str, language: str = "pl", osiedle: str | None = None) -> None:
    await add_resident(db, resident, language)
    async with db.transaction() as session:
        await subscriptions.subscribe(session, resident, topic, osiedle=osiedle, channel="bot", now=DAY)


async def broadcast(db, topic: str, *, urgent: bool = False, osiedla=None, at=DAY) -> Broadcast:
    async with db.transaction() as session:
        item = Broadcast(
            kind="announcement", topic=topic, osiedla=osiedla, text_pl="Uwaga, komunikat", text_en="Notice",
            urgent=urgent, send_at=at, created_by="test", created_at=at,
        )  # fmt: skip
        session.add(item)
        await session.flush()
        return item


async def test_fan_out_once_per_subscriber_in_their_language_with_quiet_hours(db):
    await subscribe(db, 1, "seniors", "pl")
    await subscribe(db, 2, "seniors", "en")
    await subscribe(db, 3, "weather", "pl")
    await subscribe(db, 4, "road_works", "pl", osiedle="Wilda")
    await subscribe(db, 5, "road_works", "pl", osiedle="Jeżyce")
    await broadcast(db, "seniors", at=NIGHT)
    await broadcast(db, "road_works", osiedla=["Wilda"], at=DAY)
    assert await expand_broadcasts(db, clock=lambda: NIGHT) == 3
    assert await expand_broadcasts(db, clock=lambda: NIGHT) == 0  # exactly once
    async with db.transaction() as session:
        rows = {
            (m.resident_id, m.text, m.not_before)
            for m in (await session.execute(select(OutboxMessage))).scalars()
        }
    morning = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 in Poznań
    assert rows == {
        (1, "Uwaga, komunikat", morning),
        (2, "Notice", morning),
        (4, "Uwaga, komunikat", morning),
    }


async def test_urgent_warnings_ignore_quiet_hours(db):
    await subscribe(db, 1, "weather")
    item = await broadcast(db, "weather", urgent=True, at=NIGHT)
    async with db.transaction() as session:
        fresh = await session.get(Broadcast, item.id)
        assert await fan_out(session, fresh, NIGHT) == 1
        due = await session.scalar(select(OutboxMessage.not_before))
    assert due == NIGHT


async def test_dispatch_over_telegram_survives_429_and_stops_writing_to_the_blocked(db, database_url):
    for resident in (701, 702, 703):
        await subscribe(db, resident, "city_news")
    item = await broadcast(db, "city_news")
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url, dispatch_interval=3600).start()
        try:
            for resident in (701, 702, 703):  # they talked to the bot before subscribing, as residents do
                await fake.send_message(resident, "/menu")
                await fake.wait_for(resident, kind="message", timeout=10)
            fake.inject_fault("sendMessage", "429", times=1, chat_id=701, retry_after=1)
            fake.inject_fault("sendMessage", "403", times=None, chat_id=702)
            await expand_broadcasts(db, clock=lambda: DAY)
            assert await dispatch_once(db, bot.channel, clock=lambda: DAY) == 1  # 703; 701 must wait
            assert len(fake.bot_messages(701)) == 1  # refused once: re-queued for exactly retry_after
            assert await dispatch_once(db, bot.channel, clock=lambda: DAY) == 0  # not due yet
            later = DAY + timedelta(seconds=1)
            assert await dispatch_once(db, bot.channel, clock=lambda: later) == 1
            assert [e.text for e in fake.bot_messages(701)][1:] == ["Uwaga, komunikat"]
            assert [e.text for e in fake.bot_messages(703)][1:] == ["Uwaga, komunikat"]
            assert len(fake.bot_messages(702)) == 1  # only the menu from before
        finally:
            await bot.stop()
    async with db.transaction() as session:
        counters = await session.get(Broadcast, item.id)
        blocked = await session.get(AlertPreferences, 702)
        left = (await session.execute(select(Subscription.resident_id))).scalars().all()
        ledger = (
            (await session.execute(select(ConsentEntry).where(ConsentEntry.channel == "system")))
            .scalars()
            .all()
        )
    assert (counters.queued, counters.sent, counters.unreachable, counters.failed) == (3, 2, 1, 0)
    assert blocked.unreachable_at is not None and 702 not in left
    assert [(e.resident_id, e.action) for e in ledger] == [(702, "opt_out")]
    assert await dispatch_once(db, bot.channel, clock=lambda: later) == 0  # nothing twice
