"""Alembic migrations: applied by `citybot migrate`, reversible, and checked at start-up."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from sqlalchemy import inspect

from bot.app import build_app
from bot.config import load_settings
from bot.db.database import Database
from bot.db.migrate import NotMigrated, current_revision, ensure_migrated, head_revision, upgrade
from tests.conftest import TEST_DATABASE_URL


async def test_migrated_database_has_the_skeleton_tables(db):
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"residents", "conversation_states", "audit_log", "alembic_version"} <= tables
    assert await current_revision(db.engine) == head_revision()
    await ensure_migrated(db.engine)


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="needs an empty database of its own")
async def test_start_up_refuses_an_unmigrated_database_and_says_what_to_run(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    with pytest.raises(NotMigrated, match=r"database is empty .* run `citybot migrate` \(or `make run`\)"):
        await build_app(load_settings(database_url=url, nlu_backend="none"))


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="needs an empty database of its own")
def test_cli_migrate_then_start_check_passes(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'var' / 'cli.sqlite3'}"  # var/ does not exist yet
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "NLU_BACKEND": "none"}
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "shell"], env=env, input="", capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "run `citybot migrate`" in refused.stderr and "Traceback" not in refused.stderr
    migrated = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="downgrades its own database")
async def test_migrations_go_down_and_up_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'updown.sqlite3'}"
    from bot.db.migrate import downgrade

    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(downgrade, url, "base")
    database = Database(url)
    try:
        assert await current_revision(database.engine) is None
    finally:
        await database.dispose()
    await asyncio.to_thread(upgrade, url)


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="compares on a database of its own")
async def test_models_and_migrations_agree(tmp_path):
    """Every model change has its migration: autogenerate finds nothing left to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from bot.db.models import Base

    path = tmp_path / "compare.sqlite3"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
