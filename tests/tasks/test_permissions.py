"""Permission matrix over every task route: anonymous, owner, assignee, other user, admin.

Each actor acts on a task of its own (all owned by `owner`, assigned to `assignee`), so one
actor's success cannot hide another's refusal. Every refused request must leave the
database exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_task, make_user

ACTORS = ("anonymous", "other", "assignee", "owner", "admin")

# route name -> (method, path, json body, expected status per actor)
ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "get": ("GET", "/api/v1/tasks/{id}", None,
            {"anonymous": 401, "other": 404, "assignee": 200, "owner": 200, "admin": 200}),
    "patch": ("PATCH", "/api/v1/tasks/{id}", {"title": "Renamed"},
              {"anonymous": 401, "other": 404, "assignee": 200, "owner": 200, "admin": 200}),
    "delete": ("DELETE", "/api/v1/tasks/{id}", None,
               {"anonymous": 401, "other": 404, "assignee": 403, "owner": 204, "admin": 204}),
    "status": ("POST", "/api/v1/tasks/{id}/status", {"status": "in_progress"},
               {"anonymous": 401, "other": 404, "assignee": 200, "owner": 200, "admin": 200}),
    "history": ("GET", "/api/v1/tasks/{id}/history", None,
                {"anonymous": 401, "other": 404, "assignee": 200, "owner": 200, "admin": 200}),
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


@pytest.mark.parametrize("route", ROUTES)
async def test_task_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = ROUTES[route]
    people = await _people(session)
    for actor in ACTORS:
        task = await make_task(session, people["owner"], assignee_id=people["assignee"].id)
        before = await db_snapshot(session)
        r = await client.request(
            method, path.format(id=task.id), json=body, headers=_headers(people[actor])
        )
        assert r.status_code == expected[actor], (route, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (route, actor)
        if r.status_code == 404:
            assert r.json()["error"]["code"] == "task_not_found"
        if r.status_code == 401:
            assert r.headers["www-authenticate"] == "Bearer"
        session.expunge(task)  # SQLite may hand a deleted task's id to the next one


async def test_task_list_and_create_permissions(client, session) -> None:
    people = await _people(session)
    task = await make_task(session, people["owner"], assignee_id=people["assignee"].id)
    sees_task = {"other": False, "assignee": True, "owner": True, "admin": True}
    for actor in ACTORS:
        headers = _headers(people[actor])
        listed = await client.get("/api/v1/tasks", headers=headers)
        created = await client.post("/api/v1/tasks", json={"title": actor}, headers=headers)
        if actor == "anonymous":
            assert (listed.status_code, created.status_code) == (401, 401)
            continue
        assert (listed.status_code, created.status_code) == (200, 201), actor
        ids = {t["id"] for t in listed.json()["items"]}
        assert (task.id in ids) is sees_task[actor], actor
        assert created.json()["owner_id"] == people[actor].id
