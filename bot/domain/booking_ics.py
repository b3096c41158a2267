"""The calendar file of a visit (.ics, RFC 5545): one event with an alarm two hours before.

Residents add it to their phone's calendar with one tap; the texts are in their language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.db.models import Booking
from bot.domain.booking_text import matter_label, office_place, what_to_bring
from bot.i18n import _

UID_DOMAIN = "citybot.poznan"
MIME_TYPE = "text/calendar"
ALARM_BEFORE = timedelta(hours=2)


def ics_filename(booking: Booking) -> str:
    return f"wizyta-{booking.code}.ics"


def visit_calendar(booking: Booking, *, now: datetime) -> bytes:
    """A VCALENDAR with the visit: UID code@citybot.poznan, times in UTC, place, code, what to bring."""
    calendar = Calendar()
    calendar.add("prodid", "-//Miasto Poznan//City bot//PL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")

    event = Event()
    event.add("uid", f"{booking.code}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", booking.starts_at.astimezone(UTC))
    event.add("dtend", booking.ends_at.astimezone(UTC))
    summary = _("City-hall visit: {matter}").format(matter=matter_label(booking.matter))
    event.add("summary", summary)
    event.add("location", office_place(booking.office))
    description = [
        _("Your booking code: {code}").format(code=booking.code),
        _("Please bring:"),
        *what_to_bring(booking.matter),
    ]
    event.add("description", "\n".join(description))

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)

    calendar.add_component(event)
    return calendar.to_ical()
