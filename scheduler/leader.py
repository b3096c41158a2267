"""Who runs the scheduler: exactly one process per database.

PostgreSQL: a session-level advisory lock held on a connection of its own. The lock lives as long
as that connection, so a leader that dies (even by SIGKILL) loses it the moment the server notices
the closed socket, and a standby process takes it at its next attempt.

SQLite: an exclusive `flock` on a file beside the database. SQLite serves one process, but a second
`citybot run` started by mistake must not run a second dispatcher; the kernel drops the lock when
the process dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.database import Database

log = logging.getLogger(__name__)

# A fixed 64-bit key ("citybot" in ASCII), the same in every process of the deployment.
ADVISORY_KEY = int.from_bytes(b"citybot", "big")


class LeaderLock(Protocol):
    async def acquire(self) -> bool:
        """Try once, without waiting; True when this process now holds the lock."""

    async def held(self) -> bool:
        """Still ours? (False when the connection carrying it broke.)"""

    async def release(self) -> None: ...


class AdvisoryLock:
    """pg_try_advisory_lock on a dedicated connection (not from a transaction: it is session-level)."""

    def __init__(self, db: Database, key: int = ADVISORY_KEY) -> None:
        self.db = db
        self.key = key
        self.connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self.connection is not None:
            return await self.held()
        connection = await self.db.engine.connect()
        try:
            got = (
                await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
            ).scalar()
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self.connection = connection
        return True

    async def held(self) -> bool:
        if self.connection is None:
            return False
        try:
            mine = (
                await self.connection.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND pid = pg_backend_pid() AND objid = :low AND classid = :high"
                    ),
                    {"low": self.key & 0xFFFFFFFF, "high": self.key >> 32},
                )
            ).scalar()
            await self.connection.commit()
        except Exception as error:  # the connection broke: the server has already freed the lock
            log.warning("leader connection lost: %s", error)
            await self._drop()
            return False
        if not mine:
            await self._drop()
        return bool(mine)

    async def release(self) -> None:
        if self.connection is None:
            return
        try:
            await self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self.connection.commit()
        except Exception as error:
            log.warning("could not release the leader lock cleanly: %s", error)
        await self._drop()

    async def _drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                await connection.invalidate()


class FileLock:
    """An exclusive, non-blocking flock on `path` (SQLite deployments, in-memory tests: always free)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.fd: int | None = None
        self.mine = False

    async def acquire(self) -> bool:
        if self.mine:
            return True
        if self.path is None:
            self.mine = True
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd, self.mine = fd, True
        return True

    async def held(self) -> bool:
        return self.mine

    async def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
        self.fd, self.mine = None, False


def leader_lock(db: Database) -> LeaderLock:
    if db.is_postgres:
        return AdvisoryLock(db)
    database = make_url(db.url).database
    if not database or database == ":memory:":
        return FileLock(None)
    return FileLock(Path(database).with_suffix(".leader.lock"))
