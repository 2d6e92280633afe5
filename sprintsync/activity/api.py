"""JSON route for a task's activity feed."""

from __future__ import annotations

from fastapi import APIRouter

from sprintsync.activity import service
from sprintsync.activity.schemas import ActivityRead
from sprintsync.comments.schemas import CommentRead
from sprintsync.db import SessionDep
from sprintsync.openapi import errors
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks.schemas import TaskRef

router = APIRouter(tags=["activity"])


@router.get(
    "/tasks/{task_id}/activity",
    response_model=list[ActivityRead],
    summary="What happened to a task, oldest first: created, moves, assignments, "
    "estimates, time logged and comments",
    responses=errors(401, 404),
)
async def task_activity(
    task_id: TaskRef, session: SessionDep, user: CurrentUser
) -> list[ActivityRead]:
    feed = await service.task_activity(session, user=user, task_id=task_id)
    return [
        ActivityRead(
            kind=item.kind,
            at=item.at,
            actor_id=item.actor_id,
            actor_name=item.actor_name,
            old=item.old,
            new=item.new,
            minutes=item.minutes,
            note=item.note,
            comment=CommentRead.model_validate(item.comment) if item.comment else None,
        )
        for item in feed.items
    ]
