"""The staff panel's "Escalated cases" page: open cases first, links to their Telegram topics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.models import Resident
from bot.domain import handoff
from tests.panel_support import add_staff, panel_client, sign_in

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
STAFF = -1001234567890


@pytest.fixture
async def client(db, tmp_path):
    client = await panel_client(db, tmp_path / "media")
    yield client
    await client.close()


async def test_agents_see_open_and_closed_cases_with_links_to_topics(db, client):
    async with db.transaction() as session:
        session.add_all(
            [Resident(id=1, language="pl", display_name="Anna Nowak"), Resident(id=2, language="en")]
        )
        await session.flush()
        closed = await handoff.open_case(session, 1, chat_id=STAFF, reason="asked", flow=None, now=NOW)
        await handoff.set_topic(session, closed.id, 41)
        await handoff.close_case(session, closed.id, by="telegram-staff:9", now=NOW)
        await handoff.rate(session, closed.id, 1, 5, now=NOW)
        still_open = await handoff.open_case(session, 2, chat_id=STAFF, reason="misses", flow=None, now=NOW)
        await handoff.set_topic(session, still_open.id, 77)
    assert (await client.get("/panel/handoff", allow_redirects=False)).status in (302, 303)  # signed out

    await add_staff(db, "ewa@poznan.pl", "agent")
    assert (await sign_in(client, "ewa@poznan.pl")).status == 303
    page = await client.get("/panel/handoff?lang=en")
    html = await page.text()
    assert page.status == 200
    assert '<a href="/panel/handoff" aria-current="page">Escalated cases</a>' in html
    assert 'href="https://t.me/c/1234567890/77"' in html and 'href="https://t.me/c/1234567890/41"' in html
    assert html.index("t.me/c/1234567890/77") < html.index("t.me/c/1234567890/41")  # open first
    assert "Anna Nowak" in html and "after two misunderstandings" in html

    only_open = await (await client.get("/panel/handoff?status=open")).text()
    assert "t.me/c/1234567890/77" in only_open and "t.me/c/1234567890/41" not in only_open
    reports_page = await (await client.get("/panel/reports")).text()
    assert 'href="/panel/handoff"' in reports_page  # the nav entry on every page
