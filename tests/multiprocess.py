"""Bot processes for multi-process tests and benchmarks: real `citybot run` (tests.scale_bot)
subprocesses in webhook mode against the fake Bot API running in the test process."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp

from bot.web.server import WEBHOOK_PATH
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import free_port

ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """One `python -m tests.scale_bot` serving a webhook on its own port."""

    def __init__(self, fake: FakeTelegram, database_url: str, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.base_url,
            "TELEGRAM_FILE_URL": fake.base_file_url,
            "DATABASE_URL": database_url,
            "NLU_BACKEND": "none",
            "FEEDS_ENABLED": "false",
            "PUBLIC_URL": self.url,
            "WEB_PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            **{name.upper(): value for name, value in settings.items()},
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.scale_bot", cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return self

    @property
    def webhook(self) -> str:
        return self.url + WEBHOOK_PATH

    async def ready(self, timeout: float = 60.0) -> dict:
        """Wait for /readyz to answer 200; returns its body."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                if self.process is not None and self.process.returncode is not None:
                    error = await self.process.stderr.read() if self.process.stderr else b""
                    raise RuntimeError(f"bot process exited: {error.decode()[-2000:]}")
                try:
                    async with http.get(self.url + "/readyz") as answer:
                        if answer.status == 200:
                            return await answer.json()
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"{self.url} not ready")
                await asyncio.sleep(0.2)

    async def role(self) -> str:
        return (await self.ready())["scheduler"]["role"]

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    async def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it does not end."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start_processes(
    fake: FakeTelegram, database_url: str, count: int, **settings: str
) -> list[BotProcess]:
    """`count` processes on one database and one bot; the fake alternates webhook calls between them."""
    processes = [await BotProcess(fake, database_url, **settings).start() for _ in range(count)]
    for process in processes:
        await process.ready()
    fake.set_webhook_targets([process.webhook for process in processes])
    return processes
