"""Concurrent status moves on PostgreSQL: the row lock lets exactly one move win."""

from __future__ import annotations

import asyncio

import pytest

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
