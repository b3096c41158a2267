"""When city staff answer escalated chats: a weekly schedule such as "Mon-Fri 08:00-16:00" on
Poznań's clock, closed on Polish public holidays and Christmas Eve.

Pure functions of the schedule and `now`, so the rules are table-tested without a clock; config.py
parses STAFF_HOURS with `parse_hours` at start-up, so a typo stops the bot with one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

CITY_ZONE = ZoneInfo("Europe/Warsaw")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ACCEPTED = 'days and hours such as "Mon-Fri 08:00-16:00" or "Mon-Thu 08:00-16:00; Fri 08:00-14:00"'
# The city hall closes on Christmas Eve whatever the statute says (as in booking_calendar).
CLOSED_DATES = ((12, 24),)
_PART = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class StaffHours:
    """Opening window per weekday (0 = Monday); a day without a window is closed."""

    windows: tuple[tuple[int, time, time], ...]

    def window(self, weekday: int) -> tuple[time, time] | None:
        for day, opens, closes in self.windows:
            if day == weekday:
                return opens, closes
        return None


def parse_hours(text: str) -> StaffHours:
    """Read e.g. "Mon-Fri 08:00-16:00; Sat 09:00-12:00" (parts split by ";" or ","); else ValueError."""
    windows: dict[int, tuple[time, time]] = {}
    for raw in re.split(r"[;,]", text.strip().lower()):
        part = " ".join(raw.split())
        if not part:
            continue
        found = _PART.match(part)
        if found is None or found.group(1) not in DAYS or (found.group(2) or "mon") not in DAYS:
            raise ValueError(ACCEPTED)
        first = DAYS.index(found.group(1))
        last = DAYS.index(found.group(2)) if found.group(2) else first
        try:
            opens = time(int(found.group(3)), int(found.group(4)))
            closes = time(int(found.group(5)), int(found.group(6)))
        except ValueError:
            raise ValueError(ACCEPTED) from None
        if last < first or closes <= opens:
            raise ValueError(ACCEPTED)
        for day in range(first, last + 1):
            windows[day] = (opens, closes)
    if not windows:
        raise ValueError(ACCEPTED)
    return StaffHours(tuple((day, *windows[day]) for day in sorted(windows)))


@cache
def _polish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Poland(years=year)


def _closed_day(day: date) -> bool:
    return (day.month, day.day) in CLOSED_DATES or day in _polish_holidays(day.year)


def is_staff_time(hours: StaffHours, now: datetime) -> bool:
    """True while staff are at work (on Poznań's clock), so a resident can expect an answer soon."""
    local = now.astimezone(CITY_ZONE)
    window = hours.window(local.weekday())
    if window is None or _closed_day(local.date()):
        return False
    return window[0] <= local.time() < window[1]


def next_opening(hours: StaffHours, now: datetime) -> datetime | None:
    """The next moment staff start work after `now` (UTC), looking up to three weeks ahead."""
    local = now.astimezone(CITY_ZONE)
    for offset in range(22):
        day = local.date() + timedelta(days=offset)
        window = hours.window(day.weekday())
        if window is None or _closed_day(day):
            continue
        opens = datetime.combine(day, window[0], tzinfo=CITY_ZONE)
        if opens > local:
            return opens.astimezone(UTC)
    return None
