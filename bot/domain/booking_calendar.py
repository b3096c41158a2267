"""When the city hall receives visitors: open days, the slot grid of a matter, the booking horizon.

Pure functions of dates and configuration (no database, no clock: `now` is passed in), so the
rules are table-tested. Times are Poznań's wall clock; moments stored in the database are UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache

import holidays

from bot.domain.booking_errors import Closed, OutsideHours, TimeSlot, TooEarly, TooLate
from bot.domain.offices import Matter, Office
from bot.i18n import CITY_ZONE

# Visits can be booked from the next working day up to this many days after today.
HORIZON_DAYS = 30
# Christmas Eve is a public holiday from 2025, but the city hall closes on it whatever the statute says.
CLOSED_DATES = ((12, 24),)


@cache
def _polish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Poland(years=year)


def closed_reason(office: Office, day: date) -> str | None:
    """Why `office` is closed on `day` ("christmas_eve", "holiday", "weekend"), or None when open."""
    if (day.month, day.day) in CLOSED_DATES:
        return "christmas_eve"
    if day in _polish_holidays(day.year):
        return "holiday"
    if day.weekday() not in office.hours:
        return "weekend"
    return None


def is_open(office: Office, day: date) -> bool:
    return closed_reason(office, day) is None


def today(now: datetime) -> date:
    """The date on Poznań's calendar at the moment `now`."""
    return now.astimezone(CITY_ZONE).date()


def first_bookable_day(office: Office, now: datetime) -> date:
    """The next day the office is open, never today: a visit is booked at least a day ahead."""
    day = today(now) + timedelta(days=1)
    while not is_open(office, day):
        day += timedelta(days=1)
    return day


def last_bookable_day(now: datetime) -> date:
    return today(now) + timedelta(days=HORIZON_DAYS)


def bookable_days(office: Office, now: datetime) -> list[date]:
    """Every open day from the first bookable day to the end of the horizon."""
    day, last = first_bookable_day(office, now), last_bookable_day(now)
    days = []
    while day <= last:
        if is_open(office, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def check_day(office: Office, day: date, now: datetime) -> None:
    """Raise TooEarly, TooLate or Closed when `day` cannot be booked at `office` at the moment `now`.

    Every day between tomorrow and the first bookable day is closed, so TooEarly means today or past.
    """
    first, last = first_bookable_day(office, now), last_bookable_day(now)
    if day <= today(now):
        raise TooEarly(day, first)
    if day > last:
        raise TooLate(day, last)
    reason = closed_reason(office, day)
    if reason is not None:
        raise Closed(day, reason)


def moment(day: date, at: time) -> datetime:
    """A wall-clock time in Poznań on `day` as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=CITY_ZONE).astimezone(UTC)


def slot_starts(office: Office, matter: Matter, day: date) -> list[time]:
    """The matter's grid: `minutes`-long slots from opening time, each ending by closing time."""
    hours = office.hours.get(day.weekday())
    if hours is None or not is_open(office, day):
        return []
    opens, closes = (datetime.combine(day, t) for t in hours)
    step = timedelta(minutes=matter.minutes)
    starts = []
    start = opens
    while start + step <= closes:
        starts.append(start.time())
        start += step
    return starts


@lru_cache(maxsize=8192)
def slots_of_day(office: Office, matter: Matter, day: date) -> tuple[TimeSlot, ...]:
    """The day's grid as slots. Cached: availability for a month asks for ~20 days of ~40 slots,
    and the grid of a day never changes while the configuration does not."""
    step = timedelta(minutes=matter.minutes)
    return tuple(
        TimeSlot(office.code, matter.code, day, start, moment(day, start), moment(day, start) + step)
        for start in slot_starts(office, matter, day)
    )


def slot_at(office: Office, matter: Matter, day: date, at: time) -> TimeSlot:
    """The slot starting at `at`, or OutsideHours when the grid has none (closed days included)."""
    starts = slot_starts(office, matter, day)
    if at not in starts:
        opens = office.hours.get(day.weekday(), (time(0), time(0)))[0]
        raise OutsideHours(day, at, opens, starts[-1] if starts else None)
    start = moment(day, at)
    return TimeSlot(office.code, matter.code, day, at, start, start + timedelta(minutes=matter.minutes))
