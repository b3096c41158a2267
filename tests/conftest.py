"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
the Dialogue engine built the way app.py builds it, and scripted conversations.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db.database import Database
from bot.db.migrate import upgrade
from bot.db.models import Base
from nlu.embedded import DEFAULT_DATA_DIR, EmbeddedInterpreter, load_interpreter, train_interpreter
from tests.conversation import FixedClock

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {TEST_DATABASE_URL or 'SQLite (set TEST_DATABASE_URL for PostgreSQL)'}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: a SQLite template file to copy, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        return
    path = tmp_path / "citybot.sqlite3"
    shutil.copyfile(migrated_template, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=5)
    if database.is_postgres:
        await truncate_all(database)
    yield database
    await database.dispose()


async def truncate_all(database: Database) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # APScheduler's own job table (scheduler/__init__.py), once a scheduler has created it.
        if await conn.scalar(text("SELECT to_regclass('apscheduler_jobs') IS NOT NULL")):
            await conn.execute(text("TRUNCATE apscheduler_jobs"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def nlu_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped training data, trained once for the whole test session."""
    path = tmp_path_factory.mktemp("nlu_model") / "model.npz"
    train_interpreter(DEFAULT_DATA_DIR).save(path)
    return path


@pytest.fixture(scope="session")
def nlu_interpreter(nlu_model_path: Path) -> EmbeddedInterpreter:
    """The real embedded interpreter (what NLU_BACKEND=embedded runs)."""
    return load_interpreter(nlu_model_path)
