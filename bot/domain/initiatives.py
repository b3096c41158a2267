"""Civic initiatives: residents submit them, city staff moderate them, other residents support them.

The rules mirror the spirit of the Poznański Budżet Obywatelski without pretending to be it: at
most three live initiatives per resident a year, one support per resident, and the author is told
once when enough neighbours support the idea. Functions take a session and plain values and raise
`InitiativeError`s; only the notices to authors are rendered (in the author's language) here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Initiative, InitiativeSupport, Resident
from bot.domain import audit
from bot.domain.outbox import Notice, Render, notify
from bot.i18n import CITY_ZONE, N_, _, ngettext
from nlu.gazetteer import default_gazetteer
from nlu.text import fold

AWAITING = "awaiting_moderation"
APPROVED = "approved"
REJECTED = "rejected"
# What counts against the yearly limit: a rejected idea may be corrected and sent again.
LIVE_STATUSES = (AWAITING, APPROVED)

TITLE_MIN, TITLE_MAX = 5, 120
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 2000
# PBO lets one person submit up to three projects a year; the bot keeps the same measure.
YEARLY_LIMIT = 3
DEFAULT_SUPPORT_THRESHOLD = 10
# Global button actions that handlers/initiative.py registers; notices to authors point at them.
SUBMIT_ACTION = "isubmit"
MY_INITIATIVES_ACTION = "imine"

CATEGORIES: dict[str, str] = {
    "greenery": N_("Greenery"),
    "transport": N_("Transport and cycling"),
    "sport": N_("Sport and recreation"),
    "culture": N_("Culture"),
    "education": N_("Education"),
    "social": N_("Social help"),
    "infrastructure": N_("Infrastructure and public space"),
    "other": N_("Other"),
}


class InitiativeError(Exception):
    """A request the initiative rules do not allow; the message is for logs and operators."""


class InitiativeNotFound(InitiativeError):
    """No initiative with that id (never existed, or was erased)."""


class InvalidModeration(InitiativeError):
    """Only an initiative awaiting moderation can be approved or rejected."""


class InvalidInitiative(InitiativeError):
    """A field outside its limits; flows check first, so this guards other callers (CLI, panel)."""


class SubmissionLimitReached(InitiativeError):
    """The resident already has YEARLY_LIMIT initiatives awaiting moderation or approved this year."""

    def __init__(self, limit: int, year: int) -> None:
        super().__init__(f"at most {limit} initiatives in {year}")
        self.limit = limit
        self.year = year


class NotOpenForSupport(InitiativeError):
    """The initiative exists but is not approved (still awaiting moderation, or rejected)."""


class OwnInitiative(InitiativeError):
    """Authors do not support their own initiative; see `support`."""


class SupportOutcome(StrEnum):
    SUPPORTED = "supported"
    ALREADY_SUPPORTED = "already_supported"


@dataclass(frozen=True, slots=True)
class SupportResult:
    """What a support did: `supports` is the count after it; `threshold_reached` when it told the author."""

    outcome: SupportOutcome
    initiative_id: int
    title: str
    supports: int
    threshold_reached: bool = False


# -- submitting ----------------------------------------------------------------------------------


def clean_title(text: str) -> str:
    """One line, single spaces: a title is shown in lists and on buttons."""
    return " ".join(text.split())


def clean_description(text: str) -> str:
    """Paragraphs kept, trailing spaces and runs of blank lines dropped."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def year_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The calendar year of `now` on Poznań's clock, as [start, end) moments."""
    year = now.astimezone(CITY_ZONE).year
    return datetime(year, 1, 1, tzinfo=CITY_ZONE), datetime(year + 1, 1, 1, tzinfo=CITY_ZONE)


async def live_this_year(session: AsyncSession, resident_id: int, now: datetime) -> int:
    """Initiatives of the resident, awaiting moderation or approved, created this calendar year."""
    start, end = year_bounds(now)
    query = select(func.count(Initiative.id)).where(
        Initiative.resident_id == resident_id,
        Initiative.status.in_(LIVE_STATUSES),
        Initiative.created_at >= start,
        Initiative.created_at < end,
    )
    return int(await session.scalar(query) or 0)


async def remaining_this_year(session: AsyncSession, resident_id: int, now: datetime) -> int:
    """How many more initiatives the resident may submit this year (a flow asks before the form)."""
    return max(0, YEARLY_LIMIT - await live_this_year(session, resident_id, now))


def _check_fields(title: str, description: str, osiedle: str | None, category: str) -> None:
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidInitiative(f"title must have {TITLE_MIN} to {TITLE_MAX} characters")
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise InvalidInitiative(f"description must have {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters")
    if category not in CATEGORIES:
        raise InvalidInitiative(f"unknown category {category!r}")
    if osiedle is not None and osiedle not in default_gazetteer().districts:
        raise InvalidInitiative(f"unknown osiedle {osiedle!r}")


