"""Helpers for the staff panel tests: staff accounts, a panel on a test server, signing in."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_settings
from bot.db.database import Database
from bot.web import panel
from bot.web.panel import accounts
from bot.web.server import CITYBOT

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def add_staff(db: Database, email: str, role: str = "agent", password: str = PASSWORD) -> None:
    async with db.transaction() as session:
        await accounts.add_staff(session, email, password, role, now=datetime.now(UTC))


def panel_app(db: Database, media_dir: Path, **settings: Any) -> web.Application:
    """The panel alone on an aiohttp application, with the two things it uses of the bot's App."""
    chosen = load_settings(database_url=db.url, media_dir=media_dir, feeds_enabled=False, **settings)
    web_app = web.Application()
    web_app[CITYBOT] = SimpleNamespace(db=db, settings=chosen)  # type: ignore[assignment]
    panel.setup(web_app)
    return web_app


async def panel_client(db: Database, media_dir: Path, **settings: Any) -> TestClient:
    client = TestClient(TestServer(panel_app(db, media_dir, **settings)))
    await client.start_server()
    return client


def csrf_in(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str) -> Any:
    """Open the sign-in form and send it, as a browser would; returns the response (not followed)."""
    page = await client.get("/panel/login?lang=en")
    form = {"csrf": csrf_in(await page.text()), "email": email, "password": password, **extra}
    return await client.post("/panel/login", data=form, allow_redirects=False)


async def page_csrf(client: TestClient, path: str = "/panel/reports") -> str:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return csrf_in(await response.text())
