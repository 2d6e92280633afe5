"""The Alembic migrations: up, all the way down, and up again, matching the models.

Each run uses a database of its own so it never disturbs the shared test schema.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from sprintsync.migrations import downgrade, head_revision, upgrade
from sprintsync.models import Base

APP_TABLES = {
    "users",
    "tasks",
    "task_status_changes",
    "time_entries",
    "projects",
    "project_members",
}


def _schema_state(conn: Connection) -> dict[str, Any]:
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())
    indexes = {ix["name"]: ix for t in tables & APP_TABLES for ix in inspector.get_indexes(t)}
    revision = MigrationContext.configure(conn).get_current_revision()
    return {"tables": tables, "indexes": indexes, "revision": revision}


def _model_drift(conn: Connection) -> list[Any]:
    """Differences between the migrated schema and the models (should be none)."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def _inspect(url: str) -> tuple[dict[str, Any], list[Any]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            state = await conn.run_sync(_schema_state)
            drift = await conn.run_sync(_model_drift) if state["tables"] & APP_TABLES else []
            if conn.dialect.name == "postgresql" and "time_entries" in state["tables"]:
                state["running_timer_index"] = await conn.scalar(
                    text(
                        "SELECT indexdef FROM pg_indexes "
                        "WHERE indexname = 'uq_time_entries_running_timer'"
                    )
                )
    finally:
        await engine.dispose()
    return state, drift


async def _assert_email_unique_in_any_case(url: str) -> None:
    """The expression index on lower(email) cannot be reflected on SQLite, so try it."""
    engine = create_async_engine(url, poolclass=NullPool)
    insert = text(
        "INSERT INTO users (email, display_name, password_hash, is_admin, is_active, "
        "token_version, created_at) VALUES (:email, 'x', 'x', false, true, 0, CURRENT_TIMESTAMP)"
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(insert, {"email": "Same@Example.com"})
            with pytest.raises(IntegrityError):
                await conn.execute(insert, {"email": "same@example.COM"})
            await conn.rollback()
    finally:
        await engine.dispose()


async def _round_trip(url: str) -> dict[str, Any]:
    await asyncio.to_thread(upgrade, url)
    first, drift = await _inspect(url)
    assert first["tables"] >= APP_TABLES
    assert first["revision"] == head_revision()
    assert drift == [], drift
    assert first["indexes"]["uq_time_entries_running_timer"]["unique"]

    await asyncio.to_thread(downgrade, url, "base")
    down, _ = await _inspect(url)
    assert down["tables"] & APP_TABLES == set()
    assert down["revision"] is None

    await asyncio.to_thread(upgrade, url)
    again, drift = await _inspect(url)
    assert again["tables"] == first["tables"]
    assert set(again["indexes"]) == set(first["indexes"])
    assert again["revision"] == head_revision()
    assert drift == []
    await _assert_email_unique_in_any_case(url)
    return again


@pytest.mark.postgres_only
async def test_migrations_round_trip_on_postgresql(database_url: str) -> None:
    url = make_url(database_url)
    name = f"{url.database}_migr"
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database="postgres",
    )  # fmt: skip
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        state = await _round_trip(url.set(database=name).render_as_string(hide_password=False))
        assert "WHERE (ended_at IS NULL)" in state["running_timer_index"]
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# SQLite cannot reflect the lower(email) index; `_assert_email_unique_in_any_case` covers it.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_round_trip_on_sqlite(tmp_path: Path) -> None:
    asyncio.run(_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'migr.db'}"))
