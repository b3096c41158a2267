"""Webhook delivery: POST queued updates to the bot, retry with backoff, never lose one."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

import aiohttp

from .builders import unix_now
from .state import BotState

if TYPE_CHECKING:
    from .server import FakeTelegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    """One worker per bot with a webhook.

    Serial mode (default) keeps the per-bot order: the head of the queue is retried until it is
    accepted. Parallel mode runs up to max_connections POSTs at once, like Telegram, so order is
    not guaranteed; unfinished deliveries go back to the queue when the webhook is removed.
    """

    def __init__(
        self, fake: FakeTelegram, bot: BotState, session: aiohttp.ClientSession, parallel: bool
    ) -> None:
        self.fake = fake
        self.bot = bot
        self.session = session
        self.parallel = parallel
        self._workers: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        run = self._run_parallel if self.parallel else self._run_serial
        self._task = asyncio.create_task(run(), name=f"fake-telegram-webhook-{self.bot.id}")

    def cancel(self) -> list[asyncio.Task[None]]:
        """Cancel everything; return the tasks so the owner can await them."""
        tasks = [t for t in (self._task, *self._workers) if t is not None]
        for task in tasks:
            task.cancel()
        self._requeue()
        return tasks

    async def stop(self) -> None:
        tasks = self.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._requeue()

    def _requeue(self) -> None:
        bot = self.bot
        if bot.in_flight:
            pending = sorted(bot.in_flight.values(), key=lambda u: u["update_id"])
            bot.in_flight.clear()
            bot.queue.extendleft(reversed(pending))

    def _backoff(self, attempt: int) -> float:
        return min(self.fake.webhook_retry_delay * (2**attempt), self.fake.webhook_max_retry_delay)

    async def _run_serial(self) -> None:
        bot = self.bot
        attempt = 0
        while True:
            if not bot.queue:
                await bot.signal.wait(None)
                continue
            update = bot.queue[0]
            if await self._post(update):
                attempt = 0
                if bot.queue and bot.queue[0] is update:
                    bot.queue.popleft()
                    self.fake.touch()
            else:
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1

    async def _run_parallel(self) -> None:
        bot = self.bot
        assert bot.webhook is not None
        slots = asyncio.Semaphore(bot.webhook.max_connections)
        while True:
            if not bot.queue:
                await bot.signal.wait(None)
                continue
            await slots.acquire()
            if not bot.queue:
                slots.release()
                continue
            update = bot.queue.popleft()
            bot.in_flight[update["update_id"]] = update
            task = asyncio.create_task(self._deliver(update, slots))
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)

    async def _deliver(self, update: dict[str, Any], slots: asyncio.Semaphore) -> None:
        try:
            attempt = 0
            while not await self._post(update):
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
            self.bot.in_flight.pop(update["update_id"], None)
            self.fake.touch()
        finally:
            slots.release()

    async def _post(self, update: dict[str, Any]) -> bool:
        bot = self.bot
        hook = bot.webhook
        if hook is None:  # webhook removed; the owner is cancelling this worker
            return False
        url = bot.next_webhook_target()
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        timeout = aiohttp.ClientTimeout(total=self.fake.webhook_timeout)
        try:
            async with self.session.post(
                url, data=json.dumps(update), headers=headers, timeout=timeout
            ) as resp:
                with contextlib.suppress(aiohttp.ClientError):
                    await resp.read()
                if 200 <= resp.status < 300:
                    self.fake.stats.webhook_delivered += 1
                    return True
                error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except TimeoutError:
            error = "Read timeout expired"
        except (aiohttp.ClientError, OSError) as exc:
            error = f"Connection error: {exc.__class__.__name__}"
        bot.last_error_date = unix_now()
        bot.last_error_message = error
        self.fake.stats.webhook_failed += 1
        return False
