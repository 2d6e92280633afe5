"""JSON routes for timers and time entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sprintsync.db import SessionDep, utcnow
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks.schemas import TaskRef
from sprintsync.timesheet import service
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timesheet.schemas import (
    EntryPage,
    EntryUpdate,
    ManualEntryCreate,
    TimeEntryRead,
    TimerRead,
)
from sprintsync.timeutil import DayFilter
from sprintsync.users.schemas import MAX_ROW_ID

router = APIRouter(tags=["time"])


def entry_read(entry: TimeEntry) -> TimeEntryRead:
    read = TimeEntryRead.model_validate(entry)
    read.running = entry.ended_at is None
    return read


def timer_read(entry: TimeEntry | None) -> TimerRead:
    if entry is None:
        return TimerRead(running=False, entry=None)
    running = entry.ended_at is None
    elapsed = int((utcnow() - entry.started_at).total_seconds()) if running else 0
    return TimerRead(running=running, entry=entry_read(entry), elapsed_seconds=elapsed)


@router.post(
    "/tasks/{task_ref}/timer/start",
    response_model=TimerRead,
    summary="Start a timer on a task (stops your other running timer first)",
    responses=errors(*AUTHED, 404, 409),
)
async def start_timer(task_ref: TaskRef, session: SessionDep, user: CurrentUser) -> TimerRead:
    return timer_read(await service.start_timer(session, user=user, ref=task_ref))


@router.post(
    "/timer/stop",
    response_model=TimerRead,
    summary="Stop your running timer and log its minutes",
    responses=errors(*AUTHED, 409),
)
async def stop_timer(session: SessionDep, user: CurrentUser) -> TimerRead:
    entry = await service.stop_timer(session, user=user)
    return TimerRead(running=False, entry=entry_read(entry))


@router.get(
    "/timer", response_model=TimerRead, summary="Your running timer, if any", responses=errors(401)
)
async def get_timer(session: SessionDep, user: CurrentUser) -> TimerRead:
    return timer_read(await service.running_timer(session, user=user))


@router.post(
    "/tasks/{task_ref}/time-entries",
    response_model=TimeEntryRead,
    status_code=status.HTTP_201_CREATED,
    summary="Log time on a task by hand (1-1440 minutes)",
    responses=errors(*AUTHED, 404, 409),
)
async def add_entry(
    task_ref: TaskRef, body: ManualEntryCreate, session: SessionDep, user: CurrentUser
) -> TimeEntryRead:
    entry = await service.add_manual_entry(session, user=user, ref=task_ref, data=body)
    return entry_read(entry)


@router.get(
    "/tasks/{task_ref}/time-entries",
    response_model=list[TimeEntryRead],
    summary="Time logged on a task (by everyone who worked on it)",
    responses=errors(401, 404),
)
async def list_task_entries(
    task_ref: TaskRef, session: SessionDep, user: CurrentUser
) -> list[TimeEntryRead]:
    entries = await service.task_entries(session, user=user, ref=task_ref)
    return [entry_read(e) for e in entries]


@router.get(
    "/time-entries",
    response_model=EntryPage,
    summary="Your time entries in a date range, newest first",
    responses=errors(401, 422),
)
async def list_entries(
    session: SessionDep,
    user: CurrentUser,
    date_from: Annotated[DayFilter | None, Query(alias="from")] = None,
    date_to: Annotated[DayFilter | None, Query(alias="to")] = None,
    task_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> EntryPage:
    entries, total, next_offset = await service.list_entries(
        session,
        user=user,
        date_from=date_from,
        date_to=date_to,
        task_id=task_id,
        limit=limit,
        offset=offset,
    )
    return EntryPage(
        items=[entry_read(e) for e in entries], total_minutes=total, next_offset=next_offset
    )


@router.patch(
    "/time-entries/{entry_id}",
    response_model=TimeEntryRead,
    summary="Edit one of your time entries",
    responses=errors(*AUTHED, 404, 409),
)
async def update_entry(
    entry_id: int, body: EntryUpdate, session: SessionDep, user: CurrentUser
) -> TimeEntryRead:
    entry = await service.update_entry(session, user=user, entry_id=entry_id, changes=body)
    return entry_read(entry)


@router.delete(
    "/time-entries/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete one of your time entries",
    responses=errors(*AUTHED, 404),
)
async def delete_entry(entry_id: int, session: SessionDep, user: CurrentUser) -> Response:
    await service.delete_entry(session, user=user, entry_id=entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
