"""Alerts from feeds and staff, and the broadcasts that tell residents about them.

A feed poll hands its current items to `sync_alerts`, which knows each by (source, external id): a new
item becomes an alert and a "new" broadcast, a changed level or validity an "update", and one that
vanished before its end a "withdrawn" note. Texts are rendered here in both languages because the
subscribers speak either; the fan-out (elsewhere) turns each broadcast into outbox rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Alert, Broadcast
from bot.domain import audit
from bot.i18n import CITY_ZONE, N_, _, current_language, format_datetime, use_language
from nlu.gazetteer import default_gazetteer
from nlu.text import fold

log = logging.getLogger(__name__)

TOPICS = ("weather", "road_works", "seniors", "city_news", "waste_collection")
IMGW, ROADWORKS, STAFF = "imgw", "roadworks", "staff"
ACTIVE, WITHDRAWN, EXPIRED = "active", "withdrawn", "expired"
NEW, UPDATE, WITHDRAWAL, ANNOUNCEMENT = "new", "update", "withdrawn", "announcement"
# Orange and red warnings are sent even in a resident's quiet hours.
URGENT_LEVEL = 2
# A send time typed a few seconds ago is "now", not "the past".
PAST_TOLERANCE = timedelta(minutes=1)
# Telegram takes 4096 characters; the header needs a little room.
MAX_TEXT = 3900
MOMENT_FORMAT = "d MMMM y, HH:mm"

LEVELS = {
    1: ("🟡", N_("1st degree (yellow)")),
    2: ("🟠", N_("2nd degree (orange)")),
    3: ("🔴", N_("3rd degree (red)")),
}
# IMGW's event names, folded, to English; the Polish text shows IMGW's own wording.
EVENTS = {
    "burze": N_("Thunderstorms"),
    "burze z gradem": N_("Thunderstorms with hail"),
    "intensywne opady deszczu": N_("Heavy rain"),
    "intensywne opady deszczu z burzami": N_("Heavy rain with thunderstorms"),
    "silny deszcz z burzami": N_("Heavy rain with thunderstorms"),
    "silny wiatr": N_("Strong wind"),
    "upal": N_("Heat"),
    "silny mroz": N_("Severe frost"),
    "przymrozki": N_("Ground frost"),
    "intensywne opady sniegu": N_("Heavy snowfall"),
    "zawieje / zamiecie sniezne": N_("Blowing and drifting snow"),
    "oblodzenie": N_("Icy roads and pavements"),
    "opady marznace": N_("Freezing precipitation"),
    "gesta mgla": N_("Dense fog"),
    "mgla intensywnie osadzajaca szadz": N_("Fog depositing rime"),
    "roztopy": N_("Thaw"),
}
# First folded word stem found in the event name picks the advice.
ADVICE = (
    (("burz", "grad"), N_("Stay indoors away from windows, do not shelter under trees, secure loose "
                          "objects on balconies and unplug electrical devices.")),
    (("wiatr",), N_("Secure or bring in loose objects, keep away from trees, scaffolding and "
                    "billboards, and park away from trees.")),
    (("upal",), N_("Drink water often, avoid the sun from 11:00 to 16:00, check on older neighbours, "
                   "and never leave children or animals in a parked car.")),
    (("mroz", "przymroz"), N_("Dress warmly in layers and check on older neighbours; if you see "
                              "someone at risk of freezing, call 112.")),
    (("snieg", "zawiej", "zamiec"), N_("Travel only if you must, allow extra time, and clear snow "
                                       "from pavements carefully.")),
    (("oblodz", "marzn", "gololedz"), N_("Walk carefully in shoes with a good grip and drive slowly; "
                                         "the ground may be icy.")),
    (("mgl",), N_("Drive slowly with dipped headlights and keep your distance.")),
    (("deszcz", "roztop"), N_("Do not walk or drive through flooded streets, keep away from the "
                              "Warta and drains, and move valuables out of basements.")),
)  # fmt: skip
GENERIC_ADVICE = N_("Follow the news and the emergency services' instructions; in an emergency call 112.")
# WZDx vehicle_impact codes by prefix.
IMPACTS = (
    ("all-lanes-closed", N_("Road closed to traffic")),
    ("some-lanes-closed", N_("Some lanes closed")),
    ("all-lanes-open", N_("All lanes open, expect delays")),
    ("alternating-one-way", N_("Alternating one-way traffic")),
    ("flagging", N_("Alternating one-way traffic")),
    ("temporary-traffic-signal", N_("Alternating one-way traffic")),
)


class AnnouncementError(ValueError):
    """Staff content the rules refuse; `reason` is a code a panel or the CLI can explain."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WeatherWarning:
    """One IMGW meteorological warning; times are aware UTC."""

    id: str
    event: str
    level: int
    valid_from: datetime
    valid_to: datetime
    content: str = ""
    comment: str | None = None
    probability: int | None = None
    published: datetime | None = None
    office: str = ""
    teryt: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoadWork:
    """Road works from a feed or from staff; `osiedla` None means the whole city."""

    id: str
    title: str
    description: str = ""
    streets: tuple[str, ...] = ()
    osiedla: tuple[str, ...] | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    link: str | None = None
    impact: str | None = None  # WZDx vehicle_impact, e.g. "some-lanes-closed"
    title_en: str | None = None
    description_en: str | None = None


