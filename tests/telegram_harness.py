"""Runs the real bot (PTB Application + Dialogue + database) against the fake Bot API server."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from bot.app import App, build_app, start_background
from bot.channels.telegram import TelegramChannel
from bot.config import load_settings
from bot.web.server import WebServer
from nlu.interface import Interpreter
from tests.fake_telegram import FakeTelegram


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningBot:
    """One bot process in miniature: `await start()` / `await stop()`, polling or webhook."""

    def __init__(
        self,
        fake: FakeTelegram,
        database_url: str,
        *,
        webhook: bool = False,
        interpreter: Interpreter | None = None,
        customise: Callable[[App], None] | None = None,
        **settings: Any,
    ) -> None:
        self.fake = fake
        self.webhook = webhook
        port = free_port()
        chosen: dict[str, Any] = {
            "telegram_bot_token": fake.token,
            "telegram_api_url": fake.base_url,
            "telegram_file_url": fake.base_file_url,
            "database_url": database_url,
            "nlu_backend": "none",
            "feeds_enabled": False,  # no network here
            "web_host": "127.0.0.1",
            "web_port": port,
            "public_url": f"http://127.0.0.1:{port}" if webhook else None,
        }
        self.settings = load_settings(**{**chosen, **settings})
        self.interpreter = interpreter
        self.customise = customise
        self.app: App | None = None
        self.channel: TelegramChannel | None = None
        self.web: WebServer | None = None

    async def start(self) -> RunningBot:
        self.app = await build_app(self.settings, interpreter=self.interpreter)
        if self.customise is not None:
            self.customise(self.app)
        self.channel = TelegramChannel(self.app, polling=not self.webhook)
        self.web = WebServer(self.app, telegram=self.channel)
        await self.web.start()
        await self.channel.start()
        await start_background(self.app, self.channel)
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.close_background()
        if self.channel is not None:
            await self.channel.stop()
        if self.web is not None:
            await self.web.stop()
        if self.app is not None:
            await self.app.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"
