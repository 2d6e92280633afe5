"""HTML routes for AI help: drafting a task from its title, the board's "Plan my day", the
stand-up page, the task page's estimate and breakdown, and the forgotten-timer fixes.

The same `ai.service` functions as the JSON API do the work; the draft is answered as the
task form (`tasks.panel.render_form`), the plan as the board's plan block, an estimate or a
breakdown as a block of `ai/task_help.html`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai import assignees, duplicates, service, timers
from sprintsync.ai.deps import AssistantDep, EmbeddingsDep
from sprintsync.ai.kinds import own_text
from sprintsync.ai.schemas import (
    CONTEXT_MAX,
    TITLE_MAX,
    BreakdownAccept,
    BreakdownRequest,
    DailyPlanRequest,
    DescriptionRequest,
    EstimateRequest,
    TimerFixAction,
)
from sprintsync.ai.standup import service as standup_service
from sprintsync.db import SessionDep
from sprintsync.errors import Invalid
from sprintsync.security.deps import PageUser
from sprintsync.tasks import service as tasks
from sprintsync.tasks.panel import TASK_FIELDS, render_form, render_panel
from sprintsync.tasks.priority import Priority
from sprintsync.tasks.schemas import TaskUpdate
from sprintsync.timeutil import user_zone
from sprintsync.users.models import User
from sprintsync.web.deps import field_errors, form_text, form_values, referer_path
from sprintsync.web.layout import load_layout
from sprintsync.web.markdown import render_markdown
from sprintsync.web.render import duration, is_htmx, render, toast

router = APIRouter(include_in_schema=False)
PRIORITY_NAMES = frozenset(p.value for p in Priority)


def _ai_source(provider: str, model: str, fallback: bool) -> str:
    who = "the offline assistant" if provider == "offline" else f"{provider} ({model})"
    return f"{who}, because the configured provider did not answer" if fallback else who


async def _form_task(session: AsyncSession, user: User, task_id: str) -> dict[str, Any] | None:
    """The task an edit form is for (404 unless visible), or None on the "new" form."""
    if not task_id:
        return None
    # ASCII digits only ("²".isdigit() is true), and short enough to be a row id.
    if not (task_id.isascii() and task_id.isdigit() and len(task_id) <= 10):
        raise Invalid("Not a task id.", details=[{"field": "task_id", "message": "Not a task id."}])
    return tasks.task_dict(await tasks.get_task(session, user=user, ref=int(task_id)))


@router.post("/tasks/draft")
async def draft_with_ai(
    request: Request, session: SessionDep, user: PageUser, assistant: AssistantDep
) -> Response:
    """Fill the open task form's description, estimate and priority from its title."""
    form = await request.form()
    values = form_values(form, *TASK_FIELDS)
    task = await _form_task(session, user, form_text(form, "task_id"))
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
    # Nothing the user chose is overwritten: an empty description takes the draft, a
    # written one keeps its text and the draft is offered beside it; priority and estimate
    # are offered as suggestions with their reasons.
    mine = own_text(values["description"]).text
    if not mine.strip():
        values["description"] = draft.description
    source = _ai_source(draft.provider, draft.model, draft.fallback)
    extra = {
        "draft_note": f"Drafted by {source}. Review it before saving.",
        "draft": draft,
        "draft_text": draft.description if mine.strip() else "",
        "suggested_hours": f"{draft.estimate_minutes / 60:g}",
    }
    return await render_form(
        request,
        session,
        user,
        task=task,
        values=values,
        errors={},
        extra=extra,
        headers=toast("Draft ready: review the suggestions before saving."),
    )


