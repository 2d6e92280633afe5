"""What happened to a task, for domains above tasks to react to (notifications, mostly).

Tasks never import the domains that listen: a listener is subscribed when the application
is assembled (`create_app`), and `publish` runs every listener inside the caller's session,
so whatever a listener writes commits or rolls back with the change itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.tasks.models import Task
from sprintsync.users.models import User


@dataclass(frozen=True, slots=True)
class TaskAssigned:
    """`task` now has `task.assignee_id` as assignee, set by `actor` (on create or edit)."""

    task: Task
    actor: User


@dataclass(frozen=True, slots=True)
class TaskMoved:
    """`actor` moved `task` to `to_status` (its history records where from)."""

    task: Task
    actor: User
    to_status: str


@dataclass(frozen=True, slots=True)
class TaskOpened:
    """`reader` opened the page or panel of the task `task_id` (one they may see), and some
    `on_open` check said a listener has something to do about it."""

    task_id: int
    reader: User


TaskEvent = TaskAssigned | TaskMoved | TaskOpened
Listener = Callable[[AsyncSession, TaskEvent], Awaitable[None]]

_listeners: list[Listener] = []


# Whether opening a task gives a listener anything to do, as a boolean SQL condition on the
# reader and the task's id column: the task's own statement asks it, so opening a task with
# nothing to do costs no statement. `TaskOpened` is published only when one of them holds.
OpenCheck = Callable[[User, SQLColumnExpression[int]], ColumnElement[bool]]

_open_checks: list[OpenCheck] = []


def on_open(check: OpenCheck) -> None:
    """Ask `check` whenever a task is opened (once, however often registered)."""
    if check not in _open_checks:
        _open_checks.append(check)


def open_pending(reader: User, task_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """True when some listener has something to do if `reader` opens the task."""
    if not _open_checks:
        return false()
    return or_(*(check(reader, task_id) for check in _open_checks))


def subscribe(listener: Listener) -> None:
    """Call `listener` for every task event from now on (once, however often subscribed)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def publish(session: AsyncSession, event: TaskEvent) -> None:
    for listener in _listeners:
        await listener(session, event)
