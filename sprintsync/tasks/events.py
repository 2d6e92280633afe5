"""What happened to a task, for domains above tasks to react to (notifications, mostly).

Tasks never import the domains that listen: a listener is subscribed when the application
is assembled (`create_app`), and `publish` runs every listener inside the caller's session,
so whatever a listener writes commits or rolls back with the change itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
    task: Task
    actor: User
    from_status: str
    to_status: str


TaskEvent = TaskAssigned | TaskMoved
Listener = Callable[[AsyncSession, TaskEvent], Awaitable[None]]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call `listener` for every task event from now on (once, however often subscribed)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def publish(session: AsyncSession, event: TaskEvent) -> None:
    for listener in _listeners:
        await listener(session, event)
