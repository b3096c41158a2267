"""The flood gate: global rate, interactive priority, per-chat and group pacing."""

from __future__ import annotations

import asyncio
import time

from bot.channels.ratelimit import ChatPacing, FloodGate, TokenBucket


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_bucket_holds_the_rate_after_its_burst():
    bucket = TokenBucket(rate=50)
    start = time.monotonic()
    for _ in range(75):  # 50 from the full bucket, 25 more at 50/s
        await bucket.take()
    elapsed = time.monotonic() - start
    assert 0.4 <= elapsed < 1.5


async def test_bulk_waits_while_replies_are_waiting_and_keeps_a_reserve():
    bucket = TokenBucket(rate=20, capacity=2)
    order: list[str] = []
    await bucket.take()
    await bucket.take()  # empty now

    async def reply(n: int) -> None:
        await bucket.take()
        order.append(f"reply{n}")

    async def bulk(n: int) -> None:
        await bucket.take(bulk=True, reserve=0.0)
        order.append(f"bulk{n}")

    await asyncio.gather(bulk(1), bulk(2), reply(1), reply(2), reply(3))
    assert sorted(order[:3]) == ["reply1", "reply2", "reply3"]  # no broadcast before any waiting reply


def test_bulk_messages_to_one_chat_are_a_second_apart_and_groups_20_a_minute():
    clock = ManualClock()
    pacing = ChatPacing(clock=clock)
    assert [pacing.delay(7, bulk=True) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacing.delay(8, bulk=True) == 0.0  # another chat is not held up
    assert pacing.delay(7, bulk=False) == 0.0  # replies are not paced per chat
    delays = [pacing.delay(-100, bulk=False) for _ in range(21)]
    assert delays[:20] == [0.0] * 20 and delays[20] == 60.0
    clock.now += 61
    assert pacing.delay(-100, bulk=False) == 0.0


async def test_zero_rate_means_no_global_cap():
    gate = FloodGate(0)
    start = time.monotonic()
    for n in range(500):
        await gate.wait(n, bulk=False)
    assert time.monotonic() - start < 0.5


def test_a_refused_message_gives_its_token_back_for_the_next_sender():
    clock = ManualClock()
    gate = FloodGate(30.0, clock=clock)
    gate.bucket.tokens = 0.5
    gate.refund()  # the send Telegram refused with 429 delivered nothing: its slot is not lost
    assert gate.bucket.tokens == 1.5  # above the bucket's room, until the next sender uses it
    clock.now += 10.0  # idle time refills only up to capacity; the refunded token stays
    gate.bucket._refill()
    assert gate.bucket.tokens == 1.5
    gate.bucket.tokens = 0.0
    clock.now += 10.0
    gate.bucket._refill()
    assert gate.bucket.tokens == gate.bucket.capacity == 1.1


def test_high_rates_get_a_small_burst_and_a_matching_lower_refill():
    slow, fast = FloodGate(30.0), FloodGate(1000.0)
    # A tenth of a token of room for late wake-ups, paid for by a refill lowered twice as much:
    # any one-second window still holds at most 30 - 0.1 sends.
    assert (slow.bucket.capacity, round(slow.bucket.rate, 6)) == (1.1, 29.8)
    # 10 tokens of room, refill lowered so that bursts plus bunched arrivals stay within 1000/s.
    assert (fast.bucket.capacity, fast.bucket.rate) == (10.0, 982.0)
