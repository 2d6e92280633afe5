"""HTML for a task's activity and discussion: the feed, the comment form, edits, deletes.

The task panel loads this section with one HTMX request (tasks sit below comments, so the
panel cannot render it itself); every comment action answers with the section re-rendered,
or a redirect back to the task page when the form was posted without JavaScript.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.activity import service as activity
from sprintsync.comments import service as comments
from sprintsync.comments.schemas import COMMENT_MAX, CommentCreate
from sprintsync.db import SessionDep
from sprintsync.security.deps import PageUser
from sprintsync.users.models import User
from sprintsync.web.deps import field_errors, form_text
from sprintsync.web.render import is_htmx, render, toast

router = APIRouter(include_in_schema=False)


async def _section(
    request: Request,
    session: AsyncSession,
    user: User,
    task_id: int | str,
    *,
    draft: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    feed = await activity.task_activity(session, user=user, task_id=task_id)
    context = {
        "task": feed.task,
        "items": feed.items,
        "draft": draft,
        "errors": errors or {},
        "COMMENT_MAX": COMMENT_MAX,
    }
    return await render(
        request,
        "activity/feed.html",
        context,
        user=user,
        block="activity",
        status=status,
        headers=headers,
    )


def _back_to_task(task_id: int | str) -> Response:
    return RedirectResponse(f"/tasks/{task_id}#activity", status_code=303)


@router.get("/tasks/{task_id:taskref}/activity")
async def task_activity(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    return await _section(request, session, user, task_id)


@router.post("/tasks/{task_id:taskref}/comments")
async def add_comment(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    text = form_text(await request.form(), "body")
    try:
        body = CommentCreate(body=text)
    except ValidationError as exc:
        return await _section(
            request, session, user, task_id, draft=text, errors=field_errors(exc), status=422
        )
    await comments.add_comment(session, user=user, task_id=task_id, body=body.body)
    if not is_htmx(request):
        return _back_to_task(task_id)
    return await _section(request, session, user, task_id, headers=toast("Comment added."))


@router.post("/comments/{comment_id:int}/edit")
async def edit_comment(
    comment_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    text = form_text(await request.form(), "body")
    try:
        body = CommentCreate(body=text)
    except ValidationError as exc:
        # The edit form sits inside its comment; a refused edit keeps the comment unchanged.
        view = await comments.get_comment(session, user=user, comment_id=comment_id)
        message = toast(" ".join(field_errors(exc).values()), "error")
        return await _section(request, session, user, view.task_id, status=422, headers=message)
    view = await comments.edit_comment(session, user=user, comment_id=comment_id, body=body.body)
    if not is_htmx(request):
        return _back_to_task(view.task_id)
    return await _section(request, session, user, view.task_id, headers=toast("Comment saved."))


@router.post("/comments/{comment_id:int}/delete")
async def delete_comment(
    comment_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    view = await comments.get_comment(session, user=user, comment_id=comment_id)
    await comments.delete_comment(session, user=user, comment_id=comment_id)
    if not is_htmx(request):
        return _back_to_task(view.task_id)
    return await _section(request, session, user, view.task_id, headers=toast("Comment deleted."))
