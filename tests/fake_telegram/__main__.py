"""Run the fake standalone: python -m tests.fake_telegram --port 8081"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .limits import RateLimitConfig
from .server import DEFAULT_TOKEN, FakeTelegram


async def _serve(args: argparse.Namespace) -> None:
    limits = RateLimitConfig(per_chat_burst=args.burst) if args.rate_limits else None
    fake = FakeTelegram(
        host=args.host,
        port=args.port,
        token=args.token,
        rate_limits=limits,
        parallel_webhook=args.parallel_webhook,
    )
    async with fake:
        print(f"fake Telegram listening: base_url={fake.base_url} base_file_url={fake.base_file_url}")
        print(f"default token: {fake.token}   control API: {fake.url}/_control/<action>", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        print("stopping", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="default bot token for the control API")
    parser.add_argument("--rate-limits", action="store_true", help="enable Telegram-like flood limits")
    parser.add_argument("--burst", type=int, default=1, help="per-chat burst tolerance with --rate-limits")
    parser.add_argument(
        "--parallel-webhook", action="store_true", help="deliver webhook updates concurrently"
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
