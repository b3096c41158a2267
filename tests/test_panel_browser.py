"""The staff panel in a real headless Chromium (Debian's package, driven by Playwright).

Skipped where chromium is not installed, unless CITYBOT_REQUIRE_BROWSER=1 (CI) makes that a failure.
One browser serves the whole module; each test gets a fresh context (no shared cookies).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.db.database import Database
from bot.db.models import OutboxMessage
from tests.conftest import truncate_all
from tests.fake_telegram import FakeTelegram
from tests.panel_support import PASSWORD, add_staff, panel_client
from tests.telegram_harness import RunningBot
from tests.test_panel import RESIDENT, count, filed

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CITYBOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CITYBOT_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("chromium is not installed")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=BROWSER_ARGS, headless=True
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser) -> AsyncIterator[Any]:
    context = await browser.new_context(locale="en-GB")
    context.set_default_timeout(10_000)
    yield await context.new_page()
    await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def database(database_url) -> AsyncIterator[Database]:
    """The test database, opened on this module's event loop (the browser's)."""
    db = Database(database_url, pool_size=5)
    if db.is_postgres:
        await truncate_all(db)
    yield db
    await db.dispose()


async def sign_in_through_the_form(page, base: str, email: str) -> None:
    await page.goto(f"{base}/panel/reports?lang=en")
    assert "/panel/login" in page.url
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/panel/reports*")


async def test_staff_sign_in_through_the_form_and_out_again(page, database, tmp_path):
    await add_staff(database, "ewa@poznan.pl")
    client = await panel_client(database, tmp_path)
    base = str(client.make_url("")).rstrip("/")
    try:
        await page.goto(f"{base}/panel/login?lang=en")
        await page.get_by_label("E-mail").fill("ewa@poznan.pl")
        await page.get_by_label("Password").fill("wrong password!")
        await page.get_by_role("button", name="Sign in").click()
        assert await page.get_by_role("alert").inner_text() == "Wrong e-mail or password."
        await sign_in_through_the_form(page, base, "ewa@poznan.pl")
        assert await page.get_by_role("heading", level=1).inner_text() == "Reports"
        cookies = {c["name"]: c for c in await page.context.cookies()}
        assert cookies["citybot_panel"]["httpOnly"] and cookies["citybot_panel"]["sameSite"] == "Strict"
        assert await page.evaluate("document.cookie") == ""  # scripts cannot read the session
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(f"{base}/panel/login")
        await page.goto(f"{base}/panel/reports")
        assert "/panel/login" in page.url
    finally:
        await client.close()


async def test_a_tampered_form_token_is_refused(page, database, tmp_path):
    await add_staff(database, "ewa@poznan.pl")
    report = await filed(database)
    client = await panel_client(database, tmp_path)
    base = str(client.make_url("")).rstrip("/")
    try:
        await sign_in_through_the_form(page, base, "ewa@poznan.pl")
        await page.goto(f"{base}/panel/reports/{report.ticket}")
        await page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')")
        await page.get_by_label("New status").select_option("resolved")
        async with page.expect_response(f"**/panel/reports/{report.ticket}/status") as answer:
            await page.get_by_role("button", name="Change and notify").click()
        assert (await answer.value).status == 403
        assert "The form has expired" in await page.get_by_role("alert").inner_text()
        await page.goto(f"{base}/panel/reports/{report.ticket}")
        assert await page.locator(".facts .status").inner_text() == "new"
        assert await count(database, OutboxMessage) == 0
    finally:
        await client.close()


async def test_status_change_in_the_panel_reaches_the_residents_telegram(page, database, database_url):
    await add_staff(database, "ewa@poznan.pl")
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url, dispatch_interval=0.2).start()
        try:
            await fake.send_message(RESIDENT, "/start", language_code="pl")  # Telegram knows the chat
            await fake.wait_for(RESIDENT, kind="message", timeout=10)
            report = await filed(database)
            await sign_in_through_the_form(page, bot.url, "ewa@poznan.pl")
            await page.get_by_role("link", name=report.ticket).click()
            await page.get_by_label("New status").select_option("in_progress")
            await page.get_by_label("Note for the resident (optional)").fill("Ekipa w drodze")
            await page.get_by_role("button", name="Change and notify").click()
            await page.wait_for_url("**?changed=1")
            assert "will be notified" in await page.get_by_role("status").inner_text()
            (push,) = await fake.wait_for(
                RESIDENT, kind="message", text_contains="Zmiana w Twoim zgłoszeniu", timeout=10
            )
            assert report.ticket in push.text and "Informacja od miasta: Ekipa w drodze" in push.text
        finally:
            await bot.stop()
