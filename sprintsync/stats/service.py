"""Reports over time entries and status history, each one GROUP BY statement in the database.

Days and weeks are the requesting user's (their time zone, the team's week start). An entry
counts on the local day it started: a timer from 23:00 to 01:00 is the first day's work, as
in Kimai and Jira. Every function runs a fixed number of statements, whatever the data size,
and never loads the rows it aggregates. Which rows a user may count is decided once, in
`scope`, for every query here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Float,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from sprintsync.config import Settings
from sprintsync.errors import Invalid
from sprintsync.projects import service as projects
from sprintsync.projects.models import Project, Role
from sprintsync.sqltime import local_day, seconds_between, week_of, week_start_of
from sprintsync.stats import schemas as s
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import Task, TaskStatusChange
from sprintsync.tasks.scope import PersonFigures, TaskScope
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timeutil import day_start, today_for, user_zone
from sprintsync.users.models import User

MAX_RANGE_DAYS = 366
TOP_USERS_LIMIT = 50
ENTRIES_PAGE = "/reports/entries"


@dataclass(frozen=True, slots=True)
class Window:
    """A resolved range: the local days and the UTC instants that bound them."""

    first: date
    last: date
    tz: ZoneInfo
    week_start: int
    start: datetime
    end: datetime

    def read(self) -> s.Range:
        return s.Range(
            date_from=self.first,
            date_to=self.last,
            time_zone=self.tz.key,
            week_start=self.week_start,
        )


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a user may count: tasks they can see (maybe of one project) and whose person
    figures among them (the tasks domain's `PersonFigures`)."""

    tasks: ColumnElement[bool] | None  # None: every task (admins), so no join is needed
    figures: PersonFigures
    project_id: int | None = None

    @property
    def needs_task(self) -> bool:
        return self.tasks is not None or self.project_id is not None

    def task_conditions(self) -> list[ColumnElement[bool]]:
        """Conditions on `Task` (which the statement must join)."""
        conditions = [] if self.tasks is None else [self.tasks]
        if self.project_id is not None:
            conditions.append(Task.project_id == self.project_id)
        return conditions

    def people(
        self,
        column: SQLColumnExpression[int] | SQLColumnExpression[int | None],
        project: SQLColumnExpression[int] = Task.project_id,
    ) -> ColumnElement[bool]:
        """Whose figures count (`project` names the row's project; a restricted scope always
        joins tasks)."""
        return self.figures.condition(column, project)


def scope(
    user: User,
    settings: Settings,
    *,
    project: projects.ProjectView | None = None,
    people: bool = False,
) -> Scope:
    """The one visibility rule for reports: the tasks visibility rule of the tasks domain,
    plus whose per-person figures count. Under `person_figures=leads` (and always with
    `people`, the export rule: mine; leads and admins a project's or anyone's) others'
    figures count only for admins and in the projects the user leads."""
    visible = None if user.is_admin else TaskScope.for_user(user).condition()
    lead = project is not None and project.role == Role.lead
    return Scope(
        tasks=visible,
        figures=PersonFigures.for_user(user, settings, export=people, lead=lead),
        project_id=project.project.id if project is not None else None,
    )


async def scope_of(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    project: str | int | None = None,
    people: bool = False,
) -> Scope:
    """`scope`, limited to one project (id or key) when asked: 404 if the user cannot see
    it (one statement more, then)."""
    view = None if project is None else await projects.get_project(session, user=user, ref=project)
    return scope(user, settings, project=view, people=people)


def scoped(
    stmt: _Query, allowed: Scope, task_id: SQLColumnExpression[int], *, join: bool = False
) -> _Query:
    """`stmt` limited to the tasks `allowed` may count (joining tasks only when it must)."""
    if not (allowed.needs_task or join):
        return stmt
    return stmt.join(Task, Task.id == task_id).where(*allowed.task_conditions())


async def _allowed(
    session: AsyncSession,
    settings: Settings,
    user: User,
    project: str | int | None,
    allowed: Scope | None,
) -> Scope:
    if allowed is not None:
        return allowed
    return await scope_of(session, settings, user=user, project=project)


