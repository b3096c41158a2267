"""The rules behind talking to a person: staff hours, the expected-answer text, topic links, the
settings that configure it, and the resident card staff read first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import ConfigError, load_settings
from bot.db.models import HandoffCase, Resident
from bot.domain import handoff, message_log
from bot.domain.staff_hours import is_staff_time, next_opening, parse_hours
from bot.i18n import use_language

HOURS = parse_hours("Mon-Fri 08:00-16:00")


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        (datetime(2026, 11, 27, 7, 0, tzinfo=UTC), True),  # Friday 08:00 in Poznań
        (datetime(2026, 11, 27, 6, 59, tzinfo=UTC), False),  # 07:59
        (datetime(2026, 11, 27, 15, 0, tzinfo=UTC), False),  # 16:00: closed
        (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), False),  # Saturday
        (datetime(2026, 11, 11, 10, 0, tzinfo=UTC), False),  # Independence Day, a Wednesday
        (datetime(2026, 12, 24, 10, 0, tzinfo=UTC), False),  # Christmas Eve
        (datetime(2026, 7, 1, 6, 30, tzinfo=UTC), True),  # summer time: 08:30 in Poznań
    ],
)
def test_staff_hours_follow_poznan_clock_and_holidays(moment, open_now):
    assert is_staff_time(HOURS, moment) is open_now


def test_next_opening_skips_weekends_and_holidays():
    friday_evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert next_opening(HOURS, friday_evening) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    christmas = datetime(2026, 12, 23, 16, 0, tzinfo=UTC)  # Wednesday evening; 24-26 closed
    assert next_opening(HOURS, christmas) == datetime(2026, 12, 28, 7, 0, tzinfo=UTC)


def test_several_windows_in_one_setting():
    hours = parse_hours("Mon-Thu 08:00-16:00; Fri 08:00-14:00, sat 9:00-12:00")
    assert hours.window(4)[1].hour == 14 and hours.window(5)[0].hour == 9 and hours.window(6) is None


@pytest.mark.parametrize("bad", ["", "Mon-Fri", "Fri-Mon 08:00-16:00", "Mon 16:00-08:00", "Xyz 08:00-09:00"])
def test_wrong_staff_hours_stop_start_up_with_one_line(bad):
    with pytest.raises(ConfigError, match="STAFF_HOURS"):
        load_settings(staff_hours=bad)


def test_handoff_settings_are_checked():
    settings = load_settings(staff_user_ids="1001, 1002", staff_chat_id=-1001234567890)
    assert settings.staff_ids == frozenset({1001, 1002}) and not settings.staff_show_names
    with pytest.raises(ConfigError, match="STAFF_USER_IDS"):
        load_settings(staff_user_ids="1001,ewa")
    with pytest.raises(ConfigError, match="HANDOFF_EXPECTED_REPLY"):
        load_settings(handoff_expected_reply="soon")
    with pytest.raises(ConfigError, match="HANDOFF_IDLE_MINUTES"):
        load_settings(handoff_idle_minutes=0)


def test_expected_reply_names_the_next_opening_or_the_promised_hours():
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    with use_language("en"):
        assert handoff.expected_reply(HOURS, "opening", saturday).endswith("after 30/11/2026, 08:00.")
        assert handoff.expected_reply(HOURS, "1", saturday).endswith("within 1 hour.")
        assert handoff.expected_reply(HOURS, "24", saturday).endswith("within 24 hours.")


def test_topic_links_use_the_internal_chat_id():
    assert handoff.topic_link(-1001234567890, 55) == "https://t.me/c/1234567890/55"
    assert handoff.topic_link(-1001234567890, None) is None


def test_staff_are_signed_without_names_unless_configured():
    with use_language("en"):
        assert handoff.signature("Ewa", show_names=False) == "🏛 City of Poznań staff:"
        assert handoff.signature("Ewa", show_names=True) == "🏛 Ewa, City of Poznań staff:"


async def test_one_open_case_per_resident_and_rating_only_once(db):
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    async with db.transaction() as session:
        session.add(Resident(id=5, language="en", display_name="Jan"))
        await session.flush()
        case = await handoff.open_case(session, 5, chat_id=-100, reason="asked", flow="report", now=now)
        assert (await handoff.open_case_of(session, 5)).id == case.id
        assert not await handoff.rate(session, case.id, 5, 5, now=now)  # still open
        assert await handoff.close_case(session, case.id, by="telegram-staff:1", now=now)
        assert not await handoff.close_case(session, case.id, by="telegram-staff:2", now=now)
        assert await handoff.rate(session, case.id, 5, 5, now=now)
        assert not await handoff.rate(session, case.id, 5, 1, now=now)
        assert not await handoff.rate(session, case.id, 6, 1, now=now)  # not theirs
        assert await handoff.open_case_of(session, 5) is None
        stored = await session.get(HandoffCase, case.id)
    assert (stored.rating, stored.closed_by) == (5, "telegram-staff:1")


async def test_the_card_shows_only_the_last_ten_lines_capped(db):
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    async with db.transaction() as session:
        session.add(Resident(id=7, language="pl", display_name="Ola"))
        await session.flush()
        lines = [(message_log.IN, f"line {n}") for n in range(12)] + [(message_log.OUT, "x" * 900)]
        await message_log.record(session, 7, lines, now=now)
        case = await handoff.open_case(session, 7, chat_id=-100, reason="misses", flow=None, now=now)
        with use_language("en"):
            card = await handoff.card(session, case, flow_label=None, now=now)
    assert "Language: Polski" in card and "Was filling in: nothing" in card and "0 reports:" in card
    assert "→ line 2" not in card and "→ line 3" in card and "→ line 11" in card
    assert "← " + "x" * 499 + "…" in card
