"""Permission matrix over every comment route: anonymous, other user, member, author, admin.

The task is owned by `author` and assigned to `member`; `other` cannot see it. Every refused
request must leave the database exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from sprintsync.comments.models import Comment
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_task, make_user

ACTORS = ("anonymous", "other", "member", "author", "admin")

# route name -> (method, path, json body, expected status per actor)
ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "list": ("GET", "/api/v1/tasks/{task}/comments", None,
             {"anonymous": 401, "other": 404, "member": 200, "author": 200, "admin": 200}),
    "add": ("POST", "/api/v1/tasks/{task}/comments", {"body": "Hello"},
            {"anonymous": 401, "other": 404, "member": 201, "author": 201, "admin": 201}),
    "get": ("GET", "/api/v1/comments/{comment}", None,
            {"anonymous": 401, "other": 404, "member": 200, "author": 200, "admin": 200}),
    "edit": ("PATCH", "/api/v1/comments/{comment}", {"body": "Changed"},
             {"anonymous": 401, "other": 404, "member": 403, "author": 200, "admin": 403}),
    "delete": ("DELETE", "/api/v1/comments/{comment}", None,
               {"anonymous": 401, "other": 404, "member": 403, "author": 204, "admin": 204}),
    "activity": ("GET", "/api/v1/tasks/{task}/activity", None,
                 {"anonymous": 401, "other": 404, "member": 200, "author": 200, "admin": 200}),
}  # fmt: skip
NOT_FOUND_CODES = {"list": "task_not_found", "add": "task_not_found", "activity": "task_not_found"}


@pytest.mark.parametrize("route", ROUTES)
async def test_comment_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = ROUTES[route]
    people = {
        "anonymous": None,
        "other": await make_user(session),
        "member": await make_user(session),
        "author": await make_user(session),
        "admin": await make_user(session, is_admin=True),
    }
    for actor in ACTORS:
        task = await make_task(session, people["author"], assignee_id=people["member"].id)
        comment = Comment(task_id=task.id, author_id=people["author"].id, body="First")
        session.add(comment)
        await session.commit()
        before = await db_snapshot(session)
        user = people[actor]
        r = await client.request(
            method,
            path.format(task=task.id, comment=comment.id),
            json=body,
            headers=bearer(user, TEST_SECRET) if user else {},
        )
        assert r.status_code == expected[actor], (route, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (route, actor)
            assert set(r.json()) == {"error", "request_id"}
        if r.status_code == 404:
            assert r.json()["error"]["code"] == NOT_FOUND_CODES.get(route, "comment_not_found")
        session.expunge_all()
