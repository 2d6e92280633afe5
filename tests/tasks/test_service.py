"""Unit tests of `tasks.service`: the workflow, its history, visibility and assignment rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sprintsync.errors import Conflict, Forbidden, Invalid, NotFound
from sprintsync.tasks import service
from sprintsync.tasks.models import Task, TaskStatus
from sprintsync.tasks.schemas import TaskCreate, TaskUpdate
from sprintsync.users.models import User
from tests.factories import make_project, make_task, make_user


async def _history(session, user, task_id: int) -> list[tuple[str | None, str]]:
    changes = await service.status_history(session, user=user, ref=task_id)
    return [(c.from_status, c.to_status) for c in changes]


async def _admin(session) -> User:
    return await make_user(session, is_admin=True)


async def test_creating_a_task_starts_in_todo_assigned_to_its_creator(session) -> None:
    user = await make_user(session)
    task = await service.create_task(session, user=user, data=TaskCreate(title="  Ship it "))
    await session.commit()
    assert (task.title, task.status, task.owner_id, task.assignee_id, task.total_minutes) == (
        "Ship it",
        "todo",
        user.id,
        user.id,
        0,
    )
    assert await _history(session, user, task.id) == [(None, "todo")]


async def test_every_move_including_reopen_is_recorded_in_order(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    for to in ("in_progress", "done", "in_progress", "todo"):
        await service.change_status(session, user=user, ref=task.id, to=TaskStatus(to))
        await session.commit()
    assert await _history(session, user, task.id) == [
        (None, "todo"),
        ("todo", "in_progress"),
        ("in_progress", "done"),
        ("done", "in_progress"),
        ("in_progress", "todo"),
    ]


async def test_a_status_change_stamps_status_changed_at(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    before = task.status_changed_at
    moved = await service.change_status(session, user=user, ref=task.id, to=TaskStatus.in_progress)
    assert moved.status_changed_at > before
    assert moved.updated_at == moved.status_changed_at


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        ("todo", "done", ["in_progress"]),
        ("done", "todo", ["in_progress"]),
        ("todo", "todo", ["in_progress"]),
        ("in_progress", "in_progress", ["done", "todo"]),
    ],
)
async def test_a_forbidden_move_raises_invalid_transition_naming_allowed_targets(
    session, start: str, to: str, allowed: list[str]
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, status=start)
    with pytest.raises(Conflict) as caught:
        await service.change_status(session, user=user, ref=task.id, to=TaskStatus(to))
    assert caught.value.code == "invalid_transition"
    assert caught.value.details == {"from": start, "to": to, "allowed": allowed}
    await session.commit()
    status = await session.scalar(select(Task.status).where(Task.id == task.id))
    assert status == task.status == start


async def test_tasks_are_visible_to_project_members_and_admins_only(session) -> None:
    owner, assignee, stranger = [await make_user(session) for _ in range(3)]
    admin = await _admin(session)
    task = await make_task(session, owner, assignee_id=assignee.id)
    for viewer in (owner, assignee, admin):
        assert (await service.get_task(session, user=viewer, ref=task.id)).id == task.id
    with pytest.raises(NotFound):
        await service.get_task(session, user=stranger, ref=task.id)


async def test_listing_shows_every_task_of_my_projects_but_admins_see_all(session) -> None:
    me, other = await make_user(session), await make_user(session)
    admin = await _admin(session)
    team = await make_project(session, members=(me, other))
    mine = await make_task(session, me)
    colleagues = await make_task(session, other, project=team)
    theirs = await make_task(session, other)
    items, _ = await service.list_tasks(session, user=me)
    assert {t["id"] for t in items} == {mine.id, colleagues.id}
    items, _ = await service.list_tasks(session, user=admin)
    assert {t["id"] for t in items} == {mine.id, colleagues.id, theirs.id}


async def test_any_member_assigns_to_any_member_but_never_to_an_outsider(session) -> None:
    me, colleague, outsider = [await make_user(session) for _ in range(3)]
    team = await make_project(session, members=(me, colleague))
    task = await service.create_task(
        session, user=me, data=TaskCreate(title="x", project_id=team.id, assignee_id=colleague.id)
    )
    assert (task.owner_id, task.assignee_id, task.key) == (me.id, colleague.id, f"{team.key}-1")
    with pytest.raises(Invalid) as caught:
        await service.create_task(
            session,
            user=me,
            data=TaskCreate(title="y", project_id=team.id, assignee_id=outsider.id),
        )
    assert caught.value.code == "assignee_not_member"
    with pytest.raises(Invalid) as caught:
        await service.update_task(
            session, user=colleague, ref=task.key, changes=TaskUpdate(assignee_id=outsider.id)
        )
    assert caught.value.code == "assignee_not_member"
    moved = await service.update_task(
        session, user=colleague, ref=task.key, changes=TaskUpdate(assignee_id=me.id)
    )
    assert moved.assignee_id == me.id


async def test_admin_assigns_only_active_members(session) -> None:
    admin = await _admin(session)
    active = await make_user(session)
    gone = await make_user(session, is_active=False)
    team = await make_project(session, members=(active, gone))
    task = await service.create_task(
        session, user=admin, data=TaskCreate(title="x", project_id=team.id, assignee_id=active.id)
    )
    assert (task.owner_id, task.assignee_id) == (admin.id, active.id)
    with pytest.raises(Invalid) as caught:
        await service.create_task(
            session, user=admin, data=TaskCreate(title="y", project_id=team.id, assignee_id=gone.id)
        )
    assert caught.value.code == "invalid_assignee"
    unassigned = await service.create_task(
        session, user=admin, data=TaskCreate(title="z", project_id=team.id)
    )
    assert unassigned.assignee_id is None  # the admin is not in the team


async def test_an_assignee_who_is_not_the_creator_cannot_delete_the_task(session) -> None:
    owner, assignee = await make_user(session), await make_user(session)
    task = await make_task(session, owner, assignee_id=assignee.id)
    with pytest.raises(Forbidden) as caught:
        await service.delete_task(session, user=assignee, ref=task.id)
    assert caught.value.code == "delete_forbidden"
