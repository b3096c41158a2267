"""Feed timestamps to aware UTC: IMGW writes Poznań's wall clock without an offset, others ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.i18n import CITY_ZONE


def city_moment(text: object) -> datetime | None:
    """A feed time as aware UTC ("2026-07-15 14:00:00", "2026-07-15T14:00", "...+02:00"), else None.

    A value without an offset is Poznań local time (CET or CEST as that day had it); in the hour
    that repeats when clocks go back the first (summer-time) reading is taken.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_ZONE)
    return moment.astimezone(UTC)


def feed_moment(text: object) -> datetime | None:
    """ISO 8601 as above, or an RSS date ("Wed, 15 Jul 2026 08:00:00 +0200"); None when unreadable."""
    moment = city_moment(text)
    if moment is not None or not isinstance(text, str):
        return moment
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CITY_ZONE)
    return parsed.astimezone(UTC)
