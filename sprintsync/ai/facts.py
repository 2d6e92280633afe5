"""What the assistant may know for one request, read from the user's own rows and bounded.

Every read goes through the task visibility rules: a task id the user cannot see is a 404
(via `tasks.service.get_task`), and the history used for estimates is only finished tasks
the user can see.

Reads come in two weights. `task_input` (the named task's row) and `history_version` (one
aggregate row over the finished history) are what the response cache is keyed on;
`finished_history` (up to 500 rows) and the TF-IDF search in `task_facts` are the heavy
part, done only on a cache miss. A daily plan's facts are a bounded handful of rows, so
they are their own cache key.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import anyio
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sprintsync.ai import similarity
from sprintsync.ai.kinds import own_text
from sprintsync.ai.schemas import CONTEXT_MAX, DailyPlanRequest
from sprintsync.db import utcnow
from sprintsync.errors import Invalid
from sprintsync.tasks.models import Task, TaskStatus
from sprintsync.tasks.priority import Priority
from sprintsync.tasks.scope import TaskScope, assigned_to
from sprintsync.tasks.service import get_task
from sprintsync.timesheet.models import EntrySource, TimeEntry
from sprintsync.timesheet.service import forgotten_reason
from sprintsync.timeutil import day_window, local_date, user_zone, zone
from sprintsync.users.models import User

HISTORY_LIMIT = 500
PLAN_CANDIDATE_LIMIT = 50
# TF-IDF over a few hundred titles takes milliseconds of pure Python (about 7 ms for 500
# here): that goes to a worker thread. Below this many it is well under a millisecond,
# less than the thread hop costs.
INLINE_SIMILARITY_LIMIT = 100
# The `long_timer_hours` setting's default, for callers that do not pass the setting.
DEFAULT_LONG_TIMER_HOURS = 10.0


class Neighbour(BaseModel):
    task_id: int
    title: str
    actual_minutes: int
    similarity: float


class TaskFacts(BaseModel):
    """One task (existing or only described) and the finished tasks most like it."""

    task_id: int | None
    title: str
    context: str
    estimate_minutes: int | None
    logged_minutes: int
    priority: Priority | None
    neighbours: list[Neighbour]
    history_size: int


class PlanTask(BaseModel):
    id: int
    key: str = ""
    title: str
    status: str
    priority: Priority
    due_date: date | None
    estimate_minutes: int | None
    logged_minutes: int


class PlanTimerFacts(BaseModel):
    """The user's running timer: its entry and task, and why it looks forgotten, if it does.

    Part of the plan's cache key: a timer started, stopped or newly forgotten is a new plan.
    """

    entry_id: int
    task_id: int
    key: str
    title: str
    started_at: datetime
    forgotten: str | None


class PlanFacts(BaseModel):
    today: date
    capacity_minutes: int
    logged_today_minutes: int
    tasks: list[PlanTask]
    timer: PlanTimerFacts | None = None


class TaskInput(BaseModel):
    """The task a request is about (named by id, or only described): one row at most.

    With the history version it is the response cache's key, so it holds every field of
    the task that the answer depends on, including the time logged (which changes without
    touching `updated_at`).
    """

    task_id: int | None
    title: str
    context: str
    estimate_minutes: int | None
    logged_minutes: int
    priority: Priority | None


class HistoryVersion(BaseModel):
    """A fingerprint of the finished history a request would search.

    Any change to that history (a task finished or reopened, retitled, deleted, shared or
    unshared, or time logged on it) changes at least one of these aggregates. `scope` is
    whose history it is: two users' histories can have equal aggregates and still differ.
    """

    scope: str
    count: int
    id_sum: int
    minutes: int
    last_updated: datetime | None
    last_finished: datetime | None


async def task_input(
    session: AsyncSession,
    *,
    user: User,
    task_id: int | str | None,
    title: str | None,
    context: str,
) -> TaskInput:
    """The named task (404 unless visible) or the described one, with the request's text."""
    estimate = priority = None
    logged = 0
    if task_id is not None:
        task = await get_task(session, user=user, ref=task_id)
        task_id = task.id  # the request may have named it by key
        title = title or task.title
        context = context or task.description
        estimate, logged = task.estimate_minutes, task.total_minutes
        priority = task.priority
    if not title:
        # The request schemas already insist on one of the two; this keeps a direct caller
        # from getting a confusing answer about a task with no title.
        raise Invalid(
            "Give either a task id or a title.",
            details=[{"field": "title", "message": "Give either task_id or title."}],
        )
    return TaskInput(
        task_id=task_id,
        title=title,
        context=context[:CONTEXT_MAX],
        estimate_minutes=estimate,
        logged_minutes=logged,
        priority=priority,
    )


