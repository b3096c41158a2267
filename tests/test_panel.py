"""The staff panel over HTTP: signing in and out, throttling, CSRF, roles, and the reports queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import (
    AuditEntry,
    OutboxMessage,
    Report,
    ReportPhoto,
    Resident,
    StaffLoginAttempt,
    StaffSession,
)
from bot.domain import reports
from bot.web.panel import accounts
from tests.panel_support import PASSWORD, add_staff, csrf_in, page_csrf, panel_client, sign_in

NOW = datetime.now(UTC)
RESIDENT = 701
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.fixture
async def client(db, tmp_path):
    client = await panel_client(db, tmp_path / "media", panel_login_attempts=3)
    yield client
    await client.close()


async def signed_in(db, client, email: str = "ewa@poznan.pl", role: str = "agent"):
    await add_staff(db, email, role)
    response = await sign_in(client, email)
    assert response.status == 303, await response.text()
    return client


async def filed(db, description: str = "Dziura w jezdni", *, at: datetime = NOW, **fields) -> Report:
    async with db.transaction() as session:
        if await session.get(Resident, RESIDENT) is None:
            session.add(Resident(id=RESIDENT, language="pl"))
            await session.flush()
        values = {"category": "roads", "language": "pl", **fields}
        new = reports.NewReport(resident_id=RESIDENT, description=description, **values)
        return await reports.file_report(session, new, now=at)


async def audit_actions(db) -> list[tuple[str, str]]:
    async with db.transaction() as session:
        rows = await session.execute(select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id))
        return [tuple(row) for row in rows.all()]


async def count(db, model) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


# -- signing in and out -------------------------------------------------------------------------------


async def test_sign_in_sets_a_session_cookie_browsers_keep_to_this_site(db, client):
    await add_staff(db, "ewa@poznan.pl")
    response = await sign_in(client, "Ewa@Poznan.pl", next="/panel/dashboard")
    assert response.status == 303 and response.headers["Location"] == "/panel/dashboard"
    cookie = response.cookies["citybot_panel"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/panel"
    assert not cookie["secure"]
    async with db.transaction() as session:
        stored = await session.scalar(select(StaffSession.token_hash))
    assert stored == accounts.hash_token(cookie.value) != cookie.value  # only the hash is kept
    assert (await client.get("/panel/reports")).status == 200
    assert ("staff:ewa@poznan.pl", "staff.login") in await audit_actions(db)


async def test_secure_cookie_when_the_panel_is_behind_https(db, tmp_path):
    client = await panel_client(db, tmp_path, panel_cookie_secure=True)
    try:
        await add_staff(db, "ewa@poznan.pl")
        page = await client.get("/panel/login")
        login_cookie = page.cookies["citybot_panel_login"]
        assert login_cookie["secure"] and login_cookie["httponly"] and login_cookie["samesite"] == "Strict"
        form = {"csrf": csrf_in(await page.text()), "email": "ewa@poznan.pl", "password": PASSWORD}
        # Over plain HTTP a browser would not return a Secure cookie; the test hands it over itself.
        response = await client.post(
            "/panel/login",
            data=form,
            cookies={"citybot_panel_login": login_cookie.value},
            allow_redirects=False,
        )
        assert response.status == 303 and response.cookies["citybot_panel"]["secure"]
    finally:
        await client.close()


async def test_wrong_password_or_unknown_email_is_refused_the_same_way_and_audited(db, client):
    await add_staff(db, "ewa@poznan.pl")
    wrong = await sign_in(client, "ewa@poznan.pl", "not the password")
    unknown = await sign_in(client, "nobody@poznan.pl", PASSWORD)
    for response in (wrong, unknown):
        assert response.status == 401 and "citybot_panel" not in response.cookies
        assert "Wrong e-mail or password." in await response.text()
    assert (await client.get("/panel/reports", allow_redirects=False)).status == 303
    assert await audit_actions(db) == [
        ("staff:ewa@poznan.pl", "staff.login_failed"),
        ("staff:nobody@poznan.pl", "staff.login_failed"),
    ]


async def test_sign_in_is_throttled_after_the_allowed_failures_even_with_the_right_password(db, client):
    await add_staff(db, "ewa@poznan.pl")
    for _ in range(3):
        assert (await sign_in(client, "ewa@poznan.pl", "guess guess guess")).status == 401
    throttled = await sign_in(client, "ewa@poznan.pl")
    assert throttled.status == 429 and "citybot_panel" not in throttled.cookies
    assert "Too many failed sign-ins" in await throttled.text()
    await add_staff(db, "jan@poznan.pl")  # the same address is throttled for every e-mail
    assert (await sign_in(client, "jan@poznan.pl")).status == 429
    assert await count(db, StaffSession) == 0
    assert await count(db, StaffLoginAttempt) == 6  # per e-mail and per address, shared by processes


async def test_throttling_counts_only_the_last_fifteen_minutes_per_key(db):
    keys = accounts.throttle_keys("ewa@poznan.pl", "10.0.0.1")
    long_ago = NOW - timedelta(minutes=16)
    async with db.transaction() as session:
        for _ in range(5):
            await accounts.record_failure(session, keys, now=long_ago)
        assert not await accounts.throttled(session, keys, 5, now=NOW)
        for _ in range(5):
            await accounts.record_failure(session, (keys[0],), now=NOW)
        assert await accounts.throttled(session, keys, 5, now=NOW)
        assert not await accounts.throttled(
            session, accounts.throttle_keys("jan@poznan.pl", "10.0.0.2"), 5, now=NOW
        )


async def test_sign_out_ends_the_session_everywhere(db, client):
    await signed_in(db, client)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/panel/"))["citybot_panel"].value
    response = await client.post(
        "/panel/logout", data={"csrf": await page_csrf(client)}, allow_redirects=False
    )
    assert response.status == 303 and response.headers["Location"] == "/panel/login"
    assert await count(db, StaffSession) == 0
    replay = await client.get("/panel/reports", cookies={"citybot_panel": cookie}, allow_redirects=False)
    assert replay.status == 303 and replay.headers["Location"].startswith("/panel/login?next=")
    assert ("staff:ewa@poznan.pl", "staff.logout") in await audit_actions(db)


async def test_a_page_asks_for_sign_in_and_returns_only_inside_the_panel(db, client):
    await add_staff(db, "ewa@poznan.pl")
    first = await client.get("/panel/reports?status=new", allow_redirects=False)
    assert first.headers["Location"] == "/panel/login?next=%2Fpanel%2Freports%3Fstatus%3Dnew"
    assert (await client.get("/", allow_redirects=False)).headers["Location"] == "/panel/"
    evil = await sign_in(client, "ewa@poznan.pl", next="https://evil.example/panel/")
    assert evil.headers["Location"] == "/panel/"


# -- CSRF and roles -----------------------------------------------------------------------------------


async def test_a_form_without_the_right_token_is_refused_and_changes_nothing(db, client):
    report = await filed(db)
    await signed_in(db, client)
    url = f"/panel/reports/{report.ticket}/status"
    for form in ({"status": "resolved"}, {"status": "resolved", "csrf": "forged"}):
        refused = await client.post(url, data=form)
        assert refused.status == 403 and "The form has expired" in await refused.text()
    async with db.transaction() as session:
        assert (await reports.by_ticket(session, report.ticket)).status == "new"
    assert await count(db, OutboxMessage) == 0
    login = await client.post("/panel/login", data={"email": "ewa@poznan.pl", "password": PASSWORD})
    assert login.status == 403  # the sign-in form is protected too


async def test_roles_decide_which_pages_open(db, client):
    await signed_in(db, client, "agent@poznan.pl", "agent")
    home = await (await client.get("/panel/reports")).text()
    assert "/panel/initiatives" not in home and "/panel/audit" not in home and "/panel/bookings" in home
    for path in ("/panel/initiatives", "/panel/announcements", "/panel/announcements/new", "/panel/audit"):
        response = await client.get(path)
        assert response.status == 403 and "Your role does not allow this page." in await response.text()
    csrf = await page_csrf(client)
    moderation = await client.post("/panel/initiatives/1/approve", data={"csrf": csrf})
    assert moderation.status == 403
    client.session.cookie_jar.clear_domain("127.0.0.1")
    await signed_in(db, client, "mod@poznan.pl", "moderator")
    assert (await client.get("/panel/initiatives")).status == 200
    assert (await client.get("/panel/audit")).status == 403
    client.session.cookie_jar.clear_domain("127.0.0.1")
    await signed_in(db, client, "admin@poznan.pl", "admin")
    assert (await client.get("/panel/audit")).status == 200


async def test_panel_pages_carry_protective_headers(db, client):
    await signed_in(db, client)
    response = await client.get("/panel/reports")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


# -- reports ----------------------------------------------------------------------------------------


async def test_filters_narrow_the_list(db, client):
    old = await filed(db, "Stara dziura", at=NOW - timedelta(days=40), osiedle="Wilda")
    lamp = await filed(db, "Nie świeci latarnia", category="street_lighting", osiedle="Jeżyce")
    wilda = await filed(db, "Dziura na Wildzie", osiedle="Wilda")
    await signed_in(db, client)
    async with db.transaction() as session:
        await reports.change_status(session, wilda.ticket, "in_progress", note=None, actor="test", now=NOW)

    async def tickets(query: str) -> set[str]:
        html = await (await client.get(f"/panel/reports?{query}")).text()
        return {r.ticket for r in (old, lamp, wilda) if r.ticket in html}

    assert await tickets("") == {old.ticket, lamp.ticket, wilda.ticket}
    assert await tickets("category=street_lighting") == {lamp.ticket}
    assert await tickets("status=in_progress") == {wilda.ticket}
    assert await tickets("osiedle=Wilda") == {old.ticket, wilda.ticket}
    since = (NOW - timedelta(days=2)).date().isoformat()
    assert await tickets(f"since={since}&osiedle=Wilda") == {wilda.ticket}
    until = (NOW - timedelta(days=30)).date().isoformat()
    assert await tickets(f"until={until}") == {old.ticket}
    assert await tickets(f"q={lamp.ticket.lower()}") == {lamp.ticket}
    assert await tickets("q=latarnia") == {lamp.ticket}
    assert await tickets("status=bogus&since=yesterday&page=x") == {old.ticket, lamp.ticket, wilda.ticket}


async def test_the_list_is_paginated(db, client):
    for n in range(27):
        await filed(db, f"Problem {n}")
    await signed_in(db, client)
    first = await (await client.get("/panel/reports")).text()
    assert "27 reports" in first and "Page 1 of 2" in first and "/panel/reports?page=2" in first
    second = await (await client.get("/panel/reports?page=2")).text()
    assert second.count('<a href="/panel/reports/PZN-') == 2


async def test_a_script_in_a_description_is_shown_as_text(db, client):
    report = await filed(db, '<script>alert("x")</script><img src=x onerror=alert(1)>')
    await signed_in(db, client)
    for path in ("/panel/reports", f"/panel/reports/{report.ticket}"):
        html = await (await client.get(path)).text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize("search", ["' OR 1=1 --", '"; DROP TABLE reports; --', "%", "_", "\\"])
async def test_sql_looking_searches_find_nothing_and_break_nothing(db, client, search):
    await filed(db, "Dziura w jezdni")
    await signed_in(db, client)
    response = await client.get("/panel/reports", params={"q": search})
    assert response.status == 200 and "0 reports" in await response.text()
    assert await count(db, Report) == 1


async def test_status_change_notifies_the_resident_and_keeps_history_and_audit(db, client):
    report = await filed(db)
    await signed_in(db, client)
    response = await client.post(
        f"/panel/reports/{report.ticket}/status",
        data={"csrf": await page_csrf(client), "status": "in_progress", "note": "Ekipa w drodze"},
        allow_redirects=False,
    )
    assert (
        response.status == 303 and response.headers["Location"] == f"/panel/reports/{report.ticket}?changed=1"
    )
    page = await (await client.get(response.headers["Location"])).text()
    assert "The resident and the followers will be notified." in page and "Ekipa w drodze" in page
    async with db.transaction() as session:
        push = await session.scalar(select(OutboxMessage))
        events = await reports.history(session, report.id)
    assert push.resident_id == RESIDENT and push.kind == "report.status" and "Ekipa w drodze" in push.text
    assert (events[-1].status, events[-1].actor) == ("in_progress", "staff:ewa@poznan.pl")
    assert ("staff:ewa@poznan.pl", "report.status") in await audit_actions(db)
    again = await client.post(
        f"/panel/reports/{report.ticket}/status", data={"csrf": await page_csrf(client), "status": "new"}
    )
    assert again.status == 409 and "This status cannot be set now" in await again.text()


async def test_missing_report_is_a_friendly_404(db, client):
    await signed_in(db, client)
    response = await client.get("/panel/reports/PZN-2026-999999")
    assert response.status == 404 and "There is no report PZN-2026-999999." in await response.text()


async def test_photos_come_only_from_the_media_directory_and_their_own_report(db, client, tmp_path):
    media = tmp_path / "media"
    (media / "reports").mkdir(parents=True)
    inside = media / "reports" / "1.png"
    inside.write_bytes(PNG)
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    report, other = await filed(db, photos=("a", "b", "c")), await filed(db, "Inne")
    async with db.transaction() as session:
        photos = list((await session.execute(select(ReportPhoto).order_by(ReportPhoto.id))).scalars())
        photos[0].local_path = str(inside)
        photos[1].local_path = str(media / "reports" / ".." / ".." / "secret.png")
        photos[2].local_path = "/etc/passwd"
    await signed_in(db, client)
    ok = await client.get(f"/panel/reports/{report.ticket}/photos/{photos[0].id}")
    assert ok.status == 200 and ok.headers["Content-Type"] == "image/png" and await ok.read() == PNG
    detail = await (await client.get(f"/panel/reports/{report.ticket}")).text()
    assert f'src="/panel/reports/{report.ticket}/photos/{photos[0].id}"' in detail
    for path in (
        f"/panel/reports/{report.ticket}/photos/{photos[1].id}",
        f"/panel/reports/{report.ticket}/photos/{photos[2].id}",
        f"/panel/reports/{other.ticket}/photos/{photos[0].id}",
        f"/panel/reports/{report.ticket}/photos/..%2F..%2Fsecret.png",
        f"/panel/reports/{report.ticket}/photos/999",
    ):
        assert (await client.get(path)).status == 404, path
    client.session.cookie_jar.clear_domain("127.0.0.1")
    anonymous = await client.get(
        f"/panel/reports/{report.ticket}/photos/{photos[0].id}", allow_redirects=False
    )
    assert anonymous.status == 303


async def test_the_panel_speaks_polish_unless_english_is_chosen(db, tmp_path):
    client = await panel_client(db, tmp_path)
    try:
        polish = await client.get("/panel/login")
        assert '<html lang="pl">' in await polish.text()
        english = await client.get("/panel/login?lang=en")
        assert '<html lang="en">' in await english.text()
        assert english.cookies["citybot_panel_lang"].value == "en"
        assert '<html lang="en">' in await (await client.get("/panel/login")).text()  # remembered
        assert csrf_in(await (await client.get("/panel/login")).text())
    finally:
        await client.close()
