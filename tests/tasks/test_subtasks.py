"""Subtasks: a parent link on tasks, through the API, the breakdown, the plan and the panel."""

from __future__ import annotations

import pytest

from sprintsync.config import Settings
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    cookie_auth,
    db_snapshot,
    make_project,
    make_task,
    make_user,
)
from tests.statements import count_statements
from tests.tasks.test_statements import PAGE_BUDGET

TASKS = "/api/v1/tasks"


@pytest.fixture
def settings(base_settings) -> Settings:
    return base_settings.model_copy(update={"auth_cache_seconds": 30.0})


async def test_a_subtask_takes_its_parents_project_and_assignee(client, session) -> None:
    user = await make_user(session)
    mate = await make_user(session)
    project = await make_project(session, members=(user, mate))
    parent = await make_task(session, user, project=project, assignee_id=mate.id)
    h = bearer(user, TEST_SECRET)
    r = await client.post(
        TASKS, json={"title": "Write the migration", "parent_id": parent.id}, headers=h
    )
    assert r.status_code == 201, r.text
    sub = r.json()
    assert (sub["parent_id"], sub["project_id"], sub["assignee_id"]) == (
        parent.id,
        project.id,
        mate.id,
    )
    # An assignee given explicitly wins (nobody, here).
    body = {"title": "Review it", "parent_id": parent.id, "assignee_id": None}
    r = await client.post(TASKS, json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["assignee_id"] is None
    assert (await client.get(f"{TASKS}/{parent.id}", headers=h)).json()["parent_id"] is None


async def test_a_subtask_cannot_have_subtasks(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    parent = await make_task(session, user)
    child = await make_task(session, user, parent_id=parent.id)
    r = await client.post(TASKS, json={"title": "Too deep", "parent_id": child.id}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "subtask_of_subtask"
    assert "subtasks cannot have subtasks" in r.json()["error"]["message"]


async def test_an_outsider_gets_404_for_a_parent_they_cannot_see(client, session) -> None:
    owner = await make_user(session)
    outsider = await make_user(session)
    parent = await make_task(session, owner)
    before = await db_snapshot(session)
    for body in (
        {"title": "Sneaky", "parent_id": parent.id},
        {"title": "Sneaky", "parent_id": parent.id + 1000},
    ):
        r = await client.post(TASKS, json=body, headers=bearer(outsider, TEST_SECRET))
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "task_not_found"
    r = await client.post(
        "/api/v1/ai/breakdown/accept",
        json={"parent_task_id": parent.key, "subtasks": [{"title": "x", "estimate_minutes": 30}]},
        headers=bearer(outsider, TEST_SECRET),
    )
    assert r.status_code == 404, r.text
    assert await db_snapshot(session) == before


async def test_accepted_breakdown_becomes_subtasks_of_the_parent(client, session) -> None:
    user = await make_user(session)
    mate = await make_user(session)
    project = await make_project(session, members=(user, mate))
    parent = await make_task(
        session, user, project=project, assignee_id=mate.id, estimate_minutes=240
    )
    subtasks = [
        {"title": "Reproduce", "estimate_minutes": 60},
        {"title": "Fix with a regression test", "estimate_minutes": 180},
    ]
    r = await client.post(
        "/api/v1/ai/breakdown/accept",
        json={"parent_task_id": parent.key, "subtasks": subtasks},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert {(t["parent_id"], t["project_id"], t["assignee_id"]) for t in created} == {
        (parent.id, project.id, mate.id)
    }

    # The daily plan counts the subtasks' estimates, not the parent's too.
    r = await client.post(
        "/api/v1/ai/suggest",
        json={"mode": "daily_plan", "capacity_minutes": 480},
        headers=bearer(mate, TEST_SECRET),
    )
    assert r.status_code == 200, r.text
    planned = {item["task_id"] for item in r.json()["items"]}
    assert parent.id not in planned
    assert {t["id"] for t in created} <= planned


async def test_the_panel_shows_children_with_progress_and_the_parent_link(
    client, session, settings, engine, monkeypatch
) -> None:
    user = await make_user(session)
    parent = await make_task(session, user, title="Ship exports")
    await make_task(session, user, title="CSV part", parent_id=parent.id, status="done")
    child = await make_task(session, user, title="PDF part", parent_id=parent.id)
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    assert (await client.get("/", headers=headers)).status_code == 200
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get(f"/tasks/{parent.key}", headers=headers)
    assert r.status_code == 200, r.text
    assert len(statements) <= PAGE_BUDGET, statements
    assert "1/2 done" in r.text
    assert f'href="/tasks/{child.key}"' in r.text
    assert "PDF part" in r.text

    r = await client.get(f"/tasks/{child.key}", headers=headers)
    assert r.status_code == 200, r.text
    assert "Subtask of" in r.text
    assert f'href="/tasks/{parent.key}"' in r.text


async def test_a_subtask_goes_to_its_parents_project_not_the_creators_first_one(
    client, session
) -> None:
    user = await make_user(session, home=False)
    await make_project(session, members=(user,), name="Alpha")
    zeta = await make_project(session, members=(user,), name="Zeta")
    parent = await make_task(session, user, project=zeta, assignee_id=None)
    h = bearer(user, TEST_SECRET)
    r = await client.post(TASKS, json={"title": "Inherits", "parent_id": parent.id}, headers=h)
    assert r.status_code == 201, r.text
    # The parent's project, and the parent's assignee: nobody.
    assert (r.json()["project_id"], r.json()["assignee_id"]) == (zeta.id, None)
    body = {"title": "Says so", "parent_id": parent.id, "project_id": zeta.id}
    r = await client.post(TASKS, json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["project_id"] == zeta.id


async def test_a_subtask_in_another_project_than_its_parent_is_refused(client, session) -> None:
    user = await make_user(session, home=False)
    alpha = await make_project(session, members=(user,), name="Alpha")
    zeta = await make_project(session, members=(user,), name="Zeta")
    parent = await make_task(session, user, project=zeta)
    before = await db_snapshot(session)
    body = {"title": "Elsewhere", "parent_id": parent.id, "project_id": alpha.id}
    r = await client.post(TASKS, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["message"]) == (
        "subtask_project",
        f"A subtask belongs to its parent's project ({parent.key}).",
    )
    assert await db_snapshot(session) == before
