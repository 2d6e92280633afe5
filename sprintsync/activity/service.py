"""A task's activity feed, newest last, merged from what each domain already records.

Sources: the status history (which also says when the task was created), assignment and
estimate changes, finished time entries and comments. Each source is one query bounded to
its newest `MAX_ITEMS` rows, plus one for everyone's names: a fixed number of queries per
feed however long it is, never one per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.comments import service as comments
from sprintsync.comments.service import CommentView
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import Task, TaskFieldChange, TaskStatusChange
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User
from sprintsync.users.service import display_names

MAX_ITEMS = 200

ActivityKind = Literal["created", "status", "assignee", "estimate", "time", "comment"]


@dataclass(frozen=True, slots=True)
class ActivityItem:
    """One line of the feed. `old`/`new` are statuses, user ids or minutes, by kind."""

    kind: ActivityKind
    at: datetime
    actor_id: int | None
    actor_name: str | None = None
    old: str | int | None = None
    new: str | int | None = None
    old_name: str | None = None
    new_name: str | None = None
    minutes: int | None = None
    note: str | None = None
    comment: CommentView | None = None


@dataclass(frozen=True, slots=True)
class TaskActivity:
    task: Task
    items: list[ActivityItem]


async def _status_items(session: AsyncSession, task_id: int) -> list[ActivityItem]:
    stmt = (
        select(TaskStatusChange)
        .where(TaskStatusChange.task_id == task_id)
        .order_by(TaskStatusChange.changed_at.desc(), TaskStatusChange.id.desc())
        .limit(MAX_ITEMS)
    )
    return [
        ActivityItem(
            kind="status" if c.from_status else "created",
            at=c.changed_at,
            actor_id=c.changed_by_id,
            old=c.from_status,
            new=c.to_status,
        )
        for c in (await session.execute(stmt)).scalars()
    ]


async def _field_items(session: AsyncSession, task_id: int) -> list[ActivityItem]:
    stmt = (
        select(TaskFieldChange)
        .where(TaskFieldChange.task_id == task_id)
        .order_by(TaskFieldChange.changed_at.desc(), TaskFieldChange.id.desc())
        .limit(MAX_ITEMS)
    )
    return [
        ActivityItem(
            kind="assignee" if c.field == "assignee_id" else "estimate",
            at=c.changed_at,
            actor_id=c.changed_by_id,
            old=c.old_value,
            new=c.new_value,
        )
        for c in (await session.execute(stmt)).scalars()
    ]


async def _time_items(session: AsyncSession, task_id: int) -> list[ActivityItem]:
    stmt = (
        select(TimeEntry)
        .where(TimeEntry.task_id == task_id, TimeEntry.ended_at.is_not(None))
        .order_by(TimeEntry.ended_at.desc(), TimeEntry.id.desc())
        .limit(MAX_ITEMS)
    )
    return [
        ActivityItem(
            kind="time",
            at=e.ended_at or e.started_at,
            actor_id=e.user_id,
            minutes=e.minutes,
            note=e.note or None,
        )
        for e in (await session.execute(stmt)).scalars()
    ]


def _named(item: ActivityItem, names: dict[int, str]) -> ActivityItem:
    people = item.kind == "assignee"
    return ActivityItem(
        kind=item.kind,
        at=item.at,
        actor_id=item.actor_id,
        actor_name=names.get(item.actor_id) if item.actor_id is not None else None,
        old=item.old,
        new=item.new,
        old_name=names.get(int(item.old)) if people and item.old is not None else None,
        new_name=names.get(int(item.new)) if people and item.new is not None else None,
        minutes=item.minutes,
        note=item.note,
        comment=item.comment,
    )


async def task_activity(session: AsyncSession, *, user: User, task_id: int | str) -> TaskActivity:
    """The feed of a task the user may see (404 otherwise), oldest first, newest last."""
    task = await tasks.get_task(session, user=user, ref=task_id)
    items = [
        *await _status_items(session, task.id),
        *await _field_items(session, task.id),
        *await _time_items(session, task.id),
    ]
    for view in await comments.comments_of_visible_task(session, user=user, task_id=task.id):
        items.append(
            ActivityItem(kind="comment", at=view.created_at, actor_id=view.author_id, comment=view)
        )
    items.sort(key=lambda i: i.at)
    items = items[-MAX_ITEMS:]
    ids = {i.actor_id for i in items if i.actor_id is not None}
    ids |= {int(v) for i in items if i.kind == "assignee" for v in (i.old, i.new) if v is not None}
    names = await display_names(session, ids)
    return TaskActivity(task=task, items=[_named(i, names) for i in items])
