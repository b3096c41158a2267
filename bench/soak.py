"""Soak test: many simulated residents for minutes of mixed traffic against a real bot process.

The fake Bot API and the residents run here; the bot is a real `citybot run` (long polling, SQLite
by default, `--database-url` for PostgreSQL, embedded NLU) in its own process. Each resident sends
a message, waits for the answer, sometimes taps a button of it, then thinks `--think` seconds on
average. Prints one JSON object: messages, errors (answers saying something went wrong or the
service is unavailable, answers that never came, and the bot's own citybot_errors_total), p50/p99
latency, and the bot's resident memory at start, every minute and at the end. Targets: no errors,
flat memory. Never asserts.

    python bench/soak.py [--minutes 10] [--residents 1000] [--think 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.figures import percentile
from bot.db.migrate import upgrade
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import free_port

FIRST_RESIDENT = 20_000_000
# What residents do, weighted: navigation, screens that read the database, free text for the NLU,
# a pin, unknown commands, and starting a flow (its buttons are then sometimes tapped).
TEXTS = (
    ("/menu", 4), ("📂 Moje sprawy", 2), ("🔔 Alerty", 2), ("/help", 2), ("⚙️ Ustawienia", 1),
    ("dziura w jezdni na Głogowskiej 12", 2), ("ile zapłacę za śmieci za 4 osoby?", 2),
    ("umów mnie jutro o 10 na dowód osobisty", 1), ("/status PZN-2026-000001", 1), ("/report", 1),
    ("/book", 1), ("/nosuch", 1), ("what can you do?", 1), ("📍", 1),
)  # fmt: skip
FAILURE_WORDS = (
    "something went wrong", "coś poszło nie tak", "temporarily unavailable", "chwilowo niedostępny",
)  # fmt: skip


def rss_mb(pid: int) -> float:
    """Resident set size of a process (Linux /proc), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


async def bot_counter(url: str, name: str) -> dict[str, float]:
    """One counter from the bot's /metrics, by its label value (e.g. throttled: notice, dropped)."""
    try:
        async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as answer:
            text = await answer.text()
    except aiohttp.ClientError:
        return {}
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('"')[1]] = float(value)
    return found


