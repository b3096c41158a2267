"""Talking to a person: cases, the resident card staff see first, and what each side is told.

A case is opened in the resident's turn (handlers/handoff.py) and lives in `handoff_cases`; the
Telegram channel (bot/channels/telegram_staff.py) carries messages between the resident and a forum
topic of the staff group. Plain functions over a session; no channel, no clock of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Booking, HandoffCase, Resident
from bot.domain import audit, message_log, reports
from bot.domain.offices import MATTERS_BY_CODE, OFFICES_BY_CODE
from bot.domain.staff_hours import StaffHours, is_staff_time, next_opening
from bot.i18n import LANGUAGE_NAMES, _, format_datetime, ngettext

OPEN, CLOSED = "open", "closed"
REASONS = ("asked", "misses")
RATINGS = range(1, 6)
CARD_MESSAGES = 10
MAX_TOPIC_NAME = 128


# -- what the channel does after the resident's turn commits (the turn itself never calls Telegram) --
@dataclass(frozen=True, slots=True)
class OpenTopic:
    """Create the case's topic in the staff group and post the resident card there."""

    case_id: int


@dataclass(frozen=True, slots=True)
class ToStaff:
    """Copy the message the resident just sent into the case's topic."""

    case_id: int


@dataclass(frozen=True, slots=True)
class StaffNotice:
    """A line for staff in the case's topic (already in the staff's language)."""

    case_id: int
    text: str


@dataclass(frozen=True, slots=True)
class CloseTopic:
    """Close the case's topic, so the group's topic list shows what is still open."""

    case_id: int


Effect = OpenTopic | ToStaff | StaffNotice | CloseTopic


# -- cases ---------------------------------------------------------------------------------------------
async def open_case_of(session: AsyncSession, resident_id: int) -> HandoffCase | None:
    query = select(HandoffCase).where(HandoffCase.resident_id == resident_id, HandoffCase.status == OPEN)
    return await session.scalar(query)


async def open_case(
    session: AsyncSession, resident_id: int, *, chat_id: int, reason: str, flow: str | None, now: datetime
) -> HandoffCase:
    """A new open case (the caller checked there is none: the resident's turn holds their lock)."""
    case = HandoffCase(
        resident_id=resident_id,
        chat_id=chat_id,
        status=OPEN,
        reason=reason if reason in REASONS else "asked",
        flow=flow,
        opened_at=now,
        last_activity_at=now,
    )
    session.add(case)
    await session.flush()
    await audit.record(
        session,
        f"resident:{resident_id}",
        "handoff.opened",
        target(case.id),
        details={"reason": case.reason},
        at=now,
    )
    return case


async def get_case(session: AsyncSession, case_id: int) -> HandoffCase | None:
    return await session.get(HandoffCase, case_id)


