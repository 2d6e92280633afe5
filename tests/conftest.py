"""Shared fixtures: every test runs on SQLite and, when reachable, on PostgreSQL.

The schema is built by the Alembic migrations once per backend; after each test every table
is emptied, so no test sees another's rows. The app is exercised through real HTTP (httpx
over ASGI), never by calling route functions.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from sprintsync.app import create_app
from sprintsync.config import Settings
from sprintsync.db import Base, make_engine, make_sessionmaker
from sprintsync.migrations import upgrade
from sprintsync.models import Task, TaskStatusChange, TimeEntry, User  # noqa: F401

_PG_BASE_URL = make_url(
    os.environ.get(
        "SPRINTSYNC_TEST_DATABASE_URL",
        "postgresql+asyncpg://postgres@127.0.0.1:5432/sprintsync_test",
    )
)
_PG_URLS: dict[int, str] = {}


def pg_url() -> str:
    """This process's own database: the configured name plus the process id and a random suffix,
    created at the start of a run and dropped at its end, so two runs on one machine never share
    one. Per process, not per import: a run forked from another (mutmut's mutant runs) gets a
    database of its own too."""
    pid = os.getpid()
    if pid not in _PG_URLS:
        name = f"{_PG_BASE_URL.database}_{pid}_{secrets.token_hex(3)}"
        _PG_URLS[pid] = _PG_BASE_URL.set(database=name).render_as_string(hide_password=False)
    return _PG_URLS[pid]


REQUIRE_PG = os.environ.get("SPRINTSYNC_REQUIRE_POSTGRES", "") not in ("", "0", "false")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if item.get_closest_marker("postgres_only") and backend == "sqlite":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL"))


async def _admin_execute(url: str, sql: str) -> None:
    """Run one statement on the server's `postgres` database; raise if it is unreachable."""
    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host,
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        database="postgres",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _drop_pg_database_at_exit(url: str) -> None:
    name = make_url(url).database
    asyncio.run(_admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# `SPRINTSYNC_TEST_BACKENDS=sqlite` runs only the SQLite half (make mutation uses it to keep each
# forked mutant run cheap: no PostgreSQL database created per run).
BACKENDS = [
    name.strip()
    for name in os.environ.get("SPRINTSYNC_TEST_BACKENDS", "sqlite,postgres").split(",")
    if name.strip() in ("sqlite", "postgres")
] or ["sqlite", "postgres"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


# The SQLite schema the migrations built in this process, copied by every later session of the
# process and of its forks: mutmut runs each mutant in a fork, and the migrations would
# otherwise cost each of them about 0.5 s of CPU. A normal run has one session and migrates.
_SQLITE_SCHEMA: list[Path] = []


def _keep_sqlite_schema(path: Path) -> None:
    keep = Path(tempfile.mkdtemp(prefix="sprintsync-schema-")) / "schema.db"
    shutil.copyfile(path, keep)
    _SQLITE_SCHEMA.append(keep)
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(keep.parent, True))


@pytest.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> str:
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        if _SQLITE_SCHEMA:
            # A later session in this process or a fork of it (mutmut's mutant runs).
            shutil.copyfile(_SQLITE_SCHEMA[0], path)
            return url
        await asyncio.to_thread(upgrade, url)
        _keep_sqlite_schema(path)
        return url
    else:
        url = pg_url()
        try:
            await _admin_execute(url, f'CREATE DATABASE "{make_url(url).database}"')
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            if REQUIRE_PG:
                pytest.fail(f"PostgreSQL is required (SPRINTSYNC_REQUIRE_POSTGRES) but: {exc}")
            pytest.skip(f"PostgreSQL not reachable: {exc}")
        request.config.add_cleanup(lambda: _drop_pg_database_at_exit(url))
    # Alembic runs its own event loop, so it goes to a thread.
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture(scope="session")
def base_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        password_hash_fast=True,
        cookie_secure=False,
        log_level="WARNING",
        # Tests change rows behind the app's back; tests/security/test_user_cache.py turns it on.
        auth_cache_seconds=0,
    )


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """Per-test copy; tests may change it before the `app` fixture builds the app."""
    return base_settings.model_copy(deep=True)


@pytest.fixture(scope="session")
async def engine(base_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(base_settings)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("engine")
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(delete(table))


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking rows directly; commit to make them visible."""
    async with make_sessionmaker(engine)() as s:
        yield s


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def count_rows(session: AsyncSession, table: str) -> int:
    return (await session.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