async def bot_errors(url: str) -> float:
    """Sum of citybot_errors_total over all `where` labels, from the bot's /metrics."""
    try:
        async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as answer:
            text = await answer.text()
    except aiohttp.ClientError:
        return float("nan")
    lines = [line for line in text.splitlines() if line.startswith("citybot_errors_total{")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


class Load:
    """The simulated residents and what they observed."""

    def __init__(self, fake: FakeTelegram, deadline: float, think: float, seed: int) -> None:
        self.fake = fake
        self.deadline = deadline
        self.think = think
        self.seed = seed
        self.latencies: list[float] = []
        self.messages = 0
        self.failures = 0
        self.timeouts = 0
        self.unanswered: list[str] = []  # what got no answer (a text, "pin", or "tap:<payload>")
        texts, weights = zip(*TEXTS, strict=True)
        self.texts, self.weights = list(texts), list(weights)

    async def one(self, user: int, send, what: str = "") -> list:
        """Do one thing; the bot's answers to it (waits for the first, then for the rest briefly)."""
        since = len(self.fake.transcript(user))
        started = time.monotonic()
        self.messages += 1
        await send()
        try:
            events = await self.fake.wait_for(user, kind="message", since=since, timeout=30)
        except TimeoutError:
            self.timeouts += 1
            if len(self.unanswered) < 20:
                self.unanswered.append(what)
            return []
        self.latencies.append(events[0].time - started)
        await asyncio.sleep(0.3)  # a turn may answer with several messages
        events = [e for e in self.fake.transcript(user)[since:] if e.from_bot and e.kind == "message"]
        self.failures += sum(1 for e in events if any(w in (e.text or "").lower() for w in FAILURE_WORDS))
        return events

    async def resident(self, user: int) -> None:
        rng = random.Random(user * 1000 + self.seed)
        await asyncio.sleep(rng.uniform(0, self.think))  # residents do not all start at once
        while time.monotonic() < self.deadline:
            text = rng.choices(self.texts, self.weights)[0]
            if text == "📍":
                events = await self.one(
                    user, lambda: self.fake.send_location(user, 52.4064, 16.9252), "pin"
                )
            else:
                events = await self.one(
                    user, lambda text=text: self.fake.send_message(user, text, language_code="pl"), text
                )
            buttons = [
                (event.message_id, button["callback_data"])
                for event in events
                for row in (event.reply_markup or {}).get("inline_keyboard", [])
                for button in row
                if "callback_data" in button
            ]
            if buttons and rng.random() < 0.5 and time.monotonic() < self.deadline:
                message_id, data = rng.choice(buttons)
                await self.one(
                    user, lambda m=message_id, d=data: self.fake.press_button(user, m, d), f"tap:{data}"
                )
            # Thinking never outlasts the run, so the run ends on time.
            left = self.deadline - time.monotonic()
            await asyncio.sleep(max(0.0, min(rng.expovariate(1 / self.think), left)))


async def main(args: argparse.Namespace) -> dict:
    results: dict = {"config": vars(args).copy()}
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/soak.sqlite3"
        await asyncio.to_thread(upgrade, database_url)
        async with FakeTelegram() as fake:
            port = free_port()
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_URL": fake.base_url,
                "TELEGRAM_FILE_URL": fake.base_file_url,
                "DATABASE_URL": database_url,
                "NLU_BACKEND": args.nlu,
                "NLU_MODEL_PATH": f"{tmp}/model.npz",
                "MEDIA_DIR": f"{tmp}/media",
                "FEEDS_ENABLED": "false",
                "TELEGRAM_MAX_RATE": "0",  # the fake enforces no limits; measure the bot, not the cap
                "WEB_PORT": str(port),
                "LOG_LEVEL": "WARNING",
            }
            log_path = Path(tmp) / "bot.log"
            with log_path.open("wb") as log:
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log
                )
            url = f"http://127.0.0.1:{port}"
            try:
                warm = FIRST_RESIDENT - 1
                await fake.send_message(warm, "/menu", language_code="pl")
                await fake.wait_for(warm, kind="message", timeout=180)  # start-up, NLU training
                errors_before = await bot_errors(url)
                memory = [rss_mb(bot.pid)]
                started = time.monotonic()
                load = Load(fake, started + args.minutes * 60, args.think, args.seed)
                residents = [
                    asyncio.create_task(load.resident(FIRST_RESIDENT + n)) for n in range(args.residents)
                ]
                for _ in range(int(args.minutes)):
                    await asyncio.sleep(60)
                    memory.append(rss_mb(bot.pid))
                await asyncio.gather(*residents)
                elapsed = time.monotonic() - started
                memory.append(rss_mb(bot.pid))
                process_errors = await bot_errors(url) - errors_before
                throttled = await bot_counter(url, "citybot_throttled_total")
                alive = bot.returncode is None
            finally:
                if bot.returncode is None:
                    bot.terminate()
                    await bot.wait()
            log_tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
    results.update(
        {
            "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
            "seconds": round(elapsed, 1),
            "messages": load.messages,
            "messages_per_s": round(load.messages / elapsed, 1),
            "errors": {
                "answers_saying_failure": load.failures,
                "no_answer_within_30s": load.timeouts,
                "unanswered": load.unanswered,
                # By design, not errors: a resident over THROTTLE_MESSAGES a minute gets one notice,
                # then silence until the window passes (each "dropped" is an unanswered message).
                "throttled": throttled,
                "process_errors_total": process_errors,
                # Unanswered messages beyond those the throttle dropped on purpose count as errors.
                "total": load.failures
                + max(0.0, load.timeouts - throttled.get("dropped", 0.0))
                + process_errors,
            },
            "latency_ms": {
                "p50": round(percentile(load.latencies, 50) * 1000, 1),
                "p99": round(percentile(load.latencies, 99) * 1000, 1),
                "max": round(max(load.latencies, default=float("nan")) * 1000, 1),
            },
            "rss_mb": {
                "start": memory[0],
                "per_minute": memory[1:-1],
                "end": memory[-1],
                "growth": round(memory[-1] - memory[0], 1),
                "growth_after_first_minute": round(memory[-1] - memory[1], 1) if len(memory) > 2 else None,
            },
            "bot_alive_at_end": alive,
            "bot_log_tail": log_tail,
        }
    )
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10, help="length of the run (default 10)")
    parser.add_argument("--residents", type=int, default=1000, help="simulated residents (default 1000)")
    parser.add_argument("--think", type=float, default=10, help="mean seconds between a resident's messages")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--nlu", default="embedded", choices=("embedded", "none"))
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args())), indent=2, ensure_ascii=False))
