"""getUpdates long polling and the webhook methods."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from typing import TYPE_CHECKING, Any

import telegram

from .errors import bad_request, conflict
from .params import Params
from .registry import api_method
from .state import BotState, WebhookConfig

if TYPE_CHECKING:
    from .server import FakeTelegram

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@api_method("getUpdates")
async def get_updates(fake: FakeTelegram, bot: BotState, p: Params) -> list[dict[str, Any]]:
    if bot.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
            "the webhook first"
        )
    offset = p.int("offset")
    limit = min(100, max(1, p.int("limit", 100) or 100))
    timeout = max(0.0, p.float("timeout") or 0.0)
    if "allowed_updates" in p:
        bot.set_allowed_updates(p.obj("allowed_updates"))
    if offset is not None:
        bot.confirm(offset)
    # A newer request terminates an older long poll, like Telegram does with two bot instances.
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.signal.notify()
    deadline = time.monotonic() + timeout
    while True:
        if bot.queue:
            return list(itertools.islice(bot.queue, limit))
        remaining = deadline - time.monotonic()
        if remaining <= 0 or fake.closing:
            return []
        await bot.signal.wait(remaining)
        if bot.poll_generation != generation:
            raise conflict(
                "terminated by other getUpdates request; make sure that only one bot instance is running"
            )
        if bot.webhook is not None:
            raise conflict("terminated by setWebhook request")


@api_method("setWebhook")
async def set_webhook(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    url = p.str("url") or ""
    if not url:
        return await delete_webhook(fake, bot, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.str("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.obj("allowed_updates")
    await fake.stop_delivery(bot)
    if "allowed_updates" in p:
        bot.set_allowed_updates(allowed)
    if p.bool("drop_pending_updates"):
        bot.queue.clear()
    bot.webhook = WebhookConfig(
        url,
        secret,
        max_connections,
        allowed if isinstance(allowed, list) else None,
        p.str("ip_address") or "127.0.0.1",
    )
    bot.signal.notify()  # terminates a running long poll with 409
    fake.start_delivery(bot)
    return True


@api_method("deleteWebhook")
async def delete_webhook(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    await fake.stop_delivery(bot)
    bot.webhook = None
    if p.bool("drop_pending_updates"):
        bot.queue.clear()
    bot.signal.notify()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    hook = bot.webhook
    last_error = dt.datetime.fromtimestamp(bot.last_error_date, dt.UTC) if bot.last_error_date else None
    return telegram.WebhookInfo(
        url=hook.url if hook else "",
        has_custom_certificate=False,
        pending_update_count=bot.pending_update_count,
        last_error_date=last_error if hook else None,
        last_error_message=bot.last_error_message if hook else None,
        max_connections=hook.max_connections if hook else None,
        allowed_updates=hook.allowed_updates if hook else None,
        ip_address=hook.ip_address if hook else None,
    ).to_dict()
