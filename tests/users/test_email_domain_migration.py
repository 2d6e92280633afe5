"""Migration 0370: a user stored with a Unicode email domain before domains were kept in
punycode logs in again with the Unicode form, over HTTP; a clash is left alone and reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from sprintsync.app import create_app
from sprintsync.config import Settings
from sprintsync.migrations import upgrade
from tests.conftest import _admin_execute
from tests.factories import _HASH, PASSWORD

BEFORE = "0350"
STORED = [
    "anna@bücher.example",
    # Someone signed up with the ASCII form after the change: the old row must not take it.
    "bob@bücher.example",
    "bob@xn--bcher-kva.example",
    "Cleo@Example.com",
]


@pytest.fixture
async def fresh_url(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of this test's own (migrations run on it from the start)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'idn.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_idn"
    await _admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin_execute(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _execute(url: str, sql: str, rows: list[dict[str, str]] | None = None) -> list[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), rows or {})
            return list(result.scalars()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_unicode_domain_user_logs_in_after_the_migration(
    fresh_url: str, base_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await asyncio.to_thread(upgrade, fresh_url, BEFORE)
    await _execute(
        fresh_url,
        "INSERT INTO users (email, display_name, password_hash, is_admin, is_active, "
        "token_version, created_at) "
        "VALUES (:email, 'Someone', :hash, false, true, 0, CURRENT_TIMESTAMP)",
        [{"email": email, "hash": _HASH} for email in STORED],
    )

    with caplog.at_level(logging.WARNING, logger="sprintsync.migrations"):
        await asyncio.to_thread(upgrade, fresh_url)

    emails = await _execute(fresh_url, "SELECT email FROM users ORDER BY id")
    assert emails == [
        "anna@xn--bcher-kva.example",
        "bob@bücher.example",
        "bob@xn--bcher-kva.example",
        "Cleo@Example.com",
    ]
    assert "bob@xn--bcher-kva.example is already user" in caplog.text

    app = create_app(base_settings.model_copy(update={"database_url": fresh_url}))
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for email in ("anna@bücher.example", "anna@xn--bcher-kva.example", "cleo@example.com"):
            r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, (email, r.text)
    await app.state.engine.dispose()
