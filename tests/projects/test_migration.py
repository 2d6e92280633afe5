"""The projects migration: existing tasks and users move into `General`, and back down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from sprintsync.config import get_settings
from sprintsync.migrations import downgrade, upgrade

USERS = (
    "INSERT INTO users (email, display_name, password_hash, is_admin, is_active, token_version,"
    " created_at) VALUES (:email, :email, 'x', false, true, 0, CURRENT_TIMESTAMP)"
)
TASKS = (
    "INSERT INTO tasks (title, description, status, priority, owner_id, assignee_id,"
    " total_minutes, created_at, updated_at, status_changed_at)"
    " VALUES (:title, '', 'todo', 1, :owner, :owner, 0, :at, :at, :at)"
)


async def _execute(url: str, *statements: tuple[str, dict]) -> list[list[tuple]]:
    engine = create_async_engine(url, poolclass=NullPool)
    results = []
    try:
        async with engine.begin() as conn:
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                results.append([tuple(r) for r in result] if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results


async def _existing_data_moves_into_general(url: str, key: str) -> None:
    await asyncio.to_thread(upgrade, url, "0002")
    await _execute(
        url,
        (USERS, {"email": "a@example.com"}),
        (USERS, {"email": "b@example.com"}),
        # Inserted out of age order: keys follow age, not insertion.
        (TASKS, {"title": "newer", "owner": 1, "at": datetime(2026, 1, 2, tzinfo=UTC)}),
        (TASKS, {"title": "older", "owner": 2, "at": datetime(2026, 1, 1, tzinfo=UTC)}),
    )
    await asyncio.to_thread(upgrade, url)
    projects, members, tasks = await _execute(
        url,
        ("SELECT key, name, task_counter FROM projects", {}),
        ("SELECT user_id, role FROM project_members ORDER BY user_id", {}),
        ("SELECT title, key, number FROM tasks ORDER BY number", {}),
    )
    assert projects == [(key, "General", 2)]
    assert members == [(1, "member"), (2, "member")]
    assert tasks == [("older", f"{key}-1", 1), ("newer", f"{key}-2", 2)]
    await asyncio.to_thread(downgrade, url, "0002")
    (titles,) = await _execute(url, ("SELECT title, assignee_id FROM tasks ORDER BY id", {}))
    assert titles == [("newer", 1), ("older", 2)]


def test_existing_tasks_and_users_move_into_general_with_the_configured_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPRINTSYNC_DEFAULT_PROJECT_KEY", "OPS")
    get_settings.cache_clear()
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'data.db'}"
        asyncio.run(_existing_data_moves_into_general(url, "OPS"))
    finally:
        get_settings.cache_clear()


def test_the_default_key_is_gen(tmp_path: Path) -> None:
    get_settings.cache_clear()
    url = f"sqlite+aiosqlite:///{tmp_path / 'data.db'}"
    asyncio.run(_existing_data_moves_into_general(url, "GEN"))


@pytest.mark.postgres_only
async def test_existing_data_moves_into_general_on_postgresql(database_url: str) -> None:
    url = make_url(database_url)
    name = f"{url.database}_projects"
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database="postgres",
    )  # fmt: skip
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        get_settings.cache_clear()
        target = url.set(database=name).render_as_string(hide_password=False)
        await _existing_data_moves_into_general(target, "GEN")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
