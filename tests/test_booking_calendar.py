"""The city hall's calendar as tables: opening hours, holidays, 24 December, the horizon, slot grids,
reminder moments across the CET/CEST change, and the .ics file. No database needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bot.conversation import Button
from bot.conversation.payloads import global_payload
from bot.db.models import Booking
from bot.domain.booking_calendar import (
    HORIZON_DAYS,
    bookable_days,
    check_day,
    closed_reason,
    first_bookable_day,
    last_bookable_day,
    moment,
    slot_at,
    slot_starts,
    slots_of_day,
)
from bot.domain.booking_errors import Closed, OutsideHours, TooEarly, TooLate
from bot.domain.booking_ics import visit_calendar
from bot.domain.booking_reminders import reminder_moments
from bot.domain.booking_text import short_day
from bot.domain.offices import MATTERS, MATTERS_BY_CODE, OFFICES, OFFICES_BY_CODE
from bot.i18n import CITY_ZONE, use_language
from handlers.booking_replies import pick_token

LIBELTA = OFFICES_BY_CODE["libelta"]
SUNDAY_MORNING = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # 10:00 in Poznań


# -- which days are open ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 11, 30), None),  # Monday
        (date(2026, 12, 4), None),  # Friday
        (date(2026, 11, 28), "weekend"),
        (date(2026, 11, 29), "weekend"),
        (date(2026, 11, 11), "holiday"),  # Independence Day
        (date(2026, 4, 6), "holiday"),  # Easter Monday 2026
        (date(2027, 3, 29), "holiday"),  # Easter Monday 2027
        (date(2026, 6, 4), "holiday"),  # Corpus Christi 2026
        (date(2027, 5, 27), "holiday"),  # Corpus Christi 2027
        (date(2026, 5, 1), "holiday"),
        (date(2027, 5, 3), "holiday"),  # Constitution Day, a Monday
        (date(2027, 1, 6), "holiday"),  # Epiphany
        (date(2027, 11, 1), "holiday"),  # All Saints, a Monday
        (date(2026, 12, 24), "christmas_eve"),  # Thursday
        (date(2027, 12, 24), "christmas_eve"),  # Friday
        (date(2026, 12, 25), "holiday"),
        (date(2026, 12, 26), "holiday"),  # a Saturday, but the holiday is the reason
        (date(2026, 12, 31), None),  # New Year's Eve is a working day
        (date(2027, 4, 1), None),  # the Thursday after Easter
    ],
)
def test_open_days(day, reason):
    for office in OFFICES:
        assert closed_reason(office, day) == reason


@pytest.mark.parametrize(
    ("matter", "weekday", "first", "last", "count"),
    [
        ("id_card_application", date(2026, 11, 30), "07:30", "16:45", 38),  # Monday 7:30-17:00
        ("id_card_application", date(2026, 12, 1), "07:30", "15:15", 32),  # Tuesday 7:30-15:30
        ("id_card_collection", date(2026, 11, 30), "07:30", "16:50", 57),
        ("id_card_collection", date(2026, 12, 4), "07:30", "15:20", 48),  # Friday
        ("vehicle_registration", date(2026, 11, 30), "07:30", "16:30", 19),
        ("vehicle_registration", date(2026, 12, 2), "07:30", "15:00", 16),
        ("driving_licence", date(2026, 11, 30), "07:30", "16:30", 28),  # 16:50 would end at 17:10
        ("driving_licence", date(2026, 12, 3), "07:30", "15:10", 24),
        ("waste_declaration_help", date(2026, 12, 1), "07:30", "15:15", 32),
    ],
)
def test_slot_grid_per_weekday(matter, weekday, first, last, count):
    starts = slot_starts(LIBELTA, MATTERS_BY_CODE[matter], weekday)
    assert (f"{starts[0]:%H:%M}", f"{starts[-1]:%H:%M}", len(starts)) == (first, last, count)


def test_no_slots_on_closed_days():
    for day in (date(2026, 11, 28), date(2026, 12, 24), date(2026, 6, 4)):
        assert slot_starts(LIBELTA, MATTERS_BY_CODE["id_card_application"], day) == []


@pytest.mark.parametrize(
    ("at", "within_hours"),
    [(time(7, 0), False), (time(16, 50), False), (time(17, 0), False), (time(10, 5), True)],
)
def test_a_time_off_the_grid_is_outside_hours(at, within_hours):
    with pytest.raises(OutsideHours) as raised:
        slot_at(LIBELTA, MATTERS_BY_CODE["id_card_application"], date(2026, 11, 30), at)
    assert raised.value.within_hours is within_hours


# -- the booking horizon ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "first"),
    [
        (SUNDAY_MORNING, date(2026, 11, 30)),
        (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), date(2026, 12, 1)),  # 00:30 on Monday in Poznań
        (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), date(2026, 12, 1)),  # never today
        (datetime(2026, 12, 23, 12, 0, tzinfo=UTC), date(2026, 12, 28)),  # 24, 25, weekend closed
        (datetime(2026, 6, 3, 12, 0, tzinfo=UTC), date(2026, 6, 5)),  # Corpus Christi on Thursday
        (datetime(2027, 3, 26, 12, 0, tzinfo=UTC), date(2027, 3, 30)),  # weekend, Easter Monday
        (datetime(2026, 12, 31, 12, 0, tzinfo=UTC), date(2027, 1, 4)),  # New Year, weekend
    ],
)
def test_first_bookable_day_is_the_next_working_day(now, first):
    assert first_bookable_day(LIBELTA, now) == first


def test_horizon_is_thirty_days():
    assert last_bookable_day(SUNDAY_MORNING) == date(2026, 12, 29)
    days = bookable_days(LIBELTA, SUNDAY_MORNING)
    assert days[0] == date(2026, 11, 30) and days[-1] == date(2026, 12, 29)
    assert date(2026, 12, 24) not in days and date(2026, 12, 25) not in days
    assert len(days) == 20  # 22 weekdays, minus 24 and 25 December


@pytest.mark.parametrize(
    ("day", "error"),
    [
        (date(2026, 11, 27), TooEarly),  # past
        (date(2026, 11, 29), TooEarly),  # today
        (date(2026, 11, 30), None),
        (date(2026, 12, 29), None),  # the 30th day
        (date(2026, 12, 30), TooLate),
        (date(2027, 6, 1), TooLate),
        (date(2026, 12, 5), Closed),  # Saturday
        (date(2026, 12, 24), Closed),
        (date(2026, 12, 25), Closed),
    ],
)
def test_check_day(day, error):
    if error is None:
        check_day(LIBELTA, day, SUNDAY_MORNING)
    else:
        with pytest.raises(error):
            check_day(LIBELTA, day, SUNDAY_MORNING)


# -- properties ------------------------------------------------------------------------------------
days_2026_2028 = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=days_2026_2028, matter=st.sampled_from(MATTERS), office=st.sampled_from(OFFICES))
def test_every_generated_slot_is_inside_opening_hours(day, matter, office):
    slots = slots_of_day(office, matter, day)
    if closed_reason(office, day) is not None:
        assert slots == ()
        return
    opens, closes = office.hours[day.weekday()]
    for slot in slots:
        local_start = slot.starts_at.astimezone(CITY_ZONE)
        local_end = slot.ends_at.astimezone(CITY_ZONE)
        assert local_start.date() == day and local_start.time() == slot.start
        assert opens <= local_start.time() and local_end.time() <= closes
        assert slot.ends_at - slot.starts_at == timedelta(minutes=matter.minutes)
    # the grid is full: one more slot would not end by closing time
    if slots:
        assert (
            datetime.combine(day, slots[-1].start) + 2 * timedelta(minutes=matter.minutes)
        ).time() > closes


@settings(max_examples=200, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 1), timezones=st.just(UTC))
)
def test_bookable_days_are_open_and_within_the_horizon(now):
    days = bookable_days(LIBELTA, now)
    today = now.astimezone(CITY_ZONE).date()
    assert days and days[0] == first_bookable_day(LIBELTA, now)
    for day in days:
        assert today < day <= today + timedelta(days=HORIZON_DAYS)
        assert closed_reason(LIBELTA, day) is None
        check_day(LIBELTA, day, now)


# -- reminders -------------------------------------------------------------------------------------
def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("visit_local", "now", "expected"),
    [
        # winter: 18:00 CET is 17:00 UTC
        (
            datetime(2026, 12, 1, 10, 0),
            SUNDAY_MORNING,
            [("evening", utc(2026, 11, 30, 17)), ("soon", utc(2026, 12, 1, 7))],
        ),
        # the evening before falls on the day clocks go forward (29 March 2026): 18:00 CEST is 16:00 UTC
        (
            datetime(2026, 3, 30, 10, 0),
            utc(2026, 3, 20, 9),
            [("evening", utc(2026, 3, 29, 16)), ("soon", utc(2026, 3, 30, 6))],
        ),
        # the day clocks go back (25 October 2026): 18:00 CET is 17:00 UTC, the visit at 8:00 CET
        (
            datetime(2026, 10, 26, 8, 0),
            utc(2026, 10, 20, 9),
            [("evening", utc(2026, 10, 25, 17)), ("soon", utc(2026, 10, 26, 5))],
        ),
        # summer: 18:00 CEST is 16:00 UTC
        (
            datetime(2027, 6, 15, 7, 30),
            utc(2027, 6, 1, 9),
            [("evening", utc(2027, 6, 14, 16)), ("soon", utc(2027, 6, 15, 3, 30))],
        ),
        # booked at 19:00 the evening before: only the two-hour reminder
        (datetime(2026, 12, 1, 10, 0), utc(2026, 11, 30, 18), [("soon", utc(2026, 12, 1, 7))]),
        # both moments past: none
        (datetime(2026, 12, 1, 10, 0), utc(2026, 12, 1, 8, 30), []),
    ],
)
def test_reminders_the_evening_before_and_two_hours_before(visit_local, now, expected):
    starts_at = visit_local.replace(tzinfo=CITY_ZONE).astimezone(UTC)
    assert reminder_moments(starts_at, now) == expected


# -- words and the calendar file -------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "label"), [("pl", "pon 30.11"), ("en", "Mon 30.11")])
def test_day_buttons_are_short(lang, label):
    with use_language(lang):
        assert short_day(date(2026, 11, 30)) == label


def test_calendar_file_parses_with_uid_times_place_and_alarm():
    starts = moment(date(2026, 11, 30), time(10, 0))
    visit = Booking(
        id=1,
        code="ABC234",
        office="libelta",
        matter="id_card_application",
        desk=1,
        day=date(2026, 11, 30),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        status="active",
    )
    with use_language("en"):
        data = visit_calendar(visit, now=SUNDAY_MORNING)
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(event["UID"]) == "ABC234@citybot.poznan"
    assert event.decoded("DTSTART") == utc(2026, 11, 30, 9)
    assert event.decoded("DTEND") == utc(2026, 11, 30, 9, 15)
    assert str(event["SUMMARY"]) == "City-hall visit: ID card application"
    assert "ul. Libelta 16/20" in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert "ABC234" in description and "35 × 45 mm" in description
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(hours=2)


def test_every_pick_button_fits_telegrams_64_bytes():
    for office in OFFICES:
        for matter in MATTERS:
            (slot, *_rest) = slots_of_day(office, matter, date(2026, 11, 30))
            Button("x", global_payload("bpick", pick_token(slot, None)))
            Button("x", global_payload("bpick", pick_token(slot, 10**12)))