FeedItem = WeatherWarning | RoadWork


# -- texts -------------------------------------------------------------------------------------------


def in_both(render: Callable[[], str]) -> tuple[str, str]:
    """(Polish, English) renderings of one text."""
    with use_language("pl"):
        polish = render()
    with use_language("en"):
        english = render()
    return polish, english


def _moment(moment: datetime) -> str:
    return format_datetime(moment, MOMENT_FORMAT)


def _clip(text: str, limit: int = 1500) -> str:
    """Feed texts are kept short enough that a whole message fits Telegram's 4096 characters."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def level_words(level: int) -> str:
    """The level in words after its emoji: "🟠 2nd degree (orange)", "🟠 2. stopień (pomarańczowy)"."""
    emoji, words = LEVELS[level]
    return f"{emoji} {_(words)}"


def event_name(event: str) -> str:
    if current_language() == "pl":
        return event
    key = " ".join(fold(event).replace("/", " / ").split())
    return _(EVENTS[key]) if key in EVENTS else event


def advice_for(event: str) -> str:
    folded = fold(event)
    for stems, advice in ADVICE:
        if any(stem in folded for stem in stems):
            return _(advice)
    return _(GENERIC_ADVICE)


def _weather_title(warning: WeatherWarning) -> str:
    """The event alone ("Burze", "Thunderstorms"): lists of alerts show the level beside it."""
    return event_name(warning.event)


def _weather_body(warning: WeatherWarning) -> list[str]:
    lines = [
        _("Level: {level}").format(level=level_words(warning.level)),
        _("Valid from {start} to {end}").format(
            start=_moment(warning.valid_from), end=_moment(warning.valid_to)
        ),
    ]
    if warning.probability is not None:
        lines.append(_("Probability: {percent}%").format(percent=warning.probability))
    if warning.content:
        lines.append(_("IMGW's description (in Polish): {text}").format(text=_clip(warning.content)))
    if warning.comment:
        lines.append(_("IMGW's comment (in Polish): {text}").format(text=_clip(warning.comment)))
    lines.append(_("What to do: {advice}").format(advice=advice_for(warning.event)))
    lines.append(_("Source: IMGW-PIB"))
    return lines


def _weather_changes(warning: WeatherWarning, before: Alert) -> list[str]:
    changes = []
    if before.level != warning.level and before.level in LEVELS:
        changes.append(
            _("The level changed from {old} to {new}.").format(
                old=_(LEVELS[before.level][1]), new=_(LEVELS[warning.level][1])
            )
        )
    if (before.valid_from, before.valid_to) != (warning.valid_from, warning.valid_to) and before.valid_to:
        start = _moment(before.valid_from) if before.valid_from else "?"
        changes.append(
            _("The validity changed (it was from {start} to {end}).").format(
                start=start, end=_moment(before.valid_to)
            )
        )
    return changes


def weather_text(warning: WeatherWarning, before: Alert | None = None) -> str:
    """The whole message about a warning, new or (given the alert as it was) updated."""
    name = event_name(warning.event)
    if before is None:
        head = [_("⚠️ IMGW weather warning: {event}").format(event=name)]
    else:
        head = [_("🔄 Update of the IMGW weather warning: {event}").format(event=name)]
        head += _weather_changes(warning, before)
    return "\n".join([*head, *_weather_body(warning)])


def _road_title(work: RoadWork) -> str:
    return work.title_en if current_language() == "en" and work.title_en else work.title


def _road_body(work: RoadWork) -> list[str]:
    lines = []
    place = ", ".join(work.streets)
    if work.osiedla:
        osiedla = ", ".join(work.osiedla)
        place = f"{place} ({osiedla})" if place else osiedla
    if place:
        lines.append(_("Where: {place}").format(place=place))
    if work.starts and work.ends:
        lines.append(_("From {start} to {end}").format(start=_moment(work.starts), end=_moment(work.ends)))
    elif work.starts:
        lines.append(_("From {start}").format(start=_moment(work.starts)))
    elif work.ends:
        lines.append(_("Until {end}").format(end=_moment(work.ends)))
    impact = next((words for prefix, words in IMPACTS if (work.impact or "").startswith(prefix)), None)
    if impact:
        lines.append(_("Traffic: {impact}").format(impact=_(impact)))
    english = current_language() == "en" and work.description_en
    description = work.description_en if english else work.description
    if description and description != work.title:
        lines.append(_clip(description))
    if work.link:
        lines.append(_("More: {link}").format(link=work.link))
    return lines


def road_text(work: RoadWork, before: Alert | None = None) -> str:
    if before is None:
        head = _("🚧 Road works: {title}").format(title=_road_title(work))
    else:
        head = _("🔄 Road works update: {title}").format(title=_road_title(work))
    return "\n".join([head, *_road_body(work)])


def withdrawal_text(alert: Alert) -> str:
    """The note that an alert ended before its time, from what was stored about it."""
    title = alert.title_en if current_language() == "en" else alert.title_pl
    if alert.topic == "weather":
        if alert.level in LEVELS:
            title = f"{title}, {_(LEVELS[alert.level][1])}"
        lines = [_("✅ IMGW has withdrawn the weather warning: {title}").format(title=title)]
    else:
        lines = [_("✅ This notice was withdrawn before its end: {title}").format(title=title)]
    if alert.valid_from and alert.valid_to:
        lines.append(
            _("It was to be valid from {start} to {end}.").format(
                start=_moment(alert.valid_from), end=_moment(alert.valid_to)
            )
        )
    if alert.source == IMGW:
        lines.append(_("Source: IMGW-PIB"))
    return "\n".join(lines)


# -- feed items as alerts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """What a feed item becomes: the alert's columns, and how to word its broadcasts."""

    item: FeedItem
    external_id: str
    topic: str
    level: int | None
    osiedla: list[str] | None
    valid_from: datetime | None
    valid_to: datetime | None
    fingerprint: str
    urgent: bool

    def text(self, before: Alert | None = None) -> str:
        if isinstance(self.item, WeatherWarning):
            return weather_text(self.item, before)
        return road_text(self.item, before)

    def title(self) -> str:
        if isinstance(self.item, WeatherWarning):
            return _weather_title(self.item)
        return _road_title(self.item)


