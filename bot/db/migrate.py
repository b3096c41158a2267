"""Alembic driven from code: `citybot migrate` upgrades, start-up checks nothing is pending.

There is no alembic.ini: the script location is this package, the URL comes from settings.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class NotMigrated(Exception):
    """The database schema is behind the code; the message says what to run."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (blocking; alembic's env runs its own event loop)."""
    ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def ensure_sqlite_directory(url: str) -> None:
    """A fresh checkout has no var/: create the SQLite file's directory before connecting."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to run on a database that is not at the latest migration."""
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        state = "empty" if current is None else f"at revision {current}"
        raise NotMigrated(
            f"the database is {state} but the code needs {head}: run `citybot migrate` (or `make run`)"
        )


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Upgrade from async code: alembic runs in a worker thread with its own loop."""
    await asyncio.to_thread(upgrade, url, revision)
