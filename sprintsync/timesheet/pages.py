"""HTML routes for timers and time entries, over the same `timesheet.service` as the API.

Starting or stopping a timer answers with the header's timer widget (swapped out of band)
and events that make the board, the list and an open task panel refresh themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import SessionDep
from sprintsync.errors import Invalid, NotFound
from sprintsync.security.deps import PageUser
from sprintsync.tasks.panel import render_panel
from sprintsync.timesheet import service as timesheet
from sprintsync.timesheet import week as weeks
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timesheet.schemas import EntryUpdate, ManualEntryCreate
from sprintsync.users.models import User
from sprintsync.users.service import display_names
from sprintsync.web.deps import field_errors, form_text, form_values, referer_path
from sprintsync.web.layout import load_layout
from sprintsync.web.render import duration, is_htmx, render, toast

router = APIRouter(include_in_schema=False)

TIMER_EVENTS = ("timer-changed", "tasks-changed")
ENTRY_FIELDS = ("minutes", "date", "note")


def _back(request: Request) -> Response:
    return RedirectResponse(referer_path(request), status_code=303)


async def _timer_widget(
    request: Request, timer: timesheet.RunningTimer | None, user: User, headers: dict[str, str]
) -> Response:
    context = {"timer": timer, "oob": True}
    return await render(
        request,
        "timesheet/timer.html",
        context,
        user=user,
        block="timer",
        headers={**headers, "HX-Reswap": "none"},
    )


@router.post("/tasks/{task_id:taskref}/timer/start")
async def start_timer(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    timer = await timesheet.start_header_timer(session, user=user, ref=task_id)
    if not is_htmx(request):
        return _back(request)
    headers = toast(f"Timer started on “{timer.task_title}”.", events=TIMER_EVENTS)
    return await _timer_widget(request, timer, user, headers)


@router.post("/timer/stop")
async def stop_timer(request: Request, session: SessionDep, user: PageUser) -> Response:
    stopped = await timesheet.stop_header_timer(session, user=user)
    if not is_htmx(request):
        return _back(request)
    message = f"Logged {duration(stopped.entry.minutes)} on “{stopped.task_title}”."
    return await _timer_widget(request, None, user, toast(message, events=TIMER_EVENTS))


def _entry_payload(values: dict[str, str]) -> dict[str, Any]:
    return {
        "minutes": values["minutes"] or None,
        "date": values["date"] or None,
        "note": values["note"],
    }


def _entry_errors(exc: ValidationError | Invalid, values: dict[str, str]) -> dict[str, str]:
    errors = field_errors(exc)
    if not values["minutes"]:
        errors["minutes"] = "Enter the minutes you worked (1 to 1440)."
    return errors


@router.post("/tasks/{task_id:taskref}/entries")
async def add_entry(
    task_id: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    values = form_values(await request.form(), *ENTRY_FIELDS)
    try:
        data = ManualEntryCreate.model_validate(_entry_payload(values))
        entry = await timesheet.add_manual_entry(session, user=user, ref=task_id, data=data)
    except (ValidationError, Invalid) as exc:
        time = {"entry_values": values, "entry_errors": _entry_errors(exc, values)}
        if not is_htmx(request):
            return await render_panel(request, session, user, task_id, time=time, status=422)
        return await render_panel(
            request, session, user, task_id, block="time", time=time, status=422
        )
    if not is_htmx(request):
        return RedirectResponse(f"/tasks/{task_id}", status_code=303)
    headers = toast(f"Logged {duration(entry.minutes)}.", events=("tasks-changed",))
    return await render_panel(request, session, user, task_id, block="time", headers=headers)


async def _entry_row(
    request: Request,
    session: AsyncSession,
    user: User,
    entry: TimeEntry,
    *,
    editing: bool,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "entry": entry,
        "editing": editing,
        "values": values
        or {
            "minutes": str(entry.minutes),
            "date": entry.started_at.date().isoformat(),
            "note": entry.note,
        },
        "errors": errors or {},
        "names": await display_names(session, {entry.user_id}),
    }
    return await render(
        request,
        "timesheet/entry.html",
        context,
        user=user,
        block="entry",
        status=status,
        headers=headers,
    )


@router.get("/entries/{entry_id:int}")
async def entry_row(
    entry_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    entry = await timesheet.get_entry(session, user=user, entry_id=entry_id)
    return await _entry_row(request, session, user, entry, editing=False)


@router.get("/entries/{entry_id:int}/edit")
async def edit_entry(
    entry_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    entry = await timesheet.get_entry(session, user=user, entry_id=entry_id)
    return await _entry_row(request, session, user, entry, editing=True)


@router.post("/entries/{entry_id:int}")
async def update_entry(
    entry_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    values = form_values(await request.form(), *ENTRY_FIELDS)
    entry = await timesheet.get_entry(session, user=user, entry_id=entry_id)
    try:
        changes = EntryUpdate.model_validate(_entry_payload(values))
        entry = await timesheet.update_entry(session, user=user, entry_id=entry_id, changes=changes)
    except (ValidationError, Invalid) as exc:
        # The form targets the whole time section; errors go back into the row instead.
        retarget = {"HX-Retarget": f"#entry-{entry_id}", "HX-Reswap": "outerHTML"}
        return await _entry_row(
            request,
            session,
            user,
            entry,
            editing=True,
            values=values,
            errors=_entry_errors(exc, values),
            status=422,
            headers=retarget,
        )
    if not is_htmx(request):
        return RedirectResponse(f"/tasks/{entry.task_id}", status_code=303)
    headers = toast("Time entry updated.", events=("tasks-changed",))
    return await render_panel(request, session, user, entry.task_id, block="time", headers=headers)


@router.post("/entries/{entry_id:int}/delete")
async def delete_entry(
    entry_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    entry = await timesheet.get_entry(session, user=user, entry_id=entry_id)
    task_id = entry.task_id
    await timesheet.delete_entry(session, user=user, entry_id=entry_id)
    if not is_htmx(request):
        return RedirectResponse(f"/tasks/{task_id}", status_code=303)
    headers = toast("Time entry deleted.", events=("tasks-changed",))
    return await render_panel(request, session, user, task_id, block="time", headers=headers)


# --- the week ------------------------------------------------------------------------------


async def _week(
    session: AsyncSession, request: Request, user: User, day: date | None, rows: int
) -> Any:
    settings = request.app.state.settings
    return await weeks.week_grid(
        session,
        user=user,
        week_start=settings.week_start_iso,
        long_timer_hours=settings.long_timer_hours,
        day=day,
        row_limit=rows,
    )


def _row_limit(text: str) -> int:
    """The grid's row limit from a form or link; anything unreadable is the default."""
    try:
        return int(text)
    except ValueError:
        return weeks.ROW_LIMIT


