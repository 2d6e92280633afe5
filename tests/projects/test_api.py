"""Projects and their members over /api/v1, and what membership means for tasks and time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sprintsync.db import utcnow
from sprintsync.projects.models import ProjectMember
from sprintsync.tasks.models import Task
from sprintsync.timesheet.models import TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    db_snapshot,
    make_entry,
    make_project,
    make_task,
    make_user,
)

API = "/api/v1/projects"


async def test_an_admin_creates_a_project_by_key_and_reads_it_by_id_or_key(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    h = bearer(admin, TEST_SECRET)
    r = await client.post(API, json={"key": " api ", "name": "API Platform"}, headers=h)
    assert r.status_code == 201, r.text
    project = r.json()
    assert (project["key"], project["name"], project["archived"]) == ("API", "API Platform", False)
    for ref in ("API", "api", str(project["id"])):
        r = await client.get(f"{API}/{ref}", headers=h)
        assert r.status_code == 200, ref
        assert r.json()["id"] == project["id"], ref
    r = await client.get(f"{API}/API/members", headers=h)
    assert [(m["user_id"], m["role"]) for m in r.json()] == [(admin.id, "lead")]


async def test_project_keys_are_unique_and_two_to_ten_capital_letters(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    h = bearer(admin, TEST_SECRET)
    assert (
        await client.post(API, json={"key": "OPS", "name": "Ops"}, headers=h)
    ).status_code == 201
    before = await db_snapshot(session)
    r = await client.post(API, json={"key": "ops", "name": "Again"}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "project_key_taken"
    for key in ("A", "ABCDEFGHIJK", "AB1", "A-B", ""):
        r = await client.post(API, json={"key": key, "name": "Bad"}, headers=h)
        assert r.status_code == 422, key
    r = await client.patch(f"{API}/OPS", json={"key": "NEW"}, headers=h)
    assert r.status_code == 422  # the key never changes: task keys are made from it
    assert await db_snapshot(session) == before


async def test_task_keys_count_up_per_project_and_are_never_reused(client, session) -> None:
    me = await make_user(session)
    alpha = await make_project(session, members=(me,), key="ALPHA")
    beta = await make_project(session, members=(me,), key="BETA")
    h = bearer(me, TEST_SECRET)

    async def create(project) -> str:
        r = await client.post(
            "/api/v1/tasks", json={"title": "t", "project_id": project.id}, headers=h
        )
        assert r.status_code == 201, r.text
        return r.json()["key"]

    assert [await create(alpha), await create(alpha), await create(beta)] == [
        "ALPHA-1",
        "ALPHA-2",
        "BETA-1",
    ]
    assert (await client.delete("/api/v1/tasks/ALPHA-2", headers=h)).status_code == 204
    assert await create(alpha) == "ALPHA-3"
    assert (await client.get("/api/v1/tasks/ALPHA-2", headers=h)).status_code == 404


async def test_a_task_key_works_wherever_a_task_id_does(client, session) -> None:
    me = await make_user(session)
    task = await make_task(session, me, title="Keyed")
    h = bearer(me, TEST_SECRET)
    lower = task.key.lower()
    assert (await client.get(f"/api/v1/tasks/{lower}", headers=h)).json()["id"] == task.id
    r = await client.post(
        f"/api/v1/tasks/{task.key}/status", json={"status": "in_progress"}, headers=h
    )
    assert r.status_code == 200
    assert r.json()["key"] == task.key
    assert (await client.get(f"/api/v1/tasks/{task.key}/history", headers=h)).status_code == 200
    r = await client.post(f"/api/v1/tasks/{task.key}/time-entries", json={"minutes": 15}, headers=h)
    assert r.status_code == 201
    assert r.json()["task_id"] == task.id
    r = await client.get(f"/api/v1/tasks/{task.key}/time-entries", headers=h)
    assert [e["minutes"] for e in r.json()] == [15]
    r = await client.get("/api/v1/tasks", params={"q": lower}, headers=h)
    assert [t["key"] for t in r.json()["items"]] == [task.key]
    r = await client.post(
        "/api/v1/ai/suggest", json={"mode": "estimate", "task_id": task.key}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Keyed"
    for ref in ("NOPE-1", f"{task.key}0", "A-1", "12abc"):
        r = await client.get(f"/api/v1/tasks/{ref}", headers=h)
        assert r.status_code == 404, ref
        assert r.json()["error"]["code"] == "task_not_found", ref


async def test_removing_a_member_unassigns_their_open_tasks_and_keeps_their_time(
    client, session
) -> None:
    lead, leaver = await make_user(session), await make_user(session)
    team = await make_project(session, members=(leaver,), leads=(lead,))
    open_task = await make_task(session, lead, project=team, assignee_id=leaver.id)
    done_task = await make_task(session, lead, project=team, assignee_id=leaver.id, status="done")
    await make_entry(session, open_task, leaver, minutes=45)
    r = await client.delete(
        f"{API}/{team.key}/members/{leaver.id}", headers=bearer(lead, TEST_SECRET)
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": leaver.id, "unassigned_tasks": 1}
    await session.commit()
    rows = dict((await session.execute(select(Task.id, Task.assignee_id))).all())
    assert rows[open_task.id] is None
    assert rows[done_task.id] == leaver.id
    minutes = (await session.execute(select(TimeEntry.minutes))).scalars().all()
    assert minutes == [45]
    # They no longer see the project's tasks, but their own time entries stay theirs.
    h = bearer(leaver, TEST_SECRET)
    assert (await client.get(f"/api/v1/tasks/{open_task.key}", headers=h)).status_code == 404
    r = await client.get("/api/v1/time-entries", headers=h)
    assert [e["minutes"] for e in r.json()["items"]] == [45]


async def test_removing_a_member_unassigns_only_their_open_tasks_in_that_project(
    client, session
) -> None:
    lead, leaver, stayer = [await make_user(session) for _ in range(3)]
    team = await make_project(session, members=(leaver, stayer), leads=(lead,))
    elsewhere = await make_project(session, members=(leaver,))
    long_ago = utcnow() - timedelta(days=30)
    theirs = await make_task(
        session, lead, project=team, assignee_id=leaver.id, updated_at=long_ago
    )
    colleagues = await make_task(
        session, lead, project=team, assignee_id=stayer.id, updated_at=long_ago
    )
    other_project = await make_task(
        session, leaver, project=elsewhere, assignee_id=leaver.id, updated_at=long_ago
    )
    h = bearer(lead, TEST_SECRET)
    r = await client.delete(f"{API}/{team.key}/members/{leaver.id}", headers=h)
    assert r.json() == {"user_id": leaver.id, "unassigned_tasks": 1}
    await session.commit()
    rows = {
        row.id: row
        for row in (await session.execute(select(Task.id, Task.assignee_id, Task.updated_at)))
    }
    assert rows[theirs.id].assignee_id is None
    assert rows[theirs.id].updated_at > long_ago + timedelta(days=29)  # the change is dated
    assert (rows[colleagues.id].assignee_id, rows[colleagues.id].updated_at) == (
        stayer.id,
        long_ago,
    )
    assert rows[other_project.id].assignee_id == leaver.id
    # Someone with no open tasks there leaves nothing to unassign.
    lonely = await make_user(session)
    await client.post(f"{API}/{team.key}/members", json={"user_id": lonely.id}, headers=h)
    r = await client.delete(f"{API}/{team.key}/members/{lonely.id}", headers=h)
    assert r.json() == {"user_id": lonely.id, "unassigned_tasks": 0}


async def test_members_are_added_once_and_only_active_users(client, session) -> None:
    lead, newcomer = await make_user(session), await make_user(session)
    gone = await make_user(session, is_active=False)
    team = await make_project(session, leads=(lead,))
    h = bearer(lead, TEST_SECRET)
    r = await client.post(f"{API}/{team.key}/members", json={"user_id": newcomer.id}, headers=h)
    assert r.status_code == 201
    assert r.json()["role"] == "member"
    before = await db_snapshot(session)
    r = await client.post(f"{API}/{team.key}/members", json={"user_id": newcomer.id}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "already_member"
    for user_id in (gone.id, gone.id + 1000):
        r = await client.post(f"{API}/{team.key}/members", json={"user_id": user_id}, headers=h)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_user"
    assert await db_snapshot(session) == before
    r = await client.patch(
        f"{API}/{team.key}/members/{newcomer.id}", json={"role": "lead"}, headers=h
    )
    assert r.status_code == 200
    assert r.json()["role"] == "lead"


async def test_an_archived_project_is_read_only_and_hidden_until_asked_for(client, session) -> None:
    lead, member = await make_user(session), await make_user(session)
    team = await make_project(session, members=(member,), leads=(lead,), name="Old team")
    task = await make_task(session, member, project=team)
    r = await client.patch(
        f"{API}/{team.key}", json={"archived": True}, headers=bearer(lead, TEST_SECRET)
    )
    assert r.status_code == 200
    assert r.json()["archived"] is True
    h = bearer(member, TEST_SECRET)
    before = await db_snapshot(session)
    refused = [
        ("PATCH", f"/api/v1/tasks/{task.key}", {"title": "x"}),
        ("POST", f"/api/v1/tasks/{task.key}/status", {"status": "in_progress"}),
        ("DELETE", f"/api/v1/tasks/{task.key}", None),
        ("POST", f"/api/v1/tasks/{task.key}/timer/start", None),
        ("POST", f"/api/v1/tasks/{task.key}/time-entries", {"minutes": 5}),
        ("POST", "/api/v1/tasks", {"title": "x", "project_id": team.id}),
        ("PATCH", f"{API}/{team.key}", {"name": "Renamed"}),
    ]
    for method, path, body in refused:
        r = await client.request(
            method,
            path,
            json=body,
            headers=h if "projects" not in path else bearer(lead, TEST_SECRET),
        )
        assert r.status_code == 409, (method, path, r.text)
        assert r.json()["error"]["code"] == "project_archived"
    assert await db_snapshot(session) == before
    # Still readable, but out of the default lists.
    assert (await client.get(f"/api/v1/tasks/{task.key}", headers=h)).status_code == 200
    assert (await client.get("/api/v1/tasks", headers=h)).json()["items"] == []
    r = await client.get("/api/v1/tasks", params={"include_archived": "true"}, headers=h)
    assert [t["key"] for t in r.json()["items"]] == [task.key]
    assert team.key not in {p["key"] for p in (await client.get(API, headers=h)).json()}
    r = await client.get(API, params={"archived": "true"}, headers=h)
    assert team.key in {p["key"] for p in r.json()}
    r = await client.patch(
        f"{API}/{team.key}", json={"archived": False}, headers=bearer(lead, TEST_SECRET)
    )
    assert r.status_code == 200
    assert (
        await client.patch(f"/api/v1/tasks/{task.key}", json={"title": "x"}, headers=h)
    ).status_code == 200


async def test_new_sign_ups_join_the_projects_named_in_the_setting(
    settings, client, session
) -> None:
    await make_project(session, name="General", key="GEN")
    await make_project(session, name="Onboarding", key="ONB")
    await make_project(session, name="Secret", key="SEC")
    settings.signup_projects = ["general", "Onboarding", "Nonexistent"]
    r = await client.post(
        "/api/v1/auth/signup",
        json={"email": "new@example.com", "display_name": "New", "password": "long-enough-pw"},
    )
    assert r.status_code == 201, r.text
    await session.commit()
    joined = await session.execute(
        select(ProjectMember.role).where(ProjectMember.user_id == r.json()["user"]["id"])
    )
    assert sorted(joined.scalars()) == ["member", "member"]
    r = await client.get(API, headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert [p["key"] for p in r.json()] == ["GEN", "ONB"]
