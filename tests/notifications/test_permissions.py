"""Permission matrix over the notification routes: anonymous, other user, recipient, admin.

A notification is its recipient's alone: anyone else, admins included, gets 404 and changes
nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from sprintsync.notifications.models import Notification
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_task, make_user

ACTORS = ("anonymous", "other", "recipient", "admin")

ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "list": ("GET", "/api/v1/notifications", None,
             {"anonymous": 401, "other": 200, "recipient": 200, "admin": 200}),
    "count": ("GET", "/api/v1/notifications/unread-count", None,
              {"anonymous": 401, "other": 200, "recipient": 200, "admin": 200}),
    "read": ("POST", "/api/v1/notifications/{id}/read", None,
             {"anonymous": 401, "other": 404, "recipient": 200, "admin": 404}),
    "read_all": ("POST", "/api/v1/notifications/read-all", None,
                 {"anonymous": 401, "other": 200, "recipient": 200, "admin": 200}),
    "settings": ("GET", "/api/v1/notifications/settings", None,
                 {"anonymous": 401, "other": 200, "recipient": 200, "admin": 200}),
    "update_settings": ("PATCH", "/api/v1/notifications/settings", {"moved": False},
                        {"anonymous": 401, "other": 200, "recipient": 200, "admin": 200}),
}  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
async def test_notification_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = ROUTES[route]
    people = {
        "anonymous": None,
        "other": await make_user(session),
        "recipient": await make_user(session),
        "admin": await make_user(session, is_admin=True),
    }
    for actor in ACTORS:
        task = await make_task(session, people["recipient"])
        notification = Notification(
            user_id=people["recipient"].id, kind="moved", task_id=task.id, detail="done"
        )
        session.add(notification)
        await session.commit()
        before = await db_snapshot(session)
        user = people[actor]
        r = await client.request(
            method,
            path.format(id=notification.id),
            json=body,
            headers=bearer(user, TEST_SECRET) if user else {},
        )
        assert r.status_code == expected[actor], (route, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (route, actor)
        if r.status_code == 404:
            assert r.json()["error"]["code"] == "notification_not_found"
        if route == "list" and user is not None:
            ids = {i["id"] for i in r.json()["items"]}
            assert (notification.id in ids) is (actor == "recipient"), actor
        if route == "count" and user is not None:
            assert (r.json()["unread"] > 0) is (actor == "recipient"), actor
        if route == "read_all" and actor != "recipient" and user is not None:
            await session.refresh(notification)
            assert notification.read_at is None, actor
        session.expunge_all()