@router.get("/timesheet")
async def timesheet_week(
    request: Request,
    session: SessionDep,
    user: PageUser,
    week: date | None = None,
    rows: Annotated[int, Query(ge=1, le=weeks.MAX_ROW_LIMIT)] = weeks.ROW_LIMIT,
) -> Response:
    """My week: tasks by days, totals, and the entries that need a look."""
    grid = await _week(session, request, user, week, rows)
    layout = await load_layout(request, session, user)
    context = {"nav": "timesheet", "week": grid}
    return await render(request, "timesheet/week.html", context, user=user, layout=layout)


@router.post("/timesheet/cell")
async def edit_cell(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Set one task's time on one day; answers with the totals, swapped out of band."""
    form = await request.form()
    try:
        task_id = int(form_text(form, "task_id"))
        day = date.fromisoformat(form_text(form, "day"))
        minutes = weeks.parse_duration(form_text(form, "minutes"))
    except ValueError as exc:
        message = "Type a time such as 1:30, 90 or 1.5h."
        raise Invalid(
            message, code="invalid_cell", details=[{"field": "minutes", "message": message}]
        ) from exc
    await weeks.set_cell(session, user=user, task_id=task_id, day=day, minutes=minutes)
    grid = await _week(session, request, user, day, _row_limit(form_text(form, "rows")))
    return await render(request, "timesheet/week.html", {"week": grid}, user=user, block="saved")


def _back_to_week(form_week: str) -> Response:
    try:
        query = f"?week={date.fromisoformat(form_week).isoformat()}"
    except ValueError:
        query = ""
    return RedirectResponse(f"/timesheet{query}", status_code=303)


@router.post("/timesheet/fix/overlap")
async def fix_overlap(request: Request, session: SessionDep, user: PageUser) -> Response:
    """End the earlier of two overlapping entries where the later one starts."""
    form = await request.form()
    try:
        first_id, second_id = int(form_text(form, "first_id")), int(form_text(form, "second_id"))
    except ValueError as exc:
        raise NotFound("Those entries no longer overlap.", code="no_overlap") from exc
    await weeks.trim_overlap(session, user=user, first_id=first_id, second_id=second_id)
    return _back_to_week(form_text(form, "week"))


@router.post("/timesheet/fix/long-timer")
async def fix_long_timer(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Stop a forgotten timer, booking the configured limit rather than all it ran."""
    form = await request.form()
    hours = request.app.state.settings.long_timer_hours
    await weeks.stop_long_timer(session, user=user, hours=hours)
    return _back_to_week(form_text(form, "week"))
