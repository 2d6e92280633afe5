"""Permission matrix over every timer and time-entry route.

Task-scoped routes follow the task's visibility (another user's task is a 404). Entries
belong to the person who logged them: nobody else, not even an admin, edits or deletes
them. Every refused request must leave the database exactly as it was.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sprintsync.db import utcnow
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_entry, make_task, make_user

ACTORS = ("anonymous", "other", "assignee", "owner", "admin")

TASK_ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "timer_start": ("POST", "/api/v1/tasks/{id}/timer/start", None,
                    {"anonymous": 401, "other": 404, "assignee": 200, "owner": 200, "admin": 200}),
    "add_entry": ("POST", "/api/v1/tasks/{id}/time-entries", {"minutes": 15},
                  {"anonymous": 401, "other": 404, "assignee": 201, "owner": 201, "admin": 201}),
    "task_entries": ("GET", "/api/v1/tasks/{id}/time-entries", None,
                     {"anonymous": 401, "other": 404, "assignee": 200, "owner": 200,
                      "admin": 200}),
}  # fmt: skip

# Entries are the owner's; "assignee" here is just another person who can see the task.
ENTRY_ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "patch_entry": ("PATCH", "/api/v1/time-entries/{id}", {"note": "mine"},
                    {"anonymous": 401, "other": 404, "assignee": 404, "owner": 200, "admin": 404}),
    "delete_entry": ("DELETE", "/api/v1/time-entries/{id}", None,
                     {"anonymous": 401, "other": 404, "assignee": 404, "owner": 204,
                      "admin": 404}),
}  # fmt: skip


async def _people(session) -> dict[str, Any]:
    return {
        "anonymous": None,
        "other": await make_user(session),
        "assignee": await make_user(session),
        "owner": await make_user(session),
        "admin": await make_user(session, is_admin=True),
    }


def _headers(user) -> dict[str, str]:
    return bearer(user, TEST_SECRET) if user is not None else {}


async def _check(client, session, route, method, url, body, user, expected) -> None:
    before = await db_snapshot(session)
    r = await client.request(method, url, json=body, headers=_headers(user))
    assert r.status_code == expected, (route, url, r.text)
    if r.status_code >= 400:
        assert await db_snapshot(session) == before, route


@pytest.mark.parametrize("route", TASK_ROUTES)
async def test_task_scoped_time_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = TASK_ROUTES[route]
    people = await _people(session)
    for actor in ACTORS:
        task = await make_task(session, people["owner"], assignee_id=people["assignee"].id)
        url = path.format(id=task.id)
        await _check(client, session, route, method, url, body, people[actor], expected[actor])


@pytest.mark.parametrize("route", ENTRY_ROUTES)
async def test_entry_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = ENTRY_ROUTES[route]
    people = await _people(session)
    task = await make_task(session, people["owner"], assignee_id=people["assignee"].id)
    for actor in ACTORS:
        entry = await make_entry(session, task, people["owner"])
        url = path.format(id=entry.id)
        await _check(client, session, route, method, url, body, people[actor], expected[actor])
        session.expunge(entry)  # SQLite may hand a deleted entry's id to the next one


async def test_personal_timer_and_entry_routes_act_only_on_the_callers_own_data(
    client, session
) -> None:
    people = await _people(session)
    owner = people["owner"]
    task = await make_task(session, owner)
    entry = await make_entry(session, task, owner)
    await make_entry(
        session,
        task,
        owner,
        source="timer",
        minutes=0,
        ended_at=None,
        started_at=utcnow() - timedelta(minutes=5),
    )
    for actor in ACTORS:
        headers = _headers(people[actor])
        timer = await client.get("/api/v1/timer", headers=headers)
        entries = await client.get("/api/v1/time-entries", headers=headers)
        if actor == "anonymous":
            assert (timer.status_code, entries.status_code) == (401, 401)
            await _check(client, session, "stop", "POST", "/api/v1/timer/stop", None, None, 401)
            continue
        assert (timer.status_code, entries.status_code) == (200, 200)
        assert timer.json()["running"] is (actor == "owner"), actor
        ids = [e["id"] for e in entries.json()["items"]]
        assert (entry.id in ids) is (actor == "owner"), actor
        if actor != "owner":
            # Stopping answers "you have no timer" and leaves the owner's timer running.
            await _check(
                client, session, "stop", "POST", "/api/v1/timer/stop", None, people[actor], 409
            )
    r = await client.post("/api/v1/timer/stop", headers=_headers(owner))
    assert r.status_code == 200
    assert r.json()["entry"]["minutes"] == 5
