"""A resident's rights over their data: a copy of everything (/mydata, GDPR Art. 15 and 20) and
erasure (/forget, Art. 17), both over every table that holds something about them.

`COVERAGE` names those tables and what each right does to them; a test fails when a table linked to
residents is missing, so a new feature cannot silently escape export and erasure.

What an erasure keeps, and why (Art. 17(3) lets a controller keep what it needs for a task in the
public interest, a legal obligation, archiving, or legal claims, and only that):
- reports the resident filed stay, without the link to them and without contact details; their
  description stays (it describes a place, not a person) with PESEL, phone numbers and e-mail
  addresses blacked out, and so do photos: the city keeps fixing the street (Art. 17(3)(b), (e)).
- published initiatives stay without their author: publishing is a public civic act others have
  supported. Initiatives still awaiting moderation, or rejected, are deleted.
- supports the resident gave stay counted on the initiative; the link to them is deleted.
- handoff cases stay for the city's statistics (reasons, ratings), unlinked; an open one is closed.
- the audit trail stays, with "resident:<id>" replaced by "resident:erased" wherever it appears,
  and the consent ledger gets one entry without a resident: proof that an erasure happened (and
  the reference told to the resident), not of whose (Art. 5(2) accountability).
- waste declarations are deleted: the bot only prepares them (the PDF says so); the declaration
  that counts for the fee is the one filed with the city's e-services or on paper, kept by the city
  under tax law, outside this bot.
Everything else (profile, conversation, message log, notifications, follows, bookings — future
visits' desks freed — subscriptions, preferences, the resident's own consent entries) is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AlertPreferences,
    AuditEntry,
    Booking,
    ConsentEntry,
    ConversationState,
    HandoffCase,
    Initiative,
    InitiativeSupport,
    MessageLogEntry,
    OutboxMessage,
    Report,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
    Resident,
    Subscription,
    WasteDeclaration,
)
from bot.domain import audit
from bot.domain.handoff import CLOSED, OPEN
from bot.domain.identity import mask_pesel
from bot.domain.initiatives import APPROVED
from bot.domain.redaction import redact_identifiers

FORMAT = "citybot-export/1"
CONTROLLER = "Miasto Poznań"
ERASED_ACTOR = "resident:erased"
ERASED_BY = "erased"


@dataclass(frozen=True, slots=True)
class Coverage:
    """Where a table shows up in the export file, and what an erasure does to it."""

    section: str
    erasure: str


COVERAGE: dict[str, Coverage] = {
    "residents": Coverage("profile", "deleted"),
    "conversation_states": Coverage("conversation", "deleted"),
    "reports": Coverage("reports", "kept for the city, unlinked; contact cleared, identifiers redacted"),
    "report_photos": Coverage("reports", "kept with the report"),
    "report_events": Coverage("reports", "kept; the resident as actor becomes resident:erased"),
    "report_followers": Coverage("followed_reports", "deleted"),
    "initiatives": Coverage("initiatives", "published: kept without author; others deleted"),
    "initiative_supports": Coverage("initiative_supports", "deleted; the count on the initiative stays"),
    "outbox": Coverage("notifications", "deleted"),
    "bookings": Coverage("bookings", "deleted; future visits' desks freed"),
    "waste_declarations": Coverage("waste_declarations", "deleted (drafts; filed ones live elsewhere)"),
    "subscriptions": Coverage("subscriptions", "deleted"),
    "consent_ledger": Coverage("consent_ledger", "deleted; one entry without a resident records the erasure"),
    "alert_preferences": Coverage("alert_preferences", "deleted"),
    "handoff_cases": Coverage("handoff_cases", "kept for statistics, unlinked; an open case is closed"),
    "message_log": Coverage("message_log", "deleted"),
    "audit_log": Coverage("audit_trail", "kept; resident:<id> becomes resident:erased"),
}
# Tables that point at a resident but are neither exported nor erased here, and why.
NOT_COVERED: dict[str, str] = {
    "webhook_inbox": "raw updates waiting to be handled, deleted an hour after (bot/web/webhook_inbox.py)",
}


def actor_of(resident_id: int) -> str:
    return f"resident:{resident_id}"


# -- the copy (/mydata) ----------------------------------------------------------------------------
def export_identifier(value: str | None, *, own: bool, kind: str = "pesel") -> str | None:
    """A PESEL (or NIP) as it appears in a resident's own export.

    The rule: a number the resident gave about themselves is theirs, and a copy of their own data
    must be complete (Art. 15(3)), so the filer's PESEL and NIP of a declaration they prepared are
    shown in full, in the file only (the chat summary masks them, as the rest of the bot does, since
    a chat is read over shoulders and stays on devices). An identifier of any other person stored
    with the resident's data (a household member, should the form ever ask for one) is masked:
    the right of access does not extend to other people's data (Art. 15(4)).
    """
    if value is None or own:
        return value
    return mask_pesel(value) if kind == "pesel" else "*" * max(len(value) - 3, 0) + value[-3:]


@dataclass
class Export:
    """Everything about one resident as plain JSON values, and how many of each kind there are."""

    data: dict[str, Any]

    def count(self, section: str) -> int:
        value = self.data.get(section)
        return len(value) if isinstance(value, list) else int(value is not None)

    def to_json(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, indent=2, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not exportable: {type(value).__name__}")


def _rows(result: Any) -> list[Any]:
    return list(result.scalars())


async def export(session: AsyncSession, resident_id: int, *, now: datetime) -> Export:
    """The resident's data in every table of `COVERAGE`, nobody else's."""
    me = actor_of(resident_id)
    resident = await session.get(Resident, resident_id)
    state = await session.get(ConversationState, resident_id)
    data: dict[str, Any] = {
        "format": FORMAT,
        "controller": CONTROLLER,
        "exported_at": now,
        "resident_id": resident_id,
        "profile": _profile(resident),
        "conversation": _conversation(state),
        "reports": await _reports(session, resident_id),
        "followed_reports": await _followed(session, resident_id),
        "initiatives": await _initiatives(session, resident_id),
        "initiative_supports": await _supports(session, resident_id),
        "bookings": await _bookings(session, resident_id),
        "waste_declarations": await _declarations(session, resident_id),
        "subscriptions": await _subscriptions(session, resident_id),
        "alert_preferences": await _preferences(session, resident_id),
        "consent_ledger": await _ledger(session, resident_id),
        "handoff_cases": await _cases(session, resident_id, me),
        "message_log": await _messages(session, resident_id),
        "notifications": await _notifications(session, resident_id),
        "audit_trail": await _audit(session, me),
    }
    return Export(data)


def _profile(resident: Resident | None) -> dict[str, Any] | None:
    if resident is None:
        return None
    return {
        "telegram_user_id": resident.id,
        "name": resident.display_name,
        "language": resident.language,
        "language_chosen": resident.language_chosen,
        "first_contact": resident.created_at,
        "last_seen": resident.last_seen_at,
    }


def _conversation(state: ConversationState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "flow": state.flow,
        "step": state.step,
        "answers_so_far": state.slots,
        "updated_at": state.updated_at,
    }


def _history(events: Iterable[ReportEvent]) -> list[dict[str, Any]]:
    """What the resident sees of a report's history: status, note, time (not which staff member)."""
    return [{"status": e.status, "note": e.note, "at": e.at} for e in events]


