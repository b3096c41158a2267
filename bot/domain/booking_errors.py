"""Why a visit cannot be booked, moved or cancelled: domain errors the conversation turns into words.

Each carries the facts the resident needs (the first bookable day, the nearest free times), so
the handler can explain the refusal and offer a way on without asking the domain again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True, slots=True)
class TimeSlot:
    """One start time of one matter at one office: `start` on Poznań's clock, the moments in UTC."""

    office: str
    matter: str
    day: date
    start: time
    starts_at: datetime
    ends_at: datetime

    @property
    def hhmm(self) -> str:
        return f"{self.start:%H:%M}"


class BookingError(Exception):
    """A booking operation the rules do not allow."""


class UnknownMatter(BookingError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown matter {code!r}")
        self.code = code


class UnknownOffice(BookingError):
    def __init__(self, code: str, matter: str | None = None) -> None:
        super().__init__(
            f"office {code!r} does not serve {matter!r}" if matter else f"unknown office {code!r}"
        )
        self.code = code


class TooEarly(BookingError):
    """The day has passed, is today, or comes before the first bookable working day."""

    def __init__(self, day: date, first: date) -> None:
        super().__init__(f"{day} is before the first bookable day {first}")
        self.day, self.first = day, first


class TooLate(BookingError):
    """The day lies beyond the booking horizon."""

    def __init__(self, day: date, last: date) -> None:
        super().__init__(f"{day} is after the last bookable day {last}")
        self.day, self.last = day, last


class Closed(BookingError):
    """The office is closed that day; `reason` is "weekend", "holiday" or "christmas_eve"."""

    def __init__(self, day: date, reason: str) -> None:
        super().__init__(f"closed on {day}: {reason}")
        self.day, self.reason = day, reason


class OutsideHours(BookingError):
    """No visit of this matter starts at that time: before opening, too late to end by closing,
    or between two slots of the matter's grid."""

    def __init__(self, day: date, at: time, opens: time, last_start: time | None) -> None:
        super().__init__(f"no slot at {at} on {day}")
        self.day, self.at, self.opens, self.last_start = day, at, opens, last_start

    @property
    def within_hours(self) -> bool:
        """True when the time lies inside opening hours but between two slot starts."""
        return self.last_start is not None and self.opens <= self.at <= self.last_start


class SlotTaken(BookingError):
    """Every desk is booked at that time; `alternatives` are the nearest free times."""

    def __init__(self, alternatives: Sequence[TimeSlot]) -> None:
        super().__init__("the slot is taken")
        self.alternatives = list(alternatives)


class LimitReached(BookingError):
    """A resident's limit: `rule` is "future" (too many upcoming visits) or "matter_day"."""

    def __init__(self, rule: str, limit: int) -> None:
        super().__init__(f"limit {rule} ({limit}) reached")
        self.rule, self.limit = rule, limit


class BookingNotFound(BookingError):
    """No such upcoming active booking of this resident (so a foreign id reveals nothing)."""
