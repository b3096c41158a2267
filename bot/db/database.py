"""One `Database` per process: the async engine, a session factory and dialect-aware details.

SQLite is tuned for one process serving a pilot (WAL, busy timeout); PostgreSQL gets a pool
sized by settings so several bot processes can share one server.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.db import sqlite_driver
from bot.db.migrate import ensure_sqlite_directory

# Seconds a new PostgreSQL connection may take before the attempt counts as "database unavailable".
CONNECT_TIMEOUT = 5.0
# SQLite's OperationalErrors that mean "cannot use the file now", not "this statement is wrong".
_SQLITE_UNAVAILABLE = ("locked", "disk i/o", "unable to open", "disk is full", "readonly")


def _asyncpg_connection_errors() -> tuple[type[BaseException], ...]:
    try:
        from asyncpg import exceptions as pg
    except ImportError:  # SQLite-only installation
        return ()
    return (pg.PostgresConnectionError, pg.OperatorInterventionError, pg.TooManyConnectionsError)


_PG_CONNECTION_ERRORS = _asyncpg_connection_errors()


def is_unavailable(error: BaseException) -> bool:
    """True when `error` (or what caused it) means the database cannot be reached or used right
    now, rather than a bug: the resident is told to try again, and the bot recovers by itself."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _one_unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _one_unavailable(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.InterfaceError | exc.TimeoutError | exc.DisconnectionError):
        return True
    if isinstance(error, exc.OperationalError):
        if "sqlite" in type(error.orig).__module__:
            return any(word in str(error.orig).lower() for word in _SQLITE_UNAVAILABLE)
        return True
    if _PG_CONNECTION_ERRORS and isinstance(error, _PG_CONNECTION_ERRORS):
        return True
    if type(error).__name__ == "InterfaceError" and "closed" in str(error).lower():
        return True  # asyncpg: "connection is closed" / "connection was closed in the middle of operation"
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    # A connect to several addresses raises a bare OSError("Multiple exceptions: ..."); its
    # subclasses for files (FileNotFoundError, PermissionError, ...) are bugs, not outages.
    return type(error) is OSError


class Database:
    """Owns the engine; hands out sessions that commit on success and roll back on error."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.pool_size = pool_size
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if parsed.drivername == "sqlite+aiosqlite":
            parsed = parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
        # Statement parameters can hold personal data (a PESEL in a form's slots): keep them out of
        # error messages and logs.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "sqlite":
            ensure_sqlite_directory(url)
            kwargs["connect_args"] = {"timeout": 30}
            # Every session ends in COMMIT or ROLLBACK, so the pool's extra reset round trip is waste.
            kwargs["pool_reset_on_return"] = None
        else:
            # pre-ping replaces connections a restarted server dropped; the connect timeout keeps a
            # resident from waiting a minute (asyncpg's default) on a server that does not answer.
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args={"timeout": CONNECT_TIMEOUT},
            )
        self.engine: AsyncEngine = create_async_engine(parsed, **kwargs)
        # SQLite allows one writer: turns take a process-wide lock instead of spinning in busy waits.
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed when the block ends, rolled back on error."""
        if self._writer is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._writer, self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens the write transaction itself, as BEGIN IMMEDIATE, right before the first write
    # of a turn: one round trip fewer than a separate BEGIN, and no deferred read->write upgrade.
    dbapi_connection.isolation_level = "IMMEDIATE"
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
