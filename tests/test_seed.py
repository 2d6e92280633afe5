"""The demo data: its promised shape, its consistency, and idempotence (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.comments.models import Comment, CommentMention
from sprintsync.db import utcnow
from sprintsync.notifications.models import Notification
from sprintsync.projects.models import Project, ProjectMember
from sprintsync.seed import DEMO_PASSWORD, DEMO_PROJECTS, DEMO_USERS, SeedResult, seed_demo
from sprintsync.tasks.models import Task, TaskFieldChange, TaskStatus, TaskStatusChange
from sprintsync.tasks.transitions import can_move
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User
from tests.conftest import count_rows
from tests.factories import make_user


async def seed(session: AsyncSession, **kwargs: Any) -> SeedResult:
    result = await seed_demo(session, password_hash_fast=True, **kwargs)
    await session.commit()
    return result


async def counts(session: AsyncSession) -> tuple[int, ...]:
    return tuple(
        [
            await count_rows(session, table)
            for table in ("users", "tasks", "task_status_changes", "time_entries")
        ]
    )


async def test_seed_creates_one_admin_four_engineers_and_forty_tasks(session) -> None:
    result = await seed(session)
    assert (result.users_created, result.tasks_created) == (5, 40)
    users = list((await session.execute(select(User))).scalars())
    assert sorted(u.email for u in users) == sorted(u.email for u in DEMO_USERS)
    assert [u.email for u in users if u.is_admin] == ["admin@sprintsync.dev"]
    assert all(u.is_active for u in users)
    statuses = Counter((await session.execute(select(Task.status))).scalars())
    assert set(statuses) == {s.value for s in TaskStatus}
    assert all(n >= 8 for n in statuses.values())
    assert sum(statuses.values()) == 40


async def test_the_demo_team_lives_in_several_time_zones(session) -> None:
    await seed(session)
    zones = dict((await session.execute(select(User.email, User.time_zone))).all())
    assert zones["linus@sprintsync.dev"] == "Europe/Berlin"
    assert zones["margaret@sprintsync.dev"] == "America/Los_Angeles"
    assert zones["ken@sprintsync.dev"] == "Asia/Kolkata"
    assert len(set(zones.values())) == len(zones) == 5


async def test_three_projects_with_overlapping_members_share_out_the_work(session) -> None:
    result = await seed(session)
    assert result.projects_created == 3
    projects = {p.key: p for p in (await session.execute(select(Project))).scalars()}
    assert set(projects) == {p.key for p in DEMO_PROJECTS}
    members: dict[int, set[int]] = {}
    for m in (await session.execute(select(ProjectMember))).scalars():
        members.setdefault(m.project_id, set()).add(m.user_id)
    assert all(len(team) >= 3 for team in members.values())
    # Every engineer is in at least two projects.
    per_user = Counter(u for team in members.values() for u in team)
    assert len(per_user) == 4
    assert min(per_user.values()) >= 2
    tasks = list((await session.execute(select(Task))).scalars())
    for task in tasks:
        assert task.assignee_id in members[task.project_id]
    # Every engineer has something to do, and each project's keys count up with age.
    assert len({t.assignee_id for t in tasks}) == 4
    for project in projects.values():
        mine = sorted((t for t in tasks if t.project_id == project.id), key=lambda t: t.number)
        assert [t.key for t in mine] == [f"{project.key}-{n}" for n in range(1, len(mine) + 1)]
        assert [t.created_at for t in mine] == sorted(t.created_at for t in mine)
        assert project.task_counter == len(mine)


async def test_totals_equal_the_sum_of_time_entries(session) -> None:
    await seed(session)
    summed = (
        select(TimeEntry.task_id, func.sum(TimeEntry.minutes).label("minutes"))
        .group_by(TimeEntry.task_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(Task.id, Task.status, Task.total_minutes, summed.c.minutes).outerjoin(
                summed, summed.c.task_id == Task.id
            )
        )
    ).all()
    assert len(rows) == 40
    for _id, status, total, minutes in rows:
        assert total == (minutes or 0)
        if status == TaskStatus.todo.value:
            assert total == 0
    assert sum(r.total_minutes for r in rows) > 0


async def test_status_history_follows_the_workflow_and_ends_at_the_status(session) -> None:
    await seed(session)
    tasks = {t.id: t for t in (await session.execute(select(Task))).scalars()}
    changes = (
        await session.execute(
            select(TaskStatusChange).order_by(
                TaskStatusChange.task_id, TaskStatusChange.changed_at, TaskStatusChange.id
            )
        )
    ).scalars()
    history: dict[int, list[TaskStatusChange]] = {}
    for change in changes:
        history.setdefault(change.task_id, []).append(change)
    assert set(history) == set(tasks)
    reopened = 0
    for task_id, moves in history.items():
        task = tasks[task_id]
        assert (moves[0].from_status, moves[0].to_status) == (None, "todo")
        assert moves[0].changed_at == task.created_at
        for before, after in itertools.pairwise(moves):
            assert after.from_status == before.to_status
            assert can_move(TaskStatus(after.from_status), TaskStatus(after.to_status))
            assert after.changed_at >= before.changed_at
        assert moves[-1].to_status == task.status
        assert moves[-1].changed_at == task.status_changed_at
        reopened += any(m.from_status == "done" for m in moves)
    assert reopened >= 1


async def test_time_entries_are_finished_and_spread_over_the_last_two_weeks(session) -> None:
    now = utcnow()
    await seed(session, now=now)
    entries = list((await session.execute(select(TimeEntry))).scalars())
    assert len(entries) >= 40
    for e in entries:
        assert e.ended_at is not None
        assert e.ended_at - e.started_at == timedelta(minutes=e.minutes)
        assert now - timedelta(days=15) <= e.started_at
        assert e.ended_at <= now
        assert e.minutes > 0
    assert len({e.started_at.date() for e in entries}) >= 7
    assert {e.source for e in entries} == {"timer", "manual"}
    assert len({e.user_id for e in entries}) == 4
    # Time is only logged by the task's assignee.
    assignees = dict((await session.execute(select(Task.id, Task.assignee_id))).all())
    assert all(e.user_id == assignees[e.task_id] for e in entries)


async def test_seeding_twice_adds_nothing(session) -> None:
    await seed(session)
    before = await counts(session)
    again = await seed(session)
    assert (again.users_created, again.tasks_created, again.entries_created) == (0, 0, 0)
    assert await counts(session) == before


async def test_seeding_again_restores_a_deleted_demo_task(session) -> None:
    await seed(session)
    before = await counts(session)
    victim = (await session.execute(select(Task).order_by(Task.id).limit(1))).scalar_one()
    await session.execute(delete(Task).where(Task.id == victim.id))
    await session.commit()
    again = await seed(session)
    assert (again.users_created, again.tasks_created) == (0, 1)
    restored = await session.execute(
        select(func.count()).where(Task.title == victim.title, Task.owner_id == victim.owner_id)
    )
    assert restored.scalar_one() == 1
    assert (await counts(session))[1] == before[1]


async def test_if_empty_leaves_a_database_with_users_alone(session) -> None:
    await make_user(session)
    result = await seed(session, if_empty=True)
    assert result.skipped
    assert await counts(session) == (1, 0, 0, 0)


async def test_if_empty_seeds_an_empty_database(session) -> None:
    result = await seed(session, if_empty=True)
    assert not result.skipped
    assert result.tasks_created == 40


async def test_demo_users_log_in_with_the_documented_password(client, session) -> None:
    await seed(session)
    for user in DEMO_USERS:
        r = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, r.text
        assert r.json()["user"]["is_admin"] is user.is_admin


async def test_handed_out_tasks_carry_a_discussion_with_mentions_and_notifications(
    session,
) -> None:
    result = await seed(session)
    assert result.comments_created >= 10
    admin_id = (await session.execute(select(User.id).where(User.is_admin.is_(True)))).scalar_one()
    tasks = {t.id: t for t in (await session.execute(select(Task))).scalars()}
    comments = list((await session.execute(select(Comment))).scalars())
    # The admin discusses what they handed out and checks in on engineers' own work.
    assert all(admin_id in (c.author_id, tasks[c.task_id].owner_id) for c in comments)
    mentions = (await session.execute(select(CommentMention))).scalars().all()
    task_of = {c.id: tasks[c.task_id] for c in comments}
    assert mentions
    assert all(m.user_id == task_of[m.comment_id].assignee_id for m in mentions)
    notes = list((await session.execute(select(Notification))).scalars())
    kinds = Counter(n.kind for n in notes)
    assert set(kinds) == {"assigned", "mentioned", "commented", "moved"}
    # Every engineer has been told something, and a first look shows some unread.
    assert {n.user_id for n in notes} == set(await _all_user_ids(session))
    assert any(n.read_at is None for n in notes)
    assert any(n.read_at for n in notes)
    for n in notes:
        assert n.actor_id != n.user_id
        assert n.user_id in (tasks[n.task_id].owner_id, tasks[n.task_id].assignee_id)
    changes = (await session.execute(select(TaskFieldChange))).scalars().all()
    assert {c.task_id for c in changes} == {t.id for t in tasks.values() if t.owner_id == admin_id}
    # Seeding again adds no second thread.
    assert (await seed(session)).comments_created == 0
    assert await count_rows(session, "comments") == len(comments)


async def _all_user_ids(session: AsyncSession) -> list[int]:
    return list((await session.execute(select(User.id))).scalars())


async def test_notifications_are_numbered_in_the_order_they_happened(session) -> None:
    await seed(session)
    rows = (await session.execute(select(Notification).order_by(Notification.id))).scalars().all()
    assert [n.created_at for n in rows] == sorted(n.created_at for n in rows)