@router.post("/tasks/draft/apply")
async def apply_draft(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Take one part of a draft into the form: insert or replace the text, or a suggestion."""
    form = await request.form()
    values = form_values(form, *TASK_FIELDS)
    task = await _form_task(session, user, form_text(form, "task_id"))
    choice = form_text(form, "choice")
    suggested = form_text(form, "suggested")
    if choice == "insert":
        values["description"] = f"{values['description'].rstrip()}\n\n{suggested}".strip()
    elif choice == "replace":
        values["description"] = suggested
    elif choice == "priority" and suggested in PRIORITY_NAMES:
        values["priority"] = suggested
    elif choice == "estimate":
        values["estimate_hours"] = suggested
    return await render_form(request, session, user, task=task, values=values, errors={})


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


@router.get("/standup")
async def standup_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    assistant: AssistantDep,
    person: Annotated[str | None, Query(alias="user", max_length=10)] = None,
    project: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A stand-up for you, a colleague or a project, with "Copy as text" (the Markdown)."""
    layout = await load_layout(request, session, user)
    page = await standup_service.standup_page(
        session,
        viewer=user,
        settings=request.app.state.settings,
        assistant=assistant,
        person=person or None,
        project=project or None,
    )
    read = page.standup
    context = {
        "nav": "standup",
        "page": page,
        "standup": read,
        "standup_html": render_markdown(read.text),
        "standup_source": _standup_source(read.provider, read.model, read.reason),
    }
    return await render(request, "ai/standup.html", context, user=user, layout=layout)


def _standup_source(provider: str, model: str, reason: str | None) -> str:
    if reason is None:
        return _ai_source(provider, model, fallback=False)
    return f"the offline assistant; the configured provider's wording was not used ({reason})"


@router.post("/ai/similar-tasks")
async def similar_tasks(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The new-task form's duplicate warning: open tasks of the chosen project that look
    like the title typed so far (an HTMX fragment, asked for as the user types). A POST of
    the form, not a GET: a long description would not fit in a URL."""
    form = await request.form()
    title, project_id = form_text(form, "title"), form_text(form, "project_id")
    similar = None
    if title and project_id:
        similar = await duplicates.similar_open_tasks(
            session,
            user=user,
            project=project_id[:20],
            title=title[: duplicates.TITLE_MAX],
            description=form_text(form, "description")[: duplicates.TEXT_MAX],
        )
    context = {"similar": similar}
    return await render(request, "tasks/task_form.html", context, user=user, block="duplicates")


@router.get("/tasks/{task_id:taskref}/assignees")
async def suggest_assignees(
    task_id: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    embeddings: EmbeddingsDep,
    assistant: AssistantDep,
) -> Response:
    """The task panel's "Suggest assignee" list (or, with `close`, its empty placeholder); with
    `form`, the edit form's, whose picks fill the form's assignee select instead."""
    in_form = bool(request.query_params.get("form"))
    if request.query_params.get("close"):
        context: dict[str, Any] = {"ranking": None, "task": {"id": task_id}}
    else:
        ranking = await assignees.rank_assignees(
            session, user=user, embeddings=embeddings, ref=task_id, limiter=assistant.limiter
        )
        context = {"ranking": ranking, "task": {"id": ranking.task_id}}
    context["in_form"] = in_form
    return await render(request, "tasks/assignees.html", context, user=user, block="assignees")


@router.post("/tasks/{task_id:taskref}/assignee")
async def pick_assignee(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Assign the task to the suggestion picked, under the usual assignment rules."""
    chosen = form_text(await request.form(), "assignee_id")
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 10):
        raise Invalid(
            "Choose a person.", details=[{"field": "assignee_id", "message": "Choose a person."}]
        )
    try:
        changes = TaskUpdate(assignee_id=int(chosen))
    except ValidationError as exc:
        raise Invalid(
            "Choose a person.", details=[{"field": "assignee_id", "message": "Choose a person."}]
        ) from exc
    await tasks.update_task(session, user=user, ref=task_id, changes=changes)
    if not is_htmx(request):
        return RedirectResponse(f"/tasks/{task_id}", status_code=303)
    headers = toast("Assignee changed.", events=("tasks-changed",))
    headers.update({"HX-Retarget": "#task-panel", "HX-Reswap": "outerHTML"})
    return await render_panel(request, session, user, task_id, block="panel", headers=headers)


# --- a task's estimate and breakdown -------------------------------------------------------


@router.post("/tasks/{task_id:taskref}/ai/estimate")
async def suggest_estimate(
    task_id: str, request: Request, session: SessionDep, user: PageUser, assistant: AssistantDep
) -> Response:
    """The task page's "Suggest estimate": the estimate, its reason and the similar tasks."""
    body = EstimateRequest(mode="estimate", task_id=task_id)
    estimate = await service.suggest(session, user=user, assistant=assistant, request=body)
    context = {
        "task_ref": task_id,
        "estimate": estimate,
        "ai_source": _ai_source(estimate.provider, estimate.model, estimate.fallback),
    }
    return await render(request, "ai/task_help.html", context, user=user, block="estimate")


def _task_saved(request: Request, task_id: str, message: str) -> dict[str, str] | Response:
    """After a change from the AI help: the page (no JavaScript) or the panel's headers."""
    if not is_htmx(request):
        return RedirectResponse(f"/tasks/{task_id}", status_code=303)
    headers = toast(message, events=("tasks-changed",))
    headers.update({"HX-Retarget": "#task-panel", "HX-Reswap": "outerHTML"})
    return headers


@router.post("/tasks/{task_id:taskref}/ai/estimate/use")
async def use_estimate(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """ "Use it": set the task's estimate to the suggested minutes."""
    try:
        minutes = int(form_text(await request.form(), "estimate_minutes"))
        changes = TaskUpdate(estimate_minutes=minutes)
    except (ValueError, ValidationError) as exc:
        message = "That estimate is not a number of minutes the task can take."
        raise Invalid(message, details=[{"field": "estimate_minutes", "message": message}]) from exc
    await tasks.update_task(session, user=user, ref=task_id, changes=changes)
    saved = _task_saved(request, task_id, f"Estimate set to {duration(minutes)}.")
    if isinstance(saved, Response):
        return saved
    return await render_panel(request, session, user, task_id, block="panel", headers=saved)


@router.post("/tasks/{task_id:taskref}/ai/breakdown")
async def suggest_breakdown(
    task_id: str, request: Request, session: SessionDep, user: PageUser, assistant: AssistantDep
) -> Response:
    """The task page's "Break down": subtasks with minutes, to keep, edit and create."""
    body = BreakdownRequest(mode="breakdown", task_id=task_id)
    breakdown = await service.suggest(session, user=user, assistant=assistant, request=body)
    context = {
        "task_ref": task_id,
        "breakdown": breakdown,
        "ai_source": _ai_source(breakdown.provider, breakdown.model, breakdown.fallback),
    }
    return await render(request, "ai/task_help.html", context, user=user, block="breakdown")


def _accepted(form: Any, task_id: str) -> BreakdownAccept:
    """The subtasks the form kept (checked), with their edited titles and minutes."""
    titles, minutes = form.getlist("title"), form.getlist("minutes")
    kept = {value for value in form.getlist("keep") if isinstance(value, str)}
    subtasks = []
    for index, (title, mins) in enumerate(zip(titles, minutes, strict=False)):
        if str(index) not in kept:
            continue
        text = str(mins).strip()
        subtasks.append(
            {
                "title": str(title),
                "estimate_minutes": int(text) if text.isascii() and text.isdigit() else None,
            }
        )
    if not subtasks:
        message = "Keep at least one subtask to create."
        raise Invalid(message, details=[{"field": "subtasks", "message": message}])
    try:
        return BreakdownAccept(parent_task_id=task_id, subtasks=subtasks)  # type: ignore[arg-type]
    except ValidationError as exc:
        message = "Each subtask needs a title of at most 200 characters."
        raise Invalid(message, details=[{"field": "title", "message": message}]) from exc


@router.post("/tasks/{task_id:taskref}/ai/breakdown/accept")
async def accept_breakdown(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """ "Create subtasks": the kept subtasks become subtasks of the task."""
    body = _accepted(await request.form(), task_id)
    created = await service.accept_breakdown(session, user=user, body=body)
    count = f"{len(created)} subtask{'s' if len(created) != 1 else ''}"
    saved = _task_saved(request, task_id, f"Created {count}.")
    if isinstance(saved, Response):
        return saved
    return await render_panel(request, session, user, task_id, block="panel", headers=saved)


# --- forgotten timers ----------------------------------------------------------------------

TIMER_EVENTS = ("timer-changed", "tasks-changed")


@router.post("/timers/{entry_id:int}/fix")
async def fix_timer(
    entry_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """One click on a forgotten timer (in the header or the plan): stop it at the last
    activity, stop it now, or discard it. Answers with the header's (now empty) timer."""
    try:
        action = TimerFixAction(form_text(await request.form(), "action"))
    except ValueError as exc:
        message = "Choose how to fix the timer."
        raise Invalid(message, details=[{"field": "action", "message": message}]) from exc
    fix = await timers.fix_timer(session, user=user, entry_id=entry_id, action=action)
    if not is_htmx(request):
        return RedirectResponse(referer_path(request), status_code=303)
    if fix.entry is None:
        message = "Timer discarded; nothing was logged."
    elif action is TimerFixAction.stop_now:
        message = f"Timer stopped: logged {duration(fix.entry.minutes)}."
    else:
        ended = fix.entry.ended_at.astimezone(user_zone(user)) if fix.entry.ended_at else None
        at = f" at {ended:%H:%M}" if ended else ""
        message = f"Timer stopped{at} ({fix.basis}): logged {duration(fix.entry.minutes)}."
    headers = toast(message, events=TIMER_EVENTS)
    headers["HX-Reswap"] = "none"
    context = {"timer": None, "oob": True}
    return await render(
        request, "timesheet/timer.html", context, user=user, block="timer", headers=headers
    )
