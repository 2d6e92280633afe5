"""Time entries of a range as rows: pages of JSON for the API, a streamed CSV for spreadsheets.

Both read the same keyset-ordered pages (start time, id), so memory stays flat however many
entries a range holds, and both apply the reports' visibility rule (`service.scope`) with the
export rule on top: a member exports their own entries; leads (in the projects they lead) and
admins a project's or anyone's. The reports page's "entries behind a figure" reads the same
pages under the figures' rule instead (`entries_behind`): whoever could see a figure sees the
entries it sums. Times are shown in the viewer's zone; an entry belongs to the local day it
started on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sprintsync.config import Settings
from sprintsync.errors import Invalid
from sprintsync.projects import service as projects
from sprintsync.projects.models import Project
from sprintsync.stats.service import Scope, Window, entry_conditions, scope, scope_of
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import Task, TimeEntry
from sprintsync.users.models import User

PAGE_MAX = 500
CSV_BATCH = 2000
CSV_HEADER = (
    "date",
    "start",
    "end",
    "minutes",
    "hours",
    "user",
    "task_key",
    "task_title",
    "project",
    "note",
    "source",
)
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportEntry(BaseModel):
    id: int
    date: str = Field(description="Local day the entry started on (ISO), in your time zone")
    start: datetime
    end: datetime | None
    minutes: int
    hours: float
    user_id: int
    user: str
    task_id: int
    task_key: str
    task_title: str
    project: str
    note: str
    source: str


class ExportPage(BaseModel):
    items: list[ExportEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


async def export_scope(
    session: AsyncSession, settings: Settings, *, user: User, project: str | int | None = None
) -> Scope:
    """Whose entries `user` may export, limited to one project (id or key; 404 if not theirs)."""
    return await scope_of(session, settings, user=user, project=project, people=True)


def _cursor(entry: ExportEntry) -> str:
    return f"{entry.start.isoformat()}~{entry.id}"


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        stamp, _, row_id = cursor.rpartition("~")
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError(cursor)
        return moment, int(row_id)
    except ValueError as exc:
        message = "The cursor is not one this API gave out."
        raise Invalid(
            message, code="invalid_cursor", details=[{"field": "cursor", "message": message}]
        ) from exc


async def entries_page(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    person_id: int | None = None,
    task_id: int | None = None,
    project: str | int | None = None,
    cursor: str | None = None,
    limit: int = 100,
    allowed: Scope | None = None,
) -> ExportPage:
    """One page of finished entries in the window, oldest first; one statement (two with a
    `project` to check). Indexes: time_entries(started_at, ...), or (user_id, started_at)
    for one person."""
    limit = max(1, limit)
    if allowed is None:
        allowed = await export_scope(session, settings, user=user, project=project)
    conditions = entry_conditions(
        allowed, window, person_id=person_id, task_id=task_id, listing=True
    )
    conditions.extend(allowed.task_conditions())
    after = _after(cursor)
    if after is not None:
        moment, row_id = after
        conditions.append(
            or_(
                TimeEntry.started_at > moment,
                and_(TimeEntry.started_at == moment, TimeEntry.id > row_id),
            )
        )
    stmt = (
        select(TimeEntry, User.display_name, Task.key, Task.title, Project.name)
        .join(Task, Task.id == TimeEntry.task_id)
        .join(Project, Project.id == Task.project_id)
        .join(User, User.id == TimeEntry.user_id)
        .where(*conditions)
        .order_by(TimeEntry.started_at, TimeEntry.id)
        .limit(limit + 1)
    )
    rows = (await session.execute(stmt)).all()
    items = [_entry(*r, tz=window.tz) for r in rows[:limit]]
    next_cursor = _cursor(items[-1]) if len(rows) > limit else None
    return ExportPage(items=items, next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class FigureEntries:
    """The entries behind a report figure, and whether the CSV of them holds fewer (the
    export rule is narrower than the figures' rule for members)."""

    page: ExportPage
    csv_is_narrower: bool


async def entries_behind(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    window: Window,
    person_id: int | None = None,
    task_id: int | None = None,
    project: str | int | None = None,
    cursor: str | None = None,
) -> FigureEntries:
    """A page of the entries a report figure sums, under the figures' rule (members see the
    entries of the projects they belong to; `person_figures=leads` keeps others' entries to
    admins and leads), not the export rule. A project or task the user cannot see is 404
    (one statement more each); then one statement for the page."""
    view = None if project is None else await projects.get_project(session, user=user, ref=project)
    if task_id is not None:
        task_id = (await tasks.get_task(session, user=user, ref=task_id)).id
    figures = scope(user, settings, project=view)
    page = await entries_page(
        session,
        settings,
        user=user,
        window=window,
        person_id=person_id,
        task_id=task_id,
        cursor=cursor,
        allowed=figures,
    )
    exporting = scope(user, settings, project=view, people=True)
    narrower = exporting.figures.only_person != figures.figures.only_person
    return FigureEntries(page, csv_is_narrower=narrower)


def _entry(
    entry: TimeEntry, name: str, key: str, title: str, project: str, *, tz: ZoneInfo
) -> ExportEntry:
    start = entry.started_at.astimezone(tz)
    return ExportEntry(
        id=entry.id,
        date=start.date().isoformat(),
        start=start,
        end=entry.ended_at.astimezone(tz) if entry.ended_at else None,
        minutes=entry.minutes,
        hours=round(entry.minutes / 60, 2),
        user_id=entry.user_id,
        user=name,
        task_id=entry.task_id,
        task_key=key,
        task_title=title,
        project=project,
        note=entry.note,
        source=entry.source,
    )


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: a leading formula character is quoted."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


async def csv_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    user: User,
    window: Window,
    person_id: int | None = None,
    task_id: int | None = None,
    allowed: Scope,
) -> AsyncIterator[str]:
    """The CSV, batch by batch: UTF-8 BOM, header, CRLF line ends, guarded text cells.

    Runs after the route has returned (the response streams), so it reads through a session
    of its own, one keyset page per batch.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield "\ufeff" + buffer.getvalue()
    cursor: str | None = None
    while True:
        async with sessionmaker() as session:
            page = await entries_page(
                session,
                settings,
                user=user,
                window=window,
                person_id=person_id,
                task_id=task_id,
                cursor=cursor,
                limit=CSV_BATCH,
                allowed=allowed,
            )
        buffer.seek(0)
        buffer.truncate()
        for e in page.items:
            writer.writerow(
                [
                    e.date,
                    e.start.isoformat(timespec="minutes"),
                    e.end.isoformat(timespec="minutes") if e.end else "",
                    e.minutes,
                    f"{e.hours:.2f}",
                    safe_cell(e.user),
                    e.task_key,
                    safe_cell(e.task_title),
                    safe_cell(e.project),
                    safe_cell(e.note),
                    e.source,
                ]
            )
        if page.items:
            yield buffer.getvalue()
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
