"""Integration tests for timers and time entries over real HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from sprintsync.db import utcnow
from sprintsync.tasks.models import Task
from sprintsync.timesheet.models import TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    db_snapshot,
    make_entry,
    make_running_timer,
    make_task,
    make_user,
    today,
)

API = "/api/v1"


async def _total(session, task_id: int) -> int:
    await session.commit()
    return await session.scalar(select(Task.total_minutes).where(Task.id == task_id))


async def _running(session, user_id: int) -> list[int]:
    await session.commit()
    stmt = select(TimeEntry.task_id).where(
        TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None)
    )
    return list((await session.execute(stmt)).scalars())


# --- timers ----------------------------------------------------------------------------------


async def test_no_timer_reads_as_not_running(client, session) -> None:
    user = await make_user(session)
    r = await client.get(f"{API}/timer", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert r.json() == {"running": False, "entry": None, "elapsed_seconds": 0}


async def test_timer_start_read_and_stop(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    r = await client.post(f"{API}/tasks/{task.id}/timer/start", headers=h)
    assert r.status_code == 200, r.text
    started = r.json()
    assert started["running"] is True
    assert started["entry"]["task_id"] == task.id
    assert started["entry"]["source"] == "timer"
    assert started["entry"]["ended_at"] is None
    r = await client.get(f"{API}/timer", headers=h)
    assert r.json()["running"] is True
    assert r.json()["entry"]["id"] == started["entry"]["id"]
    assert r.json()["elapsed_seconds"] >= 0
    r = await client.post(f"{API}/timer/stop", headers=h)
    assert r.status_code == 200
    stopped = r.json()
    assert stopped["running"] is False
    assert stopped["entry"]["id"] == started["entry"]["id"]
    assert stopped["entry"]["ended_at"] is not None
    assert stopped["entry"]["running"] is False
    assert await _running(session, user.id) == []
    r = await client.get(f"{API}/timer", headers=h)
    assert r.json()["running"] is False


async def test_stopping_a_timer_adds_its_minutes_to_the_task(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=50)
    r = await client.get(f"{API}/timer", headers=bearer(user, TEST_SECRET))
    assert r.json()["elapsed_seconds"] >= 50 * 60
    r = await client.post(f"{API}/timer/stop", headers=bearer(user, TEST_SECRET))
    assert r.json()["entry"]["minutes"] == 50
    assert await _total(session, task.id) == 50


async def test_starting_a_second_timer_stops_the_first(client, session) -> None:
    user = await make_user(session)
    first, second = await make_task(session, user), await make_task(session, user)
    await make_running_timer(session, first, user, minutes_ago=20)
    r = await client.post(f"{API}/tasks/{second.id}/timer/start", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["entry"]["task_id"] == second.id
    assert await _running(session, user.id) == [second.id]
    assert await _total(session, first.id) == 20


async def test_starting_the_running_timer_again_keeps_it(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    one = (await client.post(f"{API}/tasks/{task.id}/timer/start", headers=h)).json()
    two = (await client.post(f"{API}/tasks/{task.id}/timer/start", headers=h)).json()
    assert one["entry"]["id"] == two["entry"]["id"]
    assert await _running(session, user.id) == [task.id]


async def test_stopping_without_a_timer_is_409_and_changes_nothing(client, session) -> None:
    user = await make_user(session)
    await make_entry(session, await make_task(session, user), user)
    before = await db_snapshot(session)
    r = await client.post(f"{API}/timer/stop", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "no_running_timer"
    assert await db_snapshot(session) == before


# --- manual entries --------------------------------------------------------------------------


async def test_manual_entry_defaults_to_today_and_updates_the_total(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    r = await client.post(
        f"{API}/tasks/{task.id}/time-entries",
        json={"minutes": 45, "note": "pairing"},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 201, r.text
    entry = r.json()
    assert (entry["minutes"], entry["note"], entry["source"]) == (45, "pairing", "manual")
    assert (entry["task_id"], entry["user_id"], entry["running"]) == (task.id, user.id, False)
    assert entry["started_at"][:10] == today().isoformat()
    assert await _total(session, task.id) == 45


async def test_manual_entry_accepts_the_minute_bounds_and_a_past_date(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    for body in ({"minutes": 1}, {"minutes": 1440, "date": "2020-02-29"}):
        r = await client.post(f"{API}/tasks/{task.id}/time-entries", json=body, headers=h)
        assert r.status_code == 201, r.text
    assert await _total(session, task.id) == 1441


async def test_bad_manual_entries_are_422_and_change_nothing(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_entry(session, task, user, minutes=10)
    h = bearer(user, TEST_SECRET)
    before = await db_snapshot(session)
    bad_bodies = [
        {"minutes": 0},
        {"minutes": -5},
        {"minutes": 1441},
        {"minutes": 10**12},
        {"minutes": 10**40},
        {"minutes": 1.5},
        {"minutes": "thirty"},
        {"minutes": None},
        {},
        {"minutes": 5, "note": "n" * 501},
        {"minutes": 5, "date": "yesterday"},
        {"minutes": 5, "date": "2024-13-01"},
        {"minutes": 5, "user_id": 999},
        {"minutes": 5, "source": "timer"},
    ]
    for body in bad_bodies:
        r = await client.post(f"{API}/tasks/{task.id}/time-entries", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    future = (today() + timedelta(days=2)).isoformat()
    r = await client.post(
        f"{API}/tasks/{task.id}/time-entries", json={"minutes": 5, "date": future}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "future_date"
    assert await db_snapshot(session) == before


async def test_task_entries_lists_everyones_time_on_a_visible_task(client, session) -> None:
    owner, helper, stranger = [await make_user(session) for _ in range(3)]
    task = await make_task(session, owner, assignee_id=helper.id)
    mine = await make_entry(session, task, owner, started_at=utcnow() - timedelta(hours=2))
    theirs = await make_entry(session, task, helper, started_at=utcnow() - timedelta(hours=1))
    r = await client.get(f"{API}/tasks/{task.id}/time-entries", headers=bearer(owner, TEST_SECRET))
    assert r.status_code == 200
    assert [e["id"] for e in r.json()] == [theirs.id, mine.id]
    r = await client.get(
        f"{API}/tasks/{task.id}/time-entries", headers=bearer(stranger, TEST_SECRET)
    )
    assert r.status_code == 404


# --- listing my entries ----------------------------------------------------------------------


async def test_my_entries_by_inclusive_date_range_with_their_sum(client, session) -> None:
    me, other = await make_user(session), await make_user(session)
    task = await make_task(session, me)
    h = bearer(me, TEST_SECRET)
    d0 = today() - timedelta(days=20)
    ids = {}
    for offset, minutes in ((0, 10), (5, 20), (6, 30), (10, 40)):
        r = await client.post(
            f"{API}/tasks/{task.id}/time-entries",
            json={"minutes": minutes, "date": (d0 + timedelta(days=offset)).isoformat()},
            headers=h,
        )
        ids[offset] = r.json()["id"]
    await make_entry(session, await make_task(session, other), other)
    params = {
        "from": (d0 + timedelta(days=5)).isoformat(),
        "to": (d0 + timedelta(days=6)).isoformat(),
    }
    r = await client.get(f"{API}/time-entries", params=params, headers=h)
    assert r.status_code == 200
    page = r.json()
    assert [e["id"] for e in page["items"]] == [ids[6], ids[5]]
    assert (page["total_minutes"], page["next_offset"]) == (50, None)
    r = await client.get(f"{API}/time-entries", headers=h)
    assert len(r.json()["items"]) == 4
    assert r.json()["total_minutes"] == 100
    r = await client.get(
        f"{API}/time-entries", params={"from": params["to"], "to": params["from"]}, headers=h
    )
    assert r.json()["items"] == []
    assert r.json()["total_minutes"] == 0


async def test_my_entries_paginate_by_offset(client, session) -> None:
    me = await make_user(session)
    task = await make_task(session, me)
    for i in range(5):
        await make_entry(session, task, me, started_at=utcnow() - timedelta(hours=i))
    h = bearer(me, TEST_SECRET)
    seen, offset = [], 0
    while offset is not None:
        r = await client.get(
            f"{API}/time-entries", params={"limit": 2, "offset": offset}, headers=h
        )
        assert r.status_code == 200
        seen += [e["id"] for e in r.json()["items"]]
        offset = r.json()["next_offset"]
    whole = (await client.get(f"{API}/time-entries", headers=h)).json()["items"]
    assert seen == [e["id"] for e in whole]
    assert len(seen) == 5


async def test_extreme_date_ranges_do_not_break_the_listing(client, session) -> None:
    me = await make_user(session)
    await make_entry(session, await make_task(session, me), me)
    h = bearer(me, TEST_SECRET)
    for params in ({"to": "9999-12-31"}, {"from": "0001-01-01"}, {"from": "9999-12-31"}):
        r = await client.get(f"{API}/time-entries", params=params, headers=h)
        assert r.status_code == 200, (params, r.text)


async def test_bad_listing_parameters_are_422(client, session) -> None:
    me = await make_user(session)
    h = bearer(me, TEST_SECRET)
    for params in (
        {"from": "last week"},
        {"to": "2024-02-30"},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"offset": 10**30},
        {"task_id": 10**30},
    ):
        r = await client.get(f"{API}/time-entries", params=params, headers=h)
        assert r.status_code == 422, (params, r.text)


# --- editing and deleting entries ------------------------------------------------------------


async def test_editing_an_entry_updates_the_task_total(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    r = await client.post(f"{API}/tasks/{task.id}/time-entries", json={"minutes": 30}, headers=h)
    entry_id = r.json()["id"]
    day = (today() - timedelta(days=2)).isoformat()
    r = await client.patch(
        f"{API}/time-entries/{entry_id}",
        json={"minutes": 95, "date": day, "note": "fixed"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["minutes"], got["note"], got["started_at"][:10]) == (95, "fixed", day)
    assert await _total(session, task.id) == 95
    r = await client.patch(f"{API}/time-entries/{entry_id}", json={"note": ""}, headers=h)
    assert r.status_code == 200
    assert r.json()["minutes"] == 95


async def test_deleting_an_entry_takes_its_minutes_off_the_task(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    ids = []
    for minutes in (10, 25):
        r = await client.post(
            f"{API}/tasks/{task.id}/time-entries", json={"minutes": minutes}, headers=h
        )
        ids.append(r.json()["id"])
    r = await client.delete(f"{API}/time-entries/{ids[0]}", headers=h)
    assert r.status_code == 204
    assert r.content == b""
    assert await _total(session, task.id) == 25
    r = await client.delete(f"{API}/time-entries/{ids[0]}", headers=h)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "time_entry_not_found"


async def test_bad_entry_edits_are_refused_and_change_nothing(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_entry(session, task, user, minutes=30)
    timer = await make_running_timer(session, task, user)
    h = bearer(user, TEST_SECRET)
    before = await db_snapshot(session)
    for body in (
        {"minutes": 0},
        {"minutes": -1},
        {"minutes": 1441},
        {"minutes": None},
        {"date": None},
        {"note": None},
        {"note": "x" * 501},
        {"task_id": task.id},
        {"minutes": "1h"},
    ):
        r = await client.patch(f"{API}/time-entries/{entry.id}", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    future = (today() + timedelta(days=3)).isoformat()
    r = await client.patch(f"{API}/time-entries/{entry.id}", json={"date": future}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "future_date"
    for body in ({"minutes": 5}, {"date": date(2024, 1, 1).isoformat()}):
        r = await client.patch(f"{API}/time-entries/{timer.id}", json=body, headers=h)
        assert r.status_code == 409, body
        assert r.json()["error"]["code"] == "timer_running"
    for entry_id in (0, 2**31, 10**30):
        r = await client.patch(f"{API}/time-entries/{entry_id}", json={"note": "x"}, headers=h)
        assert r.status_code == 404, (entry_id, r.text)
        r = await client.delete(f"{API}/time-entries/{entry_id}", headers=h)
        assert r.status_code == 404, (entry_id, r.text)
    assert await db_snapshot(session) == before


async def test_second_running_timer_cannot_be_forced_through_the_api(client, session) -> None:
    """Whatever the order of calls, the database holds at most one running timer per user."""
    user = await make_user(session)
    tasks = [await make_task(session, user) for _ in range(3)]
    h = bearer(user, TEST_SECRET)
    for task in (*tasks, tasks[0]):
        r = await client.post(f"{API}/tasks/{task.id}/timer/start", headers=h)
        assert r.status_code == 200
    await session.commit()
    count = await session.scalar(
        select(func.count()).where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    )
    assert count == 1
    assert await _running(session, user.id) == [tasks[0].id]


async def test_a_tasks_entries_list_the_newest_100_by_start_time(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    base = utcnow() - timedelta(days=200)
    # Stored out of order: ids do not follow start times.
    starts = [base + timedelta(days=(n * 37) % 101) for n in range(101)]
    session.add_all(
        TimeEntry(task_id=task.id, user_id=user.id, started_at=s, ended_at=s + timedelta(minutes=5),
                  minutes=5, note="", source="manual")
        for s in starts
    )  # fmt: skip
    await session.commit()
    r = await client.get(f"{API}/tasks/{task.id}/time-entries", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    listed = [datetime.fromisoformat(e["started_at"]) for e in r.json()]
    assert len(listed) == 100
    assert listed == sorted(listed, reverse=True)
    assert min(listed) > min(starts)  # the oldest is the one left out


async def test_entries_of_one_day_list_the_latest_logged_first(client, session) -> None:
    # Manual entries of one day all start at the user's midnight: the tie goes to the entry
    # logged last, also when an older one was moved to that day later (PostgreSQL then
    # stores and indexes the older one after the others).
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    day, before = today() - timedelta(days=1), today() - timedelta(days=2)
    ids = []
    for minutes, logged_on in ((10, before), (20, day), (30, day)):
        body = {"minutes": minutes, "date": logged_on.isoformat()}
        r = await client.post(f"{API}/tasks/{task.id}/time-entries", json=body, headers=h)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    moved = {"date": day.isoformat()}
    r = await client.patch(f"{API}/time-entries/{ids[0]}", json=moved, headers=h)
    assert r.status_code == 200, r.text
    one_day = {"from": day.isoformat(), "to": day.isoformat()}
    for params in (one_day, {}):
        r = await client.get(f"{API}/time-entries", params=params, headers=h)
        assert [e["id"] for e in r.json()["items"]] == ids[::-1], params
    r = await client.get(f"{API}/tasks/{task.id}/time-entries", headers=h)
    assert [e["id"] for e in r.json()] == ids[::-1]
