"""Reassigning by PATCH, the owner's delete next to other tasks' time, and the error contract
(code, message and details) of every task error a client acts on."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.tasks.models import Task
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_entry, make_project, make_task, make_user

API = "/api/v1/tasks"


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    return r.json()["error"]


async def _assignee(session, task_id: int) -> int | None:
    await session.commit()
    return await session.scalar(select(Task.assignee_id).where(Task.id == task_id))


# --- reassigning by PATCH ------------------------------------------------------------------


async def test_an_admin_outside_the_project_reassigns_a_task_by_patch(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    owner, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(owner, colleague))
    task = await make_task(session, owner, project=team, assignee_id=owner.id)
    r = await client.patch(
        f"{API}/{task.key}", json={"assignee_id": colleague.id}, headers=bearer(admin, TEST_SECRET)
    )
    assert r.status_code == 200, r.text
    assert (r.json()["assignee_id"], r.json()["owner_id"]) == (colleague.id, owner.id)
    assert await _assignee(session, task.id) == colleague.id


async def test_a_member_who_neither_owns_nor_holds_a_task_reassigns_it(client, session) -> None:
    owner, member, colleague = [await make_user(session) for _ in range(3)]
    team = await make_project(session, members=(owner, member, colleague))
    task = await make_task(session, owner, project=team, assignee_id=owner.id)
    r = await client.patch(
        f"{API}/{task.id}", json={"assignee_id": colleague.id}, headers=bearer(member, TEST_SECRET)
    )
    assert r.status_code == 200, r.text
    assert r.json()["assignee_id"] == colleague.id
    assert await _assignee(session, task.id) == colleague.id
    # Keeping the same assignee while changing another field needs no membership check.
    r = await client.patch(
        f"{API}/{task.id}",
        json={"assignee_id": colleague.id, "title": "Renamed"},
        headers=bearer(member, TEST_SECRET),
    )
    assert (r.status_code, r.json()["title"]) == (200, "Renamed")


async def test_reassigning_to_an_outsider_or_unknown_user_names_the_field(client, session) -> None:
    owner, outsider = await make_user(session), await make_user(session)
    task = await make_task(session, owner)
    h = bearer(owner, TEST_SECRET)
    before = await db_snapshot(session)
    err = _error(
        await client.patch(f"{API}/{task.id}", json={"assignee_id": outsider.id}, headers=h), 422
    )
    assert err["code"] == "assignee_not_member"
    assert err["message"] == (
        "The assignee is not a member of this task's project; add them to it first."
    )
    assert err["details"] == [{"field": "assignee_id", "message": "Not a member of the project."}]
    err = _error(
        await client.patch(f"{API}/{task.id}", json={"assignee_id": outsider.id + 1000}, headers=h),
        422,
    )
    assert err["code"] == "invalid_assignee"
    assert err["message"] == "The assignee does not exist or is deactivated."
    assert err["details"] == [{"field": "assignee_id", "message": "Unknown or inactive user."}]
    assert await db_snapshot(session) == before


# --- deleting next to logged time ------------------------------------------------------------


async def test_an_owners_delete_is_not_blocked_by_their_own_time_or_by_time_on_another_task(
    client, session
) -> None:
    owner, helper = await make_user(session), await make_user(session)
    team = await make_project(session, members=(owner, helper))
    task = await make_task(session, owner, project=team)
    other = await make_task(session, owner, project=team, assignee_id=helper.id)
    await make_entry(session, task, owner, minutes=45)
    await make_entry(session, other, helper, minutes=90)
    r = await client.delete(f"{API}/{task.id}", headers=bearer(owner, TEST_SECRET))
    assert r.status_code == 204, r.text
    await session.commit()
    remaining = (await session.scalars(select(Task.id).where(Task.project_id == team.id))).all()
    assert remaining == [other.id]


async def test_an_owners_delete_is_blocked_by_someone_elses_time_on_this_task(
    client, session
) -> None:
    owner, helper = await make_user(session), await make_user(session)
    team = await make_project(session, members=(owner, helper))
    task = await make_task(session, owner, project=team, assignee_id=helper.id)
    await make_entry(session, task, owner, minutes=10)
    await make_entry(session, task, helper, minutes=5)
    before = await db_snapshot(session)
    err = _error(await client.delete(f"{API}/{task.id}", headers=bearer(owner, TEST_SECRET)), 409)
    assert err["code"] == "task_has_others_time"
    assert err["message"] == (
        "Other people have logged time on this task; ask an admin to delete it."
    )
    assert err["details"] is None
    assert await db_snapshot(session) == before


async def test_a_member_who_did_not_create_a_task_may_not_delete_it(client, session) -> None:
    owner, member = await make_user(session), await make_user(session)
    team = await make_project(session, members=(owner, member))
    task = await make_task(session, owner, project=team, assignee_id=member.id)
    before = await db_snapshot(session)
    err = _error(await client.delete(f"{API}/{task.id}", headers=bearer(member, TEST_SECRET)), 403)
    assert err["code"] == "delete_forbidden"
    assert err["message"] == "Only the task's creator, a project lead or an admin can delete it."
    assert err["details"] is None
    assert await db_snapshot(session) == before


# --- the rest of the error contract ----------------------------------------------------------


async def test_task_not_found_and_archived_project_errors_carry_their_message(
    client, session
) -> None:
    owner = await make_user(session)
    h = bearer(owner, TEST_SECRET)
    err = _error(await client.get(f"{API}/999999", headers=h), 404)
    assert (err["code"], err["message"], err["details"]) == (
        "task_not_found",
        "Task not found.",
        None,
    )
    archived = await make_project(session, members=(owner,), archived=True)
    task = await make_task(session, owner, project=archived)
    for r in (
        await client.patch(f"{API}/{task.id}", json={"title": "x"}, headers=h),
        await client.delete(f"{API}/{task.id}", headers=h),
    ):
        err = _error(r, 409)
        assert err["code"] == "project_archived"
        assert err["message"] == f"Project {archived.key} is archived and read-only."
        assert err["details"] is None


async def test_an_invalid_transition_names_both_ends_in_its_message(client, session) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner, status="todo")
    r = await client.post(
        f"{API}/{task.id}/status", json={"status": "done"}, headers=bearer(owner, TEST_SECRET)
    )
    err = _error(r, 409)
    assert err["message"] == "A task cannot move from todo to done."
    assert err["details"] == {"from": "todo", "to": "done", "allowed": ["in_progress"]}