async def submit(
    session: AsyncSession,
    resident_id: int,
    title: str,
    description: str,
    osiedle: str | None,
    category: str,
    now: datetime,
) -> Initiative:
    """Store a new initiative awaiting moderation; `osiedle` None means city-wide.

    The resident's row is locked first, so two submissions racing from two bot processes cannot
    both slip under the yearly limit.
    """
    title, description = clean_title(title), clean_description(description)
    _check_fields(title, description, osiedle, category)
    # FOR NO KEY UPDATE: serialises this resident's submissions without blocking rows that merely
    # reference the resident (an outbox notice queued for them by someone else's turn).
    await session.execute(
        select(Resident.id).where(Resident.id == resident_id).with_for_update(key_share=True)
    )
    if await live_this_year(session, resident_id, now) >= YEARLY_LIMIT:
        raise SubmissionLimitReached(YEARLY_LIMIT, now.astimezone(CITY_ZONE).year)
    initiative = Initiative(
        resident_id=resident_id,
        title=title,
        description=description,
        osiedle=osiedle,
        category=category,
        status=AWAITING,
        supports=0,
        threshold_notified=False,
        created_at=now,
    )
    session.add(initiative)
    await session.flush()
    await audit.record(
        session,
        f"resident:{resident_id}",
        "initiative.submitted",
        target(initiative.id),
        details={"title": title, "osiedle": osiedle, "category": category},
        at=now,
    )
    return initiative


def target(initiative_id: int) -> str:
    """How the audit trail names an initiative."""
    return f"initiative:{initiative_id}"


# -- moderation ----------------------------------------------------------------------------------


async def _awaiting(session: AsyncSession, initiative_id: int) -> Initiative:
    initiative = await session.scalar(
        select(Initiative).where(Initiative.id == initiative_id).with_for_update(key_share=True)
    )
    if initiative is None:
        raise InitiativeNotFound(f"no initiative {initiative_id}")
    if initiative.status != AWAITING:
        raise InvalidModeration(f"initiative {initiative_id} is {initiative.status}, not {AWAITING}")
    return initiative


async def approve(
    session: AsyncSession, initiative_id: int, *, actor: str, now: datetime, note: str | None = None
) -> Initiative:
    """Publish an initiative for support and tell its author (in their language)."""
    initiative = await _awaiting(session, initiative_id)
    initiative.status, initiative.moderated_at = APPROVED, now
    initiative.moderation_note = note.strip() if note and note.strip() else None
    await audit.record(
        session, actor, "initiative.approved", target(initiative.id), details={"note": note}, at=now
    )
    title, kept_note = initiative.title, initiative.moderation_note

    def render() -> Notice:
        lines = [
            _(
                "Good news! Your initiative “{title}” has been approved and published. "
                "Other residents can now find it under 💡 Initiatives and support it."
            ).format(title=title)
        ]
        if kept_note:
            lines.append(_("A note from the city: {note}").format(note=kept_note))
        return Notice("\n\n".join(lines), buttons=((_my_initiatives_button(),),))

    await _notify_author(session, initiative, "initiative.approved", render, now)
    return initiative


async def reject(
    session: AsyncSession, initiative_id: int, *, actor: str, now: datetime, reason: str
) -> Initiative:
    """Decline an initiative with a reason the author is told; it no longer counts to their limit."""
    if not reason or not reason.strip():
        raise InvalidModeration("a rejection needs a reason for the author")
    initiative = await _awaiting(session, initiative_id)
    initiative.status, initiative.moderated_at = REJECTED, now
    initiative.moderation_note = reason.strip()
    await audit.record(
        session, actor, "initiative.rejected", target(initiative.id), details={"reason": reason}, at=now
    )
    title, kept_reason = initiative.title, initiative.moderation_note

    def render() -> Notice:
        return Notice(
            _(
                "Your initiative “{title}” was not published. The reason given by the city: {reason}\n\n"
                "You are welcome to send a corrected version."
            ).format(title=title, reason=kept_reason),
            buttons=(((_("✍️ Submit an initiative"), SUBMIT_ACTION, ""),),),
        )

    await _notify_author(session, initiative, "initiative.rejected", render, now)
    return initiative


async def _notify_author(
    session: AsyncSession, initiative: Initiative, kind: str, render: Render, now: datetime
) -> None:
    if initiative.resident_id is not None:
        await notify(session, initiative.resident_id, kind, render, now=now)


# -- browsing ------------------------------------------------------------------------------------


async def approved_in(
    session: AsyncSession, osiedle: str | None, limit: int = 5, offset: int = 0
) -> list[Initiative]:
    """Approved initiatives of one osiedle (None: the city-wide ones), newest first."""
    where = Initiative.osiedle.is_(None) if osiedle is None else Initiative.osiedle == osiedle
    query = (
        select(Initiative)
        .where(Initiative.status == APPROVED, where)
        .order_by(Initiative.moderated_at.desc(), Initiative.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.execute(query)).scalars())


