"""Bot API method table: name -> handler, filled by the api_* modules via @api_method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .params import Params
    from .server import FakeTelegram
    from .state import BotState

Handler = Callable[["FakeTelegram", "BotState", "Params"], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ApiMethod:
    name: str
    func: Handler
    sends: bool  # counts as a sent message: rate limited and counted in stats.sent


METHODS: dict[str, ApiMethod] = {}


def api_method(*names: str, sends: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler; Telegram method names are case-insensitive."""

    def register(func: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = ApiMethod(name, func, sends)
        return func

    return register