def resolve_window(
    user: User,
    settings: Settings,
    *,
    period: s.Period = "week",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Window:
    """`period` (this week, this month) or a custom range, as days in the user's zone."""
    tz = user_zone(user)
    week_start = settings.week_start_iso
    if period == "custom" or date_from is not None or date_to is not None:
        if date_from is None or date_to is None:
            raise _invalid("from", "A custom range needs both from and to.")
        first, last = date_from, date_to
    elif period == "month":
        today = today_for(user)
        first = today.replace(day=1)
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    else:
        first = week_of(today_for(user), week_start)
        last = first + timedelta(days=6)
    if last < first:
        raise _invalid("to", "The range ends before it starts.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise _invalid("to", f"A range is at most {MAX_RANGE_DAYS} days.")
    if last >= date.max - timedelta(days=1) or first <= date.min + timedelta(days=1):
        raise _invalid("to", "The range is outside the calendar.")
    start, end = day_start(first, tz), day_start(last + timedelta(days=1), tz)
    return Window(first, last, tz, week_start, start, end)


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, code="invalid_range", details=[{"field": field, "message": message}])


def entries_url(window: Window, **filters: int | None) -> str:
    """The report page listing the entries behind a figure."""
    params: dict[str, Any] = {"from": window.first.isoformat(), "to": window.last.isoformat()}
    params.update({k: v for k, v in filters.items() if v is not None})
    return f"{ENTRIES_PAGE}?{urlencode(params)}"


def entry_conditions(
    allowed: Scope,
    window: Window,
    *,
    person_id: int | None,
    task_id: int | None,
    listing: bool = False,
) -> list[ColumnElement[bool]]:
    """Entries started in the window, optionally of one person or task, that `allowed` may
    count (the task scope comes from `scoped`). Sums skip entries with no minutes (running
    timers) by `minutes > 0`, which the covering index answers without reading the table;
    a listing shows every finished entry."""
    conditions = [
        _in_window(TimeEntry.started_at, window),
        TimeEntry.ended_at.is_not(None) if listing else TimeEntry.minutes > 0,
        allowed.people(TimeEntry.user_id),
    ]
    if person_id is not None:
        conditions.append(TimeEntry.user_id == person_id)
    if task_id is not None:
        conditions.append(TimeEntry.task_id == task_id)
    return conditions


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _in_window(column: SQLColumnExpression[datetime], window: Window) -> ColumnElement[bool]:
    return and_(column >= window.start, column < window.end)


# --- time logged -----------------------------------------------------------------------------


async def top_users(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    limit: int = 10,
    project: str | int | None = None,
    allowed: Scope | None = None,
) -> s.TopUsers:
    """People by minutes logged in the window (from entries, never task totals); ties go to
    the lower user id. Index: time_entries(started_at, ...) covering the sum."""
    allowed = await _allowed(session, settings, user, project, allowed)
    conditions = entry_conditions(allowed, window, person_id=None, task_id=None)
    # Sum per person first (index-only over the covering index), then name the few totals.
    totals = (
        scoped(select(TimeEntry.user_id, TimeEntry.minutes), allowed, TimeEntry.task_id)
        .where(*conditions)
        .subquery()
    )
    per_person = (
        select(totals.c.user_id, func.sum(totals.c.minutes).label("minutes"))
        .group_by(totals.c.user_id)
        .subquery()
    )
    stmt = (
        select(per_person.c.user_id, User.display_name, per_person.c.minutes)
        .join(User, User.id == per_person.c.user_id)
        .order_by(per_person.c.minutes.desc(), per_person.c.user_id)
        .limit(max(1, min(limit, TOP_USERS_LIMIT)))
    )
    rows = (await session.execute(stmt)).all()
    items = [
        s.TopUser(
            user_id=r.user_id,
            display_name=r.display_name,
            minutes=int(r.minutes),
            entries_url=entries_url(window, user=r.user_id, project=allowed.project_id),
        )
        for r in rows
    ]
    return s.TopUsers(range=window.read(), items=items)


async def time_per_day(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    group: s.Grouping = "user",
    person_id: int | None = None,
    task_id: int | None = None,
    project: str | int | None = None,
    allowed: Scope | None = None,
) -> s.TimePerDay:
    """Minutes per local day and per user (or task) in the window."""
    allowed = await _allowed(session, settings, user, project, allowed)
    day = local_day(
        TimeEntry.started_at,
        window.tz,
        dialect=_dialect(session),
        start=window.start,
        end=window.end,
    )
    key = {"user": TimeEntry.user_id, "task": TimeEntry.task_id, "project": Task.project_id}[group]
    conditions = entry_conditions(allowed, window, person_id=person_id, task_id=task_id)
    # The day expression carries bound values; grouping the subquery's column (rather than
    # repeating the expression) keeps PostgreSQL from seeing two different expressions.
    # Sums come first, names are joined to the (few) sums after.
    inner = (
        scoped(
            select(day.label("day"), key.label("key"), TimeEntry.minutes.label("minutes")),
            allowed,
            TimeEntry.task_id,
            join=group == "project",
        )
        .where(*conditions)
        .subquery()
    )
    sums = (
        select(inner.c.day, inner.c.key, func.sum(inner.c.minutes).label("total"))
        .group_by(inner.c.day, inner.c.key)
        .subquery()
    )
    named = {
        "user": (User, User.id, User.display_name),
        "task": (Task, Task.id, Task.title),
        "project": (Project, Project.id, Project.name),
    }[group]
    stmt = (
        select(sums.c.day, sums.c.key, named[2].label("label"), sums.c.total)
        .join(named[0], named[1] == sums.c.key)
        .order_by(sums.c.day, sums.c.key)
    )
    rows = (await session.execute(stmt)).all()
    items = [
        s.DayTotal(
            day=r.day,
            key=r.key,
            label=r.label,
            minutes=int(r.total),
            entries_url=_day_url(r.day, group, r.key, allowed.project_id),
        )
        for r in rows
    ]
    return s.TimePerDay(range=window.read(), group=group, items=items)


def _day_url(day: date, group: s.Grouping, key: int, project_id: int | None) -> str:
    params: dict[str, Any] = {"from": day.isoformat(), "to": day.isoformat(), group: key}
    if project_id is not None and group != "project":
        params["project"] = project_id
    return f"{ENTRIES_PAGE}?{urlencode(params)}"


# --- status history --------------------------------------------------------------------------


def _median(value: ColumnElement[Any], rn: ColumnElement[int], n: ColumnElement[int]) -> Any:
    """The median as the mean of the one or two middle rows (row numbers from 1)."""
    middle = or_(rn == (n + 1) // 2, rn == (n + 2) // 2)
    return func.avg(case((middle, value), else_=null()))


async def cycle_time(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    project: str | int | None = None,
    allowed: Scope | None = None,
) -> s.CycleTime:
    """Time spent in each status before moving on, for stays that ended in the window:
    count, mean and median. A reopened task's every stay counts. Indexes:
    task_status_changes(changed_at, task_id) finds the tasks, (task_id, changed_at) the
    history each stay is read from."""
    allowed = await _allowed(session, settings, user, project, allowed)
    c = TaskStatusChange
    touched = select(c.task_id).where(_in_window(c.changed_at, window))
    left_at = func.lead(c.changed_at).over(partition_by=c.task_id, order_by=(c.changed_at, c.id))
    history = select(
        c.to_status.label("status"), c.changed_at.label("entered"), left_at.label("left")
    )
    stays = (
        scoped(history, allowed, c.task_id)
        .where(c.task_id.in_(touched), c.changed_at < window.end)
        .cte("stays")
    )
    secs = seconds_between(stays.c.entered, stays.c.left, dialect=_dialect(session))
    durations = (
        select(stays.c.status, secs.label("secs"))
        .where(stays.c.left.is_not(None), stays.c.left >= window.start)
        .cte("durations")
    )
    ranked = select(
        durations.c.status,
        durations.c.secs,
        func.row_number()
        .over(partition_by=durations.c.status, order_by=durations.c.secs)
        .label("rn"),
        func.count().over(partition_by=durations.c.status).label("n"),
    ).cte("ranked")
    stmt = (
        select(
            ranked.c.status,
            func.max(ranked.c.n).label("stays"),
            func.avg(ranked.c.secs).label("mean"),
            _median(ranked.c.secs, ranked.c.rn, ranked.c.n).label("median"),
        )
        .group_by(ranked.c.status)
        .order_by(ranked.c.status)
    )
    rows = (await session.execute(stmt)).all()
    items = [
        s.StatusStays(
            status=r.status,
            stays=int(r.stays),
            mean_hours=_hours(r.mean),
            median_hours=_hours(r.median),
        )
        for r in rows
    ]
    return s.CycleTime(range=window.read(), items=_in_workflow_order(items))


async def task_cycle_time(session: AsyncSession, *, user: User, ref: int | str) -> s.TaskCycleTime:
    """One task's time per status over its whole history (the current stay excluded), by
    id or key; 404 for a task the user cannot see."""
    task_id = (await tasks.get_task(session, user=user, ref=ref)).id
    c = TaskStatusChange
    left_at = func.lead(c.changed_at).over(partition_by=c.task_id, order_by=(c.changed_at, c.id))
    stays = (
        select(c.to_status.label("status"), c.changed_at.label("entered"), left_at.label("left"))
        .where(c.task_id == task_id)
        .cte("stays")
    )
    secs = seconds_between(stays.c.entered, stays.c.left, dialect=_dialect(session))
    stmt = (
        select(stays.c.status, func.count().label("stays"), func.sum(secs).label("secs"))
        .where(stays.c.left.is_not(None))
        .group_by(stays.c.status)
    )
    rows = (await session.execute(stmt)).all()
    items = [
        s.TaskStatusTime(status=r.status, stays=int(r.stays), hours=_hours(r.secs)) for r in rows
    ]
    return s.TaskCycleTime(task_id=task_id, items=_in_workflow_order(items))


_ORDER = {"todo": 0, "in_progress": 1, "done": 2}


_Row = TypeVar("_Row", s.StatusStays, s.TaskStatusTime)


def _in_workflow_order(items: list[_Row]) -> list[_Row]:
    return sorted(items, key=lambda i: _ORDER.get(i.status, 9))


def _hours(seconds: Any) -> float:
    return round(float(seconds or 0) / 3600, 2)


async def estimate_accuracy(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    project: str | int | None = None,
    allowed: Scope | None = None,
) -> s.EstimateAccuracy:
    """Actual vs estimated minutes of tasks finished in the window, per assignee and overall:
    median ratio and the share within ±25 %. Index: tasks(status, status_changed_at).

    Subtasks (one level) never count an estimate or a minute twice: a parent with an
    estimated subtask is measured through its subtasks, each against its own estimate, and
    is left out itself; a parent whose subtasks carry no estimate is measured with their
    time added to its own (they are steps of the work it estimates). Index: tasks(parent_id).
    """
    allowed = await _allowed(session, settings, user, project, allowed)
    # Per parent: its subtasks' minutes and whether any carries an estimate, summed once
    # over the subtasks only (an index range scan of tasks(parent_id) past its NULLs).
    child = aliased(Task)
    kids = (
        select(
            child.parent_id.label("parent_id"),
            func.sum(child.total_minutes).label("minutes"),
            func.max(case((child.estimate_minutes > 0, 1), else_=0)).label("estimated"),
        )
        .where(child.parent_id.is_not(None))
        .group_by(child.parent_id)
        .subquery()
    )
    actual = Task.total_minutes + func.coalesce(kids.c.minutes, 0)
    ratio = (actual * literal(1.0, Float())) / Task.estimate_minutes
    # Per-person medians rank only the rows whose person figures this user may see.
    shown = case((allowed.people(Task.assignee_id, Task.project_id), 1), else_=0)
    finished = (
        select(
            Task.assignee_id.label("uid"),
            User.display_name.label("name"),
            ratio.label("ratio"),
            shown.label("shown"),
            func.row_number()
            .over(partition_by=(Task.assignee_id, shown), order_by=ratio)
            .label("rn_user"),
            func.count().over(partition_by=(Task.assignee_id, shown)).label("n_user"),
            func.row_number().over(order_by=ratio).label("rn_all"),
            func.count().over().label("n_all"),
        )
        .join(User, User.id == Task.assignee_id)
        .outerjoin(kids, kids.c.parent_id == Task.id)
        .where(
            Task.status == "done",
            _in_window(Task.status_changed_at, window),
            Task.estimate_minutes > 0,
            func.coalesce(kids.c.estimated, 0) == 0,
            *allowed.task_conditions(),
        )
        .cte("finished")
    )
    f = finished.c
    within = func.avg(case((f.ratio.between(0.75, 1.25), 1.0), else_=0.0))
    per_user = (
        select(
            f.uid,
            f.name,
            func.count().label("n"),
            _median(f.ratio, f.rn_user, f.n_user).label("median"),
            within.label("within"),
        )
        .where(f.shown == 1)
        .group_by(f.uid, f.name)
    )
    overall = select(
        null().label("uid"),
        literal("Everyone").label("name"),
        func.count().label("n"),
        _median(f.ratio, f.rn_all, f.n_all).label("median"),
        within.label("within"),
    )
    rows = (await session.execute(per_user.union_all(overall))).all()
    everyone: s.Accuracy | None = None
    items: list[s.Accuracy] = []
    for r in rows:
        if not r.n:
            continue
        row = s.Accuracy(
            user_id=r.uid,
            display_name=r.name,
            tasks=int(r.n),
            median_ratio=round(float(r.median), 3),
            within_25_percent=round(float(r.within), 3),
        )
        if r.uid is None:
            everyone = row
        else:
            items.append(row)
    items.sort(key=lambda a: (a.display_name.lower(), a.user_id or 0))
    return s.EstimateAccuracy(range=window.read(), overall=everyone, items=items)


async def throughput(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    project: str | int | None = None,
    allowed: Scope | None = None,
) -> s.Throughput:
    """Tasks finished per week (a task finished twice in a week counts once). Index:
    task_status_changes(changed_at, task_id)."""
    allowed = await _allowed(session, settings, user, project, allowed)
    c = TaskStatusChange
    dialect = _dialect(session)
    day = local_day(c.changed_at, window.tz, dialect=dialect, start=window.start, end=window.end)
    week = week_start_of(day, week_start=window.week_start, dialect=dialect)
    inner = (
        scoped(select(week.label("week"), c.task_id), allowed, c.task_id)
        .where(c.to_status == "done", _in_window(c.changed_at, window))
        .subquery()
    )
    stmt = (
        select(inner.c.week, func.count(func.distinct(inner.c.task_id)).label("n"))
        .group_by(inner.c.week)
        .order_by(inner.c.week)
    )
    counts = {_as_date(r.week): int(r.n) for r in (await session.execute(stmt)).all()}
    weeks: list[s.WeekCount] = []
    week_day = week_of(window.first, window.week_start)
    while week_day <= window.last:
        weeks.append(s.WeekCount(week=week_day, finished=counts.get(week_day, 0)))
        week_day += timedelta(days=7)
    return s.Throughput(range=window.read(), items=weeks)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- the reports page ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonDays:
    """One person's row of the time-per-day table."""

    user_id: int
    name: str
    minutes: dict[date, int]
    urls: dict[date, str]

    @property
    def total(self) -> int:
        return sum(self.minutes.values())


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the reports page shows; the charts fetch the same figures from the API."""

    window: Window
    person_id: int | None
    project_id: int | None
    projects: list[projects.ProjectView]
    top: s.TopUsers
    per_day: s.TimePerDay
    cycle: s.CycleTime
    accuracy: s.EstimateAccuracy
    throughput: s.Throughput

    @property
    def finished_any(self) -> bool:
        """Whether any task was finished in the range (else the page shows an empty state)."""
        return any(week.finished for week in self.throughput.items)

    @property
    def days(self) -> list[date]:
        count = (self.window.last - self.window.first).days + 1
        return [self.window.first + timedelta(days=i) for i in range(count)]

    @property
    def people_days(self) -> list[PersonDays]:
        rows: dict[int, PersonDays] = {}
        for item in self.per_day.items:
            row = rows.setdefault(item.key, PersonDays(item.key, item.label, {}, {}))
            row.minutes[item.day] = item.minutes
            row.urls[item.day] = item.entries_url
        return sorted(rows.values(), key=lambda r: (-r.total, r.user_id))

    def query(self, **extra: str | int) -> str:
        """The API query for this report's range (and person), for the charts to fetch."""
        params: dict[str, Any] = {
            "period": "custom",
            "from": self.window.first.isoformat(),
            "to": self.window.last.isoformat(),
        }
        if self.person_id is not None:
            params["user"] = self.person_id
        if self.project_id is not None:
            params["project"] = self.project_id
        params.update(extra)
        return urlencode(params)


async def report(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    person_id: int | None = None,
    project: str | int | None = None,
) -> Report:
    """The reports page's figures: one statement per chart, the viewer's projects for the
    filter, and the chosen project (404 if not theirs)."""
    allowed = await scope_of(session, settings, user=user, project=project)
    common: dict[str, Any] = {"user": user, "window": window, "allowed": allowed}
    return Report(
        window=window,
        person_id=person_id,
        project_id=allowed.project_id,
        projects=await projects.list_projects(session, user=user, include_archived=True),
        top=await top_users(session, settings, **common),
        per_day=await time_per_day(session, settings, person_id=person_id, **common),
        cycle=await cycle_time(session, settings, **common),
        accuracy=await estimate_accuracy(session, settings, **common),
        throughput=await throughput(session, settings, **common),
    )
