"""Count the SQL statements a request runs, through SQLAlchemy and straight to asyncpg.

Pages must not creep back into N+1 reads: the budget tests wrap one request in
`count_statements` and compare the count to a fixed number.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from sprintsync.tasks import fastpath


@contextmanager
def count_statements(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements run inside the block: SQLAlchemy's (savepoints included) and the task
    list's raw asyncpg reads. Transaction BEGIN/COMMIT are not statements here."""
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        seen.append(args[2])

    original = fastpath.driver_fetch

    async def counting_fetch(driver: Any, sql: str, params: list[Any]) -> list[Any]:
        seen.append(sql)
        return await original(driver, sql, params)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    monkeypatch.setattr(fastpath, "driver_fetch", counting_fetch)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)
        monkeypatch.setattr(fastpath, "driver_fetch", original)
