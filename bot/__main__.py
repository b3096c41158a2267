"""`citybot` command line: run, shell, migrate, web, nlu, staff actions and staff accounts.

Operator mistakes (a wrong setting, an unmigrated database) end with one clear line and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.db.migrate import NotMigrated, upgrade

log = logging.getLogger("citybot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citybot", description="Poznań city bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, else the terminal chat"
    )
    shell = commands.add_parser("shell", help="chat with the bot in this terminal")
    shell.add_argument("--resident", type=int, default=1, help="resident id speaking (default 1)")
    shell.add_argument("--lang", choices=("pl", "en"), help="preset the language")
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("web", help="serve the HTTP endpoints (webhook, health) without polling")
    status = commands.add_parser("report-status", help="change a report's status and notify its residents")
    status.add_argument("ticket", help="e.g. PZN-2026-000123")
    status.add_argument("status", help="new, in_progress, resolved, rejected or duplicate")
    status.add_argument("--note", default=None, help="note for the residents and the history")
    approve = commands.add_parser("initiative-approve", help="approve an initiative awaiting moderation")
    approve.add_argument("id", type=int)
    approve.add_argument("--note", default=None)
    announce = commands.add_parser("announce", help="send an announcement to subscribers of a topic")
    announce.add_argument(
        "--topic", required=True, help="weather, road_works, seniors, city_news, waste_collection"
    )
    announce.add_argument("--pl", required=True, help="Polish text")
    announce.add_argument("--en", required=True, help="English text")
    announce.add_argument(
        "--at", default=None, help="send time, ISO 8601 (default: now; Poznań time if no zone)"
    )
    announce.add_argument("--osiedle", action="append", default=None, help="limit to an osiedle (repeatable)")
    reject = commands.add_parser("initiative-reject", help="reject an initiative awaiting moderation")
    reject.add_argument("id", type=int)
    reject.add_argument("--reason", required=True, help="told to the author")
    _staff_parser(commands)
    nlu = commands.add_parser(
        "nlu", help="train, parse, evaluate the NLU (see `citybot nlu --help`)", add_help=False
    )
    nlu.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _staff_parser(commands: argparse._SubParsersAction) -> None:
    """`citybot staff add|list|disable`: accounts of the staff web panel."""
    staff = commands.add_parser("staff", help="staff panel accounts: add, list, disable")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    add = actions.add_parser("add", help="create a staff account (asks for the password)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=("agent", "moderator", "admin"))
    add.add_argument("--name", default=None, help="display name shown in the panel")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (scripts)"
    )
    actions.add_parser("list", help="list staff accounts")
    disable = actions.add_parser("disable", help="refuse further sign-ins and end open sessions")
    disable.add_argument("email")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from bot.logging_filters import install

    # No message text, PESEL, phone numbers or names in the logs (LOG_MESSAGE_TEXT lets text in).
    install(allow_text=settings.log_message_text)
    # Request URLs contain the bot token; keep HTTP client chatter out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


async def _shell(settings: Settings, resident: int, lang: str | None) -> None:
    from bot.app import build_app, start_background

    if settings.log_level == "INFO":  # the terminal is the chat: only problems go to stderr
        logging.getLogger().setLevel(logging.WARNING)
    from bot.channels.shell import ShellChannel

    app = await build_app(settings)
    try:
        shell = ShellChannel(app.dialogue, resident_id=resident, language=lang, media_dir=settings.media_dir)
        app.dialogue.config.services["channel"] = "shell"
        await start_background(app, shell)
        await shell.run()
    finally:
        await app.close()


async def _telegram(settings: Settings, *, polling: bool) -> None:
    from bot.app import build_app
    from bot.channels.telegram import run_telegram

    app = await build_app(settings)
    try:
        await run_telegram(app, polling=polling)
    finally:
        await app.close()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where installed: its faster event loop matters for HTTP-heavy bot traffic."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "nlu":
        from nlu.cli import main as nlu_main

        return nlu_main(list(args.args))
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"citybot: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    try:
        if args.command == "migrate":
            upgrade(settings.database_url)
            print("citybot: database is up to date", file=sys.stderr)
        elif args.command == "shell":
            _run(_shell(settings, args.resident, args.lang))
        elif args.command == "run":
            if settings.telegram_bot_token:
                _run(_telegram(settings, polling=settings.public_url is None))
            else:
                log.info("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat")
                _run(_shell(settings, 1, None))
        elif args.command == "web":
            _run(_telegram(settings, polling=False))
        elif args.command in (
            "report-status",
            "initiative-approve",
            "initiative-reject",
            "announce",
            "staff",
        ):
            from bot.staff_cli import run_staff_command

            return asyncio.run(run_staff_command(settings, args))
    except NotMigrated as error:
        print(f"citybot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
