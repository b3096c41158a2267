"""Retention on a fixed clock: what is past its age goes, what is younger stays; and the hourly job."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from bot.config import load_settings
from bot.db.models import (
    AuditEntry,
    ConversationState,
    HandoffCase,
    MessageLogEntry,
    OutboxMessage,
    Resident,
    StaffLoginAttempt,
)
from bot.domain.retention import RetentionPolicy, apply
from scheduler import RETENTION_SECONDS, jobs, wanted_jobs

OLD, YOUNG = 1, 2  # two residents: one whose rows are past every age, one whose rows are not


async def seed(db, now, *, old_days: int, young_days: int) -> None:
    """The same rows for both residents, dated `old_days` and `young_days` ago."""
    async with db.transaction() as session:
        for rid, days in ((OLD, old_days), (YOUNG, young_days)):
            at = now - timedelta(days=days)
            session.add(Resident(id=rid, language="pl", created_at=at, last_seen_at=at))
            await session.flush()
            session.add_all(
                [
                    ConversationState(resident_id=rid, flow="waste", step="reason", slots={"_run": "a"},
                                      misses=0, version=1, updated_at=at),
                    MessageLogEntry(resident_id=rid, direction="in", text=f"line of {rid}", at=at),
                    HandoffCase(resident_id=rid, chat_id=-100, status="closed", reason="asked", opened_at=at,
                                last_activity_at=at, closed_at=at, closed_by="idle", rating=4),
                    OutboxMessage(resident_id=rid, kind="x", text="sent", created_at=at, not_before=at,
                                  sent_at=at),
                    OutboxMessage(resident_id=rid, kind="x", text="due", created_at=at, not_before=at),
                    StaffLoginAttempt(key=f"ip:{rid}", at=at),
                    AuditEntry(actor="system", action="x", target=f"resident:{rid}", at=at),
                ]
            )  # fmt: skip


async def test_rows_past_their_age_go_and_younger_ones_stay(db, clock):
    now = clock.now
    await seed(db, now, old_days=2000, young_days=0)
    async with db.transaction() as session:
        done = await apply(session, RetentionPolicy(), now=now)
    assert done == {
        "conversation_states": 1,
        "message_log": 1,
        "handoff_cases": 1,
        "outbox": 1,
        "staff_login_attempts": 1,
        "audit_log": 1,
    }
    async with db.transaction() as session:
        assert await session.get(ConversationState, OLD) is None
        assert await session.get(ConversationState, YOUNG) is not None
        logs = (await session.execute(select(MessageLogEntry.resident_id))).scalars().all()
        assert logs == [YOUNG]
        cases = [(c.resident_id, c.rating) for c in (await session.execute(select(HandoffCase))).scalars()]
        assert sorted(cases, key=str) == [(YOUNG, 4), (None, 4)]  # the old case kept, anonymised
        outbox = sorted(
            (m.resident_id, m.text) for m in (await session.execute(select(OutboxMessage))).scalars()
        )
        assert outbox == [(OLD, "due"), (YOUNG, "due"), (YOUNG, "sent")]  # undelivered rows are never cut
        keys = (await session.execute(select(StaffLoginAttempt.key))).scalars().all()
        assert keys == [f"ip:{YOUNG}"]
        targets = (await session.execute(select(AuditEntry.target))).scalars().all()
        assert targets == [f"resident:{YOUNG}"]
    # A second run finds nothing more to do.
    async with db.transaction() as session:
        assert set((await apply(session, RetentionPolicy(), now=now)).values()) == {0}


async def test_each_limit_is_its_own_setting(db, clock):
    """Rows 40 days old: past the message log's and the outbox's 30 days (and a day-old sign-in
    attempt exactly at its limit stays), inside the others."""
    now = clock.now
    await seed(db, now, old_days=40, young_days=1)
    async with db.transaction() as session:
        done = await apply(session, RetentionPolicy(), now=now)
    assert done["message_log"] == 1 and done["outbox"] == 1 and done["staff_login_attempts"] == 1
    assert done["conversation_states"] == 0 and done["handoff_cases"] == 0 and done["audit_log"] == 0
    # One day later with a 20-day conversation limit: the 41-day-old state goes too.
    clock.advance(days=1)
    async with db.transaction() as session:
        done = await apply(session, RetentionPolicy(conversation_days=20), now=clock.now)
    assert done["conversation_states"] == 1


async def test_audit_days_zero_keeps_the_trail_for_ever(db, clock):
    await seed(db, clock.now, old_days=36000, young_days=0)
    async with db.transaction() as session:
        done = await apply(session, RetentionPolicy(audit_days=0), now=clock.now)
    assert done["audit_log"] == 0
    async with db.transaction() as session:
        assert len((await session.execute(select(AuditEntry))).scalars().all()) == 2


def test_policy_comes_from_the_retention_settings():
    settings = load_settings(
        nlu_backend="none",
        retention_conversation_days=10,
        retention_message_log_days=3,
        retention_audit_days=0,
    )
    policy = RetentionPolicy.from_settings(settings)
    assert (policy.conversation_days, policy.message_log_days, policy.audit_days) == (10, 3, 0)
    assert policy.handoff_days == 365 and policy.outbox_days == 30 and policy.login_attempts_days == 1
    assert RetentionPolicy.from_settings(None) == RetentionPolicy()  # the job without settings


async def test_the_hourly_job_runs_through_the_installed_context(db, clock):
    assert wanted_jobs(dispatch_seconds=2.0, feeds={})["retention"] == (jobs.retention, [], RETENTION_SECONDS)
    assert RETENTION_SECONDS == 3600
    await seed(db, clock.now, old_days=5, young_days=0)
    settings = SimpleNamespace(retention_message_log_days=2, retention_login_attempts_days=30)
    previous = jobs._context
    jobs.install(jobs.JobContext(db, None, None, timedelta(seconds=60), settings=settings, clock=clock))
    try:
        assert await jobs.retention() == 1  # the 5-day-old message log line (the outbox keeps 30 days)
    finally:
        jobs.install(previous)
    async with db.transaction() as session:
        assert (await session.execute(select(MessageLogEntry.resident_id))).scalars().all() == [YOUNG]
        assert len((await session.execute(select(StaffLoginAttempt))).scalars().all()) == 2
