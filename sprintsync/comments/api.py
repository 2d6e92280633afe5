"""JSON routes for comments: thin wrappers over `comments.service`."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from sprintsync.comments import service
from sprintsync.comments.schemas import CommentCreate, CommentRead, CommentUpdate
from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks.schemas import TaskRef

router = APIRouter(tags=["comments"])


@router.get(
    "/tasks/{task_id}/comments",
    response_model=list[CommentRead],
    summary="A task's comments, oldest first, with their Markdown rendered as safe HTML",
    responses=errors(401, 404),
)
async def list_comments(
    task_id: TaskRef, session: SessionDep, user: CurrentUser
) -> list[CommentRead]:
    views = await service.list_comments(session, user=user, task_id=task_id)
    return [CommentRead.model_validate(v) for v in views]


@router.post(
    "/tasks/{task_id}/comments",
    response_model=CommentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Comment on a task; each @handle of someone who can see it is notified",
    responses=errors(*AUTHED, 404),
)
async def add_comment(
    task_id: TaskRef, body: CommentCreate, session: SessionDep, user: CurrentUser
) -> CommentRead:
    view = await service.add_comment(session, user=user, task_id=task_id, body=body.body)
    return CommentRead.model_validate(view)


@router.get(
    "/comments/{comment_id}",
    response_model=CommentRead,
    summary="Get a comment",
    responses=errors(401, 404),
)
async def get_comment(comment_id: int, session: SessionDep, user: CurrentUser) -> CommentRead:
    view = await service.get_comment(session, user=user, comment_id=comment_id)
    return CommentRead.model_validate(view)


@router.patch(
    "/comments/{comment_id}",
    response_model=CommentRead,
    summary="Edit your comment (marked as edited)",
    responses=errors(*AUTHED, 404),
)
async def edit_comment(
    comment_id: int, body: CommentUpdate, session: SessionDep, user: CurrentUser
) -> CommentRead:
    view = await service.edit_comment(session, user=user, comment_id=comment_id, body=body.body)
    return CommentRead.model_validate(view)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a comment (its author or an admin)",
    responses=errors(*AUTHED, 404),
)
async def delete_comment(comment_id: int, session: SessionDep, user: CurrentUser) -> Response:
    await service.delete_comment(session, user=user, comment_id=comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
