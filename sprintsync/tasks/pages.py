"""HTML pages for tasks: the "My work" board, the list, the task dialog and its actions.

Every route calls the same `tasks.service` functions as the JSON API, then picks what to
render: the whole page, or the named block an HTMX request targets.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from sprintsync.db import SessionDep
from sprintsync.errors import AppError, Invalid
from sprintsync.projects.schemas import LAST_PROJECT_COOKIE
from sprintsync.security.deps import PageUser
from sprintsync.tasks import service as tasks
from sprintsync.tasks.filters import BOARD_FIELDS, LIST_PAGE_FIELDS, TaskFilter
from sprintsync.tasks.models import TaskStatus
from sprintsync.tasks.panel import (
    ALLOWED,
    TASK_FIELDS,
    render_form,
    render_panel,
)
from sprintsync.tasks.schemas import STATUS_LABELS, TaskCreate, TaskUpdate
from sprintsync.users.models import User
from sprintsync.users.schemas import parse_row_id
from sprintsync.users.service import display_names
from sprintsync.web.deps import field_errors, form_text, form_values, referer_path
from sprintsync.web.layout import load_layout
from sprintsync.web.render import hx_target, is_htmx, render, toast

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
DUE_CHOICES = {
    "overdue": "Overdue",
    "today": "Due today",
    "week": "Due in the next 7 days",
    "later": "Due later",
}
SORT_CHOICES = {
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "due_date": "Due date, soonest",
    "-priority": "Priority, highest",
    "title": "Title, A to Z",
    "-updated_at": "Recently updated",
}
_ESTIMATE_ALIAS = {"estimate_minutes": "estimate_hours"}


async def _task_context(session: AsyncSession, user: User, items: list[dict[str, Any]]) -> dict:
    """What cards and rows need besides the tasks: names, allowed moves, the running timer."""
    ids = {t["assignee_id"] for t in items} | {t["owner_id"] for t in items}
    return {
        "names": await display_names(session, ids | {user.id}),
        "allowed": ALLOWED,
        "timer_task_id": await tasks.running_task_id(session, user=user),
    }


# --- the board and the list ----------------------------------------------------------------


@router.get("/")
async def board(request: Request, session: SessionDep, user: PageUser) -> Response:
    data = await tasks.board(session, user=user)
    context = {
        "nav": "board",
        "columns": data.columns,
        "names": data.names,
        "allowed": ALLOWED,
        "timer_task_id": data.timer_task_id,
    }
    block = "board" if hx_target(request) == "board" else None
    layout = await load_layout(request, session, user) if block is None else None
    return await render(request, "tasks/board.html", context, user=user, layout=layout, block=block)


@router.get("/projects/{key}")
async def project_board(
    key: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
) -> Response:
    """A project's board: everyone's cards with their assignees, filtered in place."""
    filters = TaskFilter.from_page(request.query_params, fields=BOARD_FIELDS)
    data = await tasks.project_board(session, user=user, ref=key, filters=filters)
    project = data.project.project
    context = {
        "nav": "project",
        "view": data.project,
        "project": project,
        "columns": data.columns,
        "people": data.people,
        "names": data.names,
        "allowed": ALLOWED if not project.archived else {},
        "timer_task_id": data.timer_task_id,
        "query": filters,
        "filtered": filters.filtered,
    }
    block = "board" if hx_target(request) == "board" else None
    layout = await load_layout(request, session, user) if block is None else None
    response = await render(
        request, "tasks/project_board.html", context, user=user, layout=layout, block=block
    )
    response.set_cookie(
        LAST_PROJECT_COOKIE, project.key, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
    )
    return response


@router.get("/tasks")
async def task_list(
    request: Request,
    session: SessionDep,
    user: PageUser,
) -> Response:
    query = TaskFilter.from_page(request.query_params, fields=LIST_PAGE_FIELDS, limit=PAGE_SIZE)
    page = await tasks.task_list_page(session, user=user, filters=query)
    context = {
        "nav": "tasks",
        "query": query,
        "tasks": page.tasks,
        "names": page.names,
        "people": page.people,
        "allowed": ALLOWED,
        "next_cursor": page.next_cursor,
        "filtered": query.filtered,
        "query_string": query.page_query(cursor=query.cursor),
        "next_query": query.page_query(cursor=page.next_cursor),
        "first_query": query.page_query(),
        "DUE_CHOICES": DUE_CHOICES,
        "SORT_CHOICES": SORT_CHOICES,
    }
    block = {"results": "results", "load-more": "rows"}.get(hx_target(request) or "")
    headers = {}
    if block == "results" and request.headers.get("hx-trigger") in ("filters", "search"):
        # Keep the address bar tidy and bookmarkable: only the filters that are set.
        clean = query.page_query()
        headers["HX-Push-Url"] = "/tasks" + (f"?{clean}" if clean else "")
    layout = await load_layout(request, session, user) if block is None else None
    return await render(
        request,
        "tasks/list.html",
        context,
        user=user,
        layout=layout,
        block=block,
        headers=headers,
    )


# --- create, read, update, delete ---------------------------------------------------------


MAX_ESTIMATE_HOURS = 1_000_000


def _task_payload(values: dict[str, str]) -> tuple[dict[str, Any], dict]:
    """The form as the schema's fields; a malformed estimate is reported before validation."""
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "priority": values["priority"] or "medium",
        "due_date": values["due_date"] or None,
        "estimate_minutes": None,
    }
    if values["estimate_hours"]:
        try:
            hours = float(values["estimate_hours"])
            # Also refuses NaN, inf and 1e308 (whose minutes overflow); an estimate too big
            # for the schema but still finite gets the schema's own message.
            if not 0 <= hours <= MAX_ESTIMATE_HOURS:
                raise ValueError
            payload["estimate_minutes"] = round(hours * 60)
        except ValueError:
            errors["estimate_hours"] = "Enter a number of hours, like 1.5."
    # Any member may assign to any member; "none" leaves it unassigned, no field keeps it.
    if values["assignee_id"] == "none":
        payload["assignee_id"] = None
    elif values["assignee_id"]:
        payload["assignee_id"] = values["assignee_id"]
    if values["project_id"]:
        payload["project_id"] = values["project_id"]
    return payload, errors


