"""JSON routes for reports under /api/v1/stats: parse, call `stats.service`, return schemas."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from sprintsync.db import SessionDep
from sprintsync.openapi import errors
from sprintsync.security.deps import CurrentUser
from sprintsync.stats import export, service
from sprintsync.stats import schemas as s
from sprintsync.tasks.schemas import TaskRef
from sprintsync.users.schemas import RowId

router = APIRouter(prefix="/stats", tags=["stats"])

From = Annotated[
    date | None, Query(alias="from", description="First day (custom period), your time zone")
]
To = Annotated[date | None, Query(alias="to", description="Last day, inclusive")]
ProjectRef = Annotated[
    str | None,
    Query(max_length=20, description="Only this project's figures (id or key); 404 if not yours"),
]
READ_ERRORS = errors(401, 404, 422)


def _window_of(default: s.Period) -> Callable[..., Awaitable[service.Window]]:
    """A dependency that reads period/from/to as days in the requesting user's zone."""

    async def window(
        request: Request,
        user: CurrentUser,
        period: Annotated[
            s.Period, Query(description="This week or month in your zone, or custom from/to")
        ] = default,
        date_from: From = None,
        date_to: To = None,
    ) -> service.Window:
        return service.resolve_window(
            user,
            request.app.state.settings,
            period=period,
            date_from=date_from,
            date_to=date_to,
        )

    return window


Week = Annotated[service.Window, Depends(_window_of("week"))]
Month = Annotated[service.Window, Depends(_window_of("month"))]


@router.get(
    "/top-users",
    response_model=s.TopUsers,
    summary="People by minutes logged in a period (ties: lower user id first)",
    responses=READ_ERRORS,
)
async def top_users(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Week,
    limit: Annotated[int, Query(ge=1, le=service.TOP_USERS_LIMIT)] = 10,
    project: ProjectRef = None,
) -> s.TopUsers:
    settings = request.app.state.settings
    return await service.top_users(
        session, settings, user=user, window=window, limit=limit, project=project
    )


@router.get(
    "/time-per-day",
    response_model=s.TimePerDay,
    summary="Minutes per day (your zone) per user, per task or per project",
    responses=READ_ERRORS,
)
async def time_per_day(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Week,
    group: s.Grouping = "user",
    person: Annotated[RowId | None, Query(alias="user")] = None,
    task: RowId | None = None,
    project: ProjectRef = None,
) -> s.TimePerDay:
    settings = request.app.state.settings
    return await service.time_per_day(
        session,
        settings,
        user=user,
        window=window,
        group=group,
        person_id=person,
        task_id=task,
        project=project,
    )


@router.get(
    "/cycle-time",
    response_model=s.CycleTime,
    summary="Mean and median time in each status, for stays that ended in the period",
    responses=READ_ERRORS,
)
async def cycle_time(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Week,
    project: ProjectRef = None,
) -> s.CycleTime:
    settings = request.app.state.settings
    return await service.cycle_time(session, settings, user=user, window=window, project=project)


@router.get(
    "/cycle-time/tasks/{task_id}",
    response_model=s.TaskCycleTime,
    summary="One task's time in each status over its history (by id or key)",
    responses=errors(401, 404),
)
async def task_cycle_time(
    task_id: TaskRef, session: SessionDep, user: CurrentUser
) -> s.TaskCycleTime:
    return await service.task_cycle_time(session, user=user, ref=task_id)


@router.get(
    "/estimate-accuracy",
    response_model=s.EstimateAccuracy,
    summary="Actual vs estimated minutes of tasks finished in the period",
    responses=READ_ERRORS,
)
async def estimate_accuracy(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Month,
    project: ProjectRef = None,
) -> s.EstimateAccuracy:
    settings = request.app.state.settings
    return await service.estimate_accuracy(
        session, settings, user=user, window=window, project=project
    )


@router.get(
    "/throughput",
    response_model=s.Throughput,
    summary="Tasks finished per week (weeks in your zone, from the team's week start)",
    responses=READ_ERRORS,
)
async def throughput(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Month,
    project: ProjectRef = None,
) -> s.Throughput:
    settings = request.app.state.settings
    return await service.throughput(session, settings, user=user, window=window, project=project)


@router.get(
    "/entries",
    response_model=export.ExportPage,
    summary="Time entries of a period, oldest first, a page at a time (times in your zone)",
    responses=READ_ERRORS,
)
async def entries(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Week,
    person: Annotated[RowId | None, Query(alias="user")] = None,
    task: RowId | None = None,
    project: ProjectRef = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=export.PAGE_MAX)] = 100,
) -> export.ExportPage:
    return await export.entries_page(
        session,
        request.app.state.settings,
        user=user,
        window=window,
        person_id=person,
        task_id=task,
        project=project,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/entries.csv",
    summary="The same entries as a CSV file for spreadsheets (UTF-8 with BOM, CRLF)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **READ_ERRORS},
)
async def entries_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    window: Week,
    person: Annotated[RowId | None, Query(alias="user")] = None,
    task: RowId | None = None,
    project: ProjectRef = None,
) -> StreamingResponse:
    settings = request.app.state.settings
    allowed = await export.export_scope(session, settings, user=user, project=project)
    chunks = export.csv_chunks(
        request.app.state.read_sessionmaker,
        settings,
        user=user,
        window=window,
        person_id=person,
        task_id=task,
        allowed=allowed,
    )
    name = f"time-entries-{window.first.isoformat()}-to-{window.last.isoformat()}.csv"
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
