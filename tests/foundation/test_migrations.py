"""Alembic migrations against real SQLite and PostgreSQL databases."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import models
from bot import db


def _diff(conn):
    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(ctx, models.Base.metadata)


async def test_upgrade_head_matches_models(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine, backup=False)
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert diff == [], f"migrations and models differ: {diff}"
        assert await db.current_revision(engine) == db.head_revision()
    finally:
        await engine.dispose()


async def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine, backup=False)
        await db.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert set(tables) <= {"alembic_version"}
        await db.upgrade(engine, backup=False)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_compare_metadata_detects_a_drift(sqlite_url: str) -> None:
    """The schema check can fail: a column the models lack is reported."""
    engine = db.create_engine(sqlite_url)
    try:
        await db.upgrade(engine, backup=False)
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE guild_settings ADD COLUMN stray INTEGER"))
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert any(op[0] == "remove_column" and op[3].name == "stray" for op in diff)
    finally:
        await engine.dispose()


async def test_startup_upgrades_an_older_database_and_copies_sqlite_aside(tmp_path: Path) -> None:
    """The bot's start-up path migrates a database left behind, keeping its rows and a copy of the file."""
    from bot.cli import prepare_database
    from bot.settings import load_settings

    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    revisions = _revisions()
    older = revisions[-2] if len(revisions) > 1 else revisions[0]
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine, older, backup=False)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO guild_settings (guild_id, language, created_at, updated_at) "
                    "VALUES (1, 'en', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
    finally:
        await engine.dispose()

    settings = load_settings(env={"LCM__BOT__DATABASE_URL": url})
    revision = await prepare_database(settings, migrate=True)
    assert revision == db.head_revision()
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT language FROM guild_settings"))).scalar() == "en"
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()
    if older != db.head_revision():
        assert list(tmp_path.glob(f"old.sqlite3.{older}.*.bak"))


async def test_backup_is_taken_when_behind_head(tmp_path: Path) -> None:
    path = tmp_path / "behind.sqlite3"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await db.upgrade(engine, backup=False)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffff'"))
        # A database stamped with a revision other than head is copied aside before migrating.
        assert db._backup_sqlite(engine, "ffffffff") is not None
        assert list(tmp_path.glob("behind.sqlite3.ffffffff.*.bak"))
    finally:
        await engine.dispose()


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def test_sqlite_pragmas(sqlite_url: str) -> None:
    engine = db.create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
    finally:
        await engine.dispose()
