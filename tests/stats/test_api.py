"""Report figures checked against values worked out by hand, on SQLite and PostgreSQL.

The calendar around the spring DST change in Los Angeles (Sunday 2025-03-09, 02:00 PST
became 03:00 PDT, 10:00 UTC): entries just either side of local midnight and of the change,
an entry that crosses local midnight (it counts on the day it started) and week boundaries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event

from sprintsync import timeutil
from sprintsync.tasks.models import TaskStatusChange, TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    make_entry,
    make_project,
    make_running_timer,
    make_task,
    make_user,
)

API = "/api/v1/stats"
LA = "America/Los_Angeles"


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


async def _log(session, task, user, start: datetime, minutes: int) -> TimeEntry:
    return await make_entry(
        session, task, user, started_at=start, ended_at=start, minutes=minutes, source="timer"
    )


@pytest.fixture
async def team(session) -> dict[str, Any]:
    """Alice and Bob log time around the DST change; the admin lives in Los Angeles."""
    admin = await make_user(session, is_admin=True, time_zone=LA, display_name="Admin")
    alice = await make_user(session, display_name="Alice", time_zone=LA)
    bob = await make_user(session, display_name="Bob", time_zone="UTC")
    t_alice = await make_task(session, alice, title="Alice's task")
    t_bob = await make_task(session, bob, title="Bob's task")
    await _log(session, t_alice, alice, utc(10, 6, 30), 60)  # Sun 03-09 23:30 PDT, crosses
    await _log(session, t_alice, alice, utc(10, 7, 30), 45)  # Mon 03-10 00:30 PDT
    await _log(session, t_bob, bob, utc(9, 9, 30), 30)  # Sun 03-09 01:30 PST, before DST
    await _log(session, t_bob, bob, utc(9, 7, 59), 20)  # Sat 03-08 23:59 PST
    await _log(session, t_bob, bob, utc(11, 6, 0), 90)  # Mon 03-10 23:00 PDT
    await _log(session, t_alice, alice, utc(12, 12, 0), 15)  # Wed 03-12, outside the range
    await make_running_timer(session, t_alice, alice, started_at=utc(10, 8))  # never counted
    return {"admin": admin, "alice": alice, "bob": bob, "t_alice": t_alice, "t_bob": t_bob}


RANGE = {"period": "custom", "from": "2025-03-08", "to": "2025-03-10"}


async def test_time_per_day_counts_days_in_the_viewers_zone_across_dst(client, team) -> None:
    alice, bob = team["alice"], team["bob"]
    r = await client.get(
        f"{API}/time-per-day", params=RANGE, headers=bearer(team["admin"], TEST_SECRET)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["range"] == {
        "from": "2025-03-08",
        "to": "2025-03-10",
        "time_zone": LA,
        "week_start": 1,
    }
    got = [(i["day"], i["label"], i["minutes"]) for i in body["items"]]
    expected = [
        ("2025-03-08", "Bob", 20),
        ("2025-03-09", "Alice", 60),
        ("2025-03-09", "Bob", 30),
        ("2025-03-10", "Alice", 45),
        ("2025-03-10", "Bob", 90),
    ]
    assert sorted(got) == expected
    assert [i["key"] for i in body["items"] if i["label"] == "Alice"] == [alice.id, alice.id]
    first = body["items"][0]
    assert first["entries_url"] == f"/reports/entries?from=2025-03-08&to=2025-03-08&user={bob.id}"


async def test_the_same_entries_fall_on_other_days_for_a_viewer_in_utc(
    client, session, team
) -> None:
    admin_utc = await make_user(session, is_admin=True)
    r = await client.get(
        f"{API}/time-per-day", params=RANGE, headers=bearer(admin_utc, TEST_SECRET)
    )
    got = sorted((i["day"], i["label"], i["minutes"]) for i in r.json()["items"])
    assert got == [("2025-03-09", "Bob", 50), ("2025-03-10", "Alice", 105)]
    r = await client.get(f"{API}/top-users", params=RANGE, headers=bearer(admin_utc, TEST_SECRET))
    assert [(i["display_name"], i["minutes"]) for i in r.json()["items"]] == [
        ("Alice", 105),
        ("Bob", 50),
    ]


async def test_time_per_day_by_task(client, team) -> None:
    params = {**RANGE, "group": "task"}
    r = await client.get(
        f"{API}/time-per-day", params=params, headers=bearer(team["admin"], TEST_SECRET)
    )
    got = sorted((i["day"], i["key"], i["minutes"]) for i in r.json()["items"])
    ta, tb = team["t_alice"].id, team["t_bob"].id
    assert got == sorted(
        [
            ("2025-03-08", tb, 20),
            ("2025-03-09", ta, 60),
            ("2025-03-09", tb, 30),
            ("2025-03-10", ta, 45),
            ("2025-03-10", tb, 90),
        ]
    )


async def test_top_users_orders_by_minutes_from_entries(client, session, team) -> None:
    r = await client.get(
        f"{API}/top-users", params=RANGE, headers=bearer(team["admin"], TEST_SECRET)
    )
    items = r.json()["items"]
    assert [(i["display_name"], i["minutes"]) for i in items] == [("Bob", 140), ("Alice", 105)]
    assert items[0]["entries_url"].endswith(f"user={team['bob'].id}")


async def test_top_users_breaks_ties_by_user_id_and_an_empty_period_is_empty(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True)
    first = await make_user(session)
    second = await make_user(session)
    for person in (second, first):
        task = await make_task(session, person)
        await _log(session, task, person, utc(5, 12), 30)
    h = bearer(admin, TEST_SECRET)
    one_day = {"period": "custom", "from": "2025-03-05", "to": "2025-03-05"}
    r = await client.get(f"{API}/top-users", params=one_day, headers=h)
    assert [i["user_id"] for i in r.json()["items"]] == [first.id, second.id]
    empty = {"period": "custom", "from": "2025-04-01", "to": "2025-04-30"}
    r = await client.get(f"{API}/top-users", params=empty, headers=h)
    assert r.status_code == 200
    assert r.json()["items"] == []


async def test_this_week_is_the_viewers_week(client, session, team, monkeypatch) -> None:
    # Monday 2025-03-10 06:00 UTC is still Sunday 23:00 in Los Angeles: last week there.
    monkeypatch.setattr(timeutil, "now_utc", lambda: utc(10, 6))
    r = await client.get(f"{API}/top-users", headers=bearer(team["admin"], TEST_SECRET))
    body = r.json()
    assert (body["range"]["from"], body["range"]["to"]) == ("2025-03-03", "2025-03-09")
    assert [(i["display_name"], i["minutes"]) for i in body["items"]] == [
        ("Alice", 60),
        ("Bob", 50),
    ]
    r = await client.get(
        f"{API}/top-users", params={"period": "month"}, headers=bearer(team["admin"], TEST_SECRET)
    )
    assert (r.json()["range"]["from"], r.json()["range"]["to"]) == ("2025-03-01", "2025-03-31")


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "from": "2025-03-08"},
        {"period": "custom", "from": "2025-03-08", "to": "2025-03-01"},
        {"period": "custom", "from": "2024-01-01", "to": "2025-03-01"},
        {"period": "year"},
        {"group": "team"},
    ],
)
async def test_bad_ranges_are_422(client, session, params) -> None:
    user = await make_user(session)
    r = await client.get(f"{API}/time-per-day", params=params, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422


@pytest.mark.parametrize(
    "path", ["top-users", "time-per-day", "cycle-time", "estimate-accuracy", "throughput"]
)
async def test_reports_need_a_login(client, path) -> None:
    assert (await client.get(f"{API}/{path}")).status_code == 401


async def test_members_count_only_tasks_they_can_see(client, session, settings, team) -> None:
    alice, bob = team["alice"], team["bob"]
    # Alice shares one project with Bob; his other tasks (his own project's) are not hers.
    together = await make_project(session, members=(alice, bob))
    shared = await make_task(session, bob, project=together, assignee_id=alice.id, title="Shared")
    await _log(session, shared, bob, utc(9, 20), 25)  # 03-09 13:00 PDT
    r = await client.get(f"{API}/top-users", params=RANGE, headers=bearer(alice, TEST_SECRET))
    assert [(i["display_name"], i["minutes"]) for i in r.json()["items"]] == [
        ("Alice", 105),
        ("Bob", 25),
    ]


async def test_the_leads_setting_hides_other_peoples_figures_from_members(
    app, client, session, team
) -> None:
    app.state.settings.person_figures = "leads"
    alice, bob = team["alice"], team["bob"]
    shared = await make_task(session, bob, assignee_id=alice.id, title="Shared")
    await _log(session, shared, bob, utc(9, 20), 25)
    r = await client.get(f"{API}/top-users", params=RANGE, headers=bearer(alice, TEST_SECRET))
    assert [i["display_name"] for i in r.json()["items"]] == ["Alice"]
    r = await client.get(
        f"{API}/top-users", params=RANGE, headers=bearer(team["admin"], TEST_SECRET)
    )
    assert [i["display_name"] for i in r.json()["items"]] == ["Bob", "Alice"]


# --- status history ------------------------------------------------------------------------


async def _history(session, task, *changes: tuple[str, datetime]) -> None:
    """Replace the task's status history with `changes` (status entered, when)."""
    await session.execute(delete(TaskStatusChange).where(TaskStatusChange.task_id == task.id))
    previous = None
    for status, at in changes:
        session.add(
            TaskStatusChange(task_id=task.id, from_status=previous, to_status=status, changed_at=at)
        )
        previous = status
    await session.commit()