def _history_filter(user: User, exclude: int | None) -> list[ColumnElement[bool]]:
    conditions = [
        TaskScope.for_user(user).condition(),
        Task.status == TaskStatus.done.value,
        Task.total_minutes > 0,
    ]
    if exclude is not None:
        conditions.append(Task.id != exclude)
    return conditions


async def history_version(
    session: AsyncSession, *, user: User, exclude: int | None = None
) -> HistoryVersion:
    """One aggregate row over the user's visible finished tasks: cheap next to reading them."""
    stmt = select(
        func.count(),
        func.coalesce(func.sum(Task.id), 0),
        func.coalesce(func.sum(Task.total_minutes), 0),
        func.max(Task.updated_at),
        func.max(Task.status_changed_at),
    ).where(*_history_filter(user, exclude))
    count, id_sum, minutes, last_updated, last_finished = (await session.execute(stmt)).one()
    return HistoryVersion(
        scope="all" if user.is_admin else f"user:{user.id}",
        count=count,
        id_sum=id_sum,
        minutes=minutes,
        last_updated=last_updated,
        last_finished=last_finished,
    )


def to_neighbours(matches: list[similarity.Match]) -> list[Neighbour]:
    return [
        Neighbour(
            task_id=m.task.id,
            title=m.task.title,
            actual_minutes=m.task.minutes,
            similarity=m.similarity,
        )
        for m in matches
    ]


async def task_facts(task: TaskInput, history: list[similarity.Finished]) -> TaskFacts:
    """The task and the finished tasks most like it (TF-IDF off the event loop when large)."""
    # A previous draft in the task's text would make every drafted task look alike.
    text = own_text(task.context).text
    search = functools.partial(similarity.nearest, task.title, history, text=text)
    if len(history) > INLINE_SIMILARITY_LIMIT:
        matches = await anyio.to_thread.run_sync(search)
    else:
        matches = search()
    return TaskFacts(
        **task.model_dump(), neighbours=to_neighbours(matches), history_size=len(history)
    )


async def finished_history(
    session: AsyncSession, *, user: User, exclude: int | None = None
) -> list[similarity.Finished]:
    """The most recently finished visible tasks that have time logged: the team's actuals."""
    stmt = (
        select(
            Task.id,
            Task.title,
            Task.total_minutes,
            func.substr(Task.description, 1, similarity.TEXT_CHARS).label("text"),
        )
        .where(*_history_filter(user, exclude))
        .order_by(Task.status_changed_at.desc(), Task.id.desc())
        .limit(HISTORY_LIMIT)
    )
    rows = (await session.execute(stmt)).all()
    return [
        similarity.Finished(id=r.id, title=r.title, minutes=r.total_minutes, text=r.text or "")
        for r in rows
    ]


def _carried_by_subtasks() -> ColumnElement[bool]:
    """A parent whose open subtasks carry the estimate: the plan counts those subtasks (for
    whoever they are assigned to), never the parent too, so no minute is planned twice."""
    child = aliased(Task)
    return exists().where(
        child.parent_id == Task.id,
        child.status != TaskStatus.done.value,
        child.estimate_minutes.is_not(None),
    )


