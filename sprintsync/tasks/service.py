"""Task rules: reading in scope, creation, edits, assignment, deletion, the workflow."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from sprintsync.db import like_pattern, utcnow
from sprintsync.errors import Conflict, Forbidden, Invalid, NotFound
from sprintsync.projects import service as projects
from sprintsync.projects.models import Project
from sprintsync.projects.service import ProjectView
from sprintsync.tasks import events, queries
from sprintsync.tasks.fastpath import fetch_dicts
from sprintsync.tasks.filters import TaskFilter
from sprintsync.tasks.models import (
    Task,
    TaskFieldChange,
    TaskStatus,
    TaskStatusChange,
    TimeEntry,
)
from sprintsync.tasks.priority import BY_RANK, Priority
from sprintsync.tasks.schemas import TaskCreate, TaskUpdate
from sprintsync.tasks.scope import TaskScope, access_statement, assigned_to, is_lead
from sprintsync.tasks.transitions import allowed_targets, can_move
from sprintsync.timeutil import today_for
from sprintsync.users import service as users
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID, parse_row_id

MAX_LIMIT = 100
# The task panel lists at most this many time entries, newest first.
PANEL_ENTRIES = 100
# A task key as people type it: API-42 (any case).
TASK_KEY = re.compile(r"([A-Za-z]{2,10})-(\d{1,9})")


@dataclass(frozen=True, slots=True)
class TaskAccess:
    """A task the user may see, with what they may do to it (one query, see `get_access`)."""

    task: Task
    project_key: str
    archived: bool
    can_delete: bool


def may_delete(user: User, task: Task, role: str | None) -> bool:
    """Who may delete a task: its creator, a lead of its project, or an admin."""
    return user.is_admin or task.owner_id == user.id or is_lead(role)


def task_dict(row: Any) -> dict[str, Any]:
    """A task row (ORM object or Core mapping) as the API's plain dict."""
    if isinstance(row, Task):
        return {c.key: getattr(row, c.key) for c in queries.COLUMNS}
    return dict(row)


# --- reading -----------------------------------------------------------------------------


def _encode_cursor(value: Any, row_id: int) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return base64.urlsafe_b64encode(orjson.dumps([value, row_id])).decode().rstrip("=")


def _decode_cursor(cursor: str, field: str) -> tuple[Any, int]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value, row_id = raw
        if field in ("created_at", "updated_at"):
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:  # cursors we issue always carry the UTC offset
                raise ValueError("naive timestamp")
            value = value.astimezone(UTC)  # OverflowError at the calendar's edges
        elif field == "due_date":
            value = date.fromisoformat(value)
        elif field == "priority":
            value = Priority.from_rank(int(value)).rank
        elif not isinstance(value, str):
            raise TypeError
        row_id = int(row_id)
        if not 0 < row_id <= MAX_ROW_ID:
            raise ValueError("out of range")
        return value, row_id
    except (ValueError, TypeError, IndexError, OverflowError, orjson.JSONDecodeError) as exc:
        raise Invalid("The cursor is not valid.", code="invalid_cursor") from exc


@dataclass(frozen=True, slots=True)
class _Page:
    query: queries.SqlWhere
    field: str
    descending: bool
    after: tuple[Any, int] | None
    limit: int