async def osiedla_with_approved(session: AsyncSession) -> list[tuple[str | None, int]]:
    """(osiedle, number of approved initiatives) pairs; city-wide (None) first, then by name."""
    query = (
        select(Initiative.osiedle, func.count(Initiative.id))
        .where(Initiative.status == APPROVED)
        .group_by(Initiative.osiedle)
    )
    rows = [(osiedle, int(count)) for osiedle, count in await session.execute(query)]
    return sorted(rows, key=lambda row: (row[0] is not None, fold(row[0] or "")))


async def submitted_by(session: AsyncSession, resident_id: int, limit: int = 20) -> list[Initiative]:
    """The resident's own initiatives in every status, newest first."""
    query = (
        select(Initiative)
        .where(Initiative.resident_id == resident_id)
        .order_by(Initiative.created_at.desc(), Initiative.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def supported_by(session: AsyncSession, resident_id: int, initiative_ids: list[int]) -> set[int]:
    """Which of these initiatives the resident supports already (a list shows ✅ instead of 👍)."""
    if not initiative_ids:
        return set()
    query = select(InitiativeSupport.initiative_id).where(
        InitiativeSupport.resident_id == resident_id, InitiativeSupport.initiative_id.in_(initiative_ids)
    )
    return set((await session.execute(query)).scalars())


# -- supporting ----------------------------------------------------------------------------------


async def support(
    session: AsyncSession,
    initiative_id: int,
    resident_id: int,
    now: datetime,
    threshold: int = DEFAULT_SUPPORT_THRESHOLD,
) -> SupportResult:
    """Record one resident's support of an approved initiative, once.

    Authors may not support their own initiative: submitting it already says they want it, and
    the count is meant to show how many *other* residents do (PBO's support list, likewise, is
    signed by residents backing someone's project). So `supports` starts at 0 and the threshold
    means that many neighbours.

    The primary key (initiative, resident) makes a second support a no-op answered as "already
    supported"; the count rises with `supports = supports + 1` in the database, and the author's
    notice is claimed with a conditional UPDATE of `threshold_notified`, so it is queued exactly
    once even when several residents support at the same moment from several processes.
    """
    initiative = await session.get(Initiative, initiative_id)
    if initiative is None:
        raise InitiativeNotFound(f"no initiative {initiative_id}")
    if initiative.status != APPROVED:
        raise NotOpenForSupport(f"initiative {initiative_id} is {initiative.status}")
    if initiative.resident_id == resident_id:
        raise OwnInitiative(f"resident {resident_id} wrote initiative {initiative_id}")
    title = initiative.title
    if not await _insert_support(session, initiative_id, resident_id, now):
        supports = await session.scalar(select(Initiative.supports).where(Initiative.id == initiative_id))
        return SupportResult(SupportOutcome.ALREADY_SUPPORTED, initiative_id, title, int(supports or 0))
    supports = int(
        await session.scalar(
            update(Initiative)
            .where(Initiative.id == initiative_id)
            .values(supports=Initiative.supports + 1)
            .returning(Initiative.supports)
            .execution_options(synchronize_session=False)
        )
    )
    reached = supports >= threshold and await _claim_threshold_notice(session, initiative_id)
    if reached and initiative.resident_id is not None:
        await notify(
            session,
            initiative.resident_id,
            "initiative.threshold",
            lambda: _threshold_notice(title, supports),
            now=now,
        )
    return SupportResult(SupportOutcome.SUPPORTED, initiative_id, title, supports, reached)


async def _insert_support(session: AsyncSession, initiative_id: int, resident_id: int, now: datetime) -> bool:
    """Insert the support row unless it exists; True when this call inserted it."""
    values = {"initiative_id": initiative_id, "resident_id": resident_id, "created_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql_insert(InitiativeSupport).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(InitiativeSupport).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two databases above are supported
        statement = insert(InitiativeSupport).values(values)
    inserted = await session.scalar(statement.returning(InitiativeSupport.resident_id))
    return inserted is not None


async def _claim_threshold_notice(session: AsyncSession, initiative_id: int) -> bool:
    """Flip `threshold_notified` from false to true; True for the one transaction that flipped it."""
    claimed = await session.scalar(
        update(Initiative)
        .where(Initiative.id == initiative_id, Initiative.threshold_notified.is_(False))
        .values(threshold_notified=True)
        .returning(Initiative.id)
        .execution_options(synchronize_session=False)
    )
    return claimed is not None


def _threshold_notice(title: str, supports: int) -> Notice:
    return Notice(
        ngettext(
            "Congratulations! Your initiative “{title}” is now supported by {count} resident.",
            "Congratulations! Your initiative “{title}” is now supported by {count} residents.",
            supports,
        ).format(title=title, count=supports)
        + "\n\n"
        + _(
            "If you would like to take it to the Civic Budget (PBO), remember that the official "
            "application needs its own support list signed by residents; the rules are on poznan.pl."
        ),
        buttons=((_my_initiatives_button(),),),
    )


def _my_initiatives_button() -> tuple[str, str, str]:
    return (_("📋 My initiatives"), MY_INITIATIVES_ACTION, "")