async def case_in_topic(session: AsyncSession, chat_id: int, thread_id: int) -> HandoffCase | None:
    """The latest case whose topic this is."""
    query = (
        select(HandoffCase)
        .where(HandoffCase.chat_id == chat_id, HandoffCase.thread_id == thread_id)
        .order_by(HandoffCase.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def set_topic(session: AsyncSession, case_id: int, thread_id: int) -> None:
    await session.execute(update(HandoffCase).where(HandoffCase.id == case_id).values(thread_id=thread_id))


async def touch(session: AsyncSession, case_id: int, now: datetime) -> None:
    """Someone wrote: the idle clock starts again."""
    await session.execute(update(HandoffCase).where(HandoffCase.id == case_id).values(last_activity_at=now))


async def close_case(session: AsyncSession, case_id: int, *, by: str, now: datetime) -> bool:
    """Close an open case; False when it was closed already (another process, a second /close)."""
    result = await session.execute(
        update(HandoffCase)
        .where(HandoffCase.id == case_id, HandoffCase.status == OPEN)
        .values(status=CLOSED, closed_at=now, closed_by=by[:64])
    )
    if not result.rowcount:
        return False
    actor = by if ":" in by else "system"  # idle or blocked: nobody did it
    await audit.record(session, actor, "handoff.close", target(case_id), details={"by": by}, at=now)
    return True


def is_idle(case: HandoffCase, now: datetime, idle_minutes: int) -> bool:
    return now - case.last_activity_at >= timedelta(minutes=idle_minutes)


async def idle_cases(session: AsyncSession, now: datetime, idle_minutes: int) -> list[HandoffCase]:
    cutoff = now - timedelta(minutes=idle_minutes)
    query = select(HandoffCase).where(HandoffCase.status == OPEN, HandoffCase.last_activity_at <= cutoff)
    return list((await session.execute(query)).scalars())


async def rate(session: AsyncSession, case_id: int, resident_id: int, rating: int, *, now: datetime) -> bool:
    """Store the resident's 1-5 rating of a closed case of theirs, once."""
    if rating not in RATINGS:
        return False
    result = await session.execute(
        update(HandoffCase)
        .where(
            HandoffCase.id == case_id,
            HandoffCase.resident_id == resident_id,
            HandoffCase.status == CLOSED,
            HandoffCase.rating.is_(None),
        )
        .values(rating=rating)
    )
    if not result.rowcount:
        return False
    await audit.record(
        session,
        f"resident:{resident_id}",
        "handoff.rated",
        target(case_id),
        details={"rating": rating},
        at=now,
    )
    return True


def target(case_id: int) -> str:
    return f"handoff:{case_id}"


def staff_actor(user_id: int) -> str:
    return f"telegram-staff:{user_id}"


# -- what people read ------------------------------------------------------------------------------------
def topic_name(case: HandoffCase, display_name: str | None) -> str:
    """The topic's title, e.g. "Anna Kowalska · #12": who and which case, within 128 characters."""
    suffix = f" · #{case.id}"
    name = (display_name or "").strip() or _("Resident {id}").format(id=case.resident_id)
    return name[: MAX_TOPIC_NAME - len(suffix)] + suffix


def topic_link(chat_id: int, thread_id: int | None) -> str | None:
    """https://t.me/c/<internal id>/<thread>: a supergroup's id without its -100 prefix."""
    if thread_id is None:
        return None
    internal = str(chat_id)
    internal = internal[4:] if internal.startswith("-100") else internal.lstrip("-")
    return f"https://t.me/c/{internal}/{thread_id}"


def signature(first_name: str | None, *, show_names: bool) -> str:
    """How a staff message is signed for the resident; names only when STAFF_SHOW_NAMES is set."""
    if show_names and first_name:
        return _("🏛 {name}, City of Poznań staff:").format(name=first_name)
    return _("🏛 City of Poznań staff:")


def expected_reply(hours: StaffHours, expected: str, now: datetime) -> str:
    """The automatic answer outside staff hours: when a person will reply."""
    if expected.isdigit():
        count = int(expected)
        return ngettext(
            "Our staff are not at work now. We will reply within {count} hour.",
            "Our staff are not at work now. We will reply within {count} hours.",
            count,
        ).format(count=count)
    opening = next_opening(hours, now)
    if opening is None:
        return _("Our staff are not at work now. We will reply as soon as we can.")
    return _("Our staff are not at work now. We will reply after {moment}.").format(
        moment=format_datetime(opening, "short")
    )


def outside_hours(hours: StaffHours, now: datetime) -> bool:
    return not is_staff_time(hours, now)


async def card(session: AsyncSession, case: HandoffCase, *, flow_label: str | None, now: datetime) -> str:
    """The resident card posted first in the topic: who, language, last messages, form, matters."""
    resident = await session.get(Resident, case.resident_id)
    name = resident.display_name if resident and resident.display_name else "—"
    language = LANGUAGE_NAMES.get(resident.language, "—") if resident else "—"
    why = (
        _("asked for a person") if case.reason == "asked" else _("accepted after the bot misunderstood twice")
    )
    lines = [
        _("New conversation #{id} with a resident").format(id=case.id),
        _("Name: {name}").format(name=name),
        _("Language: {language}").format(language=language),
        _("Why: {reason}").format(reason=why),
        _("Was filling in: {flow}").format(flow=flow_label or _("nothing")),
    ]
    total, mine = await reports.reports_of(session, case.resident_id, limit=5)
    lines += ["", ngettext("{count} report:", "{count} reports:", total).format(count=total)]
    lines += [f"• {reports.one_line(report)}" for report in mine]
    visits = await _upcoming_visits(session, case.resident_id, now)
    lines += [
        "",
        ngettext("{count} upcoming visit:", "{count} upcoming visits:", len(visits)).format(
            count=len(visits)
        ),
    ]
    lines += [f"• {line}" for line in visits]
    recent = await message_log.recent(session, case.resident_id, CARD_MESSAGES)
    lines += ["", _("Last messages:")]
    lines += [f"{'→' if entry.direction == message_log.IN else '←'} {entry.text}" for entry in recent]
    if not recent:
        lines.append("—")
    lines += [
        "",
        _(
            "Write here to answer the resident. /note TEXT: internal note. /status TICKET STATUS "
            "[note]: change a report. /close: end the conversation."
        ),
    ]
    return "\n".join(lines)


async def _upcoming_visits(session: AsyncSession, resident_id: int, now: datetime) -> list[str]:
    query = (
        select(Booking)
        .where(Booking.resident_id == resident_id, Booking.status == "active", Booking.starts_at >= now)
        .order_by(Booking.starts_at)
        .limit(5)
    )
    out = []
    for booking in (await session.execute(query)).scalars():
        matter = MATTERS_BY_CODE.get(booking.matter)
        office = OFFICES_BY_CODE.get(booking.office)
        out.append(
            " · ".join(
                (
                    booking.code,
                    format_datetime(booking.starts_at, "short"),
                    _(matter.label) if matter else booking.matter,
                    office.street if office else booking.office,
                )
            )
        )
    return out
