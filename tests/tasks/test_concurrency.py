"""Concurrency on PostgreSQL: the row lock lets exactly one status move win, and only a
move takes it (reads and edits never wait behind another transaction's lock on the task)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_task, make_user

pytestmark = pytest.mark.postgres_only


async def test_concurrent_status_moves_record_only_legal_transitions(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    moves = [
        client.post(f"/api/v1/tasks/{task.id}/status", json={"status": "in_progress"}, headers=h)
        for _ in range(8)
    ]
    codes = sorted(r.status_code for r in await asyncio.gather(*moves))
    assert codes == [200] + [409] * 7
    r = await client.get(f"/api/v1/tasks/{task.id}/history", headers=h)
    assert [(c["from_status"], c["to_status"]) for c in r.json()] == [
        (None, "todo"),
        ("todo", "in_progress"),
    ]


# Long enough for a loaded machine; a request that waits for the lock never finishes at all.
PROMPT = 10.0


@asynccontextmanager
async def _task_row_locked(engine: AsyncEngine, task_id: int, mode: str) -> AsyncIterator[None]:
    """Another transaction holds a `mode` row lock on the task until the block ends."""
    async with engine.connect() as other:
        await other.execute(
            text(f"SELECT id FROM tasks WHERE id = :id FOR {mode}"), {"id": task_id}
        )
        try:
            yield
        finally:
            await other.rollback()


async def test_reading_a_task_does_not_wait_for_a_move_in_progress(client, session, engine) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    async with _task_row_locked(engine, task.id, "UPDATE"):  # as `change_status` holds it
        r = await asyncio.wait_for(client.get(f"/api/v1/tasks/{task.id}", headers=h), PROMPT)
    assert r.status_code == 200, r.text


async def test_editing_a_task_does_not_wait_for_time_being_logged_on_it(
    client, session, engine
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    # An uncommitted time entry's foreign key holds this lock on its task.
    async with _task_row_locked(engine, task.id, "KEY SHARE"):
        r = await asyncio.wait_for(
            client.patch(f"/api/v1/tasks/{task.id}", json={"title": "Renamed"}, headers=h), PROMPT
        )
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Renamed"
