"""How a visit is put into words for the resident: in the chat, in reminders and in the calendar file.

Everything here translates with the ambient language, so a reminder rendered for another resident
(inside `outbox.notify`) speaks that resident's language.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.offices import MATTERS_BY_CODE, OFFICES_BY_CODE
from bot.i18n import _, format_date, format_time


def matter_label(code: str) -> str:
    return _(MATTERS_BY_CODE[code].label)


def office_place(code: str) -> str:
    """`Poznań City Hall, ul. Libelta 16/20, Poznań`."""
    office = OFFICES_BY_CODE[code]
    return f"{_(office.name)}, {office.address}"


def long_day(day: date | datetime) -> str:
    """`poniedziałek, 30 listopada 2026` / `Monday, 30 November 2026`."""
    return format_date(day, "EEEE, d MMMM y")


def day_phrase(day: date | datetime) -> str:
    """A day inside a sentence: `Monday, 30 November 2026`, in Polish `30 listopada 2026 (poniedziałek)`,
    since a Polish weekday after a preposition would need a case Babel does not give."""
    return _("{weekday}, {date}").format(weekday=format_date(day, "EEEE"), date=format_date(day, "d MMMM y"))


def first_upper(text: str) -> str:
    """Polish weekdays are written in lower case; at the start of a sentence they are not."""
    return text[:1].upper() + text[1:]


def short_day(day: date | datetime) -> str:
    """`pon 30.11` / `Mon 30.11`: small enough for a button (Babel's abbreviation without its dot)."""
    return f"{format_date(day, 'EEE').rstrip('.')} {format_date(day, 'd.MM')}"


def when(starts_at: datetime) -> str:
    """`poniedziałek, 30 listopada 2026, 10:00` on Poznań's clock."""
    return f"{long_day(starts_at)}, {format_time(starts_at)}"


def what_to_bring(matter: str) -> list[str]:
    return [f"• {_(item)}" for item in MATTERS_BY_CODE[matter].bring]