async def plan_facts(
    session: AsyncSession,
    *,
    user: User,
    body: DailyPlanRequest,
    long_timer_hours: float = DEFAULT_LONG_TIMER_HOURS,
) -> PlanFacts:
    """The user's open tasks (most pressing first, bounded) and the time logged today.

    "Today" is the user's local day in `body.timezone` (their own zone when the client
    leaves it out), not the UTC one: at 20:00 in New York it is still today there, though
    UTC has moved on.
    """
    now = utcnow()
    tz = zone(body.timezone) if body.timezone is not None else user_zone(user)
    today = local_date(now, tz)
    stmt = (
        select(
            Task.id,
            Task.key,
            Task.title,
            Task.status,
            Task.priority,
            Task.due_date,
            Task.estimate_minutes,
            Task.total_minutes,
        )
        .where(
            assigned_to(user),
            Task.status != TaskStatus.done.value,
            ~_carried_by_subtasks(),
        )
        .order_by(
            case((Task.status == TaskStatus.in_progress.value, 0), else_=1),
            Task.due_date.is_(None),
            Task.due_date,
            Task.priority.desc(),
            Task.id,
        )
        .limit(PLAN_CANDIDATE_LIMIT)
    )
    rows = (await session.execute(stmt)).all()
    finished, row = await _logged_and_timer(session, user=user, now=now, tz=tz)
    timer = _plan_timer(row, now=now, tz=tz, long_timer_hours=long_timer_hours)
    # A forgotten timer's hours are probably not work: they do not eat today's capacity
    # until the user fixes the timer (the plan says so).
    logged = finished
    if timer is not None and timer.forgotten is None:
        logged += _running_today(timer.started_at, now=now, tz=tz)
    return PlanFacts(
        today=today,
        capacity_minutes=body.capacity_minutes,
        logged_today_minutes=logged,
        timer=timer,
        tasks=[
            PlanTask(
                id=r.id,
                key=r.key,
                title=r.title,
                status=r.status,
                priority=r.priority,
                due_date=r.due_date,
                estimate_minutes=r.estimate_minutes,
                logged_minutes=r.total_minutes,
            )
            for r in rows
        ],
    )


def _plan_timer(
    row: Row[Any] | None, *, now: datetime, tz: tzinfo, long_timer_hours: float
) -> PlanTimerFacts | None:
    if row is None:
        return None
    why = forgotten_reason(row.started_at, now=now, tz=tz, limit_hours=long_timer_hours)
    return PlanTimerFacts(
        entry_id=row.id,
        task_id=row.task_id,
        key=row.key,
        title=row.title,
        started_at=row.started_at,
        forgotten=why,
    )


async def logged_today(
    session: AsyncSession, *, user: User, now: datetime, tz: tzinfo = UTC
) -> int:
    """Minutes the user logged on their local day in `tz`, counting a running timer up to now."""
    finished, timer = await _logged_and_timer(session, user=user, now=now, tz=tz)
    if timer is None:
        return finished
    return finished + _running_today(timer.started_at, now=now, tz=tz)


def _running_today(started_at: datetime, *, now: datetime, tz: tzinfo) -> int:
    """Minutes a timer running since `started_at` has run today (local day in `tz`)."""
    start = day_window(local_date(now, tz), tz)[0]
    return max(0, int((now - max(started_at, start)).total_seconds() // 60))


async def _logged_and_timer(
    session: AsyncSession, *, user: User, now: datetime, tz: tzinfo = UTC
) -> tuple[int, Row[Any] | None]:
    """Minutes the user logged on their local day in `tz` in finished entries, and the
    running timer (its entry, start and task) if there is one.

    Timer entries count by when they ran. Manual entries are for a date, not a time (the
    timesheet stores them at that date's UTC midnight), so they count by that date.
    """
    today = local_date(now, tz)
    start, end = day_window(today, tz)
    utc_start, utc_end = day_window(today)
    manual = TimeEntry.source == EntrySource.manual.value
    finished = await session.execute(
        select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.user_id == user.id,
            TimeEntry.ended_at.is_not(None),
            or_(
                manual & (TimeEntry.started_at >= utc_start) & (TimeEntry.started_at < utc_end),
                ~manual & (TimeEntry.started_at >= start) & (TimeEntry.started_at < end),
            ),
        )
    )
    # The task is named only while the user may still see it, as in the header (the fixes
    # go by the entry, which is the user's own either way).
    visible = TaskScope.for_user(user).condition()
    running = await session.execute(
        select(
            TimeEntry.id,
            TimeEntry.task_id,
            TimeEntry.started_at,
            case((visible, Task.key), else_=literal("")).label("key"),
            case((visible, Task.title), else_=literal("a task")).label("title"),
        )
        .join(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    )
    return int(finished.scalar_one()), running.one_or_none()