async def test_cycle_time_counts_each_stay_of_a_reopened_task(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    reopened = await make_task(session, admin, status="done")
    straight = await make_task(session, admin, status="done")
    await _history(
        session,
        reopened,
        ("todo", utc(3, 10)),
        ("in_progress", utc(3, 12)),  # todo 2 h
        ("todo", utc(4, 12)),  # in progress 24 h
        ("in_progress", utc(4, 14)),  # todo 2 h
        ("done", utc(4, 20)),  # in progress 6 h
    )
    await _history(
        session,
        straight,
        ("todo", utc(4, 0)),
        ("in_progress", utc(4, 1)),  # todo 1 h
        ("done", utc(4, 5)),  # in progress 4 h
    )
    h = bearer(admin, TEST_SECRET)
    params = {"period": "custom", "from": "2025-03-03", "to": "2025-03-05"}
    r = await client.get(f"{API}/cycle-time", params=params, headers=h)
    assert r.json()["items"] == [
        {"status": "todo", "stays": 3, "mean_hours": 1.67, "median_hours": 2.0},
        {"status": "in_progress", "stays": 3, "mean_hours": 11.33, "median_hours": 6.0},
    ]
    # Only stays that ended in the range: on the 3rd just the first todo stay (2 h) did.
    params = {"period": "custom", "from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(f"{API}/cycle-time", params=params, headers=h)
    assert r.json()["items"] == [
        {"status": "todo", "stays": 1, "mean_hours": 2.0, "median_hours": 2.0}
    ]
    expected = [
        {"status": "todo", "stays": 2, "hours": 4.0},
        {"status": "in_progress", "stays": 2, "hours": 30.0},
    ]
    # By id or by key (as in the task routes), the same task and figures.
    for ref in (str(reopened.id), reopened.key, reopened.key.lower()):
        r = await client.get(f"{API}/cycle-time/tasks/{ref}", headers=h)
        assert r.status_code == 200, (ref, r.text)
        assert r.json() == {"task_id": reopened.id, "items": expected}


async def test_a_task_outside_ones_view_is_404_for_its_cycle_time(client, session) -> None:
    owner = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, owner)
    for ref in (str(task.id), task.key, "NOPE-1", "not-a-task"):
        r = await client.get(f"{API}/cycle-time/tasks/{ref}", headers=bearer(other, TEST_SECRET))
        assert r.status_code == 404, ref
        assert r.json()["error"]["code"] == "task_not_found"
    mine = await client.get(
        f"{API}/cycle-time/tasks/{task.key}", headers=bearer(owner, TEST_SECRET)
    )
    assert mine.status_code == 200


async def test_estimate_accuracy_per_person_and_overall(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    alice = await make_user(session, display_name="Alice")
    bob = await make_user(session, display_name="Bob")
    finished = utc(5, 12)
    for person, total, estimate in [
        (alice, 60, 60),  # 1.0
        (alice, 90, 60),  # 1.5
        (alice, 30, 40),  # 0.75, on the edge: within
        (bob, 50, 100),  # 0.5
        (bob, 120, 100),  # 1.2
    ]:
        await make_task(
            session,
            person,
            status="done",
            total_minutes=total,
            estimate_minutes=estimate,
            status_changed_at=finished,
        )
    await make_task(session, bob, status="done", total_minutes=10, status_changed_at=finished)
    await make_task(
        session,
        bob,
        status="done",
        total_minutes=10,
        estimate_minutes=10,
        status_changed_at=utc(20, 12),  # finished after the range
    )
    await make_task(session, bob, status="in_progress", total_minutes=10, estimate_minutes=99)
    params = {"period": "custom", "from": "2025-03-01", "to": "2025-03-10"}
    body = (
        await client.get(
            f"{API}/estimate-accuracy", params=params, headers=bearer(admin, TEST_SECRET)
        )
    ).json()
    assert body["overall"] == {
        "user_id": None,
        "display_name": "Everyone",
        "tasks": 5,
        "median_ratio": 1.0,
        "within_25_percent": 0.6,
    }
    assert body["items"] == [
        {
            "user_id": alice.id,
            "display_name": "Alice",
            "tasks": 3,
            "median_ratio": 1.0,
            "within_25_percent": 0.667,
        },
        {
            "user_id": bob.id,
            "display_name": "Bob",
            "tasks": 2,
            "median_ratio": 0.85,
            "within_25_percent": 0.5,
        },
    ]


async def test_estimate_accuracy_counts_a_parents_estimate_once_beside_its_subtasks(
    client, session
) -> None:
    """A parent with estimated subtasks is measured through them (and left out itself); a
    parent whose subtasks have no estimate is measured with their time added to its own."""
    admin = await make_user(session, is_admin=True)
    alice = await make_user(session, display_name="Alice")
    bob = await make_user(session, display_name="Bob")
    done = {"status": "done", "status_changed_at": utc(5, 12)}

    async def task(owner, total: int, estimate: int | None, **more: Any) -> Any:
        fields = {"total_minutes": total, "estimate_minutes": estimate, **more}
        return await make_task(session, owner, **fields)

    # Alice. P1 (120 estimated, 10 own) with two unestimated steps of 50 and 60: 1.0.
    p1 = await task(alice, 10, 120, **done)
    await task(alice, 50, None, parent_id=p1.id, **done)
    await task(alice, 60, None, parent_id=p1.id, status="in_progress")
    # P2 (300) split into estimated subtasks: S1 90/60 = 1.5, S2 80/100 = 0.8, S3 open.
    p2 = await task(alice, 20, 300, **done)
    await task(alice, 90, 60, parent_id=p2.id, **done)
    await task(alice, 80, 100, parent_id=p2.id, **done)
    await task(alice, 10, 50, parent_id=p2.id, status="in_progress")
    await task(alice, 30, 40, **done)  # a plain task: 0.75
    # Bob: an estimated subtask finished under a parent still open: 30/30 = 1.0.
    p3 = await task(bob, 0, 500, status="in_progress")
    await task(bob, 30, 30, parent_id=p3.id, **done)

    params = {"period": "custom", "from": "2025-03-01", "to": "2025-03-10"}
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(admin, TEST_SECRET)
    )
    body = r.json()
    # Ratios 0.75, 0.8, 1.0 (P1), 1.0 (Bob), 1.5: median 1.0, four of five within ±25 %.
    assert body["overall"] == {
        "user_id": None,
        "display_name": "Everyone",
        "tasks": 5,
        "median_ratio": 1.0,
        "within_25_percent": 0.8,
    }
    # Alice: 0.75, 0.8, 1.0, 1.5: median (0.8 + 1.0) / 2.
    assert body["items"] == [
        {
            "user_id": alice.id,
            "display_name": "Alice",
            "tasks": 4,
            "median_ratio": 0.9,
            "within_25_percent": 0.75,
        },
        {
            "user_id": bob.id,
            "display_name": "Bob",
            "tasks": 1,
            "median_ratio": 1.0,
            "within_25_percent": 1.0,
        },
    ]


async def test_throughput_counts_tasks_finished_per_local_week(client, app, session) -> None:
    viewer = await make_user(session, is_admin=True, time_zone=LA)
    late_sunday = await make_task(session, viewer, status="done")
    monday = await make_task(session, viewer, status="done")
    twice = await make_task(session, viewer, status="done")
    await _history(session, late_sunday, ("todo", utc(1, 0)), ("done", utc(10, 6, 30)))
    await _history(session, monday, ("todo", utc(1, 0)), ("done", utc(10, 7, 30)))
    await _history(
        session,
        twice,
        ("todo", utc(1, 0)),
        ("done", utc(11, 18)),
        ("todo", utc(12, 18)),
        ("done", utc(13, 18)),
    )
    h = bearer(viewer, TEST_SECRET)
    params = {"period": "custom", "from": "2025-03-03", "to": "2025-03-16"}
    r = await client.get(f"{API}/throughput", params=params, headers=h)
    assert r.json()["items"] == [
        {"week": "2025-03-03", "finished": 1},
        {"week": "2025-03-10", "finished": 2},
    ]
    app.state.settings.week_start = "sunday"
    r = await client.get(f"{API}/throughput", params=params, headers=h)
    assert r.json()["range"]["week_start"] == 7
    assert r.json()["items"] == [
        {"week": "2025-03-02", "finished": 0},
        {"week": "2025-03-09", "finished": 3},
        {"week": "2025-03-16", "finished": 0},
    ]


async def _statements(engine, client, url: str, params: dict[str, str], headers) -> int:
    seen: list[str] = []

    def on_execute(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        assert (await client.get(url, params=params, headers=headers)).status_code == 200
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)
    return len(seen)


@pytest.mark.parametrize(
    "path", ["top-users", "time-per-day", "cycle-time", "estimate-accuracy", "throughput"]
)
async def test_each_report_is_one_statement_whatever_the_data(
    client, session, engine, team, path
) -> None:
    h = bearer(team["admin"], TEST_SECRET)
    params = {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}
    before = await _statements(engine, client, f"{API}/{path}", params, h)
    for n in range(6):
        person = await make_user(session)
        task = await make_task(session, person, status="done", estimate_minutes=30)
        await _log(session, task, person, utc(3 + n, 12), 10 + n)
    after = await _statements(engine, client, f"{API}/{path}", params, h)
    assert before == after <= 2  # the user (on a write or cache miss) and the report
