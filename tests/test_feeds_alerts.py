"""Alerts from feeds: one broadcast per new warning, updates on a new level or validity, a note when a
warning is withdrawn early, silence when it simply ends; the texts in both languages; staff
announcements and road works with their rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.models import Alert, AuditEntry, Broadcast
from bot.domain import alerts
from bot.domain.alerts import AnnouncementError, RoadWork, WeatherWarning
from scheduler.feeds import for_poznan, parse_imgw, parse_roadworks

SAMPLES = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)  # 10:00 in Poznań, before the sample warnings begin


def imgw_sample(name: str = "imgw_list.json") -> list[WeatherWarning]:
    return for_poznan(parse_imgw(200, (SAMPLES / name).read_bytes()))


def storm(**changes) -> WeatherWarning:
    warning = WeatherWarning(
        id="SW1",
        event="Burze",
        level=2,
        valid_from=datetime(2026, 7, 15, 12, 0, tzinfo=UTC),
        valid_to=datetime(2026, 7, 16, 0, 0, tzinfo=UTC),
        content="Prognozowane są burze z gradem.",
        probability=80,
        teryt=("3064",),
    )
    return replace(warning, **changes)


async def sync(db, items, *, source: str = alerts.IMGW, now: datetime = NOW) -> list[Broadcast]:
    async with db.transaction() as session:
        return await alerts.sync_alerts(session, source, items, now=now)


async def stored(db, source: str = alerts.IMGW) -> dict[str, Alert]:
    async with db.transaction() as session:
        rows = (await session.execute(select(Alert).where(Alert.source == source))).scalars()
        return {alert.external_id: alert for alert in rows}


async def broadcast_count(db) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Broadcast)))


# -- sync ------------------------------------------------------------------------------------------


async def test_each_new_warning_becomes_an_alert_and_one_new_broadcast(db):
    made = await sync(db, imgw_sample())
    assert [(b.kind, b.topic, b.urgent, b.queued, b.osiedla) for b in made] == [
        ("new", "weather", True, 0, None),  # Burze, 2nd degree: not held back by quiet hours
        ("new", "weather", False, 0, None),  # Upał, 1st degree
    ]
    assert all(b.created_by == "feed:imgw" and b.send_at == NOW and b.id for b in made)
    saved = await stored(db)
    assert set(saved) == {"SW2026071512", "UP2026071401"}
    assert saved["SW2026071512"].status == "active"
    assert (saved["SW2026071512"].title_pl, saved["SW2026071512"].title_en) == ("Burze", "Thunderstorms")
    assert saved["SW2026071512"].level == 2
    assert made[0].alert_id == saved["SW2026071512"].id


async def test_the_same_list_twice_is_announced_once(db):
    assert len(await sync(db, imgw_sample())) == 2
    assert await sync(db, imgw_sample(), now=NOW + timedelta(minutes=5)) == []
    assert await broadcast_count(db) == 2
    assert {alert.updated_at for alert in (await stored(db)).values()} == {NOW}  # nothing rewritten


async def test_an_item_listed_twice_in_one_answer_is_announced_once(db):
    made = await sync(db, [storm(), storm(level=3)])
    assert len(made) == 1
    assert (await stored(db))["SW1"].level == 2


async def test_a_new_level_is_an_update_naming_the_old_and_the_new_level(db):
    await sync(db, [storm(level=1)])
    (update,) = await sync(db, [storm(level=3)], now=NOW + timedelta(minutes=5))
    assert (update.kind, update.urgent) == ("update", True)
    assert "Stopień zmienił się z 1. stopień (żółty) na 3. stopień (czerwony)." in update.text_pl
    assert "The level changed from 1st degree (yellow) to 3rd degree (red)." in update.text_en
    assert update.text_en.startswith("🔄 Update of the IMGW weather warning: Thunderstorms")
    assert "🔴 3rd degree (red)" in update.text_en
    assert (await stored(db))["SW1"].level == 3


async def test_a_lower_level_is_still_an_update_but_no_longer_urgent(db):
    await sync(db, [storm(level=2)])
    (update,) = await sync(db, [storm(level=1)], now=NOW + timedelta(minutes=5))
    assert (update.kind, update.urgent) == ("update", False)


async def test_a_new_validity_is_an_update_showing_what_it_was(db):
    await sync(db, [storm()])
    later = storm(valid_to=datetime(2026, 7, 16, 4, 0, tzinfo=UTC))
    (update,) = await sync(db, [later], now=NOW + timedelta(minutes=5))
    assert update.kind == "update"
    assert "The validity changed (it was from 15 July 2026, 14:00 to 16 July 2026, 02:00)." in update.text_en
    assert "Valid from 15 July 2026, 14:00 to 16 July 2026, 06:00" in update.text_en
    assert (await stored(db))["SW1"].valid_to == datetime(2026, 7, 16, 4, 0, tzinfo=UTC)


async def test_new_wording_alone_refreshes_the_alert_without_a_broadcast(db):
    await sync(db, [storm()])
    assert await sync(db, [storm(content="Burze z gradem do 3 cm.")], now=NOW + timedelta(minutes=5)) == []
    assert "3 cm" in (await stored(db))["SW1"].body_pl


async def test_a_warning_gone_before_its_end_is_withdrawn_with_a_note(db):
    await sync(db, [storm(), storm(id="UP1", event="Upał", level=1)])
    (note,) = await sync(db, [storm(id="UP1", event="Upał", level=1)], now=NOW + timedelta(hours=1))
    assert (note.kind, note.urgent, note.topic) == ("withdrawn", False, "weather")
    assert note.text_pl.startswith(
        "✅ IMGW odwołał ostrzeżenie meteorologiczne: Burze, 2. stopień (pomarańczowy)"
    )
    assert "Miało obowiązywać od 15 lipca 2026, 14:00 do 16 lipca 2026, 02:00." in note.text_pl
    assert note.text_en.startswith(
        "✅ IMGW has withdrawn the weather warning: Thunderstorms, 2nd degree (orange)"
    )
    assert "Source: IMGW-PIB" in note.text_en
    saved = await stored(db)
    assert (saved["SW1"].status, saved["UP1"].status) == ("withdrawn", "active")


async def test_no_warnings_at_all_withdraws_every_warning_still_to_come(db):
    await sync(db, imgw_sample())
    made = await sync(db, parse_imgw(404, b""), now=NOW + timedelta(minutes=5))
    assert sorted(b.kind for b in made) == ["withdrawn", "withdrawn"]


async def test_a_warning_gone_after_its_end_expires_silently(db):
    await sync(db, [storm()])
    assert await sync(db, [], now=datetime(2026, 7, 16, 0, 5, tzinfo=UTC)) == []
    assert (await stored(db))["SW1"].status == "expired"


async def test_a_warning_still_listed_after_its_end_expires_silently(db):
    await sync(db, [storm()])
    assert await sync(db, [storm()], now=datetime(2026, 7, 16, 1, 0, tzinfo=UTC)) == []
    assert (await stored(db))["SW1"].status == "expired"


async def test_a_warning_first_seen_after_its_end_is_kept_but_never_sent(db):
    assert await sync(db, [storm()], now=datetime(2026, 7, 17, 0, 0, tzinfo=UTC)) == []
    assert (await stored(db))["SW1"].status == "expired"


async def test_a_withdrawn_warning_listed_again_is_announced_again(db):
    await sync(db, [storm()])
    await sync(db, [], now=NOW + timedelta(minutes=5))
    (again,) = await sync(db, [storm()], now=NOW + timedelta(minutes=10))
    assert again.kind == "new"
    assert (await stored(db))["SW1"].status == "active"


async def test_each_source_is_synced_on_its_own(db):
    await sync(db, [storm()])
    await sync(db, [RoadWork(id="RW1", title="Garbary", streets=("Garbary",))], source=alerts.ROADWORKS)
    assert await sync(db, [], source=alerts.ROADWORKS, now=NOW + timedelta(minutes=5)) == []
    assert (await stored(db))["SW1"].status == "active"
    assert (await stored(db, alerts.ROADWORKS))["RW1"].status == "expired"  # no end date: ended quietly


async def test_road_works_are_sent_to_their_osiedla_and_updated_when_dates_change(db):
    works = {w.id: w for w in parse_roadworks(200, (SAMPLES / "roadworks.geojson").read_bytes())}
    made = await sync(
        db, list(works.values()), source=alerts.ROADWORKS, now=datetime(2026, 6, 30, tzinfo=UTC)
    )
    assert [(b.kind, b.topic, b.osiedla, b.urgent) for b in made] == [
        ("new", "road_works", ["Jeżyce"], False),
        ("new", "road_works", ["Stare Miasto"], False),
        ("new", "road_works", None, False),
        ("new", "road_works", None, False),
    ]
    assert made[0].text_pl.splitlines()[:4] == [
        "🚧 Roboty drogowe: Dąbrowskiego",
        "Gdzie: Dąbrowskiego (Jeżyce)",
        "Od 1 lipca 2026, 06:00 do 31 sierpnia 2026, 22:00",
        "Ruch: Część pasów zamknięta",
    ]
    assert "Traffic: Road closed to traffic" in made[1].text_en
    longer = replace(works["zdm-2026-0102"], ends=datetime(2026, 7, 31, 18, 0, tzinfo=UTC))
    changed = [longer if w.id == longer.id else w for w in works.values()]
    (update,) = await sync(db, changed, source=alerts.ROADWORKS, now=datetime(2026, 7, 1, tzinfo=UTC))
    assert (update.kind, update.osiedla) == ("update", ["Stare Miasto"])
    assert update.text_en.startswith("🔄 Road works update: Garbary")


# -- the texts -------------------------------------------------------------------------------------


async def test_a_warning_reads_in_words_in_local_time_with_advice_and_the_source(db):
    (new, _heat) = await sync(db, imgw_sample())
    assert new.text_pl.splitlines()[:3] == [
        "⚠️ Ostrzeżenie meteorologiczne IMGW: Burze",
        "Poziom: 🟠 2. stopień (pomarańczowy)",
        "Obowiązuje od 15 lipca 2026, 14:00 do 16 lipca 2026, 02:00",
    ]
    assert new.text_en.splitlines()[:3] == [
        "⚠️ IMGW weather warning: Thunderstorms",
        "Level: 🟠 2nd degree (orange)",
        "Valid from 15 July 2026, 14:00 to 16 July 2026, 02:00",
    ]
    assert "Prawdopodobieństwo: 80%" in new.text_pl
    assert "Treść ostrzeżenia IMGW: Prognozowane są burze" in new.text_pl
    assert "IMGW's description (in Polish): Prognozowane są burze" in new.text_en
    assert "Komentarz IMGW: Burze wystąpią głównie po południu i wieczorem." in new.text_pl
    assert "Co robić: Zostań w budynku z dala od okien" in new.text_pl
    assert "What to do: Stay indoors away from windows" in new.text_en
    assert new.text_pl.endswith("Źródło: IMGW-PIB")
    assert new.text_en.endswith("Source: IMGW-PIB")


async def test_winter_times_are_shown_on_the_winter_clock(db):
    (frost,) = await sync(db, imgw_sample("imgw_t_form.json"), now=datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    assert "Obowiązuje od 20 stycznia 2026, 18:00 do 22 stycznia 2026, 09:00" in frost.text_pl
    assert "Level: 🟠 2nd degree (orange)" in frost.text_en
    assert "⚠️ IMGW weather warning: Severe frost" in frost.text_en
    assert "Dress warmly in layers" in frost.text_en
    assert "Komentarz" not in frost.text_pl  # komentarz was null


@pytest.mark.parametrize(
    ("event", "english", "advice"),
    [
        ("Silny wiatr", "Strong wind", "Secure or bring in loose objects"),
        ("Upał", "Heat", "Drink water often"),
        ("Intensywne opady deszczu", "Heavy rain", "flooded streets"),
        ("Oblodzenie", "Icy roads and pavements", "good grip"),
        ("Gęsta mgła", "Dense fog", "dipped headlights"),
        ("Intensywne opady śniegu", "Heavy snowfall", "Travel only if you must"),
        ("Zawieje/zamiecie śnieżne", "Blowing and drifting snow", "Travel only if you must"),
        ("Nowe zjawisko", "Nowe zjawisko", "in an emergency call 112"),
    ],
)
def test_each_kind_of_event_gets_its_english_name_and_advice(event, english, advice):
    _pl, en = alerts.in_both(lambda: alerts.weather_text(storm(event=event, level=1)))
    assert en.startswith(f"⚠️ IMGW weather warning: {english}")
    assert advice in en
    assert "1st degree (yellow)" in en


@pytest.mark.parametrize(
    ("level", "polish", "english"),
    [(1, "🟡 1. stopień (żółty)", "🟡 1st degree (yellow)"),
     (2, "🟠 2. stopień (pomarańczowy)", "🟠 2nd degree (orange)"),
     (3, "🔴 3. stopień (czerwony)", "🔴 3rd degree (red)")],
)  # fmt: skip
def test_levels_are_words_not_colour_alone(level, polish, english):
    assert alerts.in_both(lambda: alerts.level_words(level)) == (polish, english)


def test_a_very_long_imgw_text_is_clipped_to_fit_one_message():
    pl, en = alerts.in_both(lambda: alerts.weather_text(storm(content="x" * 10_000, comment="y" * 10_000)))
    assert len(pl) < 4096 and len(en) < 4096
    assert pl.endswith("Źródło: IMGW-PIB")


# -- what is in force --------------------------------------------------------------------------------


async def test_current_alerts_lists_active_ones_by_topic_and_osiedle(db):
    await sync(db, [storm(), storm(id="OLD", valid_to=NOW - timedelta(hours=1))])
    works = [
        RoadWork(id="RW1", title="Garbary", osiedla=("Stare Miasto",)),
        RoadWork(id="RW2", title="Głogowska"),
    ]
    await sync(db, works, source=alerts.ROADWORKS)
    async with db.transaction() as session:
        everything = await alerts.current_alerts(session, NOW)
        weather = await alerts.current_alerts(session, NOW, topics=["weather"])
        wilda = await alerts.current_alerts(session, NOW, topics=["road_works"], osiedle="Wilda")
    assert {a.external_id for a in everything} == {"SW1", "RW1", "RW2"}
    assert [a.external_id for a in weather] == ["SW1"]
    assert [a.external_id for a in wilda] == ["RW2"]  # city-wide works concern Wilda too


# -- staff -----------------------------------------------------------------------------------------


async def announce(db, **fields) -> Broadcast:
    values = {
        "topic": "seniors",
        "text_pl": "Bezpłatne szczepienia dla seniorów w sobotę.",
        "text_en": "Free vaccinations for seniors on Saturday.",
        "send_at": None,
        "osiedla": None,
        "actor": "staff:anna",
        "now": NOW,
    } | fields
    async with db.transaction() as session:
        return await alerts.announce(session, **values)


async def test_an_announcement_is_a_broadcast_with_an_audit_entry(db):
    at = datetime(2026, 7, 16, 16, 0, tzinfo=UTC)
    broadcast = await announce(db, send_at=at, osiedla=["Łazarz", "Wilda"])
    assert (broadcast.kind, broadcast.topic, broadcast.send_at, broadcast.queued) == (
        "announcement",
        "seniors",
        at,
        0,
    )
    assert broadcast.osiedla == ["Św. Łazarz", "Wilda"]
    assert broadcast.alert_id is None and broadcast.created_by == "staff:anna"
    assert broadcast.text_pl == "📢 Komunikat Miasta Poznania\n\nBezpłatne szczepienia dla seniorów w sobotę."
    assert (
        broadcast.text_en
        == "📢 Announcement from the City of Poznań\n\nFree vaccinations for seniors on Saturday."
    )
    async with db.transaction() as session:
        (entry,) = (await session.execute(select(AuditEntry))).scalars()
    assert (entry.actor, entry.action, entry.target) == (
        "staff:anna",
        "broadcast.announce",
        f"broadcast:{broadcast.id}",
    )
    assert entry.details["osiedla"] == ["Św. Łazarz", "Wilda"]


async def test_an_announcement_without_a_time_goes_now_and_a_naive_time_is_poznan_time(db):
    assert (await announce(db)).send_at == NOW
    assert (await announce(db, send_at=NOW - timedelta(seconds=30))).send_at == NOW  # typed a moment ago
    evening = await announce(db, send_at=datetime(2026, 7, 15, 18, 0))
    assert evening.send_at == datetime(2026, 7, 15, 16, 0, tzinfo=UTC)


async def test_an_umbrella_name_covers_all_its_units(db):
    broadcast = await announce(db, topic="city_news", osiedla=["Winogrady"])
    assert broadcast.osiedla and len(broadcast.osiedla) > 1
    assert all("Winogrady" in name for name in broadcast.osiedla)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"text_pl": ""}, "empty_text_pl"),
        ({"text_en": "   \n"}, "empty_text_en"),
        ({"text_pl": "x" * 5000}, "too_long"),
        ({"send_at": NOW - timedelta(minutes=2)}, "in_past"),
        ({"send_at": datetime(2026, 7, 15, 9, 0)}, "in_past"),  # 09:00 in Poznań is 07:00 UTC
        ({"topic": "parking"}, "unknown_topic"),
        ({"osiedla": ["Wilda", "Atlantyda"]}, "unknown_osiedle"),
    ],
)
async def test_announcements_the_rules_refuse(db, fields, reason):
    with pytest.raises(AnnouncementError) as refused:
        await announce(db, **fields)
    assert refused.value.reason == reason
    assert await broadcast_count(db) == 0


async def test_staff_road_works_are_an_alert_in_force_and_can_be_withdrawn(db):
    async with db.transaction() as session:
        broadcast = await alerts.post_road_works(
            session,
            "Zamknięcie Garbar",
            "Remont sieci wodociągowej.",
            streets=["Garbary"],
            starts=datetime(2026, 7, 20, 5, 0, tzinfo=UTC),
            ends=datetime(2026, 7, 25, 15, 0, tzinfo=UTC),
            title_en="Garbary closed",
            actor="staff:jan",
            now=NOW,
        )
    assert (broadcast.kind, broadcast.topic, broadcast.osiedla, broadcast.created_by) == (
        "new",
        "road_works",
        ["Stare Miasto"],
        "staff:jan",
    )
    assert broadcast.text_en.startswith("🚧 Road works: Garbary closed")
    assert broadcast.text_pl.startswith("🚧 Roboty drogowe: Zamknięcie Garbar")
    async with db.transaction() as session:
        (alert,) = await alerts.current_alerts(session, NOW, topics=["road_works"])
        assert alert.source == "staff"
        note = await alerts.withdraw_alert(session, alert.id, actor="staff:jan", now=NOW)
        again = await alerts.withdraw_alert(session, alert.id, actor="staff:jan", now=NOW)
    assert note is not None and note.kind == "withdrawn" and again is None
    assert note.text_en.startswith("✅ This notice was withdrawn before its end: Garbary closed")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": " "}, "empty_text_pl"),
        ({"ends": NOW - timedelta(hours=1)}, "in_past"),
        ({"starts": NOW + timedelta(days=2), "ends": NOW + timedelta(days=1)}, "bad_dates"),
        ({"osiedla": ["Nibylandia"]}, "unknown_osiedle"),
    ],
)
async def test_staff_road_works_the_rules_refuse(db, fields, reason):
    values = {"title": "Remont", "actor": "staff:jan", "now": NOW} | fields
    async with db.transaction() as session:
        with pytest.raises(AnnouncementError) as refused:
            await alerts.post_road_works(session, **values)
    assert refused.value.reason == reason