@router.get("/tasks/new")
async def new_task(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The new-task form; picking another project re-renders it with that project's people
    (the typed values come along in the query)."""
    typed = {k: v for k, v in request.query_params.items() if k in TASK_FIELDS}
    if hx_target(request) == "task-form":
        values = {"priority": "medium", **typed}
        return await render_form(request, session, user, task=None, values=values, errors={})
    project_id = request.query_params.get("project_id", "")
    choices = await tasks.form_choices(session, user=user, project_id=parse_row_id(project_id))
    context = {
        "task": None,
        "values": {"priority": "medium", "assignee_id": user.id, "project_id": choices.project_id},
        "errors": {},
        "people": choices.people,
        "projects": choices.projects,
    }
    block = "dialog" if hx_target(request) == "modal-body" else None
    layout = await load_layout(request, session, user) if block is None else None
    return await render(request, "tasks/new.html", context, user=user, layout=layout, block=block)


@router.post("/tasks")
async def create_task(request: Request, session: SessionDep, user: PageUser) -> Response:
    values = form_values(await request.form(), *TASK_FIELDS)
    payload, errors = _task_payload(values)
    try:
        data = TaskCreate.model_validate(payload)
        if errors:
            raise Invalid(details=[{"field": k, "message": v} for k, v in errors.items()])
        task = await tasks.create_task(session, user=user, data=data)
    except (ValidationError, AppError) as exc:
        found = {**field_errors(exc, _ESTIMATE_ALIAS), **errors}
        return await render_form(
            request, session, user, task=None, values=values, errors=found, status=422
        )
    if not is_htmx(request):
        return RedirectResponse("/", status_code=303)
    events = toast(f"Created “{task.title}”.", events=("close-modal", "tasks-changed"))
    return Response(status_code=200, headers={**events, "HX-Reswap": "none"})


@router.get("/tasks/{task_id:taskref}")
async def task_detail(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    block = "panel" if hx_target(request) == "modal-body" else None
    return await render_panel(request, session, user, task_id, block=block, opened=True)


@router.get("/tasks/{task_id:taskref}/time")
async def task_time(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The panel's time section, refreshed when a timer starts or stops."""
    return await render_panel(request, session, user, task_id, block="time")


@router.get("/tasks/{task_id:taskref}/actions")
async def task_actions(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The panel's status/timer/delete bar, refreshed when a timer starts or stops."""
    return await render_panel(request, session, user, task_id, block="actions")


@router.post("/tasks/{task_id:taskref}")
async def update_task(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    values = form_values(await request.form(), *TASK_FIELDS)
    payload, errors = _task_payload(values)
    payload.pop("project_id", None)  # a task stays in its project (its key says so)
    current = await tasks.get_task(session, user=user, ref=task_id)
    try:
        changes = TaskUpdate.model_validate(payload)
        if errors:
            raise Invalid(details=[{"field": k, "message": v} for k, v in errors.items()])
        await tasks.update_task(session, user=user, ref=task_id, changes=changes)
    except (ValidationError, AppError) as exc:
        found = field_errors(exc, _ESTIMATE_ALIAS)
        return await render_form(
            request,
            session,
            user,
            task=tasks.task_dict(current),
            values=values,
            errors={**found, **errors},
            status=422,
        )
    if not is_htmx(request):
        return RedirectResponse(f"/tasks/{task_id}", status_code=303)
    # Saved: the whole panel comes back in read mode, in place of the form's panel.
    headers = toast("Changes saved.", events=("tasks-changed",))
    headers.update({"HX-Retarget": "#task-panel", "HX-Reswap": "outerHTML"})
    return await render_panel(request, session, user, task_id, block="panel", headers=headers)


@router.post("/tasks/{task_id:taskref}/delete")
async def delete_task(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    task = await tasks.get_task(session, user=user, ref=task_id)
    title = task.title
    await tasks.delete_task(session, user=user, ref=task_id)
    if not is_htmx(request):
        return RedirectResponse("/tasks", status_code=303)
    events = toast(f"Deleted “{title}”.", events=("close-modal", "tasks-changed"))
    return Response(status_code=200, headers={**events, "HX-Reswap": "none"})


# --- status --------------------------------------------------------------------------------


@router.post("/tasks/{task_id:taskref}/status")
async def change_status(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    form = await request.form()
    try:
        target = TaskStatus(form_text(form, "status"))
    except ValueError as exc:
        raise Invalid("Choose Todo, In progress or Done.", code="invalid_status") from exc
    task = await tasks.change_status(session, user=user, ref=task_id, to=target)
    if not is_htmx(request):
        return RedirectResponse(referer_path(request), status_code=303)
    message = f"Moved “{task.title}” to {STATUS_LABELS[task.status]}."
    return await _render_moved(request, session, user, task, form, message)


async def _render_moved(
    request: Request,
    session: AsyncSession,
    user: User,
    task: Any,
    form: FormData,
    message: str,
) -> Response:
    """What the page gets after a move, by where the move was made."""
    view = form_text(form, "view")
    data = tasks.task_dict(task)
    context = await _task_context(session, user, [data])
    context["task"] = data
    if view == "card":  # dragged on the board: the card is already in its new column
        return await render(
            request, "tasks/card.html", context, user=user, block="card", headers=toast(message)
        )
    if view == "row":
        return await render(
            request, "tasks/row.html", context, user=user, block="row", headers=toast(message)
        )
    headers = toast(message, events=("tasks-changed",))
    if view == "panel":
        context["can_delete"] = (await tasks.get_access(session, user=user, ref=task.id)).can_delete
        return await render(
            request, "tasks/detail.html", context, user=user, block="actions", headers=headers
        )
    return Response(status_code=200, headers={**headers, "HX-Reswap": "none"})
