"""Quiet hours on Poznań's clock: spans across midnight, DST nights, typed hours, urgent warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.subscriptions import (
    BadSpan,
    BadTime,
    Preferences,
    deliver_at,
    in_quiet_hours,
    is_urgent,
    normalise_clock,
    parse_span,
    release_time,
)

WARSAW = ZoneInfo("Europe/Warsaw")
NIGHT = Preferences("22:00", "07:00")


def local(*args: int, fold: int = 0) -> datetime:
    """A moment given as Poznań's wall clock (fold=1: the second 02:xx of the October night)."""
    return datetime(*args, tzinfo=WARSAW, fold=fold).astimezone(UTC)


@pytest.mark.parametrize(
    ("prefs", "moment", "quiet", "released"),
    [
        # the default 22:00-07:00 crosses midnight
        (NIGHT, local(2026, 11, 29, 21, 59), False, local(2026, 11, 29, 21, 59)),
        (NIGHT, local(2026, 11, 29, 22, 0), True, local(2026, 11, 30, 7, 0)),
        (NIGHT, local(2026, 11, 30, 3, 0), True, local(2026, 11, 30, 7, 0)),
        (NIGHT, local(2026, 11, 30, 6, 59), True, local(2026, 11, 30, 7, 0)),
        (NIGHT, local(2026, 11, 30, 7, 0), False, local(2026, 11, 30, 7, 0)),
        # a span that does not cross midnight (a resident on night shifts sleeps by day)
        (Preferences("07:00", "15:00"), local(2026, 11, 30, 6, 59), False, local(2026, 11, 30, 6, 59)),
        (Preferences("07:00", "15:00"), local(2026, 11, 30, 7, 0), True, local(2026, 11, 30, 15, 0)),
        (Preferences("07:00", "15:00"), local(2026, 11, 30, 14, 59), True, local(2026, 11, 30, 15, 0)),
        (Preferences("07:00", "15:00"), local(2026, 11, 30, 22, 0), False, local(2026, 11, 30, 22, 0)),
        # equal start and end: no quiet hours at all
        (Preferences("00:00", "00:00"), local(2026, 11, 30, 3, 0), False, local(2026, 11, 30, 3, 0)),
        (Preferences("22:00", "22:00"), local(2026, 11, 30, 22, 0), False, local(2026, 11, 30, 22, 0)),
        # the March night loses an hour (02:00 -> 03:00 on 29 March 2026): release at 07:00 CEST
        (NIGHT, local(2026, 3, 28, 23, 0), True, datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # ... and an end inside the skipped hour releases when the clock jumps past it
        (
            Preferences("22:00", "02:30"),
            local(2026, 3, 28, 23, 0),
            True,
            datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        ),
        # the October night repeats an hour (03:00 -> 02:00 on 25 October 2026): release at 07:00 CET
        (NIGHT, local(2026, 10, 24, 23, 0), True, datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        (NIGHT, local(2026, 10, 25, 2, 30, fold=1), True, datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        # an end inside the repeated hour: the first 02:30 after the moment, twice
        (Preferences("22:00", "02:30"), local(2026, 10, 24, 23, 0), True, local(2026, 10, 25, 2, 30)),
        (
            Preferences("22:00", "02:30"),
            local(2026, 10, 25, 2, 10, fold=1),
            True,
            local(2026, 10, 25, 2, 30, fold=1),
        ),
    ],
)
def test_quiet_hours_and_their_end(prefs, moment, quiet, released):
    assert in_quiet_hours(prefs, moment) is quiet
    assert release_time(prefs, moment) == released
    assert not in_quiet_hours(prefs, release_time(prefs, moment))


def test_autumn_release_times_differ_by_the_repeated_hour():
    first, second = local(2026, 10, 25, 2, 30), local(2026, 10, 25, 2, 30, fold=1)
    assert second - first == timedelta(hours=1)


clocks = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 59]))
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=400, deadline=None)
@given(start=clocks, end=clocks, moment=moments)
def test_release_is_never_before_the_moment_and_never_inside_quiet_hours(start, end, moment):
    prefs = Preferences(start, end)
    released = release_time(prefs, moment)
    assert released >= moment
    assert not in_quiet_hours(prefs, released)
    assert released - moment <= timedelta(hours=25)
    if not in_quiet_hours(prefs, moment):
        assert released == moment


@settings(max_examples=100, deadline=None)
@given(start=clocks, end=clocks, moment=moments)
def test_urgent_delivery_is_immediate(start, end, moment):
    assert deliver_at(Preferences(start, end), moment, urgent=True) == moment
    assert deliver_at(Preferences(start, end), moment, urgent=False) == release_time(
        Preferences(start, end), moment
    )


@pytest.mark.parametrize(
    ("topic", "level", "urgent"),
    [
        ("weather", 3, True),
        ("weather", 2, True),
        ("weather", 1, False),
        ("weather", None, False),
        ("road_works", 3, False),
        ("city_news", None, False),
    ],
)
def test_only_weather_warnings_of_level_2_and_3_are_urgent(topic, level, urgent):
    assert is_urgent(topic, level) is urgent


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("22:00-07:00", ("22:00", "07:00")),
        ("22-7", ("22:00", "07:00")),
        ("23:30 – 6:15", ("23:30", "06:15")),
        ("od 21 do 8", ("21:00", "08:00")),
        ("from 22.00 to 06.00", ("22:00", "06:00")),
        ("2200-0700", ("22:00", "07:00")),
        ("22h-24h", ("22:00", "00:00")),
    ],
)
def test_typed_quiet_hours_are_read(text, span):
    assert parse_span(text) == span


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("25:00-7", BadTime),
        ("22:00-7:60", BadTime),
        ("99999999-1", BadTime),
        ("abc", BadSpan),
        ("22:00", BadSpan),
        ("", BadSpan),
        ("22:00-07:00" * 10, BadSpan),
        ("-", BadSpan),
    ],
)
def test_garbage_and_impossible_times_are_refused(text, error):
    with pytest.raises(error):
        parse_span(text)


@given(st.text(max_size=60))
def test_any_text_is_either_a_span_or_a_clean_refusal(text):
    try:
        start, end = parse_span(text)
    except (BadSpan, BadTime):
        return
    assert normalise_clock(start) == start and normalise_clock(end) == end
