"""HTML routes for AI help: drafting a task from its title, and the board's "Plan my day".

The same `ai.service.suggest` as the JSON API does the work; the draft is answered as the
task form (`tasks.panel.render_form`), the plan as the board's plan block.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from sprintsync.ai import service
from sprintsync.ai.deps import AssistantDep
from sprintsync.ai.schemas import CONTEXT_MAX, TITLE_MAX, DailyPlanRequest, DescriptionRequest
from sprintsync.db import SessionDep
from sprintsync.errors import Invalid
from sprintsync.security.deps import PageUser
from sprintsync.tasks import service as tasks
from sprintsync.tasks.panel import TASK_FIELDS, render_form
from sprintsync.web.deps import field_errors, form_text, form_values
from sprintsync.web.render import render, toast

router = APIRouter(include_in_schema=False)


def _ai_source(provider: str, model: str, fallback: bool) -> str:
    who = "the offline assistant" if provider == "offline" else f"{provider} ({model})"
    return f"{who}, because the configured provider did not answer" if fallback else who


@router.post("/tasks/draft")
async def draft_with_ai(
    request: Request, session: SessionDep, user: PageUser, assistant: AssistantDep
) -> Response:
    """Fill the open task form's description, estimate and priority from its title."""
    form = await request.form()
    values = form_values(form, *TASK_FIELDS)
    task_id = form_text(form, "task_id")
    task = None
    if task_id:
        # ASCII digits only ("²".isdigit() is true), and short enough to be a row id.
        if not (task_id.isascii() and task_id.isdigit() and len(task_id) <= 10):
            raise Invalid(
                "Not a task id.", details=[{"field": "task_id", "message": "Not a task id."}]
            )
        task = tasks.task_dict(await tasks.get_task(session, user=user, ref=int(task_id)))
    if not values["title"]:
        errors = {"title": "Write a title first; the draft is made from it."}
        return await render_form(
            request, session, user, task=task, values=values, errors=errors, status=422
        )
    try:
        body = DescriptionRequest(
            mode="description",
            title=values["title"][:TITLE_MAX],
            context=values["description"][:CONTEXT_MAX],
        )
    except ValidationError as exc:
        errors = field_errors(exc, {"context": "description"})
        return await render_form(
            request, session, user, task=task, values=values, errors=errors, status=422
        )
    draft = await service.suggest(session, user=user, assistant=assistant, request=body)
    values.update(
        description=draft.description,
        priority=draft.priority.value,
        estimate_hours=f"{draft.estimate_minutes / 60:g}",
    )
    source = _ai_source(draft.provider, draft.model, draft.fallback)
    note = f"Drafted by {source}. Review it before saving."
    return await render_form(
        request,
        session,
        user,
        task=task,
        values=values,
        errors={},
        extra={"draft_note": note},
        headers=toast("Draft ready: description, estimate and priority filled in."),
    )


@router.get("/plan")
async def plan_my_day(
    request: Request,
    session: SessionDep,
    user: PageUser,
    assistant: AssistantDep,
    close: bool = False,
) -> Response:
    """The board's "Plan my day" panel (or, with `close`, its empty placeholder).

    "Today" is the day in the user's own time zone (their profile setting).
    """
    if close:
        return Response('<div id="plan"></div>', media_type="text/html")
    plan = await service.suggest(
        session, user=user, assistant=assistant, request=_plan_request(user.time_zone)
    )
    context = {"plan": plan, "plan_source": _ai_source(plan.provider, plan.model, plan.fallback)}
    return await render(request, "tasks/board.html", context, user=user, block="plan")


def _plan_request(timezone: str) -> DailyPlanRequest:
    """Today's plan in the user's time zone, or in UTC when this server lacks that zone."""
    try:
        return DailyPlanRequest(mode="daily_plan", timezone=timezone or "UTC")
    except ValidationError:
        # A zone chosen on another server may be missing here; a UTC plan still helps.
        return DailyPlanRequest(mode="daily_plan")
