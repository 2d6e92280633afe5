"""The stand-up's data, read in a fixed number of bounded statements (never one per line).

Who may see what:
- A person's stand-up: yourself, anyone who shares a project with you (admins: anyone);
  anyone else is a 404. Only what happened on tasks *you* may see is shown (the tasks
  domain's `TaskScope` for the viewer), so a stand-up never reveals another project.
- A project's stand-up: its members and admins (others get 404, as for the project).
- Per-person time follows the reports' rule (`PersonFigures`, which reads
  `SPRINTSYNC_PERSON_FIGURES`): under `leads`, a member who is not an admin sees their own
  time, and other people's only in projects they lead; elsewhere a project's stand-up merges
  others' time into team totals per task, and a colleague's stand-up leaves it out. Every
  figure shown per person links to the reports' entries behind it, which the same rule lets
  the viewer list.

Days are the viewer's: "yesterday" is the previous working day (Monday to Friday) in the
viewer's time zone, so on a Monday it is Friday. As in the timesheet and the reports, an
entry counts on the day it started, so a timer run across midnight counts in full on the
day it was started.

Statements: a person's stand-up reads the person (only when it is someone else), the time,
the status changes, the comments, the open tasks, the time logged today (two) and the
projects' in-progress history; a project's reads the project, its members, the same three
of yesterday, the blockers, each member's top items and the history.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sprintsync.ai.facts import PlanFacts, PlanTask, logged_today
from sprintsync.ai.planner import plan_day
from sprintsync.ai.schemas import DEFAULT_CAPACITY_MINUTES
from sprintsync.ai.standup.schemas import (
    BlockerLine,
    CommentLine,
    StandupSummary,
    StatusLine,
    TimeLine,
    TodayLine,
    UsualStay,
)
from sprintsync.comments.models import Comment
from sprintsync.config import Settings
from sprintsync.errors import NotFound
from sprintsync.projects.models import Project
from sprintsync.projects.service import ProjectView, active_members, colleagues_statement
from sprintsync.tasks.models import Task, TaskStatus, TaskStatusChange, TimeEntry
from sprintsync.tasks.scope import PersonFigures, TaskScope
from sprintsync.timeutil import day_window, local_date
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID
from sprintsync.web.markdown import plain_text

ENTRIES_PAGE = "/reports/entries"
LINES_LIMIT = 100
OPEN_LIMIT = 100
TOP_ITEMS = 3
EXCERPT_CHARS = 120
# "Stuck": in progress longer than the project's median stay over this many days of
# history, once there are at least MIN_STAYS finished stays; with fewer, FALLBACK_HOURS.
# Never less than a working day: a task picked up this morning is not a blocker.
HISTORY_DAYS = 90
HISTORY_LIMIT = 5000
MIN_STAYS = 5
FALLBACK_HOURS = 72.0
FLOOR_HOURS = 24.0


def previous_working_day(today: date) -> date:
    """The last Monday-to-Friday day before `today` (Friday for a Monday or a weekend)."""
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Frame:
    """The stand-up's days in the viewer's zone, and who is reading."""

    viewer: User
    settings: Settings
    tz: ZoneInfo
    now: datetime
    today: date
    yesterday: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, viewer: User, settings: Settings, tz: ZoneInfo, now: datetime) -> Frame:
        today = local_date(now, tz)
        yesterday = previous_working_day(today)
        start, end = day_window(yesterday, tz)
        return cls(viewer, settings, tz, now, today, yesterday, start, end)

    @property
    def scope(self) -> ColumnElement[bool]:
        return TaskScope.for_user(self.viewer).condition()

    def entries_url(self, *, person_id: int, task_id: int) -> str:
        """The reports page listing the entries behind a figure (the reports' drill-down)."""
        day = self.yesterday.isoformat()
        query = urlencode({"from": day, "to": day, "user": person_id, "task": task_id})
        return f"{ENTRIES_PAGE}?{query}"


def task_url(key: str) -> str:
    return f"/tasks/{key}"


# --- who the stand-up is about --------------------------------------------------------------


async def person(session: AsyncSession, *, viewer: User, ref: int) -> User:
    """The person whose stand-up `viewer` asks for: themselves or a colleague; else 404."""
    if ref == viewer.id:
        return viewer
    if not 0 < ref <= MAX_ROW_ID:
        raise NotFound("User not found.", code="user_not_found")
    stmt = colleagues_statement(viewer).where(User.id == ref)
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("User not found.", code="user_not_found")
    return found


# --- yesterday ------------------------------------------------------------------------------


def _in_yesterday(column: Any, frame: Frame) -> ColumnElement[bool]:
    return and_(column >= frame.start, column < frame.end)


async def _time(
    session: AsyncSession, frame: Frame, subject: ColumnElement[bool], *, merge: bool
) -> tuple[list[TimeLine], bool]:
    """Time per person and task on the day, each linked to the reports' entries behind it.
    Figures the viewer may not see per person (the reports' rule) are merged into team totals
    per task (`merge`, a project's stand-up), or left out (a person's, where a "team total"
    would be that person's figure)."""
    shown = PersonFigures.for_user(frame.viewer, frame.settings).condition(TimeEntry.user_id)
    stmt = (
        select(
            TimeEntry.user_id,
            User.display_name,
            Task.id,
            Task.key,
            Task.title,
            shown.label("shown"),
            func.sum(TimeEntry.minutes).label("minutes"),
        )
        .join(Task, Task.id == TimeEntry.task_id)
        .join(User, User.id == TimeEntry.user_id)
        .where(
            subject,
            frame.scope,
            _in_yesterday(TimeEntry.started_at, frame),
            TimeEntry.ended_at.is_not(None),
            TimeEntry.minutes > 0,
        )
        .group_by(TimeEntry.user_id, User.display_name, Task.id, Task.key, Task.title)
        .order_by(User.display_name, TimeEntry.user_id, Task.key)
        .limit(LINES_LIMIT)
    )
    lines: list[TimeLine] = []
    team: dict[str, TimeLine] = {}
    hidden = False
    for r in await session.execute(stmt):
        if not r.shown:
            hidden = True
            if not merge:
                continue
            merged = team.get(r.key)
            if merged is None:
                merged = team[r.key] = TimeLine(
                    person_id=None,
                    person=None,
                    task_key=r.key,
                    task_title=r.title,
                    minutes=0,
                    url=f"{task_url(r.key)}#time-section",
                )
            merged.minutes += int(r.minutes)
            continue
        lines.append(
            TimeLine(
                person_id=r.user_id,
                person=r.display_name,
                task_key=r.key,
                task_title=r.title,
                minutes=int(r.minutes),
                url=frame.entries_url(person_id=r.user_id, task_id=r.id),
            )
        )
    return lines + sorted(team.values(), key=lambda t: t.task_key), hidden


async def _status_changes(
    session: AsyncSession, frame: Frame, subject: ColumnElement[bool]
) -> list[StatusLine]:
    stmt = (
        select(
            TaskStatusChange.changed_by_id,
            func.coalesce(User.display_name, "Someone").label("name"),
            Task.key,
            Task.title,
            TaskStatusChange.from_status,
            TaskStatusChange.to_status,
        )
        .join(Task, Task.id == TaskStatusChange.task_id)
        .outerjoin(User, User.id == TaskStatusChange.changed_by_id)
        .where(
            subject,
            frame.scope,
            _in_yesterday(TaskStatusChange.changed_at, frame),
            TaskStatusChange.from_status.is_not(None),
        )
        .order_by(TaskStatusChange.changed_at, TaskStatusChange.id)
        .limit(LINES_LIMIT)
    )
    return [
        StatusLine(
            person_id=r.changed_by_id,
            person=r.name,
            task_key=r.key,
            task_title=r.title,
            from_status=r.from_status,
            to_status=r.to_status,
            url=task_url(r.key),
        )
        for r in await session.execute(stmt)
    ]


async def _comments(
    session: AsyncSession, frame: Frame, subject: ColumnElement[bool]
) -> list[CommentLine]:
    stmt = (
        select(
            Comment.id,
            Comment.author_id,
            func.coalesce(User.display_name, "Someone").label("name"),
            func.substr(Comment.body, 1, EXCERPT_CHARS * 2).label("body"),
            Task.key,
            Task.title,
        )
        .join(Task, Task.id == Comment.task_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(subject, frame.scope, _in_yesterday(Comment.created_at, frame))
        .order_by(Comment.created_at, Comment.id)
        .limit(LINES_LIMIT)
    )
    return [
        CommentLine(
            person_id=r.author_id,
            person=r.name,
            task_key=r.key,
            task_title=r.title,
            comment_id=r.id,
            excerpt=plain_text(r.body, EXCERPT_CHARS),
            url=f"{task_url(r.key)}#comment-{r.id}",
        )
        for r in await session.execute(stmt)
    ]


# --- today and blockers ---------------------------------------------------------------------


def _carried_by_subtasks() -> ColumnElement[bool]:
    """A parent whose open, estimated subtasks carry its work (as the planner counts it)."""
    child = aliased(Task)
    return (
        select(child.id)
        .where(
            child.parent_id == Task.id,
            child.status != TaskStatus.done.value,
            child.estimate_minutes.is_not(None),
        )
        .exists()
    )


def _plan_order() -> list[Any]:
    """The planner's order (`planner.order_key`) in SQL: in progress, due date, priority."""
    return [
        case((Task.status == TaskStatus.in_progress.value, 0), else_=1),
        Task.due_date.is_(None),
        Task.due_date,
        Task.priority.desc(),
        Task.id,
    ]


def _open_columns() -> list[Any]:
    return [
        Task.id,
        Task.key,
        Task.title,
        Task.status,
        Task.priority,
        Task.due_date,
        Task.estimate_minutes,
        Task.total_minutes,
        Task.project_id,
        Task.status_changed_at,
        Task.assignee_id,
        _carried_by_subtasks().label("carried"),
    ]


def _active_projects() -> ColumnElement[bool]:
    return Task.project_id.in_(select(Project.id).where(Project.archived.is_(False)))


def _plan_task(r: Any) -> PlanTask:
    return PlanTask(
        id=r.id,
        title=r.title,
        status=r.status,
        priority=r.priority,
        due_date=r.due_date,
        estimate_minutes=r.estimate_minutes,
        logged_minutes=r.total_minutes,
    )


def _today_lines(facts: PlanFacts, who: User, rows: dict[int, Any]) -> tuple[list[TodayLine], int]:
    """The planned items as lines, and how many open tasks the plan left for another day."""
    day = plan_day(facts)
    lines = [
        TodayLine(
            person_id=who.id,
            person=who.display_name,
            task_key=rows[item.task_id].key,
            task_title=rows[item.task_id].title,
            minutes=item.minutes,
            reason=item.reason,
            url=task_url(rows[item.task_id].key),
        )
        for item in day.items
    ]
    return lines, len(day.deferred)


def _hours(hours: float) -> str:
    if hours < 48:
        return f"{round(hours):g} h"
    return f"{hours / 24:.0f} days"


def _blocker(
    kind: Literal["overdue", "stuck"], r: Any, person: str | None, detail: str
) -> BlockerLine:
    return BlockerLine(
        kind=kind,
        person=person,
        task_key=r.key,
        task_title=r.title,
        detail=detail,
        url=task_url(r.key),
    )


def _blockers(
    rows: list[Any], frame: Frame, stays: dict[int, UsualStay], names: dict[int, str]
) -> list[BlockerLine]:
    """Overdue open tasks, and tasks in progress longer than usual for their project."""
    found: list[BlockerLine] = []
    for r in rows:
        person = names.get(r.assignee_id) if r.assignee_id is not None else None
        if r.due_date is not None and r.due_date < frame.today:
            days = (frame.today - r.due_date).days
            detail = f"overdue by {days} day{'s' if days != 1 else ''} (due {r.due_date})"
            found.append(_blocker("overdue", r, person, detail))
        usual = stays.get(r.project_id)
        if r.status != TaskStatus.in_progress.value or usual is None:
            continue
        hours = (frame.now - r.status_changed_at).total_seconds() / 3600
        if hours > usual.hours:
            basis = (
                f"usually {_hours(usual.hours)} in {usual.project_key}"
                if usual.basis == "median"
                else f"more than {_hours(usual.hours)}; too little history for a median"
            )
            found.append(_blocker("stuck", r, person, f"in progress for {_hours(hours)} ({basis})"))
    return found


async def usual_stays(
    session: AsyncSession, frame: Frame, projects: dict[int, str]
) -> dict[int, UsualStay]:
    """Per project: the median time a task stayed in progress over the recent history
    (entering in progress to leaving it), or the fallback when there are too few stays."""
    if not projects:
        return {}
    since = frame.now - timedelta(days=HISTORY_DAYS)
    stmt = (
        select(
            Task.project_id,
            TaskStatusChange.task_id,
            TaskStatusChange.from_status,
            TaskStatusChange.to_status,
            TaskStatusChange.changed_at,
        )
        .join(Task, Task.id == TaskStatusChange.task_id)
        .where(
            Task.project_id.in_(sorted(projects)),
            TaskStatusChange.changed_at >= since,
            (TaskStatusChange.to_status == TaskStatus.in_progress.value)
            | (TaskStatusChange.from_status == TaskStatus.in_progress.value),
        )
        .order_by(TaskStatusChange.task_id, TaskStatusChange.changed_at, TaskStatusChange.id)
        .limit(HISTORY_LIMIT)
    )
    durations: dict[int, list[float]] = defaultdict(list)
    entered: dict[int, datetime] = {}
    for r in await session.execute(stmt):
        if r.to_status == TaskStatus.in_progress.value:
            entered[r.task_id] = r.changed_at
        elif r.task_id in entered:
            began = entered.pop(r.task_id)
            durations[r.project_id].append((r.changed_at - began).total_seconds() / 3600)
    result = {}
    for project_id, key in projects.items():
        stays = durations.get(project_id, [])
        if len(stays) >= MIN_STAYS:
            hours = max(statistics.median(stays), FLOOR_HOURS)
            result[project_id] = UsualStay(
                project_key=key, hours=round(hours, 2), basis="median", stays=len(stays)
            )
        else:
            result[project_id] = UsualStay(
                project_key=key, hours=FALLBACK_HOURS, basis="fallback", stays=len(stays)
            )
    return result


def _project_keys(rows: list[Any]) -> dict[int, str]:
    """Project id -> key for the in-progress tasks (a task key starts with its project's)."""
    return {
        r.project_id: r.key.rsplit("-", 1)[0]
        for r in rows
        if r.status == TaskStatus.in_progress.value
    }


# --- the two summaries ----------------------------------------------------------------------


async def person_summary(session: AsyncSession, frame: Frame, who: User) -> StandupSummary:
    """`who`'s stand-up as `frame.viewer` may see it."""
    time, hidden = await _time(session, frame, TimeEntry.user_id == who.id, merge=False)
    changes = await _status_changes(session, frame, TaskStatusChange.changed_by_id == who.id)
    comments = await _comments(session, frame, Comment.author_id == who.id)
    open_stmt: Select[Any] = (
        select(*_open_columns())
        .where(
            Task.assignee_id == who.id,
            frame.scope,
            _active_projects(),
            Task.status != TaskStatus.done.value,
        )
        .order_by(*_plan_order())
        .limit(OPEN_LIMIT)
    )
    rows = list(await session.execute(open_stmt))
    logged = await logged_today(session, user=who, now=frame.now, tz=frame.tz)
    plan = PlanFacts(
        today=frame.today,
        capacity_minutes=DEFAULT_CAPACITY_MINUTES,
        logged_today_minutes=logged,
        tasks=[_plan_task(r) for r in rows if not r.carried],
    )
    today, deferred = _today_lines(plan, who, {r.id: r for r in rows})
    stays = await usual_stays(session, frame, _project_keys(rows))
    blockers = _blockers(rows, frame, stays, {who.id: who.display_name})
    return StandupSummary(
        scope="user",
        subject=who.display_name,
        subject_id=who.id,
        today=frame.today,
        yesterday=frame.yesterday,
        timezone=frame.tz.key,
        time=time,
        status_changes=changes,
        comments=comments,
        plan=today,
        deferred=deferred,
        blockers=blockers,
        usual_stays=list(stays.values()),
        figures_hidden=hidden,
    )


async def project_summary(session: AsyncSession, frame: Frame, view: ProjectView) -> StandupSummary:
    """A project's stand-up: everyone's yesterday, each member's top items, the blockers."""
    project = view.project
    in_project = Task.project_id == project.id
    members = await active_members(session, project_id=project.id)
    names = {m.id: m.display_name for m in members}
    time, hidden = await _time(session, frame, in_project, merge=True)
    changes = await _status_changes(session, frame, in_project)
    comments = await _comments(session, frame, in_project)
    blocked_stmt: Select[Any] = (
        select(*_open_columns())
        .where(
            in_project,
            frame.scope,
            Task.status != TaskStatus.done.value,
            (Task.status == TaskStatus.in_progress.value) | (Task.due_date < frame.today),
        )
        .order_by(*_plan_order())
        .limit(OPEN_LIMIT)
    )
    candidates = list(await session.execute(blocked_stmt))
    rank = func.row_number().over(partition_by=Task.assignee_id, order_by=_plan_order())
    ranked = (
        select(*_open_columns(), rank.label("rank"))
        .where(
            in_project,
            frame.scope,
            Task.status != TaskStatus.done.value,
            Task.assignee_id.is_not(None),
            ~_carried_by_subtasks(),
        )
        .subquery()
    )
    top_stmt = select(ranked).where(ranked.c.rank <= TOP_ITEMS).order_by(ranked.c.assignee_id)
    top = list(await session.execute(top_stmt))
    plan: list[TodayLine] = []
    for member in members:
        mine = [r for r in top if r.assignee_id == member.id]
        facts = PlanFacts(
            today=frame.today,
            capacity_minutes=DEFAULT_CAPACITY_MINUTES,
            logged_today_minutes=0,
            tasks=[_plan_task(r) for r in mine],
        )
        lines, _ = _today_lines(facts, member, {r.id: r for r in mine})
        plan += lines
    stays = await usual_stays(session, frame, {project.id: project.key} if candidates else {})
    return StandupSummary(
        scope="project",
        subject=f"{project.key} {project.name}",
        subject_id=project.id,
        subject_key=project.key,
        today=frame.today,
        yesterday=frame.yesterday,
        timezone=frame.tz.key,
        time=time,
        status_changes=changes,
        comments=comments,
        plan=plan,
        blockers=_blockers(candidates, frame, stays, names),
        usual_stays=list(stays.values()),
        figures_hidden=hidden,
    )
