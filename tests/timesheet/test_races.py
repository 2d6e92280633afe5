"""Deadlock and race reproductions on PostgreSQL: 200 rounds each, never a 500.

People switching timers between shared tasks in opposite directions used to deadlock (the
old task's row lock, then the new task's key-share lock through the foreign key); edits and
deletes racing each other used to surface as 500s instead of 404s.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from sprintsync.tasks.models import Task
from sprintsync.timesheet.models import TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_entry, make_task, make_user

pytestmark = pytest.mark.postgres_only
ROUNDS = 200


async def _assert_totals_match_entries(session, task_ids: list[int]) -> None:
    await session.commit()
    for task_id in task_ids:
        total = await session.scalar(select(Task.total_minutes).where(Task.id == task_id))
        if total is None:
            continue  # deleted
        entries = await session.scalar(
            select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
                TimeEntry.task_id == task_id, TimeEntry.ended_at.is_not(None)
            )
        )
        assert total == entries


async def test_switching_timers_in_opposite_directions_never_deadlocks(client, session) -> None:
    one, two = await make_user(session), await make_user(session)
    a = await make_task(session, one, assignee_id=two.id)
    b = await make_task(session, one, assignee_id=two.id)
    h1, h2 = bearer(one, TEST_SECRET), bearer(two, TEST_SECRET)
    codes: Counter[int] = Counter()
    for i in range(ROUNDS // 2):
        first, second = (a.id, b.id) if i % 2 else (b.id, a.id)
        responses = await asyncio.gather(
            client.post(f"/api/v1/tasks/{first}/timer/start", headers=h1),
            client.post(f"/api/v1/tasks/{second}/timer/start", headers=h2),
            client.post(f"/api/v1/tasks/{first}/time-entries", json={"minutes": 1}, headers=h2),
            client.post("/api/v1/timer/stop", headers=h1 if i % 3 == 0 else h2),
        )
        codes.update(r.status_code for r in responses)
    assert set(codes) <= {200, 201, 409}, codes
    await _assert_totals_match_entries(session, [a.id, b.id])


async def test_editing_an_entry_while_it_is_deleted_answers_404_not_500(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    codes: Counter[int] = Counter()
    for i in range(ROUNDS):
        entry = await make_entry(session, task, user, minutes=5)
        edit = client.patch(f"/api/v1/time-entries/{entry.id}", json={"minutes": 7}, headers=h)
        remove = client.delete(f"/api/v1/time-entries/{entry.id}", headers=h)
        pair = (edit, remove) if i % 2 else (remove, edit)
        codes.update(r.status_code for r in await asyncio.gather(*pair))
    assert set(codes) <= {200, 204, 404}, codes
    assert codes[204] == ROUNDS
    await _assert_totals_match_entries(session, [task.id])


async def test_logging_time_on_a_task_being_deleted_answers_404_not_500(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    codes: Counter[int] = Counter()
    for i in range(ROUNDS):
        task = await make_task(session, user)
        add = client.post(f"/api/v1/tasks/{task.id}/time-entries", json={"minutes": 3}, headers=h)
        start = client.post(f"/api/v1/tasks/{task.id}/timer/start", headers=h)
        remove = client.delete(f"/api/v1/tasks/{task.id}", headers=h)
        responses = await asyncio.gather(*((add, start, remove) if i % 2 else (remove, start, add)))
        codes.update(r.status_code for r in responses)
        # A timer on a vanished task is never reported as "already running".
        for r in responses:
            if r.status_code == 409:
                assert r.json()["error"]["code"] != "timer_running", r.text
    assert set(codes) <= {200, 201, 204, 404}, codes
    assert codes[204] == ROUNDS
