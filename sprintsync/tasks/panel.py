"""The task panel (dialog or page) and the task form, as the task pages render them.

Shared with the pages above tasks that answer with them: the timesheet pages refresh the
panel's time section after an entry changes, the AI pages fill the form with a draft.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.tasks import events, references
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import TaskStatus
from sprintsync.tasks.transitions import allowed_targets
from sprintsync.timeutil import today_for
from sprintsync.users.models import User
from sprintsync.users.schemas import parse_row_id
from sprintsync.web.layout import load_layout
from sprintsync.web.markdown import render_markdown
from sprintsync.web.render import is_htmx, render

TASK_FIELDS = (
    "title",
    "description",
    "priority",
    "estimate_hours",
    "due_date",
    "assignee_id",
    "project_id",
)
# Where each status may move, for the status menus on cards, rows and the panel.
ALLOWED = {s.value: allowed_targets(s) for s in TaskStatus}


def form_values_from_task(task: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields as a task's current values."""
    estimate = task["estimate_minutes"]
    return {
        "title": task["title"],
        "description": task["description"],
        "priority": task["priority"],
        "estimate_hours": f"{estimate / 60:g}" if estimate is not None else "",
        "due_date": task["due_date"].isoformat() if task["due_date"] else "",
        "assignee_id": task["assignee_id"] if task["assignee_id"] is not None else "none",
        "project_id": task["project_id"],
    }


async def description_html(session: AsyncSession, user: User, task: dict[str, Any]) -> Markup:
    """The description as safe HTML, its @mentions of people on the task and the keys of
    tasks `user` may see linked."""
    text = task["description"]
    links = await references.links_for(session, user=user, task_id=task["id"], texts=[text])
    return render_markdown(text, links)


async def render_panel(
    request: Request,
    session: AsyncSession,
    user: User,
    task_id: int | str,
    *,
    block: str | None = None,
    form: dict[str, Any] | None = None,
    time: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    opened: bool = False,
) -> Response:
    """The task panel, or one block of it; `form`/`time` override the forms' values. With
    `opened` the user is opening the task, which listeners hear (before the header is read,
    so its unread count already leaves out the task's notifications)."""
    detail = await tasks.task_detail(session, user=user, ref=task_id)
    if opened and detail.open_pending:
        await events.publish(session, events.TaskOpened(task_id=detail.task["id"], reader=user))
    context: dict[str, Any] = {
        "task": detail.task,
        "entries": detail.entries,
        "names": detail.names,
        "people": detail.people,
        "can_delete": detail.can_delete,
        "timer_task_id": detail.timer_task_id,
        "children": detail.children,
        "children_done": detail.children_done,
        "parent": detail.parent,
        "allowed": ALLOWED,
        "values": form_values_from_task(detail.task),
        "errors": {},
        "entry_values": {"date": today_for(user).isoformat()},
        "entry_errors": {},
        "description_html": await description_html(session, user, detail.task),
    }
    context.update(form or {})
    context.update(time or {})
    layout = await load_layout(request, session, user) if block is None else None
    return await render(
        request,
        "tasks/detail.html",
        context,
        user=user,
        layout=layout,
        block=block,
        status=status,
        headers=headers,
    )


async def render_form(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    task: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    project_id = task["project_id"] if task else _int_or_none(values.get("project_id"))
    choices = await tasks.form_choices(session, user=user, project_id=project_id)
    context = {
        "task": task,
        "values": {**values, "project_id": choices.project_id},
        "errors": errors,
        "people": choices.people,
        "projects": choices.projects,
        **(extra or {}),
    }
    if is_htmx(request):
        return await render(
            request,
            "tasks/task_form.html",
            context,
            user=user,
            block="form",
            status=status,
            headers=headers,
        )
    # Without JavaScript the form comes back as a whole page.
    if task is not None:
        return await render_panel(request, session, user, task["id"], form=context, status=status)
    layout = await load_layout(request, session, user)
    return await render(request, "tasks/new.html", context, user=user, layout=layout, status=status)


def _int_or_none(value: object) -> int | None:
    return parse_row_id(str(value or ""))
