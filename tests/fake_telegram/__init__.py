"""A fake Telegram Bot API server for tests and benchmarks (see server.FakeTelegram)."""

from .events import Event
from .limits import Fault, RateLimitConfig, Stats
from .server import DEFAULT_TOKEN, FakeTelegram
from .state import FakeUser

__all__ = ["DEFAULT_TOKEN", "Event", "FakeTelegram", "FakeUser", "Fault", "RateLimitConfig", "Stats"]
