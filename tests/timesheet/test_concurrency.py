"""Concurrent requests on PostgreSQL: totals never lose minutes; one running timer per user."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from sprintsync.db import make_sessionmaker
from sprintsync.tasks.models import Task
from sprintsync.timesheet import service
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timesheet.schemas import ManualEntryCreate
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_running_timer, make_task, make_user

pytestmark = pytest.mark.postgres_only


async def test_concurrent_manual_entries_on_one_task_keep_the_total_exact(client, session) -> None:
    owner, helper = await make_user(session), await make_user(session)
    task = await make_task(session, owner, assignee_id=helper.id)
    url = f"/api/v1/tasks/{task.id}/time-entries"
    minutes = [i % 37 + 1 for i in range(20)]
    requests = [
        client.post(url, json={"minutes": m}, headers=bearer((owner, helper)[i % 2], TEST_SECRET))
        for i, m in enumerate(minutes)
    ]
    responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [201] * 20
    await session.commit()
    total = await session.scalar(select(Task.total_minutes).where(Task.id == task.id))
    entries = await session.scalar(
        select(func.sum(TimeEntry.minutes)).where(TimeEntry.task_id == task.id)
    )
    assert total == entries == sum(minutes)


async def test_concurrent_timer_starts_leave_exactly_one_running_timer(client, session) -> None:
    user = await make_user(session)
    tasks = [await make_task(session, user) for _ in range(4)]
    h = bearer(user, TEST_SECRET)
    starts = [
        client.post(f"/api/v1/tasks/{tasks[i % 4].id}/timer/start", headers=h) for i in range(12)
    ]
    responses = await asyncio.gather(*starts)
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 409}, [r.text for r in responses if r.status_code not in (200, 409)]
    assert 200 in codes
    for r in responses:
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "timer_running"
    await session.commit()
    running = await session.scalar(
        select(func.count()).where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    )
    assert running == 1
    # Every stopped timer's minutes are on its task: totals still equal the entries.
    for task in tasks:
        total = await session.scalar(select(Task.total_minutes).where(Task.id == task.id))
        entries = await session.scalar(
            select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
                TimeEntry.task_id == task.id, TimeEntry.ended_at.is_not(None)
            )
        )
        assert total == entries


async def test_a_total_being_rewritten_does_not_hold_up_a_comment_on_the_task(
    client, session, engine
) -> None:
    # The total's lock (FOR NO KEY UPDATE) leaves the key-share lock that the comment's
    # foreign key takes on the task free: commenting does not wait for the time log.
    owner, helper = await make_user(session), await make_user(session)
    task = await make_task(session, owner, assignee_id=helper.id)
    async with make_sessionmaker(engine)() as logging_time:
        data = ManualEntryCreate(minutes=5)
        await service.add_manual_entry(logging_time, user=owner, ref=task.id, data=data)
        comment = asyncio.create_task(
            client.post(
                f"/api/v1/tasks/{task.id}/comments",
                json={"body": "On it"},
                headers=bearer(helper, TEST_SECRET),
            )
        )
        done, _ = await asyncio.wait({comment}, timeout=5)
        await logging_time.commit()
    assert (await comment).status_code == 201
    assert done, "the comment waited for the time entry's transaction"


async def _wait_until_a_statement_waits_for_a_lock(session) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        if await session.scalar(waiting):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("nothing waited for a lock")


async def test_a_switch_locks_its_tasks_in_id_order_whatever_order_they_are_stored_in(
    session, engine
) -> None:
    # Locks taken in id order are what keeps opposite switches from deadlocking. Here the
    # task with the higher id is stored first, where a scan of the table finds it first.
    user = await make_user(session)
    later = await make_task(session, user, id=900_002)
    earlier = await make_task(session, user, id=900_001)
    await make_running_timer(session, later, user, minutes_ago=5)
    sessions = make_sessionmaker(engine)
    async with sessions() as logging_time, sessions() as switching, sessions() as probing:
        data = ManualEntryCreate(minutes=5)
        await service.add_manual_entry(logging_time, user=user, ref=later.id, data=data)
        # The switch to `earlier` stops the timer on `later`, so it needs both locks: it
        # takes `earlier`'s, then waits for `later`'s.
        switch = asyncio.create_task(service.start_timer(switching, user=user, ref=earlier.id))
        await _wait_until_a_statement_waits_for_a_lock(session)
        probe = asyncio.create_task(
            service.add_manual_entry(probing, user=user, ref=earlier.id, data=data)
        )
        probe_ran_through, _ = await asyncio.wait({probe}, timeout=1)
        await logging_time.commit()
        # Whichever holds `earlier` finishes first (the switch, unless the test fails).
        order = [(switch, switching), (probe, probing)]
        for work, its_session in order[::-1] if probe_ran_through else order:
            await work
            await its_session.commit()
    assert not probe_ran_through, "the switch waited for one task without holding the other"
    await session.commit()
    stored = await session.scalar(select(Task.total_minutes).where(Task.id == earlier.id))
    assert stored == 5
