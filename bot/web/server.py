"""The project's own aiohttp server: Telegram's webhook endpoint and /healthz.

PTB's built-in webhook server (tornado) is not used, so every HTTP surface of the bot lives in
one aiohttp application that several processes can serve behind a load balancer.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000


class WebhookReceiver(Protocol):
    """What the Telegram channel offers the web server, without the server importing Telegram."""

    secret: str

    async def feed_webhook(self, data: dict[str, Any]) -> None: ...


CITYBOT: web.AppKey[App] = web.AppKey("citybot")
TELEGRAM: web.AppKey[WebhookReceiver] = web.AppKey("telegram")


def build_web_app(app: App, telegram: WebhookReceiver | None = None) -> web.Application:
    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app[CITYBOT] = app
    web_app.router.add_get("/healthz", healthz)
    from bot.web import open311, panel

    open311.setup(web_app)
    panel.setup(web_app)
    if telegram is not None:
        web_app[TELEGRAM] = telegram
        web_app.router.add_post(WEBHOOK_PATH, telegram_webhook)
    return web_app


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers HTTP."""
    return web.json_response({"status": "ok"})


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
        log.info("HTTP server on %s:%s", settings.web_host, self.port)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