def _page_query(user: User, filters: TaskFilter) -> _Page:
    """The visibility rule, filters, order and cursor of one page of the task list."""
    sort = filters.sort
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field not in queries.SORT_SQL:
        raise Invalid(f"Unknown sort key {sort!r}.", code="invalid_sort")
    query = queries.SqlWhere(
        scope=TaskScope.for_user(user),
        project_id=filters.project_id,
        include_archived=filters.include_archived,
    )
    if filters.status is not None:
        query.add("status = :status", status=filters.status.value)
    if filters.assignee_id is not None:
        query.add("assignee_id = :assignee_id", assignee_id=filters.assignee_id)
    if filters.priority is not None:
        query.add("priority = :priority", priority=filters.priority.rank)
    if filters.q and filters.q.strip():
        # A task key finds its task; the same text may also appear in titles.
        query.add(
            "(key = :task_key OR lower(title) LIKE :pattern ESCAPE '\\'"
            " OR lower(description) LIKE :pattern ESCAPE '\\')",
            pattern=like_pattern(filters.q),
            task_key=filters.q.strip().upper(),
        )
    due_before, due_after = filters.due_before, filters.due_after
    if filters.due is not None:  # a page's window counts from the reader's own today
        due_before, due_after = filters.due_range(today_for(user))
    if due_before is not None:
        query.add("due_date <= :due_before", due_before=due_before)
    if due_after is not None:
        query.add("due_date >= :due_after", due_after=due_after)
    after = _decode_cursor(filters.cursor, field) if filters.cursor else None
    return _Page(query, field, descending, after, max(1, min(filters.limit, MAX_LIMIT)))


def _cursor_after(page: _Page, key_value: Any, row_id: int) -> str:
    if page.field == "due_date" and key_value is None:
        key_value = queries.FAR_FUTURE
    return _encode_cursor(key_value, row_id)


