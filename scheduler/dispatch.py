"""Delivers the outbox: due messages are claimed under a lease, sent, and marked sent.

Claiming and marking are separate short transactions, so a slow Telegram call never holds a
database lock, and a dispatcher that dies mid-way only delays its claimed messages by one lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.conversation.delivery import Delivery, DeliveryError, Unreachable
from bot.conversation.messages import Button, Reply
from bot.conversation.payloads import global_payload
from bot.db.database import Database
from bot.db.models import OutboxMessage
from bot.domain import outbox

log = logging.getLogger(__name__)


def as_reply(message: OutboxMessage) -> Reply:
    rows = [
        [Button(label, global_payload(action, argument)) for label, action, argument in row]
        for row in message.buttons or []
    ]
    return Reply(message.text, buttons=rows, silent=message.silent)


async def dispatch_once(
    db: Database, delivery: Delivery, *, clock: Callable[[], datetime] | None = None, limit: int = 50
) -> int:
    """Deliver what is due now; returns how many messages went out."""
    now = (clock or (lambda: datetime.now(UTC)))()
    async with db.transaction() as session:
        claimed = [
            (m.id, m.resident_id, m.attempts, as_reply(m))
            for m in await outbox.claim_due(session, now, limit)
        ]
    sent = 0
    for message_id, resident_id, attempts, reply in claimed:
        error: str | None = None
        retry = False
        try:
            await delivery.deliver(resident_id, [reply])
            sent += 1
        except Unreachable as unreachable:
            error = f"unreachable: {unreachable}"
        except DeliveryError as failure:
            error, retry = str(failure) or "delivery failed", True
        except Exception as failure:  # a bug must not stop the other messages
            log.exception("outbox message %s failed", message_id)
            error, retry = f"{type(failure).__name__}", True
        async with db.transaction() as session:
            if retry:
                await outbox.mark_failed(session, message_id, now, error or "", attempts)
            else:
                await outbox.mark_sent(session, message_id, now, error)
    return sent
