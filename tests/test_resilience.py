"""Resilience in process: flood throttling, database outages told apart from bugs, the outbox's
back-off when the messenger is away, and a stopped dispatcher giving its claimed messages back."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from asyncpg.exceptions import ConnectionDoesNotExistError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from bot import metrics
from bot.config import ConfigError, load_settings
from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.conversation.delivery import DeliveryError, Unavailable
from bot.conversation.throttle import Throttle, Verdict
from bot.db.database import Database, is_unavailable
from bot.db.models import OutboxMessage
from bot.domain import outbox
from bot.i18n import translate
from handlers import register_all
from scheduler.dispatch import dispatch_once, pending_claims, release_claimed
from tests.conversation import Conversation
from tests.test_reports import add_resident

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
SLOW_DOWN_PL = "Wysyłasz wiadomości szybciej, niż mogę odpowiadać. Poczekaj chwilę."
SLOW_DOWN_EN = "You are sending messages faster than I can answer. Please wait a moment."
UNAVAILABLE_EN = "Our service is temporarily unavailable. Please try again in a moment."


def counter(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- throttling ----------------------------------------------------------------------------------
class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_passes_the_limit_then_one_notice_then_silence_until_the_window_ends():
    ticks = Ticks()
    throttle = Throttle(3, 60, clock=ticks)
    verdicts = [throttle.check(7) for _ in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.NOTICE] + [Verdict.DROP] * 2
    assert throttle.check(8) is Verdict.PASS  # another resident is not affected
    ticks.now += 60
    assert [throttle.check(7) for _ in range(4)] == [Verdict.PASS] * 3 + [Verdict.NOTICE]


def test_throttle_forgets_residents_whose_window_ended():
    ticks = Ticks()
    throttle = Throttle(5, 10, clock=ticks)
    for resident in range(100):
        throttle.check(resident)
    ticks.now += 11
    throttle.check(1000)
    assert len(throttle) == 1


def test_throttle_limit_zero_is_off():
    throttle = Throttle(0, 60)
    assert all(throttle.check(1) is Verdict.PASS for _ in range(1000))


def test_throttle_settings_default_and_refuse_wrong_values():
    settings = load_settings()
    assert (settings.throttle_messages, settings.throttle_seconds) == (20, 60.0)
    with pytest.raises(ConfigError, match="THROTTLE_SECONDS"):
        load_settings(throttle_seconds=0)
    with pytest.raises(ConfigError, match="THROTTLE_MESSAGES"):
        load_settings(throttle_messages=-1)


class NoDatabase:
    """Stands in for the database once the flood starts: any use fails the test."""

    def transaction(self):
        raise AssertionError("a throttled message reached the database")


async def test_a_flood_gets_one_polite_notice_in_the_residents_language_without_the_database(db):
    dialogue = Dialogue(db, register_all(Registry()), config=DialogueConfig(throttle_messages=3))
    chat = Conversation(dialogue, resident_id=4242, language="en")
    await chat.says("/lang")  # the resident's own language is remembered from their turns
    await chat.press("Polski")
    await chat.says("/menu")
    assert dialogue.throttle.language(4242) == "pl"  # chosen in the bot, though Telegram says "en"
    dialogue.db = NoDatabase()  # type: ignore[assignment]
    dropped_before = counter("citybot_throttled_total", action="dropped")
    # (the catalogs gain SLOW_DOWN_PL when /tmp/tr/pl_resilience.py is merged; until then English)
    assert [reply.text for reply in await chat.says("/menu")] == [translate(SLOW_DOWN_EN, "pl")]
    assert await chat.says("/menu") == []
    assert await chat.send(payload="g:menu") == []
    assert counter("citybot_throttled_total", action="dropped") - dropped_before == 2
    other = Conversation(dialogue, resident_id=4243, language="en")
    dialogue.db = db
    assert (await other.says("/menu"))[0].text != SLOW_DOWN_EN  # only the flooding resident


# -- database outages versus bugs ----------------------------------------------------------------
def wrapped(orig: BaseException, kind: type = OperationalError) -> BaseException:
    error = kind("SELECT 1", {}, orig)
    error.__cause__ = orig
    return error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (wrapped(ConnectionRefusedError(111, "Connect call failed")), True),
        (ConnectionRefusedError(111, "refused"), True),
        (OSError("Multiple exceptions: [Errno 111] Connect call failed"), True),
        (TimeoutError(), True),
        (ConnectionDoesNotExistError("connection was closed in the middle of operation"), True),
        (wrapped(sqlite3.OperationalError("database is locked")), True),
        (wrapped(sqlite3.OperationalError("no such table: residents")), False),
        (wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"), IntegrityError), False),
        (wrapped(ValueError("syntax"), ProgrammingError), False),
        (FileNotFoundError("var/media/x.jpg"), False),
        (KeyError("slot"), False),
        (ValueError("bad value"), False),
    ],
)
def test_connection_errors_are_told_apart_from_bugs(error, outage):
    assert is_unavailable(error) is outage


def test_an_outage_raised_while_handling_another_error_still_counts():
    try:
        try:
            raise ConnectionResetError(104, "reset by peer")
        except ConnectionResetError as reset:
            raise RuntimeError("rollback failed") from reset
    except RuntimeError as error:
        assert is_unavailable(error)


async def test_a_database_that_does_not_answer_gets_the_temporarily_unavailable_message():
    # Port 9 (discard) is closed here: the connection is refused at once, as from a stopped server.
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:9/none", pool_size=1)
    try:
        dialogue = Dialogue(down, register_all(Registry()))
        before = counter("citybot_errors_total", where="database")
        bugs = counter("citybot_errors_total", where="turn")
        replies = await Conversation(dialogue, resident_id=77, language="en").says("/menu")
        assert [reply.text for reply in replies] == [UNAVAILABLE_EN]
        assert counter("citybot_errors_total", where="database") == before + 1
        assert counter("citybot_errors_total", where="turn") == bugs
    finally:
        await down.dispose()


async def test_a_bug_in_a_handler_is_still_something_went_wrong(db):
    registry = register_all(Registry())

    async def broken(turn, arg=""):
        raise KeyError("bug")

    registry.add_command("broken", broken)
    before = counter("citybot_errors_total", where="turn")
    replies = await Conversation(Dialogue(db, registry), resident_id=78, language="en").says("/broken")
    assert "something went wrong" in replies[0].text
    assert counter("citybot_errors_total", where="turn") == before + 1


def test_the_metrics_the_issue_lists_are_exported():
    from prometheus_client import generate_latest

    exported = generate_latest().decode()
    for name in (
        "citybot_updates_total",
        "citybot_turn_seconds",
        "citybot_nlu_confidence",
        "citybot_broadcast_messages_queued_total",
        "citybot_outbox_messages_total",
        'citybot_errors_total{where="database"}',
        "citybot_throttled_total",
    ):
        assert name in exported, name
    assert metrics.ERRORS is not None


# -- the outbox when Telegram is away --------------------------------------------------------------
async def queue(db, resident: int, count: int) -> list[int]:
    await add_resident(db, resident)
    async with db.transaction() as session:
        rows = [
            await outbox.notify(
                session, resident, "test", lambda n=n: outbox.Notice(f"notice {n}"), now=NOW - timedelta(1)
            )
            for n in range(count)
        ]
    return [row.id for row in rows if row is not None]


async def outbox_rows(db) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


class Away:
    """A messenger that cannot be reached, then is back."""

    def __init__(self) -> None:
        self.up = False
        self.sent: list[int] = []

    async def deliver(self, resident_id, replies) -> None:
        if not self.up:
            raise Unavailable("Bad Gateway")
        self.sent.append(resident_id)

    async def fetch_file(self, file_id: str) -> bytes:
        return b""


async def test_an_unreachable_messenger_backs_off_briefly_and_never_gives_up_early(db):
    [message_id] = await queue(db, 5101, 1)
    away = Away()
    moment = NOW
    for attempt in range(1, outbox.MAX_ATTEMPTS + 3):  # past the limit for refused messages
        assert await dispatch_once(db, away, clock=lambda moment=moment: moment) == 0
        [row] = await outbox_rows(db)
        assert row.sent_at is None and row.attempts == attempt
        pause = (row.not_before - moment).total_seconds()
        assert pause == min(outbox.TRANSIENT_BACKOFF_CAP, 2 ** min(attempt, 6))
        moment = row.not_before
    away.up = True
    assert await dispatch_once(db, away, clock=lambda moment=moment: moment) == 1
    assert away.sent == [5101] and message_id


async def test_a_refused_message_still_gives_up_after_max_attempts(db):
    await queue(db, 5102, 1)

    class Refusing(Away):
        async def deliver(self, resident_id, replies) -> None:
            raise DeliveryError("Bad Request: message text is empty")

    moment = NOW
    for _ in range(outbox.MAX_ATTEMPTS):
        await dispatch_once(db, Refusing(), clock=lambda moment=moment: moment)
        moment += timedelta(hours=1)
    [row] = await outbox_rows(db)
    assert row.sent_at is not None and row.last_error.startswith("gave up")


# -- a stopped dispatcher gives its messages back ----------------------------------------------------
class Slow:
    """Delivers the first `fast` messages at once and hangs on the others."""

    def __init__(self, fast: int) -> None:
        self.fast = fast
        self.sent: list[str] = []
        self.hanging = asyncio.Event()

    async def deliver(self, resident_id, replies) -> None:
        if len(self.sent) < self.fast:
            self.sent.append(replies[0].text)
            return
        self.hanging.set()
        await asyncio.sleep(3600)

    async def fetch_file(self, file_id: str) -> bytes:
        return b""


async def test_cancelling_a_batch_records_what_went_out_and_releases_the_rest(db):
    ids = await queue(db, 5103, 6)
    slow = Slow(fast=2)
    batch = asyncio.create_task(dispatch_once(db, slow, concurrency=1, lease=timedelta(minutes=10)))
    await asyncio.wait_for(slow.hanging.wait(), 10)
    assert set(pending_claims(db)) == set(ids)
    batch.cancel()  # what the scheduler's shutdown does to a running job
    with pytest.raises(asyncio.CancelledError):
        await batch
    assert await release_claimed(db) == 0  # the batch settled itself
    rows = await outbox_rows(db)
    sent = [row for row in rows if row.sent_at is not None]
    assert [row.text for row in sent] == slow.sent == ["notice 0", "notice 1"]
    back = [row for row in rows if row.sent_at is None]
    assert len(back) == 4
    assert all(row.lease_until is None and row.attempts == 0 for row in back)
    assert not pending_claims(db)
    assert await dispatch_once(db, Slow(fast=10), clock=lambda: datetime.now(UTC)) == 4  # at once


async def test_release_claimed_gives_back_messages_a_vanished_batch_left_behind(db):
    ids = await queue(db, 5104, 3)
    async with db.transaction() as session:
        await outbox.claim_due(session, datetime.now(UTC), 10, timedelta(minutes=10))
    from scheduler.dispatch import claims

    claims(db).ids.update(ids)  # as if the batch were killed between claiming and sending
    assert await release_claimed(db) == 3
    assert all(row.lease_until is None and row.attempts == 0 for row in await outbox_rows(db))
