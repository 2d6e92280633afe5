"""The running timer shown in every page's header, loaded through the same services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import utcnow
from sprintsync.errors import NotFound
from sprintsync.tasks import service as tasks
from sprintsync.timesheet import service as timesheet
from sprintsync.users.models import User


@dataclass(frozen=True, slots=True)
class RunningTimer:
    task_id: int
    task_title: str
    elapsed_seconds: int


async def load_timer(session: AsyncSession, user: User) -> RunningTimer | None:
    entry = await timesheet.running_timer(session, user=user)
    if entry is None:
        return None
    try:
        task = await tasks.get_task(session, user=user, task_id=entry.task_id)
        title = task.title
    except NotFound:  # the task was reassigned away; the timer still runs and can be stopped
        title = "a task"
    elapsed = max(0, int((utcnow() - entry.started_at).total_seconds()))
    return RunningTimer(task_id=entry.task_id, task_title=title, elapsed_seconds=elapsed)
