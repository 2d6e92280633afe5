"""Async engine, session factory, declarative Base and the request-scoped session."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from sprintsync.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, echo=settings.db_echo, hide_parameters=True, connect_args={"timeout": 30}
        )
        _tune_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        echo=settings.db_echo,
        # Bound values (password hashes, personal data) never go into error messages/logs.
        hide_parameters=True,
        pool_size=settings.db_pool_size,
        # No overflow: connections made and dropped under bursts cost more than a short wait.
        max_overflow=0,
        pool_pre_ping=False,
        # A down, hung or overloaded database holds a request for at most these bounds
        # (then it is a 503): waiting for a pooled connection, connecting, one statement.
        # The statement bound is kept both by the server (statement_timeout, which also
        # frees the lock it waited on) and by the driver (command_timeout, for a server
        # that does not answer at all), with the driver's a little later.
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_seconds + 1,
            "server_settings": {
                "statement_timeout": str(int(settings.db_statement_timeout_seconds * 1000))
            },
        },
    )


# SQLSTATE classes and codes that mean "the database cannot serve now", not "bad request":
# connection exceptions (08), insufficient resources (53), operator intervention (57:
# shutdown, restarting, statement timeout).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57")


def _causes(exc: BaseException, depth: int = 4) -> list[BaseException]:
    """`exc`, what SQLAlchemy wrapped (`orig`) and their causes, a few levels deep: the
    driver's SQLSTATE can sit under SQLAlchemy's wrapper and the driver adapter's error."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 3 * depth:
        candidate = todo.pop(0)
        if candidate is None or any(candidate is s for s in seen):
            continue
        seen.append(candidate)
        todo += [getattr(candidate, "orig", None), candidate.__cause__]
    return seen


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database is down, hung, restarting or out of connections."""
    if isinstance(exc, OSError | PoolTimeout):  # refused, reset, or timed out (TimeoutError)
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    for candidate in _causes(exc):
        if isinstance(candidate, OSError | asyncpg.exceptions.ConnectionDoesNotExistError):
            return True
        if isinstance(candidate, asyncpg.exceptions.InterfaceError) and "closed" in str(candidate):
            return True
        sqlstate = str(getattr(candidate, "sqlstate", "") or "")
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
    return False


def sqlstate(exc: BaseException) -> str:
    """The SQLSTATE a database error carries (through SQLAlchemy's wrapper), or ""."""
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    orig = getattr(exc, "orig", None)
    return str(getattr(getattr(orig, "__cause__", None), "sqlstate", "") or "")


# serialization_failure and deadlock_detected: the database gave up on this transaction so
# that another could finish; running the same work again normally succeeds.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
RETRY_ATTEMPTS = 3

P = ParamSpec("P")
T = TypeVar("T")


def retry_on_conflict(
    work: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[T]]:
    """Run a service function in a savepoint; redo it a bounded number of times on a
    deadlock or serialization failure (SQLSTATE 40P01/40001).

    Rolling back to the savepoint releases every lock the failed attempt took and expires
    what it changed, so the next attempt reads afresh. Consistent lock order keeps these
    rare; the retry covers the orders no code path can control.
    """

    @functools.wraps(work)
    async def retried(session: AsyncSession, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                async with session.begin_nested():
                    return await work(session, *args, **kwargs)
            except DBAPIError as exc:
                if attempt == RETRY_ATTEMPTS or sqlstate(exc) not in RETRYABLE_SQLSTATES:
                    raise
                # A short random pause lets the transaction that won finish first.
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311
        raise AssertionError("unreachable")

    return retried


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers run beside one writer; foreign keys are off by default in SQLite.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for read-only requests: autocommit, so no transaction is opened or closed."""
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(autocommit, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit when the route returns, roll back on any error.

    Read-only requests (GET/HEAD) run in autocommit mode: no BEGIN/COMMIT round trips.
    """
    state = request.app.state
    read_only = request.method in ("GET", "HEAD")
    factory = state.read_sessionmaker if read_only else state.sessionmaker
    session = factory()
    try:
        yield session
        if session.in_transaction() and not read_only:
            await session.commit()
    except BaseException:
        if session.in_transaction():
            await session.rollback()
        raise
    finally:
        # A session that holds no connection has nothing to release; skipping close() for it
        # saves a greenlet round trip on requests that never reach the database.
        if session.in_transaction():
            await session.close()


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """The CLI's and background jobs' unit of work, with the same commit/rollback rule."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function" commits before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def like_pattern(q: str) -> str:
    """A case-folded LIKE pattern (use with ESCAPE '\\') in which % and _ match themselves."""
    escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
