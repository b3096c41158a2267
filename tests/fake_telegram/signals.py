"""A broadcast wake-up primitive: many waiters, cheap notify, no busy polling."""

from __future__ import annotations

import asyncio


class Signal:
    """Wakes every current waiter on notify(); waiters re-check their own condition afterwards.

    The future is created lazily, so notify() without waiters costs one attribute check, which
    matters because it is called on every update and every recorded event.
    """

    __slots__ = ("_fut",)

    def __init__(self) -> None:
        self._fut: asyncio.Future[None] | None = None

    def notify(self) -> None:
        fut = self._fut
        if fut is not None:
            self._fut = None
            if not fut.done():
                fut.set_result(None)

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the next notify() or the timeout; True when notified."""
        if timeout is not None and timeout <= 0:
            return False
        if self._fut is None:
            self._fut = asyncio.get_running_loop().create_future()
        try:
            # shield: a timed-out waiter must not cancel the future other waiters share.
            await asyncio.wait_for(asyncio.shield(self._fut), timeout)
        except TimeoutError:
            return False
        return True
