"""The task list's hot read path: its hand-written SELECT sent straight to asyncpg.

Why: `GET /api/v1/tasks` is the request clients make most, and for a page of small rows
SQLAlchemy's per-execution work (compiling, result processing) costs more than the query
itself. On PostgreSQL the statement goes to asyncpg, prepared and cached by the driver, and
rows become plain dicts built from one key list; `make bench` measures the result (README,
Performance). Other backends run the same SQL as a typed `text()`. Nothing else in the app
goes around SQLAlchemy, so the trick and its disconnect handling stay in this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy import ColumnElement, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from sprintsync.db import is_database_unavailable


async def driver_fetch(driver: Any, sql: str, args: list[Any]) -> list[Any]:
    """The one place a statement goes to asyncpg directly (tests count statements here)."""
    return list(await driver.fetch(sql, *args))


def _unusable(driver: Any, exc: Exception) -> bool:
    """Whether a connection must be discarded after `exc`: closed, or left mid-operation.

    An error the server reported (a PostgresError) leaves the connection usable; anything
    else (a timeout against a hung server, a client-side protocol error) may leave it
    waiting on a reply that never comes, and the next statement on it would fail with
    "another operation is in progress".
    """
    return bool(driver.is_closed()) or not isinstance(exc, asyncpg.PostgresError)


_NAMED_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@lru_cache(maxsize=256)
def _to_positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters → asyncpg's `$n`, with the order in which to pass the values."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _NAMED_PARAM.sub(number, sql), tuple(names)


async def fetch_dicts(
    session: AsyncSession,
    sql: str,
    params: dict[str, Any],
    *,
    columns: Sequence[ColumnElement[Any]] = (),
    param_types: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run one hand-written SELECT for a hot read path and return plain dicts.

    On PostgreSQL the statement goes straight to asyncpg (prepared and cached by the driver),
    skipping SQLAlchemy's per-execution overhead, which costs more than the query itself for
    small pages. Elsewhere it runs as a typed `text()` so values convert as the models say.
    """
    engine = session.bind
    if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
        pg_sql, names = _to_positional(sql)
        args = [params[n] for n in names]
        if not session.in_transaction():
            # Nothing earlier in this request to stay consistent with: borrow a pooled
            # connection for this one statement instead of opening the session's.
            records = await _fetch_pooled(engine, pg_sql, args)
        else:
            fairy = await (await session.connection()).get_raw_connection()
            driver: Any = fairy.driver_connection
            try:
                records = await driver_fetch(driver, pg_sql, args)
            except Exception as exc:
                if _unusable(driver, exc):
                    fairy.invalidate()
                raise
        if not records:
            return []
        keys = list(records[0].keys())
        return [dict(zip(keys, r, strict=True)) for r in records]
    stmt = text(sql).columns(*columns)
    if param_types:
        stmt = stmt.bindparams(
            *(bindparam(name, type_=t) for name, t in param_types.items() if name in params)
        )
    result = await session.execute(stmt, params)
    return [dict(m) for m in result.mappings()]


async def _checkout(engine: AsyncEngine) -> Any:
    """A pooled connection. A database that refuses new connections (starting up, shutting
    down) raises the driver adapter's own error here, which SQLAlchemy wraps only on its own
    path: say it is an outage (a 503 to retry), as a refused connection is."""
    try:
        return await engine.raw_connection()
    except Exception as exc:
        if is_database_unavailable(exc):
            raise ConnectionError("the database refused a new connection") from exc
        raise


async def _fetch_pooled(engine: AsyncEngine, sql: str, args: list[Any]) -> list[Any]:
    """Fetch on a pooled driver connection, replacing any the database has dropped.

    Going around SQLAlchemy skips its disconnect handling, so this does that job: after a
    database restart each dead pooled connection is discarded and the read retried, rather
    than failing request after request.
    """
    pool: Any = engine.sync_engine.pool  # QueuePool: size() is not on the base class
    for _ in range(pool.size()):
        fairy = await _checkout(engine)
        driver: Any = fairy.driver_connection
        try:
            return await driver_fetch(driver, sql, args)
        except Exception as exc:
            dropped = driver.is_closed()
            if _unusable(driver, exc):
                fairy.invalidate()
            if not dropped:
                raise
        finally:
            fairy.close()
    fairy = await _checkout(engine)
    try:
        driver = fairy.driver_connection
        return await driver_fetch(driver, sql, args)
    except Exception as exc:
        if _unusable(driver, exc):
            fairy.invalidate()
        raise
    finally:
        fairy.close()
