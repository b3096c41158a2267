"""One turn at a time per resident inside this process; the database row lock covers other processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ResidentLocks:
    """An asyncio.Lock per resident, created on demand and dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, resident_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(resident_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[resident_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[resident_id]
            if users <= 1:
                del self._locks[resident_id]
            else:
                self._locks[resident_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
