"""Unit tests of `tasks.service`: the workflow, its history, visibility and assignment rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sprintsync.db import utcnow
from sprintsync.errors import Conflict, Forbidden, Invalid, NotFound
from sprintsync.notifications.models import Notification
from sprintsync.notifications.service import listen_to_tasks
from sprintsync.tasks import service
from sprintsync.tasks.filters import TaskFilter
from sprintsync.tasks.models import Task, TaskFieldChange, TaskStatus, TaskStatusChange
from sprintsync.tasks.schemas import TaskCreate, TaskUpdate
from sprintsync.users.models import User
from tests.factories import make_entry, make_project, make_task, make_user


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


async def test_a_sort_key_the_list_does_not_know_is_refused_as_invalid_sort(session) -> None:
    user = await make_user(session)
    # The API's schema only lets known keys through; a caller building filters in code can
    # still name another, and the list refuses it by its stable code.
    bogus = TaskFilter().model_copy(update={"sort": "-owner_id"})
    with pytest.raises(Invalid) as caught:
        await service.list_tasks(session, user=user, filters=bogus)
    assert caught.value.code == "invalid_sort"


async def test_a_finished_timer_is_not_a_running_one(session) -> None:
    user = await make_user(session)
    team = await make_project(session, members=(user,))
    task = await make_task(session, user, project=team)
    await make_entry(session, task, user)  # ended: manual time
    board = await service.project_board(session, user=user, ref=team.key, filters=TaskFilter())
    assert board.timer_task_id is None


async def test_moves_recorded_at_the_same_instant_read_in_the_order_they_were_made(
    session,
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    at = utcnow() + timedelta(minutes=1)
    # Stored with the later move first, so only the id tells the order (PostgreSQL may return
    # ties in storage order; SQLite's index happens to return them by id).
    first_id = await session.scalar(
        select(TaskStatusChange.id).order_by(TaskStatusChange.id.desc())
    )
    for offset, (from_status, to_status) in (
        (3, ("in_progress", "done")),
        (2, ("todo", "in_progress")),
    ):
        session.add(
            TaskStatusChange(
                id=first_id + offset,
                task_id=task.id,
                from_status=from_status,
                to_status=to_status,
                changed_by_id=user.id,
                changed_at=at,
            )
        )
        await session.commit()
    assert await _history(session, user, task.id) == [
        (None, "todo"),
        ("todo", "in_progress"),
        ("in_progress", "done"),
    ]


async def test_the_panel_lists_entries_started_at_the_same_instant_newest_first(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    at = utcnow()
    older = await make_entry(session, task, user, started_at=at, ended_at=at)
    newer = await make_entry(session, task, user, started_at=at, ended_at=at)
    detail = await service.task_detail(session, user=user, ref=task.id)
    assert [e.id for e in detail.entries] == [newer.id, older.id]


async def test_the_panel_orders_people_by_name_ignoring_case(session) -> None:
    # Between "Z" and "a" lie "_" and friends: upper-casing would put "Annz" first.
    underscored = await make_user(session, display_name="Ann_B")
    zed = await make_user(session, display_name="annz")
    team = await make_project(session, members=(zed, underscored))
    task = await make_task(session, zed, project=team)
    detail = await service.task_detail(session, user=zed, ref=task.id)
    assert [u.id for u in detail.people] == [underscored.id, zed.id]


async def test_the_panel_offers_delete_to_a_lead_but_not_to_a_plain_member(session) -> None:
    owner, member, lead = [await make_user(session) for _ in range(3)]
    team = await make_project(session, members=(owner, member), leads=(lead,))
    task = await make_task(session, owner, project=team)
    for user, can_delete in ((owner, True), (member, False), (lead, True)):
        detail = await service.task_detail(session, user=user, ref=task.id)
        assert detail.can_delete is can_delete, user.id


async def test_a_recorded_field_change_is_stamped_with_the_tasks_update_time(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    updated = await service.update_task(
        session, user=user, ref=task.id, changes=TaskUpdate(estimate_minutes=90)
    )
    await session.commit()
    stamps = (await session.execute(select(TaskFieldChange.changed_at))).scalars().all()
    assert stamps == [updated.updated_at]


async def test_editing_an_assigned_task_does_not_notify_its_assignee_again(session) -> None:
    me, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(me, colleague))
    task = await make_task(session, me, project=team, assignee_id=colleague.id)
    listen_to_tasks()
    await service.update_task(session, user=me, ref=task.id, changes=TaskUpdate(title="Renamed"))
    await session.commit()
    assert (await session.execute(select(Notification))).scalars().all() == []


async def test_each_board_column_is_cut_on_its_own(session) -> None:
    user = await make_user(session)
    # 52 open cards: more than one column's length, but each column holds all of its own.
    for status in ("todo", "in_progress"):
        for _ in range(26):
            await make_task(session, user, status=status)
    board = await service.board(session, user=user)
    assert [(c.status, len(c.tasks), c.more) for c in board.columns] == [
        ("todo", 26, False),
        ("in_progress", 26, False),
        ("done", 0, False),
    ]
