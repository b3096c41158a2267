"""FakeTelegram: the aiohttp server PTB talks to, its lifecycle and request dispatch."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import time
from typing import Any

import aiohttp
from aiohttp import web

from . import api_chats, api_files, api_messages, api_updates  # noqa: F401 - register Bot API methods
from .control import ControlMixin, handle_control
from .delivery import WebhookDelivery
from .errors import NOT_FOUND, ApiError, bad_request, forbidden, too_many_requests
from .limits import Fault, FaultInjector, RateLimitConfig, RateLimiter, Stats
from .params import Params, read_params
from .registry import METHODS, ApiMethod
from .signals import Signal
from .state import BotState, World
from .users import UserActionsMixin

_LOG = logging.getLogger(__name__)
DEFAULT_TOKEN = "123456789:AAF-poznanTESTtokenAAAAAAAAAAAAAAAAAA"
_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FakeTelegram(UserActionsMixin, ControlMixin):
    """A local Telegram Bot API server for tests and benchmarks.

    `async with FakeTelegram() as fake:` listens on 127.0.0.1 on an ephemeral port; point PTB at it
    with base_url=fake.base_url, base_file_url=fake.base_file_url. Any well-formed token works
    and gets its own bot user; fake.token is the default one the control API acts on.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "poznan_test_bot",
        bot_name: str = "Poznań Test Bot",
        rate_limits: RateLimitConfig | None = None,
        parallel_webhook: bool = False,
        webhook_retry_delay: float = 0.05,
        webhook_max_retry_delay: float = 1.0,
        webhook_timeout: float = 10.0,
        max_upload_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.parallel_webhook = parallel_webhook
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_retry_delay = webhook_max_retry_delay
        self.webhook_timeout = webhook_timeout
        self.max_upload_bytes = max_upload_bytes
        self.world = World()
        self.stats = Stats()
        self.faults = FaultInjector()
        self._initial_limits = rate_limits or RateLimitConfig.disabled()
        self.limiter = RateLimiter(dataclasses.replace(self._initial_limits))
        self.closing = False
        self.internal_errors: list[
            str
        ] = []  # unexpected exceptions in handlers; tests may assert it is empty
        self._deliveries: dict[str, WebhookDelivery] = {}
        self._retired: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._activity = Signal()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.bot_state(token)

    # ----- addresses -----

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For Bot(base_url=...): PTB appends the token, then "/method"."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ----- lifecycle -----

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=self.max_upload_bytes)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/_control/{action}", self._handle_control)
        # handler_cancellation: a client that hangs up (PTB stopping its long poll) ends the handler.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.closing = False
        return self

    async def stop(self) -> None:
        self.closing = True
        for bot in self.world.bots.values():
            bot.signal.notify()  # long polls return at once
        tasks = [task for delivery in self._deliveries.values() for task in delivery.cancel()]
        self._deliveries.clear()
        await asyncio.gather(*tasks, *self._retired, return_exceptions=True)
        self._retired.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----- state access and configuration -----

    def bot_state(self, token: str | None = None) -> BotState:
        """The per-token state, created on first use (any well-formed token is a valid bot)."""
        token = token or self.token
        bot = self.world.bots.get(token)
        if bot is None:
            if token == self.token:
                username, name = self.bot_username, self.bot_name
            else:
                bot_id = token.split(":", 1)[0]
                username, name = f"poznan_test_{bot_id}_bot", f"Test Bot {bot_id}"
            bot = self.world.bots[token] = BotState(token, username, name)
        return bot

    @property
    def webhook_targets(self) -> list[str] | None:
        """Round-robin webhook URLs for the default bot, overriding the url given to setWebhook."""
        return self.bot_state().webhook_targets

    @webhook_targets.setter
    def webhook_targets(self, urls: list[str] | None) -> None:
        self.set_webhook_targets(urls)

    def set_webhook_targets(self, urls: list[str] | None, *, token: str | None = None) -> None:
        bot = self.bot_state(token)
        bot.webhook_targets = list(urls) if urls else None
        bot.rr_index = 0

    def rate_limits(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        per_group_per_minute: float | None = 20,
        per_chat_burst: int = 1,
    ) -> RateLimitConfig:
        """Set Telegram-like flood limits (defaults are Telegram's); None disables one."""
        self.limiter.config = RateLimitConfig(
            global_per_second, per_chat_per_second, per_group_per_minute, per_chat_burst
        )
        return self.limiter.config

    def inject_fault(
        self,
        method: str | None = "sendMessage",
        kind: str = "400",
        times: int | None = 1,
        chat_id: int | str | None = None,
        retry_after: int = 3,
        delay: float = 1.0,
        description: str | None = None,
        *,
        token: str | None = None,
    ) -> Fault:
        """Fail the next `times` calls of `method` (None or "*": any method; times None: forever).

        kind: "400", "403" (bot was blocked), "429" (retry_after), "500", "502", or "slow" (answer
        normally after `delay` seconds). chat_id limits it to calls for that chat.
        """
        return self.faults.add(Fault(method, kind, times, chat_id, retry_after, delay, description, token))

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset(self) -> None:
        """Back to a clean slate between tests: queues, chats, transcripts, faults, webhooks,
        rate-limit windows/config and stats. Update ids keep increasing so pollers stay in sync."""
        for delivery in self._deliveries.values():
            for task in delivery.cancel():
                self._retired.add(task)
                task.add_done_callback(self._retired.discard)
        self._deliveries.clear()
        self.world.clear()
        for bot in self.world.bots.values():
            bot.webhook_targets = None
        self.faults.clear()
        self.limiter.config = dataclasses.replace(self._initial_limits)
        self.limiter.clear()
        self.stats = Stats()
        self.touch()

    # ----- webhook delivery -----

    def start_delivery(self, bot: BotState) -> None:
        if self._session is None or self.closing:
            return
        delivery = WebhookDelivery(self, bot, self._session, self.parallel_webhook)
        self._deliveries[bot.token] = delivery
        delivery.start()

    async def stop_delivery(self, bot: BotState) -> None:
        delivery = self._deliveries.pop(bot.token, None)
        if delivery is not None:
            await delivery.stop()

    # ----- request handling -----

    def touch(self) -> None:
        """Note activity (for wait_idle)."""
        self._last_activity = time.monotonic()
        self._activity.notify()

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = METHODS.get(request.match_info["method"].lower())
        if method is None or not _TOKEN_RE.fullmatch(token):
            self.stats.errors[404] += 1
            return web.Response(body=_dumps(NOT_FOUND.payload()), status=404, content_type="application/json")
        bot = self.bot_state(token)
        self.stats.methods[method.name] += 1
        tracked = method.name != "getUpdates"  # an idle long poll is not "work in progress"
        if tracked:
            self._in_flight += 1
        self.touch()
        try:
            params = await read_params(request)
            body: dict[str, Any] = {"ok": True, "result": await self._call(bot, method, params)}
            status = 200
        except ApiError as err:
            body, status = err.payload(), err.code
            self.stats.errors[status] += 1
        except Exception as exc:  # a bug in the fake: answer like a Telegram 500 and keep it visible
            _LOG.exception("fake Telegram failed on %s", method.name)
            self.internal_errors.append(f"{method.name}: {exc!r}")
            body, status = ApiError(500, f"Internal Server Error: {exc!r}").payload(), 500
            self.stats.errors[500] += 1
        finally:
            if tracked:
                self._in_flight -= 1
            self.touch()
        return web.Response(body=_dumps(body), status=status, content_type="application/json")

    async def _call(self, bot: BotState, method: ApiMethod, p: Params) -> Any:
        chat_id = p.data.get("chat_id")
        fault = self.faults.take(method.name, chat_id, bot.token)
        if fault is not None:
            self.stats.faults_injected += 1
            await self._apply_fault(fault)
        if method.sends and self.limiter.config.enabled:
            is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
            retry_after = self.limiter.check(bot.id, chat_id, is_group)
            if retry_after:
                self.stats.refused_429 += 1
                self.stats.refused_429_per_chat[chat_id] += 1
                raise too_many_requests(retry_after)
        result = await method.func(self, bot, p)
        if method.sends:
            self.stats.sent += 1
            self.stats.sent_per_chat[chat_id] += 1
        return result

    @staticmethod
    async def _apply_fault(fault: Fault) -> None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return
        if fault.description:
            code = int(fault.kind)
            params = {"retry_after": fault.retry_after} if code == 429 else None
            raise ApiError(code, fault.description, params)
        if fault.kind == "400":
            raise bad_request("injected fault")
        if fault.kind == "403":
            raise forbidden("bot was blocked by the user")
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind == "500":
            raise ApiError(500, "Internal Server Error")
        raise ApiError(502, "Bad Gateway")

    async def _handle_file(self, request: web.Request) -> web.Response:
        if not _TOKEN_RE.fullmatch(request.match_info["token"]):
            return web.Response(status=404, text="Not Found")
        record = self.world.files_by_path.get(request.match_info["path"])
        if record is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=record.data, content_type=record.mime_type or "application/octet-stream")

    async def _handle_control(self, request: web.Request) -> web.Response:
        return await handle_control(self, request)
