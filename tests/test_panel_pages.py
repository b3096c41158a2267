"""The staff panel's other rooms over HTTP: moderation, announcements, bookings, dashboard, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Booking, Broadcast, Initiative, OutboxMessage
from bot.domain import initiatives, reports
from bot.i18n import CITY_ZONE
from tests.panel_support import page_csrf, panel_client
from tests.test_panel import RESIDENT, audit_actions, count, filed, signed_in

NOW = datetime.now(UTC)


@pytest.fixture
async def client(db, tmp_path):
    client = await panel_client(db, tmp_path / "media")
    yield client
    await client.close()


async def submitted(db, title: str) -> int:
    await filed(db)  # creates the resident
    async with db.transaction() as session:
        return (
            await initiatives.submit(
                session,
                RESIDENT,
                title,
                "Ławki i cień dla seniorów przy placu zabaw",
                "Wilda",
                "greenery",
                NOW,
            )
        ).id


async def status_of(db, initiative_id: int) -> str:
    async with db.transaction() as session:
        return (await session.get(Initiative, initiative_id)).status


async def test_moderators_approve_and_reject_with_a_reason_and_authors_are_told(db, client):
    first, second = await submitted(db, "Ławki w parku"), await submitted(db, "<b>Więcej</b> drzew")
    await signed_in(db, client, "mod@poznan.pl", "moderator")
    queue = await (await client.get("/panel/initiatives")).text()
    assert "Ławki w parku" in queue and "&lt;b&gt;Więcej&lt;/b&gt; drzew" in queue
    csrf = await page_csrf(client, "/panel/initiatives")
    no_reason = await client.post(f"/panel/initiatives/{second}/reject", data={"csrf": csrf, "reason": "  "})
    assert no_reason.status == 400 and "A rejection needs a reason" in await no_reason.text()
    assert await status_of(db, second) == initiatives.AWAITING
    approved = await client.post(f"/panel/initiatives/{first}/approve", data={"csrf": csrf, "note": "Brawo"})
    assert "Approved and published." in await approved.text()
    rejected = await client.post(
        f"/panel/initiatives/{second}/reject", data={"csrf": csrf, "reason": "Duplikat"}
    )
    assert "Rejected." in await rejected.text()
    twice = await client.post(f"/panel/initiatives/{first}/approve", data={"csrf": csrf})
    assert twice.status == 409
    assert (await status_of(db, first), await status_of(db, second)) == ("approved", "rejected")
    async with db.transaction() as session:
        kinds = [m.kind for m in (await session.execute(select(OutboxMessage))).scalars()]
    assert sorted(kinds) == ["initiative.approved", "initiative.rejected"]
    actions = await audit_actions(db)
    assert ("staff:mod@poznan.pl", "initiative.approved") in actions
    assert ("staff:mod@poznan.pl", "initiative.rejected") in actions


def announcement(csrf: str, **fields) -> dict:
    return {
        "csrf": csrf,
        "topic": "city_news",
        "text_pl": "Komunikat",
        "text_en": "Notice",
        "send_at": "",
        **fields,
    }


async def test_announcement_form_explains_what_is_wrong_and_keeps_the_text(db, client):
    await signed_in(db, client, "mod@poznan.pl", "moderator")
    csrf = await page_csrf(client, "/panel/announcements/new")
    empty = await client.post("/panel/announcements", data=announcement(csrf, text_pl="   "))
    assert empty.status == 400 and "Write the Polish text." in await empty.text()
    past = (NOW - timedelta(days=1)).astimezone(CITY_ZONE).strftime("%Y-%m-%dT%H:%M")
    old = await client.post(
        "/panel/announcements", data=announcement(csrf, send_at=past, text_en="Keep <me>")
    )
    page = await old.text()
    assert old.status == 400 and "The send time is in the past" in page and "Keep &lt;me&gt;" in page
    garbled = await client.post("/panel/announcements", data=announcement(csrf, send_at="tomorrow"))
    assert garbled.status == 400 and "Give the send time as a date and an hour." in await garbled.text()
    assert await count(db, Broadcast) == 0


async def test_announcement_is_saved_for_osiedla_and_listed_with_its_counters(db, client):
    await signed_in(db, client, "mod@poznan.pl", "moderator")
    csrf = await page_csrf(client, "/panel/announcements/new")
    later = (NOW + timedelta(days=1)).astimezone(CITY_ZONE).strftime("%Y-%m-%dT%H:%M")
    data = [*announcement(csrf, send_at=later).items(), ("osiedla", "Wilda"), ("osiedla", "Jeżyce")]
    response = await client.post("/panel/announcements", data=data, allow_redirects=False)
    assert response.status == 303
    async with db.transaction() as session:
        item = await session.scalar(select(Broadcast))
        item.queued, item.sent, item.failed, item.unreachable = 7, 5, 1, 1
    assert sorted(item.osiedla) == ["Jeżyce", "Wilda"] and item.created_by == "staff:mod@poznan.pl"
    listing = await (await client.get(response.headers["Location"])).text()
    assert "Announcement saved." in listing and "Wilda, Jeżyce" in listing
    assert all(f'<td class="num">{n}</td>' in listing for n in (7, 5, 1))
    assert ("staff:mod@poznan.pl", "broadcast.announce") in await audit_actions(db)


async def test_bookings_of_a_day_print_on_one_sheet(db, client):
    await filed(db)
    day = date(2026, 12, 1)
    starts = datetime(2026, 12, 1, 9, 15, tzinfo=CITY_ZONE)
    async with db.transaction() as session:
        session.add(
            Booking(
                code="ABC234", resident_id=RESIDENT, office="libelta", matter="id_card_application", desk=2,
                day=day, starts_at=starts, ends_at=starts + timedelta(minutes=15), status="active",
            )
        )  # fmt: skip
    await signed_in(db, client)
    sheet = await (await client.get("/panel/bookings?office=libelta&day=2026-12-01")).text()
    assert "ABC234" in sheet and "09:15" in sheet and "ID card application" in sheet
    assert "ABC234" not in await (await client.get("/panel/bookings?office=gronowa&day=2026-12-01")).text()
    css = await (await client.get("/panel/static/panel.css")).text()
    assert "@media print" in css


async def test_dashboard_draws_weekly_counts_and_median_time_to_resolve(db, client):
    report = await filed(db, at=NOW - timedelta(days=3))
    await filed(db, category="graffiti")
    async with db.transaction() as session:
        await reports.change_status(session, report.ticket, "resolved", note=None, actor="test", now=NOW)
    await signed_in(db, client)
    page = await (await client.get("/panel/dashboard")).text()
    assert "Median time to resolve: 3 days. Counted over 1 resolved report." in " ".join(page.split())
    assert 'src="/panel/dashboard/weekly.svg"' in page and "Graffiti" in page
    for chart in ("weekly", "resolution"):
        response = await client.get(f"/panel/dashboard/{chart}.svg")
        body = await response.text()
        assert (
            response.content_type == "image/svg+xml" and body.lstrip().startswith("<?xml") and "<svg" in body
        )


async def test_admins_read_the_audit_trail_filtered_by_actor_and_action(db, client):
    await signed_in(db, client, "admin@poznan.pl", "admin")
    report = await filed(db)
    await client.post(
        f"/panel/reports/{report.ticket}/status",
        data={"csrf": await page_csrf(client), "status": "rejected", "note": "<i>spam</i>"},
    )
    everything = await (await client.get("/panel/audit")).text()
    assert "staff.login" in everything and "report.status" in everything and "&lt;i&gt;spam" in everything
    only_status = await (await client.get("/panel/audit?action=report.status")).text()
    assert "1 entry" in only_status and report.ticket in only_status
    nobody = await (await client.get("/panel/audit", params={"actor": "' OR 1=1 --"})).text()
    assert "0 entries" in nobody
