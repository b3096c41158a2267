"""Subscriptions, the consent ledger, preferences and broadcast recipients, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from bot.db.models import Alert, AuditEntry, ConsentEntry, Resident
from bot.domain import subscriptions
from bot.domain.subscriptions import Preferences, Recipient, SubscriptionError

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
_resident_ids = itertools.count(10_000)


async def residents(db, *ids: int, language: str = "pl") -> None:
    async with db.transaction() as session:
        session.add_all(Resident(id=rid, language=language) for rid in ids)


async def test_subscribing_twice_records_one_consent_and_unsubscribing_one_more(db):
    await residents(db, 1)
    async with db.transaction() as session:
        assert await subscriptions.subscribe(session, 1, "weather", channel="telegram", now=NOW)
        assert not await subscriptions.subscribe(session, 1, "weather", channel="telegram", now=NOW)
        assert not await subscriptions.unsubscribe(session, 1, "seniors", channel="telegram", now=NOW)
    later = NOW + timedelta(hours=2)
    async with db.transaction() as session:
        assert await subscriptions.unsubscribe(session, 1, "weather", channel="shell", now=later)
        assert not await subscriptions.unsubscribe(session, 1, "weather", channel="shell", now=later)
        assert await subscriptions.subscriptions_of(session, 1) == {}
        ledger = await subscriptions.ledger_of(session, 1)
        audits = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("subscription.%"))
        )
    assert ledger == [
        {
            "topic": "weather",
            "action": "opt_in",
            "channel": "telegram",
            "osiedle": None,
            "at": NOW.isoformat(),
        },
        {
            "topic": "weather",
            "action": "opt_out",
            "channel": "shell",
            "osiedle": None,
            "at": later.isoformat(),
        },
    ]
    assert audits == 2


async def test_a_new_osiedle_is_a_new_consent_for_a_narrower_scope(db):
    await residents(db, 1)
    async with db.transaction() as session:
        await subscriptions.subscribe(session, 1, "road_works", channel="telegram", now=NOW)
        await subscriptions.subscribe(session, 1, "city_news", osiedle="Wilda", channel="telegram", now=NOW)
        await subscriptions.subscribe(session, 1, "weather", channel="telegram", now=NOW)
        changed = await subscriptions.set_local_osiedle(session, 1, "Rataje", channel="telegram", now=NOW)
        assert changed == ["road_works", "city_news"]
        assert await subscriptions.set_local_osiedle(session, 1, "Rataje", channel="telegram", now=NOW) == []
        assert await subscriptions.subscriptions_of(session, 1) == {
            "road_works": "Rataje",
            "city_news": "Rataje",
            "weather": None,
        }
        ledger = await subscriptions.ledger_of(session, 1)
    assert [(e["topic"], e["action"], e["osiedle"]) for e in ledger] == [
        ("road_works", "opt_in", None),
        ("city_news", "opt_in", "Wilda"),
        ("weather", "opt_in", None),
        ("road_works", "opt_in", "Rataje"),
        ("city_news", "opt_in", "Rataje"),
    ]


async def test_unsubscribe_all_leaves_every_topic_once(db):
    await residents(db, 1)
    async with db.transaction() as session:
        for topic in ("waste_collection", "weather", "seniors"):
            await subscriptions.subscribe(session, 1, topic, channel="bot", now=NOW)
        left = await subscriptions.unsubscribe_all(session, 1, channel="bot", now=NOW)
        assert left == ["weather", "seniors", "waste_collection"]
        assert await subscriptions.unsubscribe_all(session, 1, channel="bot", now=NOW) == []
        entries = await session.scalar(select(func.count()).select_from(ConsentEntry))
    assert entries == 6


@pytest.mark.parametrize(
    ("topic", "osiedle", "channel"),
    [
        ("earthquakes", None, "telegram"),
        ("weather", "Wilda", "telegram"),  # weather is for the whole city
        ("road_works", "Atlantyda", "telegram"),
        ("road_works", None, "carrier pigeon"),
    ],
)
async def test_impossible_subscriptions_are_refused(db, topic, osiedle, channel):
    await residents(db, 1)
    with pytest.raises(SubscriptionError):
        async with db.transaction() as session:
            await subscriptions.subscribe(session, 1, topic, osiedle=osiedle, channel=channel, now=NOW)


async def test_preferences_default_to_22_to_7_and_keep_what_is_set(db):
    await residents(db, 1)
    async with db.transaction() as session:
        assert await subscriptions.preferences(session, 1) == Preferences("22:00", "07:00", False)
        await subscriptions.set_quiet_hours(session, 1, "23:00", "6:00", now=NOW)
        await subscriptions.set_silent(session, 1, True, now=NOW)
    async with db.transaction() as session:
        prefs = await subscriptions.preferences(session, 1)
    assert prefs == Preferences("23:00", "06:00", True)
    with pytest.raises(subscriptions.BadTime):
        async with db.transaction() as session:
            await subscriptions.set_quiet_hours(session, 1, "25:00", "07:00", now=NOW)


async def test_recipients_filter_by_topic_osiedle_and_reachability(db):
    await residents(db, 1, 2, 3, 4, 5)
    await residents(db, 6, language="en")
    async with db.transaction() as session:
        sub = subscriptions.subscribe
        await sub(session, 1, "road_works", channel="telegram", now=NOW)  # the whole city
        await sub(session, 2, "road_works", osiedle="Wilda", channel="telegram", now=NOW)
        await sub(session, 3, "road_works", osiedle="Rataje", channel="telegram", now=NOW)
        await sub(session, 4, "weather", channel="telegram", now=NOW)  # another topic
        await sub(session, 5, "road_works", channel="telegram", now=NOW)
        await subscriptions.mark_unreachable(session, 5, now=NOW)  # blocked the bot
        await sub(session, 6, "road_works", osiedle="Wilda", channel="telegram", now=NOW)
        await subscriptions.set_quiet_hours(session, 6, "23:00", "06:00", now=NOW)
        await subscriptions.set_silent(session, 6, True, now=NOW)
    async with db.transaction() as session:
        wilda = await subscriptions.recipients(session, "road_works", ["Wilda"])
        city = await subscriptions.recipients(session, "road_works", None)
        nowhere = await subscriptions.recipients(session, "road_works", [])
        seniors = await subscriptions.recipients(session, "seniors", None)
    assert wilda == [
        Recipient(1, "pl", "22:00", "07:00", False),
        Recipient(2, "pl", "22:00", "07:00", False),
        Recipient(6, "en", "23:00", "06:00", True),
    ]
    assert [r.resident_id for r in city] == [1, 2, 3, 6]
    assert [r.resident_id for r in nowhere] == [1]
    assert seniors == []
    async with db.transaction() as session:
        await subscriptions.mark_reachable(session, 5)
        assert 5 in [r.resident_id for r in await subscriptions.recipients(session, "road_works", None)]


async def test_recipients_is_one_query(db):
    await residents(db, *range(1, 41))
    async with db.transaction() as session:
        for rid in range(1, 41):
            await subscriptions.subscribe(session, rid, "weather", channel="system", now=NOW)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.transaction() as session:
            found = await subscriptions.recipients(session, "weather", ["Wilda"])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(found) == 40
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def alert(external_id: str, **fields) -> Alert:
    values = {
        "source": "imgw",
        "external_id": external_id,
        "topic": "weather",
        "title_pl": f"Ostrzeżenie {external_id}",
        "title_en": f"Warning {external_id}",
        "body_pl": "",
        "body_en": "",
        "fingerprint": external_id,
        "status": "active",
        **fields,
    }
    return Alert(**values)


async def test_alerts_in_force_are_active_and_valid_now(db):
    async with db.transaction() as session:
        session.add_all(
            [
                alert(
                    "storm", level=2, valid_from=NOW - timedelta(hours=1), valid_to=NOW + timedelta(hours=5)
                ),
                alert("open", level=None, topic="road_works", valid_from=None, valid_to=None),
                alert("expired", level=3, valid_to=NOW - timedelta(minutes=1)),
                alert("ends_now", level=1, valid_to=NOW),
                alert("withdrawn", level=3, status="withdrawn", valid_to=NOW + timedelta(hours=1)),
                alert(
                    "tomorrow", level=1, valid_from=NOW + timedelta(days=1), valid_to=NOW + timedelta(days=2)
                ),
                alert("frost", level=1, valid_to=NOW + timedelta(hours=2)),
            ]
        )
    async with db.transaction() as session:
        found = await subscriptions.alerts_in_force(session, NOW)
        roads = await subscriptions.alerts_in_force(session, NOW, topics=["road_works"])
    assert [a.external_id for a in found] == ["storm", "frost", "open"]
    assert [a.external_id for a in roads] == ["open"]


_operations = st.lists(
    st.tuples(
        st.sampled_from(["on", "off"]),
        st.sampled_from(["weather", "road_works", "city_news"]),
        st.sampled_from([None, "Wilda", "Rataje"]),
        st.sampled_from(["telegram", "shell"]),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=_operations)
async def test_the_ledger_records_exactly_the_real_changes(db, operations):
    """Whatever residents tap, the ledger replays to the subscriptions they have."""
    resident_id = next(_resident_ids)
    await residents(db, resident_id)
    expected: dict[str, str | None] = {}
    changes = []
    async with db.transaction() as session:
        for step, (what, topic, osiedle, channel) in enumerate(operations):
            at = NOW + timedelta(minutes=step)
            osiedle = osiedle if subscriptions.BY_CODE[topic].local else None
            if what == "on":
                changed = await subscriptions.subscribe(
                    session, resident_id, topic, osiedle=osiedle, channel=channel, now=at
                )
                real = expected.get(topic, "absent") != osiedle
                expected[topic] = osiedle
            else:
                changed = await subscriptions.unsubscribe(
                    session, resident_id, topic, channel=channel, now=at
                )
                real = topic in expected
                osiedle = expected.pop(topic, None)
            assert changed is real
            if real:
                action = "opt_in" if what == "on" else "opt_out"
                changes.append((topic, action, osiedle, channel, at.isoformat()))
        assert await subscriptions.subscriptions_of(session, resident_id) == expected
        ledger = await subscriptions.ledger_of(session, resident_id)
    assert [(e["topic"], e["action"], e["osiedle"], e["channel"], e["at"]) for e in ledger] == changes