def _fingerprint(*parts: object) -> str:
    raw = json.dumps([p.isoformat() if isinstance(p, datetime) else p for p in parts], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _external_id(raw: str) -> str:
    # The column holds 128 characters; a longer feed id is kept unique by its hash.
    return raw if len(raw) <= 128 else hashlib.sha256(raw.encode("utf-8")).hexdigest()


def draft_of(item: FeedItem) -> Draft:
    if isinstance(item, WeatherWarning):
        return Draft(
            item, _external_id(item.id), "weather", item.level, None, item.valid_from, item.valid_to,
            _fingerprint(item.level, item.valid_from, item.valid_to), item.level >= URGENT_LEVEL,
        )  # fmt: skip
    fingerprint = _fingerprint(item.starts, item.ends, item.title, item.description, item.impact)
    osiedla = list(item.osiedla) if item.osiedla else None
    return Draft(
        item, _external_id(item.id), "road_works", None, osiedla, item.starts, item.ends, fingerprint, False
    )


_COLUMNS = ("topic", "level", "osiedla", "valid_from", "valid_to", "fingerprint")


def _fill(alert: Alert, draft: Draft, now: datetime) -> None:
    """Write the draft into the alert; `updated_at` moves only when something did change."""
    titles = tuple(t[:255] for t in in_both(draft.title))
    values = {name: getattr(draft, name) for name in _COLUMNS}
    values.update(
        zip(("title_pl", "title_en", "body_pl", "body_en"), (*titles, *in_both(draft.text)), strict=True)
    )
    if any(getattr(alert, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(alert, name, value)
        alert.updated_at = now


def _broadcast(alert: Alert, kind: str, texts: tuple[str, str], *, urgent: bool, now: datetime) -> Broadcast:
    return Broadcast(
        alert_id=alert.id, kind=kind, topic=alert.topic, osiedla=alert.osiedla, text_pl=texts[0],
        text_en=texts[1], urgent=urgent, send_at=now, created_by=f"feed:{alert.source}", created_at=now,
    )  # fmt: skip


async def sync_alerts(
    session: AsyncSession, source: str, items: Sequence[FeedItem], *, now: datetime
) -> list[Broadcast]:
    """Bring the alerts of one source in line with what the feed lists now; returns the broadcasts made.

    The same list twice makes nothing the second time. Rows are locked (PostgreSQL) so two pollers
    cannot both announce one change.
    """
    drafts: dict[str, Draft] = {}
    for item in items:
        draft = draft_of(item)
        if draft.external_id in drafts:
            log.warning("feed %s lists %s twice; keeping the first", source, draft.external_id)
            continue
        drafts[draft.external_id] = draft
    query = (
        select(Alert)
        .where(Alert.source == source, or_(Alert.status == ACTIVE, Alert.external_id.in_(list(drafts))))
        .with_for_update()
    )
    known = {alert.external_id: alert for alert in (await session.execute(query)).scalars()}
    made: list[Broadcast] = []
    for key, draft in drafts.items():
        alert = known.get(key)
        in_force = draft.valid_to is None or draft.valid_to > now
        if alert is None:
            status = ACTIVE if in_force else EXPIRED
            alert = Alert(source=source, external_id=key, status=status, created_at=now, updated_at=now)
            _fill(alert, draft, now)
            session.add(alert)
            await session.flush()
            if in_force:
                made.append(
                    _broadcast(alert, NEW, (alert.body_pl, alert.body_en), urgent=draft.urgent, now=now)
                )
            continue
        if not in_force:
            alert.status = EXPIRED
            continue
        if alert.status != ACTIVE:  # listed again after it was withdrawn: residents must hear it is back
            alert.status = ACTIVE
            _fill(alert, draft, now)
            made.append(_broadcast(alert, NEW, (alert.body_pl, alert.body_en), urgent=draft.urgent, now=now))
        elif alert.fingerprint != draft.fingerprint:
            texts = in_both(lambda d=draft, a=alert: d.text(a))
            _fill(alert, draft, now)
            made.append(_broadcast(alert, UPDATE, texts, urgent=draft.urgent, now=now))
        else:
            _fill(alert, draft, now)  # wording may change without a new broadcast
    for key, alert in known.items():
        if key in drafts or alert.status != ACTIVE:
            continue
        alert.updated_at = now
        if alert.valid_to is not None and alert.valid_to > now:
            alert.status = WITHDRAWN
            texts = in_both(lambda a=alert: withdrawal_text(a))
            made.append(_broadcast(alert, WITHDRAWAL, texts, urgent=False, now=now))
        else:
            alert.status = EXPIRED
    session.add_all(made)
    await session.flush()
    if made:
        log.info("feed %s: %s", source, ", ".join(f"{b.kind} {b.alert_id}" for b in made))
    return made


async def current_alerts(
    session: AsyncSession, now: datetime, topics: Sequence[str] | None = None, osiedle: str | None = None
) -> list[Alert]:
    """Alerts in force now or announced for later, soonest first; city-wide ones match every osiedle."""
    query = select(Alert).where(Alert.status == ACTIVE, or_(Alert.valid_to.is_(None), Alert.valid_to > now))
    if topics is not None:
        query = query.where(Alert.topic.in_(list(topics)))
    alerts = list((await session.execute(query.order_by(Alert.valid_from, Alert.id))).scalars())
    if osiedle is not None:
        alerts = [a for a in alerts if not a.osiedla or osiedle in a.osiedla]
    alerts.sort(key=lambda a: (a.valid_from or a.created_at, a.id))
    return alerts


# -- staff -------------------------------------------------------------------------------------------


def osiedla_of_streets(streets: Sequence[str]) -> tuple[str, ...] | None:
    """The osiedla of the named streets; None (the whole city) when any street's osiedle is unknown,
    because a long street such as Głogowska crosses several and must not reach only one."""
    found: list[str] = []
    gazetteer = default_gazetteer()
    for street in streets:
        osiedle = gazetteer.osiedle_of(street)
        if osiedle is None:
            return None
        found.append(osiedle)
    return tuple(dict.fromkeys(found)) or None


def official_osiedla(names: Sequence[str] | None) -> list[str] | None:
    """Official unit names for names or aliases ("Łazarz", "Winogrady" -> its four units)."""
    if not names:
        return None
    gazetteer = default_gazetteer()
    found: list[str] = []
    for name in names:
        units = gazetteer.district_group(name.strip())
        if not units:
            raise AnnouncementError("unknown_osiedle", f"not an osiedle of Poznań: {name!r}")
        found.extend(units)
    return list(dict.fromkeys(found))


def _checked_text(text: str, language: str) -> str:
    text = (text or "").strip()
    if not text:
        raise AnnouncementError(f"empty_text_{language}", f"the {language} text is empty")
    if len(text) > MAX_TEXT:
        raise AnnouncementError("too_long", f"the {language} text is longer than {MAX_TEXT} characters")
    return text


def _checked_send_at(send_at: datetime | None, now: datetime) -> datetime:
    if send_at is None:
        return now
    if send_at.tzinfo is None:  # a staff member's "18:00" means Poznań's clock
        send_at = send_at.replace(tzinfo=CITY_ZONE)
    if send_at < now - PAST_TOLERANCE:
        raise AnnouncementError("in_past", f"the send time {send_at.isoformat()} is in the past")
    return max(send_at, now)


async def announce(
    session: AsyncSession,
    topic: str,
    text_pl: str,
    text_en: str,
    *,
    send_at: datetime | None,
    osiedla: Sequence[str] | None,
    actor: str,
    now: datetime,
) -> Broadcast:
    """A staff announcement to the subscribers of `topic` (in some osiedla), sent at `send_at`."""
    if topic not in TOPICS:
        raise AnnouncementError("unknown_topic", f"topic must be one of {', '.join(TOPICS)}")
    bodies = (_checked_text(text_pl, "pl"), _checked_text(text_en, "en"))
    when = _checked_send_at(send_at, now)
    units = official_osiedla(osiedla)
    header = in_both(lambda: _("📢 Announcement from the City of Poznań"))
    broadcast = Broadcast(
        kind=ANNOUNCEMENT, topic=topic, osiedla=units, text_pl=f"{header[0]}\n\n{bodies[0]}",
        text_en=f"{header[1]}\n\n{bodies[1]}", urgent=False, send_at=when, created_by=actor, created_at=now,
    )  # fmt: skip
    session.add(broadcast)
    await session.flush()
    details = {"topic": topic, "osiedla": units, "send_at": when.isoformat()}
    await audit.record(
        session, actor, "broadcast.announce", f"broadcast:{broadcast.id}", details=details, at=now
    )
    return broadcast


async def post_road_works(
    session: AsyncSession,
    title: str,
    description: str = "",
    *,
    streets: Sequence[str] = (),
    osiedla: Sequence[str] | None = None,
    starts: datetime | None = None,
    ends: datetime | None = None,
    title_en: str | None = None,
    description_en: str | None = None,
    actor: str,
    now: datetime,
) -> Broadcast:
    """Road works typed in by staff: an alert like a feed's (listed as in force) and its broadcast."""
    title = _checked_text(title, "pl")[:200]
    if ends is not None and ends <= now:
        raise AnnouncementError("in_past", "the works have already ended")
    if starts is not None and ends is not None and ends <= starts:
        raise AnnouncementError("bad_dates", "the works end before they start")
    units = official_osiedla(osiedla) if osiedla else osiedla_of_streets([s.strip() for s in streets])
    work = RoadWork(
        id=f"staff-{uuid.uuid4().hex[:16]}", title=title, description=(description or "").strip(),
        streets=tuple(s.strip() for s in streets if s.strip()), osiedla=tuple(units) if units else None,
        starts=starts, ends=ends, title_en=(title_en or "").strip() or None,
        description_en=(description_en or "").strip() or None,
    )  # fmt: skip
    draft = draft_of(work)
    alert = Alert(source=STAFF, external_id=draft.external_id, status=ACTIVE, created_at=now, updated_at=now)
    _fill(alert, draft, now)
    session.add(alert)
    await session.flush()
    broadcast = _broadcast(alert, NEW, (alert.body_pl, alert.body_en), urgent=False, now=now)
    broadcast.created_by = actor
    session.add(broadcast)
    await session.flush()
    await audit.record(
        session, actor, "alert.post", f"alert:{alert.id}", details={"topic": alert.topic}, at=now
    )
    return broadcast


async def withdraw_alert(
    session: AsyncSession, alert_id: int, *, actor: str, now: datetime
) -> Broadcast | None:
    """Staff end an active alert early; subscribers get the withdrawal note. None if it was not active."""
    alert = await session.get(Alert, alert_id, with_for_update=True)
    if alert is None or alert.status != ACTIVE:
        return None
    alert.status, alert.updated_at = WITHDRAWN, now
    broadcast = _broadcast(alert, WITHDRAWAL, in_both(lambda: withdrawal_text(alert)), urgent=False, now=now)
    broadcast.created_by = actor
    session.add(broadcast)
    await session.flush()
    await audit.record(session, actor, "alert.withdraw", f"alert:{alert.id}", at=now)
    return broadcast
