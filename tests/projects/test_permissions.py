"""Permission matrix over every project route and every task route, by project role:
anonymous, non-member, member, lead, admin (not a member).

Each actor acts on a project (and task) of its own, so one actor's success cannot hide
another's refusal. Every refused request must leave the database exactly as it was, and
things outside a user's projects answer 404, never 403.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_project, make_task, make_user

ACTORS = ("anonymous", "outsider", "member", "lead", "admin")


def _expect(anonymous: int, outsider: int, member: int, lead: int, admin: int) -> dict[str, int]:
    return dict(zip(ACTORS, (anonymous, outsider, member, lead, admin), strict=True))


# route -> (method, path, body, expected status per actor); {key} is the project's key,
# {task} the task's key, {other} a member other than the actor, {newcomer} a non-member.
PROJECT_ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "get": ("GET", "/api/v1/projects/{key}", None, _expect(401, 404, 200, 200, 200)),
    "rename": (
        "PATCH",
        "/api/v1/projects/{key}",
        {"name": "Renamed"},
        _expect(401, 404, 403, 200, 200),
    ),
    "archive": (
        "PATCH",
        "/api/v1/projects/{key}",
        {"archived": True},
        _expect(401, 404, 403, 200, 200),
    ),
    "members": ("GET", "/api/v1/projects/{key}/members", None, _expect(401, 404, 200, 200, 200)),
    "add_member": (
        "POST",
        "/api/v1/projects/{key}/members",
        {"user_id": "{newcomer}"},
        _expect(401, 404, 403, 201, 201),
    ),
    "change_role": (
        "PATCH",
        "/api/v1/projects/{key}/members/{other}",
        {"role": "lead"},
        _expect(401, 404, 403, 200, 200),
    ),
    "remove_member": (
        "DELETE",
        "/api/v1/projects/{key}/members/{other}",
        None,
        _expect(401, 404, 403, 200, 200),
    ),
}
TASK_ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "get": ("GET", "/api/v1/tasks/{task}", None, _expect(401, 404, 200, 200, 200)),
    "patch": ("PATCH", "/api/v1/tasks/{task}", {"title": "Renamed"},
              _expect(401, 404, 200, 200, 200)),
    "assign": ("PATCH", "/api/v1/tasks/{task}", {"assignee_id": "{other}"},
               _expect(401, 404, 200, 200, 200)),
    "delete": ("DELETE", "/api/v1/tasks/{task}", None, _expect(401, 404, 403, 204, 204)),
    "status": ("POST", "/api/v1/tasks/{task}/status", {"status": "in_progress"},
               _expect(401, 404, 200, 200, 200)),
    "history": ("GET", "/api/v1/tasks/{task}/history", None, _expect(401, 404, 200, 200, 200)),
    "timer": ("POST", "/api/v1/tasks/{task}/timer/start", None,
              _expect(401, 404, 200, 200, 200)),
    "log_time": ("POST", "/api/v1/tasks/{task}/time-entries", {"minutes": 30},
                 _expect(401, 404, 201, 201, 201)),
    "time": ("GET", "/api/v1/tasks/{task}/time-entries", None, _expect(401, 404, 200, 200, 200)),
    "create": ("POST", "/api/v1/tasks", {"title": "New", "project_id": "{project_id}"},
               _expect(401, 404, 201, 201, 201)),
}  # fmt: skip


async def _world(session) -> dict[str, Any]:
    """A project with an owner of one task, a member, a lead; an outsider and an admin."""
    people = {
        "anonymous": None,
        "outsider": await make_user(session),
        "member": await make_user(session),
        "lead": await make_user(session),
        "admin": await make_user(session, is_admin=True),
        "owner": await make_user(session),
        "newcomer": await make_user(session),
    }
    project = await make_project(
        session, members=(people["owner"], people["member"]), leads=(people["lead"],)
    )
    task = await make_task(session, people["owner"], project=project)
    return {"people": people, "project": project, "task": task}


def _fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


async def _run(client, session, route: tuple[str, str, Any, dict[str, int]], kind: str) -> None:
    method, path, body, expected = route
    for actor in ACTORS:
        world = await _world(session)
        people, project, task = world["people"], world["project"], world["task"]
        names = {
            "key": project.key,
            "task": task.key,
            "project_id": project.id,
            "newcomer": people["newcomer"].id,
            "other": people["owner"].id,
        }
        user = people[actor]
        headers = bearer(user, TEST_SECRET) if user is not None else {}
        before = await db_snapshot(session)
        r = await client.request(
            method, path.format(**names), json=_fill(body, names), headers=headers
        )
        assert r.status_code == expected[actor], (kind, path, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (kind, path, actor)
            assert set(r.json()) == {"error", "request_id"}
        if r.status_code == 404:
            assert r.json()["error"]["code"] == f"{kind}_not_found"
        if r.status_code == 401:
            assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("route", PROJECT_ROUTES)
async def test_project_route_permissions(client, session, route: str) -> None:
    await _run(client, session, PROJECT_ROUTES[route], "project")


@pytest.mark.parametrize("route", TASK_ROUTES)
async def test_task_route_permissions_follow_project_membership(
    client, session, route: str
) -> None:
    # Creating a task names the project, so an outsider's 404 is the project's.
    kind = "project" if route == "create" else "task"
    await _run(client, session, TASK_ROUTES[route], kind)


async def test_only_admins_create_projects_and_nothing_changes_on_refusal(client, session) -> None:
    world = await _world(session)
    people = world["people"]
    for actor in ACTORS:
        user = people[actor]
        headers = bearer(user, TEST_SECRET) if user is not None else {}
        before = await db_snapshot(session)
        key = f"NEW{'ABCDE'[ACTORS.index(actor)]}"
        r = await client.post(
            "/api/v1/projects", json={"key": key, "name": f"New {actor}"}, headers=headers
        )
        expected = {"anonymous": 401, "admin": 201}.get(actor, 403)
        assert r.status_code == expected, (actor, r.text)
        if expected != 201:
            assert await db_snapshot(session) == before, actor
        else:
            assert (r.json()["key"], r.json()["role"]) == (key, "lead")


async def test_project_lists_show_only_ones_projects_and_admins_all(client, session) -> None:
    world = await _world(session)
    people, project = world["people"], world["project"]
    for actor, sees in (("outsider", False), ("member", True), ("lead", True), ("admin", True)):
        r = await client.get("/api/v1/projects", headers=bearer(people[actor], TEST_SECRET))
        assert r.status_code == 200
        assert (project.key in {p["key"] for p in r.json()}) is sees, actor
        r = await client.get("/api/v1/tasks", headers=bearer(people[actor], TEST_SECRET))
        assert (world["task"].key in {t["key"] for t in r.json()["items"]}) is sees, actor
