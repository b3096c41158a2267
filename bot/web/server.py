"""The project's own aiohttp server: Telegram's webhook, /healthz, /readyz, /metrics, panel, Open311.

PTB's built-in webhook server (tornado) is not used, so every HTTP surface of the bot lives in
one aiohttp application that several processes can serve behind a load balancer.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot import metrics
from bot.db.models import Broadcast, OutboxMessage
from bot.web.webhook_inbox import WebhookInbox

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000
PROBE_TIMEOUT = 2.0


class WebhookReceiver(Protocol):
    """What the Telegram channel offers the web server, without the server importing Telegram."""

    secret: str

    async def feed_webhook(self, data: dict[str, Any]) -> None: ...

    async def process_webhook(self, data: dict[str, Any]) -> None: ...


CITYBOT: web.AppKey[App] = web.AppKey("citybot")
TELEGRAM: web.AppKey[WebhookReceiver] = web.AppKey("telegram")
INBOX: web.AppKey[WebhookInbox] = web.AppKey("inbox")


def build_web_app(app: App, telegram: WebhookReceiver | None = None) -> web.Application:
    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app[CITYBOT] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics_endpoint)
    from bot.web import open311, panel

    open311.setup(web_app)
    panel.setup(web_app)
    if telegram is not None:
        web_app[TELEGRAM] = telegram
        web_app.router.add_post(WEBHOOK_PATH, telegram_webhook)
        if app.db.is_postgres:  # several processes may serve this webhook: order per resident
            web_app[INBOX] = WebhookInbox(app.db, telegram.process_webhook)
    return web_app


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers HTTP."""
    return web.json_response({"status": "ok"})


async def database_ok(app: App) -> tuple[bool, str | None]:
    """One short query with a deadline: a hung database must not hang the probe."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), app.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        metrics.DATABASE_UP.set(0)
        return False, type(error).__name__
    metrics.DATABASE_UP.set(1)
    return True, None


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers; says whether this process leads the scheduler."""
    app = request.app[CITYBOT]
    ok, error = await database_ok(app)
    background = app.background
    body = {
        "status": "ok" if ok else "unavailable",
        "database": {"ok": ok, "error": error},
        "scheduler": background.status() if background is not None else {"role": "off"},
    }
    return web.json_response(body, status=200 if ok else 503)


async def metrics_endpoint(request: web.Request) -> web.Response:
    """Prometheus text format: this process's counters plus deployment-wide figures from the database."""
    app = request.app[CITYBOT]
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), app.db.sessions() as session:
            pending = (
                await session.execute(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
            ).scalar_one()
            totals = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(Broadcast.queued), 0),
                        func.coalesce(func.sum(Broadcast.sent), 0),
                        func.coalesce(func.sum(Broadcast.failed), 0),
                        func.coalesce(func.sum(Broadcast.unreachable), 0),
                    )
                )
            ).one()
        metrics.OUTBOX_PENDING.set(pending)
        for state, value in zip(("queued", "sent", "failed", "unreachable"), totals, strict=True):
            metrics.BROADCAST_MESSAGES.labels(state).set(value)
        metrics.DATABASE_UP.set(1)
    except Exception:
        metrics.DATABASE_UP.set(0)
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def telegram_webhook(request: web.Request) -> web.Response:
    """Accept an update only with the secret Telegram was given; queue it and answer at once."""
    receiver = request.app[TELEGRAM]
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), receiver.secret.encode()):
        log.warning("webhook call with a wrong or missing secret from %s", request.remote)
        return web.json_response({"ok": False, "description": "forbidden"}, status=403)
    try:
        data = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return web.json_response({"ok": False, "description": "malformed JSON"}, status=400)
    if not isinstance(data, dict) or "update_id" not in data:
        return web.json_response({"ok": False, "description": "not an update"}, status=400)
    inbox = request.app.get(INBOX)
    if inbox is not None:
        await inbox.accept(data)  # stored before Telegram hears "ok": an answered update is kept
    else:
        await receiver.feed_webhook(data)
    return web.json_response({"ok": True})


class WebServer:
    """Runs the aiohttp application on WEB_HOST:WEB_PORT (port 0 picks a free one; `port` tells)."""

    def __init__(self, app: App, telegram: WebhookReceiver | None = None) -> None:
        self.app = app
        self.web_app = build_web_app(app, telegram)
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        settings = self.app.settings
        self.runner = web.AppRunner(self.web_app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, settings.web_host, settings.web_port)
        await site.start()
        sockets = site._server.sockets if site._server else []
        self.port = sockets[0].getsockname()[1] if sockets else settings.web_port
        inbox = self.web_app.get(INBOX)
        if inbox is not None:
            inbox.start()
        log.info("HTTP server on %s:%s", settings.web_host, self.port)

    async def stop(self) -> None:
        """Stop taking requests, then let the inbox finish the updates it is handling."""
        inbox = self.web_app.get(INBOX)
        if self.runner is not None:
            for site in list(self.runner.sites):
                await site.stop()
        if inbox is not None:
            await inbox.close()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
