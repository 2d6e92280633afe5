"""Forgotten timers: the one-click fixes offered in the header and the daily plan.

A timer is flagged as forgotten by `timesheet.service.forgotten_reason` (it has run longer
than the `long_timer_hours` setting, or across midnight in the user's zone). It can then be
stopped now, discarded, or stopped at the user's last activity on its task:

- the last activity is the latest of what the user did on the timer's task since the timer
  started: a status move, an estimate or assignee change (the task's field history), or a
  comment they wrote or edited. Each is one indexed lookup on the task (by task and time),
  all in one statement;
- with no such activity, the start plus `NO_ACTIVITY_MINUTES` (an hour of work is a guess,
  but a better one than the ten or more hours the timer ran, and the user can edit it);
- either way never later than now, and at most a day after the start (as every timer).

This lives in the AI domain (not in timesheet) because comments sit above the timesheet in
the layers; the stopping itself is the timesheet's `stop_entry_at` and `delete_entry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai.schemas import TimerFixAction
from sprintsync.comments.models import Comment
from sprintsync.db import utcnow
from sprintsync.errors import Conflict
from sprintsync.tasks.models import TaskFieldChange, TaskStatusChange
from sprintsync.timesheet import service as timesheet
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User

NO_ACTIVITY_MINUTES = 60


@dataclass(frozen=True, slots=True)
class Activity:
    at: datetime
    what: str  # "your last comment", for the message


@dataclass(frozen=True, slots=True)
class TimerFix:
    """What a fix did: the entry (None once discarded), and where a stop came from."""

    action: TimerFixAction
    entry_id: int
    task_id: int
    entry: TimeEntry | None
    basis: str


async def last_activity(session: AsyncSession, *, user: User, entry: TimeEntry) -> Activity | None:
    """The user's latest action on the timer's task since it started, or None (one statement)."""
    since = entry.started_at
    status = select(func.max(TaskStatusChange.changed_at)).where(
        TaskStatusChange.task_id == entry.task_id,
        TaskStatusChange.changed_by_id == user.id,
        TaskStatusChange.changed_at > since,
        TaskStatusChange.from_status.is_not(None),  # a move, not the task's creation
    )
    field = select(func.max(TaskFieldChange.changed_at)).where(
        TaskFieldChange.task_id == entry.task_id,
        TaskFieldChange.changed_by_id == user.id,
        TaskFieldChange.changed_at > since,
    )
    comment = select(func.max(func.coalesce(Comment.edited_at, Comment.created_at))).where(
        Comment.task_id == entry.task_id,
        Comment.author_id == user.id,
        Comment.created_at > since,
    )
    row = (
        await session.execute(
            select(
                status.scalar_subquery().label("status"),
                field.scalar_subquery().label("field"),
                comment.scalar_subquery().label("comment"),
            )
        )
    ).one()
    found = [
        Activity(at, what)
        for at, what in (
            (row.status, "your last status change"),
            (row.field, "your last change to the task"),
            (row.comment, "your last comment"),
        )
        if at is not None
    ]
    return max(found, key=lambda a: a.at) if found else None


async def stop_time(session: AsyncSession, *, user: User, entry: TimeEntry) -> Activity:
    """Where "stop at last activity" stops the timer (see the module's docstring)."""
    found = await last_activity(session, user=user, entry=entry)
    if found is None:
        at = entry.started_at + timedelta(minutes=NO_ACTIVITY_MINUTES)
        found = Activity(
            at,
            f"no activity on the task since it started, so {NO_ACTIVITY_MINUTES} min in",
        )
    cap = entry.started_at + timedelta(minutes=timesheet.MAX_ENTRY_MINUTES)
    return Activity(min(found.at, cap, utcnow()), found.what)


async def fix_timer(
    session: AsyncSession, *, user: User, entry_id: int, action: TimerFixAction
) -> TimerFix:
    """Stop the user's running timer at their last activity or now, or discard it.

    404 for an entry that is not the user's own, 409 for one that is no longer running.
    """
    entry = await timesheet.get_entry(session, user=user, entry_id=entry_id)
    if entry.ended_at is not None:
        raise Conflict("That timer has already stopped.", code="no_running_timer")
    task_id = entry.task_id
    if action is TimerFixAction.discard:
        await timesheet.delete_entry(session, user=user, entry_id=entry_id, running_only=True)
        return TimerFix(action, entry_id, task_id, None, "discarded, nothing logged")
    if action is TimerFixAction.stop_now:
        stopped = await timesheet.stop_entry_at(session, user=user, entry_id=entry_id)
        return TimerFix(action, entry_id, task_id, stopped, "stopped now")
    where = await stop_time(session, user=user, entry=entry)
    stopped = await timesheet.stop_entry_at(
        session, user=user, entry_id=entry_id, ended_at=where.at
    )
    return TimerFix(action, entry_id, task_id, stopped, where.what)
