"""HTML reports: the charts page and the entries behind each figure, over `stats.service`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sprintsync.db import SessionDep
from sprintsync.security.deps import PageUser
from sprintsync.stats import export, service
from sprintsync.stats import schemas as s
from sprintsync.users.schemas import RowId
from sprintsync.web.layout import load_layout
from sprintsync.web.render import render

router = APIRouter(include_in_schema=False)

From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]
Person = Annotated[RowId | None, Query(alias="user")]
ProjectRef = Annotated[str | None, Query(max_length=20)]


@router.get("/reports")
async def reports_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    period: s.Period = "week",
    date_from: From = None,
    date_to: To = None,
    person: Person = None,
    project: ProjectRef = None,
) -> Response:
    """Charts and tables for a range: time per day, top people, cycle time, accuracy."""
    settings = request.app.state.settings
    window = service.resolve_window(
        user, settings, period=period, date_from=date_from, date_to=date_to
    )
    figures = await service.report(
        session, settings, user=user, window=window, person_id=person, project=project or None
    )
    layout = await load_layout(request, session, user)
    context: dict[str, Any] = {"nav": "reports", "report": figures, "period": period}
    return await render(request, "stats/reports.html", context, user=user, layout=layout)


@router.get("/reports/entries")
async def entries_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    date_from: From = None,
    date_to: To = None,
    person: Person = None,
    task: RowId | None = None,
    project: ProjectRef = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The time entries behind a figure (what the figure summed), a page at a time."""
    settings = request.app.state.settings
    window = service.resolve_window(user, settings, date_from=date_from, date_to=date_to)
    behind = await export.entries_behind(
        session,
        settings,
        user=user,
        window=window,
        person_id=person,
        task_id=task,
        project=project or None,
        cursor=cursor,
    )
    layout = await load_layout(request, session, user)
    filters = {"from": window.first.isoformat(), "to": window.last.isoformat()}
    chosen = (("user", person), ("task", task), ("project", project or None))
    filters.update({k: str(v) for k, v in chosen if v is not None})
    context = {
        "nav": "reports",
        "page": behind.page,
        "csv_is_narrower": behind.csv_is_narrower,
        "window": window,
        "filters": filters,
    }
    return await render(request, "stats/entries.html", context, user=user, layout=layout)