async def _events_by_report(session: AsyncSession, report_ids: list[int]) -> dict[int, list[ReportEvent]]:
    found: dict[int, list[ReportEvent]] = {rid: [] for rid in report_ids}
    if report_ids:
        query = select(ReportEvent).where(ReportEvent.report_id.in_(report_ids)).order_by(ReportEvent.id)
        for event in _rows(await session.execute(query)):
            found[event.report_id].append(event)
    return found


async def _reports(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(Report).where(Report.resident_id == resident_id).order_by(Report.id)
    reports = _rows(await session.execute(query))
    ids = [r.id for r in reports]
    events = await _events_by_report(session, ids)
    photos: dict[int, list[ReportPhoto]] = {rid: [] for rid in ids}
    if ids:
        photo_query = select(ReportPhoto).where(ReportPhoto.report_id.in_(ids)).order_by(ReportPhoto.position)
        for photo in _rows(await session.execute(photo_query)):
            photos[photo.report_id].append(photo)
    return [
        {
            "ticket": r.ticket,
            "category": r.category,
            "description": r.description,
            "street": r.street,
            "house_number": r.house_number,
            "osiedle": r.osiedle,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "status": r.status,
            "language": r.language,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "source": r.source,
            "contact": r.contact,
            "photos": [
                {
                    "telegram_file_id": p.file_id,
                    "position": p.position,
                    "copy_stored": p.local_path is not None,
                }
                for p in photos[r.id]
            ],
            "history": _history(events[r.id]),
        }
        for r in reports
    ]


async def _followed(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    """Reports of others the resident follows: what "My matters" shows them, never the reporter,
    the description or the photos (those are the other resident's)."""
    query = (
        select(Report, ReportFollower.created_at)
        .join(ReportFollower, ReportFollower.report_id == Report.id)
        .where(ReportFollower.resident_id == resident_id)
        .order_by(Report.id)
    )
    rows = (await session.execute(query)).all()
    events = await _events_by_report(session, [report.id for report, _at in rows])
    return [
        {
            "ticket": report.ticket,
            "category": report.category,
            "street": report.street,
            "house_number": report.house_number,
            "status": report.status,
            "followed_since": followed_at,
            "history": _history(events[report.id]),
        }
        for report, followed_at in rows
    ]


async def _initiatives(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(Initiative).where(Initiative.resident_id == resident_id).order_by(Initiative.id)
    return [
        {
            "id": i.id,
            "title": i.title,
            "description": i.description,
            "osiedle": i.osiedle,
            "category": i.category,
            "status": i.status,
            "moderation_note": i.moderation_note,
            "supports": i.supports,
            "created_at": i.created_at,
            "moderated_at": i.moderated_at,
        }
        for i in _rows(await session.execute(query))
    ]


async def _supports(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = (
        select(InitiativeSupport, Initiative.title)
        .join(Initiative, Initiative.id == InitiativeSupport.initiative_id)
        .where(InitiativeSupport.resident_id == resident_id)
        .order_by(InitiativeSupport.initiative_id)
    )
    return [
        {"initiative_id": s.initiative_id, "title": title, "at": s.created_at}
        for s, title in (await session.execute(query)).all()
    ]


async def _bookings(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(Booking).where(Booking.resident_id == resident_id).order_by(Booking.starts_at)
    return [
        {
            "code": b.code,
            "office": b.office,
            "matter": b.matter,
            "desk": b.desk,
            "starts_at": b.starts_at,
            "ends_at": b.ends_at,
            "status": b.status,
            "created_at": b.created_at,
            "changed_at": b.changed_at,
        }
        for b in _rows(await session.execute(query))
    ]


async def _declarations(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(WasteDeclaration).where(WasteDeclaration.resident_id == resident_id)
    return [
        {
            "number": d.id,
            "reason": d.reason,
            "applies_from": d.applies_from,
            "filer_name": d.filer_name,
            # The filer is the resident (the form asks for *their* PESEL): see export_identifier.
            "pesel": export_identifier(d.pesel, own=True),
            "nip": export_identifier(d.nip, own=True, kind="nip"),
            "phone": d.phone,
            "email": d.email,
            "street": d.street,
            "house_number": d.house_number,
            "flat_number": d.flat_number,
            "building_type": d.building_type,
            "residents": d.residents,
            "composting": d.composting,
            "large_family": d.large_family,
            "monthly_fee": d.monthly_fee,
            "rate_valid_from": d.rate_valid_from,
            "deadline": d.deadline,
            "created_at": d.created_at,
        }
        for d in _rows(await session.execute(query.order_by(WasteDeclaration.id)))
    ]


async def _subscriptions(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(Subscription).where(Subscription.resident_id == resident_id).order_by(Subscription.topic)
    return [
        {"topic": s.topic, "osiedle": s.osiedle, "since": s.created_at}
        for s in _rows(await session.execute(query))
    ]


async def _preferences(session: AsyncSession, resident_id: int) -> dict[str, Any] | None:
    row = await session.get(AlertPreferences, resident_id)
    if row is None:
        return None
    return {
        "quiet_from": row.quiet_from,
        "quiet_to": row.quiet_to,
        "silent": row.silent,
        "unreachable_since": row.unreachable_at,
    }


async def _ledger(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(ConsentEntry).where(ConsentEntry.resident_id == resident_id).order_by(ConsentEntry.id)
    return [
        {"topic": e.topic, "action": e.action, "channel": e.channel, "osiedle": e.osiedle, "at": e.at}
        for e in _rows(await session.execute(query))
    ]


def _who(actor: str | None, me: str) -> str | None:
    """Another person's identity never leaves the city: staff and other residents become roles."""
    if actor is None or actor == me:
        return "you" if actor else None
    if actor in ("system", "idle", "blocked", ERASED_BY):
        return actor
    return "city staff"


async def _cases(session: AsyncSession, resident_id: int, me: str) -> list[dict[str, Any]]:
    query = select(HandoffCase).where(HandoffCase.resident_id == resident_id).order_by(HandoffCase.id)
    return [
        {
            "id": c.id,
            "status": c.status,
            "reason": c.reason,
            "was_filling_in": c.flow,
            "opened_at": c.opened_at,
            "last_activity_at": c.last_activity_at,
            "closed_at": c.closed_at,
            "closed_by": _who(c.closed_by, me),
            "rating": c.rating,
        }
        for c in _rows(await session.execute(query))
    ]


async def _messages(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = (
        select(MessageLogEntry).where(MessageLogEntry.resident_id == resident_id).order_by(MessageLogEntry.id)
    )
    return [
        {"direction": "from you" if m.direction == "in" else "to you", "text": m.text, "at": m.at}
        for m in _rows(await session.execute(query))
    ]


async def _notifications(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    query = select(OutboxMessage).where(OutboxMessage.resident_id == resident_id).order_by(OutboxMessage.id)
    return [
        {
            "kind": m.kind,
            "text": m.text,
            "created_at": m.created_at,
            "due": m.not_before,
            "sent_at": m.sent_at,
        }
        for m in _rows(await session.execute(query))
    ]


async def _audit(session: AsyncSession, me: str) -> list[dict[str, Any]]:
    query = (
        select(AuditEntry).where(or_(AuditEntry.actor == me, AuditEntry.target == me)).order_by(AuditEntry.id)
    )
    return [
        {
            "action": e.action,
            "by": _who(e.actor, me),
            "about": "you" if e.target == me else e.target,
            "details": _replace_actor(e.details, me, "you") if e.actor == me else e.details,
            "at": e.at,
        }
        for e in _rows(await session.execute(query))
    ]


# -- erasure (/forget) -----------------------------------------------------------------------------
@dataclass
class Erasure:
    """What an erasure did: rows deleted per table, and what was kept (anonymised) for the city."""

    reference: str
    deleted: dict[str, int] = field(default_factory=dict)
    reports_kept: int = 0
    initiatives_kept: int = 0
    supports_unlinked: int = 0
    cases_kept: int = 0
    visits_cancelled: int = 0
    declarations_erased: int = 0
    audit_entries_anonymised: int = 0
    open_case: tuple[int, int | None] | None = None  # (case id, topic) of a case closed now


async def erase(session: AsyncSession, resident_id: int, *, now: datetime, channel: str) -> Erasure:
    """Erase or anonymise everything about the resident in the caller's transaction (all or nothing).

    Deletes the resident row last, after every table pointing at it has been dealt with explicitly
    (not left to ON DELETE rules), so each decision in the module docstring is visible here.
    """
    me = actor_of(resident_id)
    deleted: dict[str, int] = {}
    erasure = Erasure(reference="")

    async def gone(table: str, statement: Any) -> int:
        result = await session.execute(statement.execution_options(synchronize_session=False))
        deleted[table] = deleted.get(table, 0) + int(result.rowcount or 0)
        return deleted[table]

    # Reports stay for the city: unlinked, contact cleared, identifiers in the description blacked out.
    mine = _rows(await session.execute(select(Report).where(Report.resident_id == resident_id)))
    for report in mine:
        report.resident_id, report.contact = None, None
        report.description = redact_identifiers(report.description)
    erasure.reports_kept = len(mine)
    await session.flush()
    await session.execute(update(ReportEvent).where(ReportEvent.actor == me).values(actor=ERASED_ACTOR))
    await gone("report_followers", delete(ReportFollower).where(ReportFollower.resident_id == resident_id))

    # Initiatives: published ones are public acts and stay without their author; the rest go.
    kept = await session.execute(
        update(Initiative)
        .where(Initiative.resident_id == resident_id, Initiative.status == APPROVED)
        .values(resident_id=None)
    )
    erasure.initiatives_kept = int(kept.rowcount or 0)
    unpublished = select(Initiative.id).where(Initiative.resident_id == resident_id)
    await gone(
        "initiative_supports",
        delete(InitiativeSupport).where(InitiativeSupport.initiative_id.in_(unpublished)),
    )
    await gone("initiatives", delete(Initiative).where(Initiative.resident_id == resident_id))
    erasure.supports_unlinked = await _count_deleted(
        session, delete(InitiativeSupport).where(InitiativeSupport.resident_id == resident_id)
    )
    deleted["initiative_supports"] += erasure.supports_unlinked

    # Visits: deleting the rows frees the desks (the unique index covers active bookings only).
    erasure.visits_cancelled = len(
        _rows(
            await session.execute(
                select(Booking.id).where(
                    Booking.resident_id == resident_id, Booking.status == "active", Booking.starts_at > now
                )
            )
        )
    )
    await gone("bookings", delete(Booking).where(Booking.resident_id == resident_id))
    erasure.declarations_erased = await gone(
        "waste_declarations", delete(WasteDeclaration).where(WasteDeclaration.resident_id == resident_id)
    )
    await gone("subscriptions", delete(Subscription).where(Subscription.resident_id == resident_id))
    await gone(
        "alert_preferences", delete(AlertPreferences).where(AlertPreferences.resident_id == resident_id)
    )
    await gone("consent_ledger", delete(ConsentEntry).where(ConsentEntry.resident_id == resident_id))

    # Talking to a person: an open case is closed; every case stays for statistics, unlinked.
    open_case = await session.scalar(
        select(HandoffCase).where(HandoffCase.resident_id == resident_id, HandoffCase.status == OPEN)
    )
    if open_case is not None:
        open_case.status, open_case.closed_at, open_case.closed_by = CLOSED, now, ERASED_BY
        erasure.open_case = (open_case.id, open_case.thread_id)
        await session.flush()
    await session.execute(
        update(HandoffCase).where(HandoffCase.closed_by == me).values(closed_by=ERASED_ACTOR)
    )
    cases = await session.execute(
        update(HandoffCase).where(HandoffCase.resident_id == resident_id).values(resident_id=None)
    )
    erasure.cases_kept = int(cases.rowcount or 0)

    await gone("message_log", delete(MessageLogEntry).where(MessageLogEntry.resident_id == resident_id))
    await gone("outbox", delete(OutboxMessage).where(OutboxMessage.resident_id == resident_id))
    erasure.audit_entries_anonymised = await _anonymise_audit(session, me)
    await gone(
        "conversation_states", delete(ConversationState).where(ConversationState.resident_id == resident_id)
    )
    await gone("residents", delete(Resident).where(Resident.id == resident_id))

    # Proof of the erasure, naming nobody: a ledger entry and an audit entry with counts only.
    proof = ConsentEntry(resident_id=None, topic="all", action="erased", channel=channel[:16], at=now)
    session.add(proof)
    await session.flush()
    erasure.reference = f"E-{proof.id}"
    erasure.deleted = deleted
    await audit.record(
        session,
        ERASED_ACTOR,
        "privacy.erased",
        f"erasure:{erasure.reference}",
        details={
            "deleted": {table: count for table, count in sorted(deleted.items()) if count},
            "kept_anonymised": {
                "reports": erasure.reports_kept,
                "initiatives": erasure.initiatives_kept,
                "handoff_cases": erasure.cases_kept,
                "audit_entries": erasure.audit_entries_anonymised,
            },
        },
        at=now,
    )
    return erasure


async def _count_deleted(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def _replace_actor(value: Any, old: str, new: str) -> Any:
    """`value` (JSON) with every string equal to `old` replaced by `new`."""
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace_actor(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace_actor(item, old, new) for key, item in value.items()}
    return value


async def _anonymise_audit(session: AsyncSession, me: str) -> int:
    """Replace the resident's id in the audit trail (actor, target, details) by resident:erased."""
    query = select(AuditEntry).where(
        or_(
            AuditEntry.actor == me,
            AuditEntry.target == me,
            # The closing quote keeps resident:12 from matching resident:123.
            cast(AuditEntry.details, Text).like(f'%"{me}"%'),
        )
    )
    entries = _rows(await session.execute(query))
    for entry in entries:
        if entry.actor == me:
            entry.actor = ERASED_ACTOR
        if entry.target == me:
            entry.target = ERASED_ACTOR
        if entry.details is not None:
            entry.details = _replace_actor(entry.details, me, ERASED_ACTOR)
    await session.flush()
    return len(entries)
