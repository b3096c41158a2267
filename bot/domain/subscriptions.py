"""Alert subscriptions: topics, the consent ledger, delivery preferences and quiet hours.

Every real opt-in and opt-out is written to the consent ledger with its time and channel (what the
city must be able to show) and to the audit trail, in the caller's transaction. Quiet hours are
wall-clock times on Poznań's clock, so a span may cross midnight and DST nights need care.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Alert, AlertPreferences, ConsentEntry, Resident, Subscription
from bot.domain import audit
from bot.i18n import CITY_ZONE, N_
from nlu.gazetteer import default_gazetteer


@dataclass(frozen=True, slots=True)
class Topic:
    """An alert topic; `local` topics may be narrowed to one osiedle (road works, city news)."""

    code: str
    label: str
    local: bool = False


TOPICS: tuple[Topic, ...] = (
    Topic("weather", N_("Weather warnings")),
    Topic("road_works", N_("Road works and traffic"), local=True),
    Topic("seniors", N_("Announcements for seniors")),
    Topic("city_news", N_("City news"), local=True),
    Topic("waste_collection", N_("Waste collection reminders")),
)
BY_CODE = {topic.code: topic for topic in TOPICS}
LOCAL_TOPICS = tuple(topic.code for topic in TOPICS if topic.local)

DEFAULT_QUIET_FROM = "22:00"
DEFAULT_QUIET_TO = "07:00"
# Weather warnings of these IMGW levels ignore quiet hours: a storm at night is worth waking for.
URGENT_WEATHER_LEVELS = (2, 3)
CHANNELS = ("telegram", "shell", "staff", "system", "bot")
MAX_SPAN_TEXT = 40


class SubscriptionError(ValueError):
    """A request no resident could make through the bot (unknown topic or osiedle)."""


# -- subscribing -----------------------------------------------------------------------------------
def _check(topic: str, osiedle: str | None, channel: str) -> None:
    if topic not in BY_CODE:
        raise SubscriptionError(f"unknown topic {topic!r}")
    if osiedle is not None:
        if not BY_CODE[topic].local:
            raise SubscriptionError(f"topic {topic!r} takes no osiedle")
        if osiedle not in default_gazetteer().districts:
            raise SubscriptionError(f"unknown osiedle {osiedle!r}")
    if channel not in CHANNELS:
        raise SubscriptionError(f"unknown channel {channel!r}")


async def subscribe(
    session: AsyncSession,
    resident_id: int,
    topic: str,
    *,
    osiedle: str | None = None,
    channel: str,
    now: datetime,
    actor: str | None = None,
) -> bool:
    """Opt in (or change the osiedle of an opt-in); False when nothing changed, and nothing is written.

    A second identical request (a double tap, a stale button) is a no-op, so the ledger holds real
    changes only; a new osiedle is a new consent for a different scope and is recorded as an opt-in.
    """
    _check(topic, osiedle, channel)
    key = (Subscription.resident_id == resident_id, Subscription.topic == topic)
    current = (await session.execute(select(Subscription.osiedle).where(*key))).first()
    if current is not None:
        if current.osiedle == osiedle:
            return False
        await session.execute(update(Subscription).where(*key).values(osiedle=osiedle))
    else:
        inserted = await session.scalar(
            _upsert(session)(Subscription)
            .values(resident_id=resident_id, topic=topic, osiedle=osiedle, created_at=now)
            .on_conflict_do_nothing()
            .returning(Subscription.resident_id)
        )
        if inserted is None:  # subscribed by a concurrent transaction: its entry is the record
            return False
    await _record(session, resident_id, topic, "opt_in", osiedle, channel, now, actor)
    return True


async def unsubscribe(
    session: AsyncSession,
    resident_id: int,
    topic: str,
    *,
    channel: str,
    now: datetime,
    actor: str | None = None,
) -> bool:
    """Opt out; False (and no ledger entry) when the resident was not subscribed."""
    _check(topic, None, channel)
    removed = (
        await session.execute(
            delete(Subscription)
            .where(Subscription.resident_id == resident_id, Subscription.topic == topic)
            .returning(Subscription.osiedle)
        )
    ).first()
    if removed is None:
        return False
    await _record(session, resident_id, topic, "opt_out", removed.osiedle, channel, now, actor)
    return True


async def unsubscribe_all(
    session: AsyncSession, resident_id: int, *, channel: str, now: datetime, actor: str | None = None
) -> list[str]:
    """Opt out of every topic; the topics actually left, in TOPICS order."""
    left = []
    for topic in await subscriptions_of(session, resident_id):
        if await unsubscribe(session, resident_id, topic, channel=channel, now=now, actor=actor):
            left.append(topic)
    return [topic.code for topic in TOPICS if topic.code in left]


async def set_local_osiedle(
    session: AsyncSession,
    resident_id: int,
    osiedle: str | None,
    *,
    channel: str,
    now: datetime,
    actor: str | None = None,
) -> list[str]:
    """Narrow (or widen, with None) every local subscription to one osiedle; the topics changed."""
    current = await subscriptions_of(session, resident_id)
    changed = []
    for topic in LOCAL_TOPICS:
        if topic in current and await subscribe(
            session, resident_id, topic, osiedle=osiedle, channel=channel, now=now, actor=actor
        ):
            changed.append(topic)
    return changed


async def subscriptions_of(session: AsyncSession, resident_id: int) -> dict[str, str | None]:
    """The resident's topics, each with its osiedle filter (None: the whole city)."""
    rows = await session.execute(
        select(Subscription.topic, Subscription.osiedle).where(Subscription.resident_id == resident_id)
    )
    return {row.topic: row.osiedle for row in rows}


