"""Notifications over the JSON API: what tells whom, reading them, and the switches."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.notifications.models import Notification
from tests.conftest import TEST_SECRET
from tests.factories import add_member, bearer, home_project, make_project, make_task, make_user


async def _sent(session) -> list[tuple[int, str, str | None]]:
    await session.commit()
    rows = await session.execute(
        select(Notification.user_id, Notification.kind, Notification.detail)
    )
    return sorted(tuple(r) for r in rows)


async def test_admin_assigning_a_task_tells_the_assignee(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    dev = await make_user(session)
    team = await make_project(session, members=(admin, dev))
    r = await client.post(
        "/api/v1/tasks",
        json={"title": "Fix it", "assignee_id": dev.id, "project_id": team.id},
        headers=bearer(admin, TEST_SECRET),
    )
    assert r.status_code == 201
    assert await _sent(session) == [(dev.id, "assigned", None)]
    page = (await client.get("/api/v1/notifications", headers=bearer(dev, TEST_SECRET))).json()
    [item] = page["items"]
    assert item["task_title"] == "Fix it"
    assert item["actor_name"] == admin.display_name
    assert item["read_at"] is None
    assert page["next_before"] is None


async def test_reassigning_tells_the_new_assignee_but_not_oneself(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    dev = await make_user(session)
    task = await make_task(session, admin)
    await add_member(session, await home_project(session, admin), dev)
    headers = bearer(admin, TEST_SECRET)
    await client.patch(f"/api/v1/tasks/{task.id}", json={"assignee_id": dev.id}, headers=headers)
    await client.patch(f"/api/v1/tasks/{task.id}", json={"assignee_id": admin.id}, headers=headers)
    assert await _sent(session) == [(dev.id, "assigned", None)]


async def test_a_move_by_someone_else_tells_owner_and_assignee(client, session) -> None:
    owner = await make_user(session)
    dev = await make_user(session)
    admin = await make_user(session, is_admin=True)
    task = await make_task(session, owner, assignee_id=dev.id)
    r = await client.post(
        f"/api/v1/tasks/{task.id}/status",
        json={"status": "in_progress"},
        headers=bearer(dev, TEST_SECRET),
    )
    assert r.status_code == 200
    assert await _sent(session) == [(owner.id, "moved", "in_progress")]
    await client.post(
        f"/api/v1/tasks/{task.id}/status",
        json={"status": "done"},
        headers=bearer(admin, TEST_SECRET),
    )
    assert await _sent(session) == [
        (owner.id, "moved", "done"),
        (owner.id, "moved", "in_progress"),
        (dev.id, "moved", "done"),
    ]


async def test_unread_count_mark_read_and_mark_all_read(client, session) -> None:
    owner = await make_user(session)
    dev = await make_user(session)
    headers = bearer(dev, TEST_SECRET)
    tasks = [await make_task(session, owner, assignee_id=dev.id) for _ in range(3)]
    for task in tasks:
        await client.post(
            f"/api/v1/tasks/{task.id}/comments",
            json={"body": "ping"},
            headers=bearer(owner, TEST_SECRET),
        )
    count = await client.get("/api/v1/notifications/unread-count", headers=headers)
    assert count.json() == {"unread": 3}
    first = (await client.get("/api/v1/notifications?limit=2", headers=headers)).json()
    assert [i["task_id"] for i in first["items"]] == [tasks[2].id, tasks[1].id]
    older = await client.get(
        f"/api/v1/notifications?before={first['next_before']}", headers=headers
    )
    assert [i["task_id"] for i in older.json()["items"]] == [tasks[0].id]
    r = await client.post(f"/api/v1/notifications/{first['items'][0]['id']}/read", headers=headers)
    assert r.status_code == 200
    unread = (await client.get("/api/v1/notifications?unread=true", headers=headers)).json()
    assert len(unread["items"]) == 2
    r = await client.post("/api/v1/notifications/read-all", headers=headers)
    assert r.json() == {"marked": 2}
    count = await client.get("/api/v1/notifications/unread-count", headers=headers)
    assert count.json() == {"unread": 0}


async def test_a_switched_off_kind_is_not_sent(client, session) -> None:
    owner = await make_user(session)
    dev = await make_user(session)
    task = await make_task(session, owner, assignee_id=dev.id)
    headers = bearer(owner, TEST_SECRET)
    r = await client.patch(
        "/api/v1/notifications/settings", json={"commented": False}, headers=headers
    )
    assert r.json() == {"assigned": True, "mentioned": True, "commented": False, "moved": True}
    await client.post(
        f"/api/v1/tasks/{task.id}/comments", json={"body": "hi"}, headers=bearer(dev, TEST_SECRET)
    )
    assert await _sent(session) == []
    got = await client.get("/api/v1/notifications/settings", headers=headers)
    assert got.json()["commented"] is False


async def test_notifications_about_a_task_one_can_no_longer_see_drop_out(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    dev = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, admin)
    admin_headers = bearer(admin, TEST_SECRET)
    await client.patch(
        f"/api/v1/tasks/{task.id}", json={"assignee_id": dev.id}, headers=admin_headers
    )
    await client.patch(
        f"/api/v1/tasks/{task.id}", json={"assignee_id": other.id}, headers=admin_headers
    )
    headers = bearer(dev, TEST_SECRET)
    assert (await client.get("/api/v1/notifications", headers=headers)).json()["items"] == []
    count = await client.get("/api/v1/notifications/unread-count", headers=headers)
    assert count.json() == {"unread": 0}


async def test_bad_list_parameters_use_the_error_envelope(client, session) -> None:
    dev = await make_user(session)
    r = await client.get("/api/v1/notifications?limit=500", headers=bearer(dev, TEST_SECRET))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
