"""Retention: what the bot forgets by itself, and when (RETENTION_*_DAYS; run hourly by the scheduler).

    conversation state   90 days idle: a form abandoned for three months is not coming back
    message log          30 days: it exists so staff taking over a chat see its last lines
    handoff cases        1 year after closing: anonymised (the link to the resident dropped),
                         the case itself kept for the city's statistics (reasons, ratings)
    outbox               30 days after delivery (or after giving up): only the dispatcher needs it
    staff sign-ins       1 day of failed attempts: the throttle looks at 15 minutes
    audit trail          5 years, then deleted (0 keeps it for ever): it is how the city answers
                         complaints and audits of what staff did with residents' matters, which
                         arrive years later; 5 years follows the usual archival period of city
                         case files (category B5) and is to be confirmed by the city's archivist

Not here: webhook inbox rows (deleted an hour after handling, bot/web/webhook_inbox.py), staff
sessions (deleted on expiry), and what residents ask to erase themselves (bot/domain/privacy.py).
Plain statements with a given `now`, so a test runs them on a fixed clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AuditEntry,
    ConversationState,
    HandoffCase,
    MessageLogEntry,
    OutboxMessage,
    StaffLoginAttempt,
)
from bot.domain.handoff import CLOSED


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Ages in days; `audit_days=0` keeps the audit trail for ever."""

    conversation_days: int = 90
    message_log_days: int = 30
    handoff_days: int = 365
    outbox_days: int = 30
    login_attempts_days: int = 1
    audit_days: int = 1825

    @classmethod
    def from_settings(cls, settings: Any) -> RetentionPolicy:
        """From bot.config.Settings (RETENTION_*_DAYS); missing fields keep the defaults."""
        defaults = cls()
        return cls(
            **{
                name: int(getattr(settings, f"retention_{name}", getattr(defaults, name)))
                for name in cls.__dataclass_fields__
            }
        )


async def apply(session: AsyncSession, policy: RetentionPolicy, *, now: datetime) -> dict[str, int]:
    """Delete or anonymise everything past its age, in the caller's transaction; rows per kind."""

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    done = {
        "conversation_states": await _count(
            session,
            delete(ConversationState).where(ConversationState.updated_at < before(policy.conversation_days)),
        ),
        "message_log": await _count(
            session, delete(MessageLogEntry).where(MessageLogEntry.at < before(policy.message_log_days))
        ),
        "handoff_cases": await _count(
            session,
            update(HandoffCase)
            .where(
                HandoffCase.status == CLOSED,
                HandoffCase.closed_at < before(policy.handoff_days),
                HandoffCase.resident_id.is_not(None),
            )
            .values(resident_id=None),
        ),
        "outbox": await _count(
            session,
            delete(OutboxMessage).where(
                OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < before(policy.outbox_days)
            ),
        ),
        "staff_login_attempts": await _count(
            session,
            delete(StaffLoginAttempt).where(StaffLoginAttempt.at < before(policy.login_attempts_days)),
        ),
        "audit_log": 0,
    }
    if policy.audit_days > 0:
        done["audit_log"] = await _count(
            session, delete(AuditEntry).where(AuditEntry.at < before(policy.audit_days))
        )
    return done


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)