async def ledger_of(session: AsyncSession, resident_id: int) -> list[dict[str, Any]]:
    """The resident's consent history, oldest first, as plain values ready for an export file."""
    rows = await session.execute(
        select(ConsentEntry).where(ConsentEntry.resident_id == resident_id).order_by(ConsentEntry.id)
    )
    return [
        {
            "topic": entry.topic,
            "action": entry.action,
            "channel": entry.channel,
            "osiedle": entry.osiedle,
            "at": entry.at.astimezone(UTC).isoformat(),
        }
        for entry in rows.scalars()
    ]


async def _record(
    session: AsyncSession,
    resident_id: int,
    topic: str,
    action: str,
    osiedle: str | None,
    channel: str,
    now: datetime,
    actor: str | None,
) -> None:
    session.add(
        ConsentEntry(
            resident_id=resident_id, topic=topic, action=action, channel=channel, osiedle=osiedle, at=now
        )
    )
    resident = f"resident:{resident_id}"
    await audit.record(
        session,
        actor or resident,
        f"subscription.{action}",
        resident,
        details={"topic": topic, "osiedle": osiedle, "channel": channel},
        at=now,
    )


def _upsert(session: AsyncSession) -> Any:
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


# -- preferences -----------------------------------------------------------------------------------
class QuietHours(Protocol):
    """Anything with quiet hours: `Preferences`, or a `Recipient` row of a broadcast."""

    @property
    def quiet_from(self) -> str: ...

    @property
    def quiet_to(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Preferences:
    """How a resident wants alerts; start == end means no quiet hours."""

    quiet_from: str = DEFAULT_QUIET_FROM
    quiet_to: str = DEFAULT_QUIET_TO
    silent: bool = False

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_from != self.quiet_to


async def preferences(session: AsyncSession, resident_id: int) -> Preferences:
    row = await session.get(AlertPreferences, resident_id)
    if row is None:
        return Preferences()
    return Preferences(row.quiet_from, row.quiet_to, row.silent)


async def _preferences_row(session: AsyncSession, resident_id: int) -> AlertPreferences:
    row = await session.get(AlertPreferences, resident_id)
    if row is None:
        row = AlertPreferences(
            resident_id=resident_id, quiet_from=DEFAULT_QUIET_FROM, quiet_to=DEFAULT_QUIET_TO, silent=False
        )
        session.add(row)
    return row


async def _audit_own(
    session: AsyncSession, resident_id: int, action: str, details: dict[str, Any], now: datetime
) -> None:
    """A resident changing their own settings: actor and target are the resident."""
    resident = f"resident:{resident_id}"
    await audit.record(session, resident, action, resident, details=details, at=now)


async def set_quiet_hours(
    session: AsyncSession, resident_id: int, start: str, end: str, *, now: datetime
) -> Preferences:
    """Store quiet hours ("HH:MM" each; equal means none; 22:00-07:00 crosses midnight)."""
    start, end = normalise_clock(start), normalise_clock(end)
    row = await _preferences_row(session, resident_id)
    row.quiet_from, row.quiet_to = start, end
    await _audit_own(session, resident_id, "alerts.quiet_hours", {"from": start, "to": end}, now)
    return Preferences(row.quiet_from, row.quiet_to, row.silent)


async def set_silent(session: AsyncSession, resident_id: int, silent: bool, *, now: datetime) -> Preferences:
    """Deliver alerts without a notification sound (or with it again)."""
    row = await _preferences_row(session, resident_id)
    if row.silent != silent:
        row.silent = silent
        await _audit_own(session, resident_id, "alerts.silent", {"silent": silent}, now)
    return Preferences(row.quiet_from, row.quiet_to, row.silent)


async def mark_unreachable(session: AsyncSession, resident_id: int, *, now: datetime) -> None:
    """The channel says this resident cannot be reached (blocked the bot): broadcasts skip them."""
    row = await _preferences_row(session, resident_id)
    row.unreachable_at = now


async def mark_reachable(session: AsyncSession, resident_id: int) -> None:
    """A resident who talks to the bot again can be reached again (one UPDATE, often of no row)."""
    await session.execute(
        update(AlertPreferences)
        .where(AlertPreferences.resident_id == resident_id, AlertPreferences.unreachable_at.is_not(None))
        .values(unreachable_at=None)
    )


# -- broadcasts ------------------------------------------------------------------------------------
class Recipient(NamedTuple):
    """One subscriber a broadcast goes to, with what its delivery needs (language, quiet hours)."""

    resident_id: int
    language: str
    quiet_from: str
    quiet_to: str
    silent: bool


async def recipients(session: AsyncSession, topic: str, osiedla: Sequence[str] | None) -> list[Recipient]:
    """Subscribers of `topic` whose osiedle filter is unset or among `osiedla` (None: city-wide).

    One query: a broadcast to tens of thousands of residents must not cost one query each.
    Residents the channel marked unreachable are left out.
    """
    query = (
        select(
            Subscription.resident_id,
            Resident.language,
            func.coalesce(AlertPreferences.quiet_from, DEFAULT_QUIET_FROM),
            func.coalesce(AlertPreferences.quiet_to, DEFAULT_QUIET_TO),
            func.coalesce(AlertPreferences.silent, false()),
        )
        .join(Resident, Resident.id == Subscription.resident_id)
        .outerjoin(AlertPreferences, AlertPreferences.resident_id == Subscription.resident_id)
        .where(Subscription.topic == topic, AlertPreferences.unreachable_at.is_(None))
        .order_by(Subscription.resident_id)
    )
    if osiedla is not None:
        query = query.where(or_(Subscription.osiedle.is_(None), Subscription.osiedle.in_(list(osiedla))))
    return [Recipient(int(r[0]), r[1], r[2], r[3], bool(r[4])) for r in await session.execute(query)]


def is_urgent(topic: str, level: int | None) -> bool:
    """Weather warnings of level 2 or 3 go at once, whatever the hour."""
    return topic == "weather" and level in URGENT_WEATHER_LEVELS


async def alerts_in_force(
    session: AsyncSession, now: datetime, *, topics: Sequence[str] | None = None, limit: int = 10
) -> list[Alert]:
    """Active alerts valid at `now` (open-ended ones included), most severe and soonest first."""
    query = (
        select(Alert)
        .where(
            Alert.status == "active",
            or_(Alert.valid_to.is_(None), Alert.valid_to > now),
            or_(Alert.valid_from.is_(None), Alert.valid_from <= now),
        )
        .order_by(func.coalesce(Alert.level, 0).desc(), Alert.valid_to.asc().nulls_last(), Alert.id)
        .limit(limit)
    )
    if topics:
        query = query.where(Alert.topic.in_(list(topics)))
    return list((await session.execute(query)).scalars())


# -- quiet hours (pure) ----------------------------------------------------------------------------
class BadTime(ValueError):
    """Not a time of day ("25:00", "7:75"); `text` is what the resident wrote."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class BadSpan(ValueError):
    """Not two times of day ("abc", an essay)."""


_CLOCK = re.compile(r"(\d{1,2})(?:[:.h]?(\d{2}))?")
_SPAN = re.compile(r"(?:od|from)?\s*(\S+?)\s*(?:-|–|—|\bdo\b|\bto\b|\buntil\b)\s*(\S+)", re.IGNORECASE)


def normalise_clock(text: str) -> str:
    """ "7", "7:30", "07.30", "0730", "22h" -> "HH:MM"; "24:00" is midnight. Raises BadTime."""
    cleaned = text.strip().rstrip("h")
    match = _CLOCK.fullmatch(cleaned)
    if match is None:
        raise BadTime(text.strip()[:12])
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if (hours, minutes) == (24, 0):
        hours = 0
    if hours > 23 or minutes > 59:
        raise BadTime(text.strip()[:12])
    return f"{hours:02d}:{minutes:02d}"


def parse_span(text: str) -> tuple[str, str]:
    """ "22:00-07:00", "22-7", "od 23 do 6" -> ("22:00", "07:00"). Raises BadSpan or BadTime."""
    if len(text) > MAX_SPAN_TEXT:
        raise BadSpan(text[:MAX_SPAN_TEXT])
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        raise BadSpan(text)
    return normalise_clock(match.group(1)), normalise_clock(match.group(2))


@lru_cache(maxsize=256)
def _clock(value: str) -> time:
    hours, minutes = normalise_clock(value).split(":")
    return time(int(hours), int(minutes))


def _wall(moment: datetime) -> datetime:
    """Poznań's wall clock at `moment`, naive (comparable across DST changes)."""
    return moment.astimezone(CITY_ZONE).replace(tzinfo=None)


def in_quiet_hours(prefs: QuietHours, moment: datetime) -> bool:
    """Whether `moment` falls in the quiet hours: [from, to) on Poznań's clock, across midnight too."""
    start, end = _clock(prefs.quiet_from), _clock(prefs.quiet_to)
    if start == end:
        return False
    now = _wall(moment).time()
    return start <= now < end if start < end else now >= start or now < end


def release_time(prefs: QuietHours, moment: datetime) -> datetime:
    """The first instant at or after `moment` outside the quiet hours (UTC).

    The end of quiet hours is a wall-clock time: when the spring DST change skips it, the release is
    the instant the clock jumps past it; when the autumn change repeats it, the first one after
    `moment` counts.
    """
    if not in_quiet_hours(prefs, moment):
        return moment
    end = _clock(prefs.quiet_to)
    wall = _wall(moment)
    day = wall.date() if wall.time() < end else wall.date() + timedelta(days=1)
    return max(_first_at_or_after(datetime.combine(day, end), moment), moment)


def _first_at_or_after(target: datetime, moment: datetime) -> datetime:
    """The first instant from `moment` on at which Poznań's wall clock reads `target` or later."""
    early, late = sorted(target.replace(tzinfo=CITY_ZONE, fold=fold).astimezone(UTC) for fold in (0, 1))
    if _wall(early) == target:  # the time exists (twice in the autumn night)
        return early if early >= moment else late
    # The spring gap: the wall clock jumps from before `target` to after it somewhere in between.
    low, high = 0, int((late - early).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(early + timedelta(seconds=middle)) >= target:
            high = middle
        else:
            low = middle
    return early + timedelta(seconds=high)


def deliver_at(prefs: QuietHours, moment: datetime, *, urgent: bool) -> datetime:
    """When a message may be delivered: at once when urgent, else after the quiet hours."""
    return moment if urgent else release_time(prefs, moment)