async def list_tasks(
    session: AsyncSession,
    *,
    user: User,
    filters: TaskFilter = TaskFilter(),
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of visible tasks, keyset-paginated on (sort key, id): no counting, no offset."""
    page = _page_query(user, filters)
    sql, params, types = queries.build_list_sql(
        page.query,
        sort_field=page.field,
        descending=page.descending,
        after=page.after,
        limit=page.limit,
        lateral=session.get_bind().dialect.name == "postgresql",
    )
    rows = await fetch_dicts(session, sql, params, columns=queries.RAW_COLUMNS, param_types=types)
    next_cursor = None
    if len(rows) > page.limit:
        last = rows[page.limit - 1]
        next_cursor = _cursor_after(page, last[page.field], last["id"])
    for row in rows:
        row["priority"] = BY_RANK[row["priority"]]
    return rows[: page.limit], next_cursor


def task_condition(ref: int | str) -> ColumnElement[bool] | None:
    """The WHERE naming a task by id (42, "42") or key ("API-42"); None if `ref` names none."""
    text = str(ref).strip()
    if text.isdigit():
        number = parse_row_id(text)
        return None if number is None else Task.id == number
    if TASK_KEY.fullmatch(text):
        return Task.key == text.upper()
    return None


def _not_found() -> NotFound:
    return NotFound("Task not found.", code="task_not_found")


async def get_access(
    session: AsyncSession, *, user: User, ref: int | str, lock: bool = False
) -> TaskAccess:
    """A task by id or key with what `user` may do to it; 404 unless it is in their scope."""
    condition = task_condition(ref)
    if condition is None:
        raise _not_found()
    stmt = access_statement(user, condition)
    if lock:
        stmt = stmt.with_for_update(of=Task)
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise _not_found()
    task: Task = row.Task
    return TaskAccess(
        task=task,
        project_key=row.project_key,
        archived=row.archived,
        can_delete=not row.archived and may_delete(user, task, row.role),
    )


async def get_task(session: AsyncSession, *, user: User, ref: int | str) -> Task:
    """A task the user may see, by id (42) or key ("API-42"); 404 otherwise, so ids and keys
    reveal nothing about tasks outside the user's projects."""
    return (await get_access(session, user=user, ref=ref)).task


async def get_writable(
    session: AsyncSession, *, user: User, ref: int | str, lock: bool = False
) -> Task:
    """A task the user may change: in scope (404) and in a project that is not archived (409).
    Time tracking uses it too: an archived project's tasks take no new time."""
    access = await get_access(session, user=user, ref=ref, lock=lock)
    if access.archived:
        raise project_archived(access.project_key)
    return access.task


def project_archived(project_key: str) -> Conflict:
    """The refusal for a change to a task of an archived (read-only) project."""
    return Conflict(f"Project {project_key} is archived and read-only.", code="project_archived")


# (status, how many) per board column; Done shows only the most recent.
BOARD_COLUMNS = ((TaskStatus.todo, 50), (TaskStatus.in_progress, 50), (TaskStatus.done, 20))
_BOARD_LIMITS = {status.value: limit for status, limit in BOARD_COLUMNS}


@dataclass(frozen=True, slots=True)
class BoardColumn:
    status: str
    tasks: list[dict[str, Any]]
    more: bool


@dataclass(frozen=True, slots=True)
class Board:
    """The "My work" board: the user's assigned tasks by status, and the running timer."""

    columns: list[BoardColumn]
    names: dict[int, str]
    timer_task_id: int | None


def _running_task_id_of(user: User) -> Any:
    return (
        select(TimeEntry.task_id)
        .where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
        .scalar_subquery()
    )


async def board(session: AsyncSession, *, user: User) -> Board:
    """Every board column in one statement: the open columns by priority, Done by recency,
    each cut to its length (one more row says whether there are more)."""
    done = Task.status == TaskStatus.done.value
    rank = func.row_number().over(
        partition_by=Task.status,
        order_by=(
            case((done, Task.updated_at)).desc(),
            case((~done, Task.priority)).desc(),
            Task.id.desc(),
        ),
    )
    ranked = select(*queries.COLUMNS, rank.label("rank")).where(assigned_to(user)).subquery()
    cut = case(*((ranked.c.status == status, limit + 1) for status, limit in _BOARD_LIMITS.items()))
    stmt = (
        select(ranked, _running_task_id_of(user).label("timer_task_id"))
        .where(ranked.c.rank <= cut)
        .order_by(ranked.c.rank)
    )
    rows = (await session.execute(stmt)).mappings().all()
    by_status: dict[str, list[dict[str, Any]]] = {status: [] for status in _BOARD_LIMITS}
    for row in rows:
        by_status[row["status"]].append(task_dict({c.key: row[c.key] for c in queries.COLUMNS}))
    columns = [
        BoardColumn(status=status, tasks=items[:limit], more=len(items) > limit)
        for status, items in by_status.items()
        for limit in (_BOARD_LIMITS[status],)
    ]
    return Board(
        columns=columns,
        # Every card on the board is assigned to the user.
        names={user.id: user.display_name},
        timer_task_id=rows[0]["timer_task_id"] if rows else None,
    )


@dataclass(frozen=True, slots=True)
class ProjectBoard:
    """A project's board: everyone's cards by status, its people, and the running timer."""

    project: ProjectView
    columns: list[BoardColumn]
    people: list[User]
    names: dict[int, str]
    timer_task_id: int | None


async def project_board(
    session: AsyncSession, *, user: User, ref: str | int, filters: TaskFilter
) -> ProjectBoard:
    """The board of a project the user may see (404 otherwise), filtered by assignee,
    priority and text; each column reads the project's index in its order."""
    view = await projects.get_project(session, user=user, ref=ref)
    columns = []
    for status, limit in BOARD_COLUMNS:
        column = filters.model_copy(
            update={
                "status": status,
                "project_id": view.project.id,
                "sort": "-updated_at" if status is TaskStatus.done else "-priority",
                "limit": limit,
            }
        )
        items, next_cursor = await list_tasks(session, user=user, filters=column)
        columns.append(BoardColumn(status=status.value, tasks=items, more=next_cursor is not None))
    people = await projects.active_members(session, project_id=view.project.id)
    ids = {t["assignee_id"] for c in columns for t in c.tasks}
    return ProjectBoard(
        project=view,
        columns=columns,
        people=people,
        names=await users.display_names(session, ids, known=people),
        timer_task_id=await running_task_id(session, user=user),
    )


@dataclass(frozen=True, slots=True)
class TaskListPage:
    """One page of the task list, with what its rows and filters show."""

    tasks: list[dict[str, Any]]
    next_cursor: str | None
    names: dict[int, str]
    people: list[User]


async def task_list_page(
    session: AsyncSession,
    *,
    user: User,
    filters: TaskFilter,
) -> TaskListPage:
    """The list page's rows, the assignee names they show and the people one may filter by
    (its rows have no timer buttons, so it reads no running timer)."""
    items, next_cursor = await list_tasks(session, user=user, filters=filters)
    people = list((await session.execute(projects.colleagues_statement(user))).scalars())
    ids = {t["assignee_id"] for t in items}
    return TaskListPage(
        tasks=items,
        next_cursor=next_cursor,
        names=await users.display_names(session, ids, known=people),
        people=people,
    )


async def running_task_id(session: AsyncSession, *, user: User) -> int | None:
    """The task the user's timer runs on, if any (cards show Stop instead of Start)."""
    stmt = select(TimeEntry.task_id).where(
        TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def status_history(
    session: AsyncSession, *, user: User, ref: int | str
) -> list[TaskStatusChange]:
    task = await get_task(session, user=user, ref=ref)
    stmt = (
        select(TaskStatusChange)
        .where(TaskStatusChange.task_id == task.id)
        .order_by(TaskStatusChange.changed_at, TaskStatusChange.id)
    )
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True, slots=True)
class TaskDetail:
    """Everything the task panel shows: the task, its time, and who is who (the status
    history shows in the task's activity feed, read by its own request)."""

    task: dict[str, Any]
    entries: list[TimeEntry]
    names: dict[int, str]
    people: list[User]
    can_delete: bool
    timer_task_id: int | None
    # A parent's subtasks and a subtask's parent: {"id", "key", "title", "status"} each.
    children: list[dict[str, Any]]
    parent: dict[str, Any] | None
    # Opening the task gives a listener something to do (see `events.on_open`).
    open_pending: bool = False

    @property
    def children_done(self) -> int:
        return sum(c["status"] == TaskStatus.done.value for c in self.children)


def _link(task: Task) -> dict[str, Any]:
    return {"id": task.id, "key": task.key, "title": task.title, "status": task.status}


async def task_detail(session: AsyncSession, *, user: User, ref: int | str) -> TaskDetail:
    """The task panel's data: 404 unless the user may see the task (by id or key). The task,
    its subtasks or parent, its project's state, the user's role and the running
    timer come in one statement, the entries in a second, the people and names in at most
    two more."""
    condition = task_condition(ref)
    if condition is None:
        raise _not_found()
    stmt = (
        access_statement(user, condition)
        .add_columns(
            _running_task_id_of(user).label("timer_task_id"),
            events.open_pending(user, Task.id).label("open_pending"),
        )
        .options(
            joinedload(Task.project).options(projects.with_members()),
            joinedload(Task.children),
            joinedload(Task.parent),
        )
    )
    row = (await session.execute(stmt)).unique().one_or_none()
    if row is None:
        raise _not_found()
    found: Task = row.Task
    task = task_dict(found)
    task_id = found.id
    entries_stmt = (
        select(TimeEntry)
        .where(TimeEntry.task_id == task_id)
        .order_by(TimeEntry.started_at.desc(), TimeEntry.id.desc())
        .limit(PANEL_ENTRIES)
    )
    entries = list((await session.execute(entries_stmt)).scalars())
    people = sorted(
        (m.user for m in found.project.members if m.user.is_active),
        key=lambda u: (u.display_name.lower(), u.id),
    )
    ids = {task["owner_id"], task["assignee_id"], user.id} | {e.user_id for e in entries}
    return TaskDetail(
        task=task,
        entries=entries,
        names=await users.display_names(session, ids, known=[user, *people]),
        people=people,
        can_delete=not row.archived and may_delete(user, found, row.role),
        timer_task_id=row.timer_task_id,
        children=[_link(c) for c in found.children],
        parent=_link(found.parent) if found.parent is not None else None,
        open_pending=bool(row.open_pending),
    )


@dataclass(frozen=True, slots=True)
class FormChoices:
    """The task form's choices: the open projects one may file a task into, the chosen one,
    and whom its tasks may be assigned to (its active members)."""

    projects: list[ProjectView]
    project_id: int | None
    people: list[User]


async def form_choices(session: AsyncSession, *, user: User, project_id: int | None) -> FormChoices:
    """Choices for the task form in `project_id` (default: the user's first open project)."""
    views = await projects.list_projects(session, user=user)
    mine = [v for v in views if v.role is not None] or views
    chosen = next((v for v in views if v.project.id == project_id), mine[0] if mine else None)
    if chosen is None:
        return FormChoices(projects=[], project_id=None, people=[])
    people = await projects.active_members(session, project_id=chosen.project.id)
    return FormChoices(projects=mine, project_id=chosen.project.id, people=people)


# --- writing -----------------------------------------------------------------------------


async def check_assignee(
    session: AsyncSession, *, project_id: int, assignee_id: int | None
) -> None:
    """Who may be assigned a task: any active member of its project (or nobody). Any member
    may assign to any member; this is the one place that rule is written."""
    if assignee_id is None:
        return
    person = await projects.person_in_project(session, project_id=project_id, user_id=assignee_id)
    if person is None or not person.is_active:
        raise Invalid(
            "The assignee does not exist or is deactivated.",
            code="invalid_assignee",
            details=[{"field": "assignee_id", "message": "Unknown or inactive user."}],
        )
    if person.role is None:
        raise Invalid(
            "The assignee is not a member of this task's project; add them to it first.",
            code="assignee_not_member",
            details=[{"field": "assignee_id", "message": "Not a member of the project."}],
        )


async def default_project(session: AsyncSession, *, user: User) -> Project:
    """Where a task goes when the creator names no project: their first open project."""
    views = await projects.list_projects(session, user=user)
    mine = [v for v in views if v.role is not None] or views
    if not mine:
        raise Invalid(
            "You are not a member of any project; ask a lead or an admin to add you.",
            code="project_required",
            details=[{"field": "project_id", "message": "Choose a project."}],
        )
    return mine[0].project


async def create_task(session: AsyncSession, *, user: User, data: TaskCreate) -> Task:
    """A new task in a project the user can see, numbered from the project's sequence.

    A subtask (`parent_id`) needs a parent the user can see (404 otherwise) that is not
    itself a subtask (422); it takes the parent's project and, unless given, its assignee.
    """
    parent = None
    if data.parent_id is not None:
        parent = await get_task(session, user=user, ref=data.parent_id)
        if parent.parent_id is not None:
            raise Invalid(
                f"{parent.key} is itself a subtask; subtasks cannot have subtasks.",
                code="subtask_of_subtask",
            )
        if data.project_id is not None and data.project_id != parent.project_id:
            raise Invalid(
                f"A subtask belongs to its parent's project ({parent.key}).",
                code="subtask_project",
            )
        data = data.model_copy(update={"project_id": parent.project_id})
        if "assignee_id" not in data.model_fields_set:
            data = data.model_copy(update={"assignee_id": parent.assignee_id})
            data.model_fields_set.add("assignee_id")
    if data.project_id is None:
        project = await default_project(session, user=user)
        role = await projects.member_role(session, project_id=project.id, user_id=user.id)
    else:
        view = await projects.get_project(session, user=user, ref=data.project_id)
        project, role = view.project, view.role
    if project.archived:
        raise project_archived(project.key)
    if "assignee_id" in data.model_fields_set:
        assignee_id = data.assignee_id
    else:  # yourself when you are in the project; nobody when an admin files it for a team
        assignee_id = user.id if role is not None else None
    await check_assignee(session, project_id=project.id, assignee_id=assignee_id)
    number, key = await projects.next_task_key(session, project_id=project.id)
    now = utcnow()
    task = Task(
        project_id=project.id,
        number=number,
        key=key,
        title=data.title,
        description=data.description,
        status=TaskStatus.todo.value,
        priority=data.priority,
        estimate_minutes=data.estimate_minutes,
        due_date=data.due_date,
        owner_id=user.id,
        assignee_id=assignee_id,
        total_minutes=0,
        parent_id=parent.id if parent else None,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    session.add(task)
    await session.flush()
    session.add(
        TaskStatusChange(
            task_id=task.id,
            from_status=None,
            to_status=task.status,
            changed_by_id=user.id,
            changed_at=now,
        )
    )
    await session.flush()
    if assignee_id is not None and assignee_id != user.id:
        await events.publish(session, events.TaskAssigned(task=task, actor=user))
    return task


# Changes to these fields are recorded for the task's activity feed.
_RECORDED_FIELDS = ("assignee_id", "estimate_minutes")


async def update_task(
    session: AsyncSession, *, user: User, ref: int | str, changes: TaskUpdate
) -> Task:
    task = await get_writable(session, user=user, ref=ref)
    data = changes.model_dump(exclude_unset=True)
    if "assignee_id" in data and data["assignee_id"] != task.assignee_id:
        await check_assignee(session, project_id=task.project_id, assignee_id=data["assignee_id"])
    now = utcnow()
    changed = [f for f in _RECORDED_FIELDS if f in data and data[f] != getattr(task, f)]
    for name in changed:
        session.add(
            TaskFieldChange(
                task_id=task.id,
                field=name,
                old_value=getattr(task, name),
                new_value=data[name],
                changed_by_id=user.id,
                changed_at=now,
            )
        )
    for name, value in data.items():
        setattr(task, name, value)
    if data:
        task.updated_at = now
    await session.flush()
    if "assignee_id" in changed and task.assignee_id is not None:
        await events.publish(session, events.TaskAssigned(task=task, actor=user))
    return task


async def delete_task(session: AsyncSession, *, user: User, ref: int | str) -> Task:
    """Delete a task (its creator, a project lead or an admin); returns the deleted task."""
    access = await get_access(session, user=user, ref=ref)
    task = access.task
    if access.archived:
        raise project_archived(access.project_key)
    if not access.can_delete:
        raise Forbidden(
            "Only the task's creator, a project lead or an admin can delete it.",
            code="delete_forbidden",
        )
    if not user.is_admin and await _has_time_from_others(session, task_id=task.id, user=user):
        raise Conflict(
            "Other people have logged time on this task; ask an admin to delete it.",
            code="task_has_others_time",
        )
    await session.delete(task)
    await session.flush()
    return task


async def unassign_member_tasks(session: AsyncSession, *, project_id: int, user_id: int) -> int:
    """Leave a departing member's open tasks in the project unassigned; their time stays.
    Registered with `projects.service.on_member_removed` at start-up."""
    result = await session.execute(
        update(Task)
        .where(
            Task.project_id == project_id,
            Task.assignee_id == user_id,
            Task.status != TaskStatus.done.value,
        )
        .values(assignee_id=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _has_time_from_others(session: AsyncSession, *, task_id: int, user: User) -> bool:
    stmt = select(exists().where(TimeEntry.task_id == task_id, TimeEntry.user_id != user.id))
    return bool((await session.execute(stmt)).scalar())


async def change_status(
    session: AsyncSession, *, user: User, ref: int | str, to: TaskStatus
) -> Task:
    """Move a task along the workflow and record the move; 409 for a move the map forbids."""
    task = await get_writable(session, user=user, ref=ref, lock=True)
    current = TaskStatus(task.status)
    if current == to or not can_move(current, to):
        raise Conflict(
            f"A task cannot move from {current.value} to {to.value}.",
            code="invalid_transition",
            details={"from": current.value, "to": to.value, "allowed": allowed_targets(current)},
        )
    now = utcnow()
    task.status = to.value
    task.status_changed_at = now
    task.updated_at = now
    session.add(
        TaskStatusChange(
            task_id=task.id,
            from_status=current.value,
            to_status=to.value,
            changed_by_id=user.id,
            changed_at=now,
        )
    )
    await session.flush()
    await events.publish(
        session,
        events.TaskMoved(task=task, actor=user, to_status=to.value),
    )
    return task


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    """Tasks per status across the whole instance: for the metrics scrape, not for people."""
    rows = await session.execute(select(Task.status, func.count()).group_by(Task.status))
    counts = {status.value: 0 for status in TaskStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts
