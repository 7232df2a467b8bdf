"""Shared fixtures: real databases (SQLite per test; PostgreSQL when reachable), a fake clock."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import db
from bot.clock import FakeClock
from bot.sandbox.kit import run_lcm_bot
from bot.sandbox.pytest_plugin import *  # noqa: F403  (sandbox, classroom, kit, lcm_bot)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("LCM_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _pg_admin_dsn(url: str) -> tuple[str, str]:
    """asyncpg DSN of the server's maintenance database, and the database name of ``url``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    return admin.render_as_string(hide_password=False), parsed.database or "test"


async def _pg_reachable(url: str) -> bool:
    import asyncpg

    dsn, _ = _pg_admin_dsn(url)
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 3)
    except Exception:
        return False
    await conn.close()
    return True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


async def _pg_exec(statement: str) -> None:
    import asyncpg

    dsn, _ = _pg_admin_dsn(POSTGRES_URL)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy.engine import make_url

    if not asyncio.run(_pg_reachable(POSTGRES_URL)):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} in CI")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (set LCM_TEST_POSTGRES_URL)")
    name = f"lcm_test_{secrets.token_hex(6)}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def migrated_engine(database_url: str):
    """An engine on a database migrated to head with the project's own migrations."""
    engine = db.create_engine(database_url)
    await db.upgrade(engine, backup=False)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(migrated_engine):
    return db.create_sessionmaker(migrated_engine)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Where the bot of an end-to-end test keeps its database (reuse it to restart the bot)."""
    return tmp_path / "data"


@pytest.fixture
def bot_env() -> dict[str, str]:
    """Extra settings (environment overrides) for the bot of an end-to-end test."""
    return {}


@pytest.fixture
async def bot(sandbox, classroom, data_dir: Path, clock: FakeClock, bot_env: dict[str, str]):
    """The real lcm-bot through the sandbox, on a fake clock the test moves."""
    async with run_lcm_bot(sandbox, data_dir, clock=clock, **bot_env) as client:
        yield client
