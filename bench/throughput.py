"""Throughput and latency of the full path against a bare PTB echo bot, on the same fake Bot API.

Full path: fake Telegram --HTTP--> PTB long polling --> TelegramChannel --> Dialogue (+ NLU) -->
database --> PTB sendMessage --HTTP--> fake Telegram. Echo: the same PTB polling and sending with
a handler that only echoes. Two loads for each: saturation (as fast as they go, bounded outstanding
messages) and a steady rate (default 50 updates/s) for latency. Prints one JSON object.

    python bench/throughput.py [--messages 2000] [--rate 50] [--seconds 10] [--nlu none|embedded]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.figures import percentile
from bot.db.migrate import upgrade
from tests.fake_telegram import FakeTelegram

PROFILE = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
ECHO_TOKEN = "987654321:ECHO-bench-token-abcdefghijklmnopqrstu"
# Messages a resident sends; each gets exactly one answer from the city bot.
SCRIPTS = {
    # What the walking skeleton answers: menu, settings, help, language (the target applies here).
    "navigation": ("/menu", "⚙️ Ustawienia", "/help", "/lang"),
    # The same plus screens that read the database (My matters, the alerts toggle screen).
    "features": ("/menu", "📂 Moje sprawy", "/help", "🔔 Alerty"),
}
SCRIPT = SCRIPTS["navigation"]


async def one_message(fake: FakeTelegram, token: str, resident: int, text: str) -> float:
    """Send one message as a resident; seconds until the bot's answer is in the transcript."""
    sent = time.monotonic()
    await fake.send_message(resident, text, token=token, language_code="pl")
    (answer,) = await fake.wait_for(resident, kind="message", timeout=30, token=token)
    return answer.time - sent


async def saturation(fake: FakeTelegram, token: str, messages: int, residents: int, outstanding: int) -> dict:
    """Every resident sends its messages in order (one outstanding each); `outstanding` residents at once."""
    per_resident = max(1, messages // residents)
    gate = asyncio.Semaphore(outstanding)
    latencies: list[float] = []

    async def resident_loop(resident: int) -> None:
        async with gate:
            for n in range(per_resident):
                latencies.append(await one_message(fake, token, resident, SCRIPT[n % len(SCRIPT)]))

    start = time.monotonic()
    await asyncio.gather(*(resident_loop(700_000 + r) for r in range(residents)))
    elapsed = time.monotonic() - start
    return {
        "updates": len(latencies),
        "seconds": round(elapsed, 3),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


async def steady(fake: FakeTelegram, token: str, rate: float, seconds: float, residents: int) -> dict:
    """Open-loop load at `rate` updates/s, residents taking turns; latency of each answer."""
    total = int(rate * seconds)
    tasks = []
    start = time.monotonic()
    for n in range(total):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        resident = 800_000 + n % residents
        tasks.append(
            asyncio.create_task(one_message(fake, token, resident, SCRIPT[(n // residents) % len(SCRIPT)]))
        )
    latencies = await asyncio.gather(*tasks)
    return {
        "rate_per_s": rate,
        "updates": total,
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
    }


def echo_bot_main(token: str, base_url: str, file_url: str) -> None:
    """A bare PTB bot answering every text with the same text: same polling and concurrency."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url)
        .concurrent_updates(64)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, allowed_updates=["message"])


async def spawn(command: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command, env={**os.environ, **env}, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell CPU cost from waiting."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(fake: FakeTelegram, token: str, args: argparse.Namespace, pid: int) -> dict:
    # Warm-up also waits for the bot process to be polling.
    await asyncio.wait_for(one_message(fake, token, 699_999, "/menu"), 120)
    await saturation(fake, token, 100, 10, 10)
    cpu_before = cpu_seconds(pid)
    calls_before = dict(fake.stats.methods)
    result = await saturation(fake, token, args.messages, args.residents, args.outstanding)
    result["bot_cpu_ms_per_update"] = round((cpu_seconds(pid) - cpu_before) * 1000 / result["updates"], 2)
    result["api_calls_per_update"] = {
        method: round((count - calls_before.get(method, 0)) / result["updates"], 2)
        for method, count in fake.stats.methods.items()
        if count > calls_before.get(method, 0)
    }
    return {
        "saturation": result,
        "steady": await steady(fake, token, args.rate, args.seconds, args.residents),
    }


async def main(args: argparse.Namespace) -> dict:
    """The fake Bot API and the simulated residents run here; each bot runs in its own process,
    as it would against the real Telegram."""
    results: dict = {"config": vars(args).copy()}
    here = Path(__file__).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(upgrade, database_url)
        async with FakeTelegram() as fake:
            echo = await spawn(
                [sys.executable, str(here), "--echo-bot", ECHO_TOKEN, fake.base_url, fake.base_file_url], {}
            )
            try:
                results["echo"] = await measure(fake, ECHO_TOKEN, args, echo.pid)
            finally:
                await stop(echo)
            fake.reset()
            env = {
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_URL": fake.base_url,
                "TELEGRAM_FILE_URL": fake.base_file_url,
                "DATABASE_URL": database_url,
                "NLU_BACKEND": args.nlu,
                "FEEDS_ENABLED": "false",
                "TELEGRAM_MAX_RATE": str(args.max_rate),
                "THROTTLE_MESSAGES": "0",  # residents here send dozens of messages a minute on purpose
                "WEB_PORT": "0",
                "LOG_LEVEL": "WARNING",
            }
            citybot = await spawn([sys.executable, *PROFILE, "-m", "bot", "run"], env)
            try:
                results["citybot"] = await measure(fake, fake.token, args, citybot.pid)
            finally:
                await stop(citybot)
    echo_rate = results["echo"]["saturation"]["updates_per_s"]
    ours = results["citybot"]["saturation"]["updates_per_s"]
    results["throughput_ratio"] = round(ours / echo_rate, 3) if echo_rate else None
    results["targets"] = {
        "ratio_at_least_0.5": results["throughput_ratio"] is not None and results["throughput_ratio"] >= 0.5,
        "p99_under_50ms_at_rate": results["citybot"]["steady"]["p99_ms"] < 50,
    }
    results["database"] = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    results["cpus"] = os.cpu_count()
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000, help="messages in the saturation run")
    parser.add_argument("--script", choices=sorted(SCRIPTS), default="navigation", help="what residents send")
    parser.add_argument("--residents", type=int, default=100, help="simulated residents")
    parser.add_argument("--outstanding", type=int, default=50, help="residents sending at once (saturation)")
    parser.add_argument("--rate", type=float, default=50.0, help="updates per second in the steady run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the steady run")
    parser.add_argument(
        "--nlu", choices=("none", "embedded"), default="none", help="NLU backend of the city bot"
    )
    parser.add_argument(
        "--max-rate",
        type=float,
        default=0.0,
        help="the city bot's overall reply cap (TELEGRAM_MAX_RATE); 0 measures the path itself",
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--echo-bot":
        echo_bot_main(*sys.argv[2:])
    else:
        arguments = parse_args()
        SCRIPT = SCRIPTS[arguments.script]
        print(json.dumps(asyncio.run(main(arguments)), indent=2))
