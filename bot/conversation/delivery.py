"""What a channel offers beyond answering: pushing a message to a resident and fetching a file.

The dispatcher and the media downloader use this protocol, so they work the same on Telegram and
in the terminal chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.conversation.messages import Reply


class DeliveryError(Exception):
    """The message did not go out now; trying again later may work (network, flood control)."""


class FloodWait(DeliveryError):
    """The messenger asked us to wait `retry_after` seconds before sending this message again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"flood control: retry after {retry_after:g}s")
        self.retry_after = retry_after


class Unavailable(DeliveryError):
    """The messenger itself could not be reached or failed (network, its server errors): not this
    message's fault, so it is retried soon and for longer than a message the messenger refused."""


class Unreachable(DeliveryError):
    """The resident cannot be reached at all (they blocked the bot, deleted the chat)."""


class FileUnavailable(Exception):
    """The channel no longer has the file (expired or unknown id)."""


class Delivery(Protocol):
    async def deliver(self, resident_id: int, replies: Sequence[Reply]) -> None: ...

    async def fetch_file(self, file_id: str) -> bytes: ...
