"""A person's week as a grid of tasks by days, cell edits as manual entries, and the checks.

Days are the person's own (their time zone), weeks start on the team's weekday. The grid is
summed by the database (one GROUP BY); the whole page costs a fixed four statements. A cell
shows all the time on that task and day; typing a new total changes only the cell's manual
entry (creating or removing it), never time a timer recorded.

A week can hold hundreds of tasks (bench/reports.py gives a person ~400, about 2,800 cells,
which rendered in over a second), so the grid shows the `row_limit` tasks with the most time
plus the open tasks assigned to the person and the task with the running timer; the rest are
counted and summed in a "hidden" line with a link that shows more. Row, day and week totals
come from the database over every task, so they are the same whether rows are hidden or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sprintsync.db import utcnow
from sprintsync.errors import Conflict, Invalid, NotFound
from sprintsync.sqltime import local_day, week_of
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import Task
from sprintsync.tasks.scope import assigned_to
from sprintsync.timesheet import service as entries
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timesheet.schemas import EntryUpdate, ManualEntryCreate
from sprintsync.timeutil import day_start, today_for, user_zone
from sprintsync.users.models import User

OPEN_TASK_ROWS = 30
ROW_LIMIT = 40
MAX_ROW_LIMIT = 1000
MAX_CELL_MINUTES = 1440
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_UNITS = re.compile(r"^(?:(\d+(?:[.,]\d+)?)\s*h)?\s*(?:(\d+)\s*m?)?$")


def parse_duration(text: str) -> int:
    """Minutes from what people type in a cell: `1:30`, `90`, `1.5h`, `1h 30m`, or blank (0)."""
    value = text.strip().lower()
    if not value:
        return 0
    clock = _CLOCK.match(value)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    units = _UNITS.match(value)
    if units and (units.group(1) or units.group(2)):
        hours = float((units.group(1) or "0").replace(",", "."))
        return round(hours * 60) + int(units.group(2) or 0)
    raise ValueError(f"not a duration: {text!r}")


@dataclass
class Row:
    task_id: int
    key: str
    title: str
    status: str
    minutes: dict[date, int] = field(default_factory=dict)
    total: int = 0


@dataclass(frozen=True, slots=True)
class Overlap:
    first_id: int
    first_title: str
    second_id: int
    second_title: str
    first_start: datetime
    first_end: datetime
    second_start: datetime
    second_end: datetime


@dataclass(frozen=True, slots=True)
class LongTimer:
    """The running timer (flagged on the page only when it ran past the limit)."""

    entry_id: int
    title: str
    started_at: datetime
    hours: float
    task_id: int
    key: str
    status: str
    long: bool


@dataclass
class Week:
    first: date
    tz: ZoneInfo
    days: list[date]
    today: date
    rows: list[Row]
    overlaps: list[Overlap]
    long_timer: LongTimer | None
    limit_hours: float
    day_totals: dict[date, int]
    total: int
    row_limit: int = ROW_LIMIT
    hidden_rows: int = 0
    hidden_minutes: int = 0

    @property
    def more_rows(self) -> int:
        """The row limit that shows the next batch of hidden tasks."""
        return min(self.row_limit + ROW_LIMIT, MAX_ROW_LIMIT)

    @property
    def empty_days(self) -> set[date]:
        """Days up to today with nothing logged: they are highlighted."""
        totals = self.day_totals
        return {d for d in self.days if d <= self.today and not totals[d]}

    @property
    def previous(self) -> date:
        return self.first - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.first + timedelta(days=7)


async def week_grid(
    session: AsyncSession,
    *,
    user: User,
    week_start: int,
    long_timer_hours: float,
    day: date | None = None,
    row_limit: int = ROW_LIMIT,
) -> Week:
    """The week holding `day` (default today): rows, totals and the checks, in 4 statements.

    Indexes: time_entries(user_id, started_at) for the sums and the overlaps,
    tasks(assignee_id, status) for the open tasks, the running-timer index for the timer.
    """
    tz = user_zone(user)
    today = today_for(user)
    first = week_of(day or today, week_start)
    days = [first + timedelta(days=i) for i in range(7)]
    start, end = day_start(first, tz), day_start(first + timedelta(days=7), tz)
    row_limit = max(1, min(row_limit, MAX_ROW_LIMIT))
    open_tasks = (
        select(Task.id, Task.key, Task.title, Task.status)
        .where(assigned_to(user), Task.status != "done")
        .order_by(Task.id.desc())
        .limit(OPEN_TASK_ROWS)
    )
    cells = await _cells(
        session, user=user, tz=tz, start=start, end=end, row_limit=row_limit, keep=open_tasks
    )
    rows: dict[int, Row] = {}
    day_totals = dict.fromkeys(days, 0)
    tasks_with_time = 0
    for cell in cells:
        day_totals[cell.day] = cell.day_total
        tasks_with_time = cell.tasks
        if cell.shown:
            row = rows.setdefault(
                cell.task_id, Row(cell.task_id, cell.key, cell.title, cell.status)
            )
            row.minutes[cell.day] = cell.minutes
            row.total = cell.task_total
    week_total = sum(day_totals.values())
    shown_minutes = sum(r.total for r in rows.values())
    hidden_rows = tasks_with_time - len(rows)
    for task_id, key, title, status in (await session.execute(open_tasks)).all():
        rows.setdefault(task_id, Row(task_id, key, title, status))
    timer = await _long_timer(session, user=user, hours=long_timer_hours)
    if timer is not None:
        rows.setdefault(timer.task_id, Row(timer.task_id, timer.key, timer.title, timer.status))
    return Week(
        first=first,
        tz=tz,
        days=days,
        today=today,
        rows=sorted(rows.values(), key=lambda r: (r.status == "done", r.title.lower(), r.task_id)),
        overlaps=await _overlaps(session, user=user, start=start, end=end),
        long_timer=timer if timer is not None and timer.long else None,
        limit_hours=long_timer_hours,
        day_totals=day_totals,
        total=week_total,
        row_limit=row_limit,
        hidden_rows=hidden_rows,
        hidden_minutes=week_total - shown_minutes,
    )


@dataclass(frozen=True, slots=True)
class _Cell:
    day: date
    task_id: int
    key: str
    title: str
    status: str
    minutes: int
    task_total: int
    day_total: int
    tasks: int
    shown: bool


async def _cells(
    session: AsyncSession,
    *,
    user: User,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    row_limit: int,
    keep: Select[int, str, str, str],
) -> list[_Cell]:
    """The week's cells of the shown tasks, in one statement.

    Every cell carries its task's week total, its day's total and the number of tasks with
    time, all summed by window functions over every task before any row is left out; a
    task is shown when it is among the `row_limit` with the most time, open and assigned
    to the user (`keep`), or timed by the running timer. One cell per day is returned even
    when its task is hidden (`shown` false), so every day's total arrives.
    """
    dialect = session.get_bind().dialect.name
    local = local_day(TimeEntry.started_at, tz, dialect=dialect, start=start, end=end)
    entries_ = (
        select(local.label("day"), TimeEntry.task_id, TimeEntry.minutes)
        .where(
            TimeEntry.user_id == user.id,
            TimeEntry.started_at >= start,
            TimeEntry.started_at < end,
            TimeEntry.ended_at.is_not(None),
        )
        .subquery()
    )
    summed = (
        select(entries_.c.day, entries_.c.task_id, func.sum(entries_.c.minutes).label("minutes"))
        .group_by(entries_.c.day, entries_.c.task_id)
        .subquery()
    )
    totals = select(
        summed.c.day,
        summed.c.task_id,
        summed.c.minutes,
        func.sum(summed.c.minutes).over(partition_by=summed.c.task_id).label("task_total"),
        func.sum(summed.c.minutes).over(partition_by=summed.c.day).label("day_total"),
    ).subquery()
    ranked = select(
        totals,
        func.dense_rank()
        .over(order_by=(totals.c.task_total.desc(), totals.c.task_id))
        .label("rank"),
    ).subquery()
    running = select(TimeEntry.task_id).where(
        TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None)
    )
    marked = select(
        ranked,
        func.max(ranked.c.rank).over().label("tasks"),
        func.row_number()
        .over(partition_by=ranked.c.day, order_by=ranked.c.rank)
        .label("nth_of_day"),
        or_(
            ranked.c.rank <= row_limit,
            ranked.c.task_id.in_(select(keep.subquery().c.id)),
            ranked.c.task_id.in_(running),
        ).label("shown"),
    ).subquery()
    stmt = (
        select(
            marked.c.day,
            marked.c.task_id,
            Task.key,
            Task.title,
            Task.status,
            marked.c.minutes,
            marked.c.task_total,
            marked.c.day_total,
            marked.c.tasks,
            marked.c.shown,
        )
        .join(Task, Task.id == marked.c.task_id)
        .where(or_(marked.c.shown, marked.c.nth_of_day == 1))
    )
    return [
        _Cell(
            day=d if isinstance(d, date) else date.fromisoformat(str(d)),
            task_id=task_id,
            key=key,
            title=title,
            status=status,
            minutes=int(minutes),
            task_total=int(task_total),
            day_total=int(day_total),
            tasks=int(tasks),
            shown=bool(shown),
        )
        for d, task_id, key, title, status, minutes, task_total, day_total, tasks, shown in (
            await session.execute(stmt)
        ).all()
    ]


async def _overlaps(
    session: AsyncSession, *, user: User, start: datetime, end: datetime
) -> list[Overlap]:
    """Pairs of the user's timed entries in the range whose times overlap (manual entries
    have no clock time, so they never do)."""
    a, b = aliased(TimeEntry), aliased(TimeEntry)
    ta, tb = aliased(Task), aliased(Task)
    stmt = (
        select(a.id, ta.title, a.started_at, a.ended_at, b.id, tb.title, b.started_at, b.ended_at)
        .join(
            b,
            and_(
                b.user_id == a.user_id,
                b.source == "timer",
                b.ended_at.is_not(None),
                b.started_at >= a.started_at,
                b.started_at < a.ended_at,
                # The same bounds as `a`, so either join strategy reads only this week.
                b.started_at >= start - timedelta(days=1),
                b.started_at < end,
                b.id != a.id,
            ),
        )
        .join(ta, ta.id == a.task_id)
        .join(tb, tb.id == b.task_id)
        .where(
            a.user_id == user.id,
            a.source == "timer",
            a.ended_at.is_not(None),
            a.started_at >= start - timedelta(days=1),
            a.started_at < end,
        )
        .order_by(a.started_at, a.id, b.id)
        .limit(20)
    )
    found = []
    for r in (await session.execute(stmt)).all():
        # Same start: report the pair once, the lower id first.
        if r[6] == r[2] and r[4] < r[0]:
            continue
        # Both ends are set: the query keeps finished entries only.
        first_end, second_end = cast(datetime, r[3]), cast(datetime, r[7])
        found.append(Overlap(r[0], r[1], r[4], r[5], r[2], first_end, r[6], second_end))
    return found


async def _long_timer(session: AsyncSession, *, user: User, hours: float) -> LongTimer | None:
    """The running timer with its task, if any (its row is always on the grid)."""
    stmt = (
        select(TimeEntry.id, TimeEntry.started_at, Task.id, Task.key, Task.title, Task.status)
        .join(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    ran = (utcnow() - row.started_at).total_seconds() / 3600
    return LongTimer(row[0], row[4], row[1], round(ran, 1), row[2], row[3], row[5], ran >= hours)


async def set_cell(
    session: AsyncSession, *, user: User, task_id: int, day: date, minutes: int
) -> None:
    """Make the task's total on `day` equal `minutes` by creating, changing or removing the
    cell's manual entry (the newest manual one that day); timer time is left alone."""
    if not 0 <= minutes <= MAX_CELL_MINUTES:
        raise _cell_error("A day holds at most 24 hours.")
    task_id = (await tasks.get_writable(session, user=user, ref=task_id)).id
    tz = user_zone(user)
    stmt = (
        select(TimeEntry)
        .where(
            TimeEntry.user_id == user.id,
            TimeEntry.task_id == task_id,
            TimeEntry.started_at >= day_start(day, tz),
            TimeEntry.started_at < day_start(day + timedelta(days=1), tz),
            TimeEntry.ended_at.is_not(None),
        )
        .order_by(TimeEntry.id)
    )
    found = list((await session.execute(stmt)).scalars())
    manual = [e for e in found if e.source == "manual"]
    cell = manual[-1] if manual else None
    fixed = sum(e.minutes for e in found) - (cell.minutes if cell else 0)
    needed = minutes - fixed
    if needed < 0:
        raise _cell_error(
            f"Timers and other entries already hold {fixed} minutes on this day; "
            "change those on the task's page."
        )
    if cell is None:
        if needed:
            data = ManualEntryCreate(minutes=needed, date=day)
            await entries.add_manual_entry(session, user=user, ref=task_id, data=data)
    elif needed == 0:
        await entries.delete_entry(session, user=user, entry_id=cell.id)
    elif needed != cell.minutes:
        changes = EntryUpdate(minutes=needed)
        await entries.update_entry(session, user=user, entry_id=cell.id, changes=changes)


def _cell_error(message: str) -> Invalid:
    return Invalid(message, code="invalid_cell", details=[{"field": "minutes", "message": message}])


async def trim_overlap(session: AsyncSession, *, user: User, first_id: int, second_id: int) -> None:
    """End the earlier of two overlapping entries when the later one starts."""
    first = await entries.get_entry(session, user=user, entry_id=first_id)
    second = await entries.get_entry(session, user=user, entry_id=second_id)
    if first.ended_at is None or second.ended_at is None or second.started_at < first.started_at:
        raise NotFound("Those entries no longer overlap.", code="no_overlap")
    if second.started_at >= first.ended_at:
        raise Conflict("Those entries no longer overlap.", code="no_overlap")
    kept = round((second.started_at - first.started_at).total_seconds() / 60)
    if kept < 1:
        await entries.delete_entry(session, user=user, entry_id=first.id)
        return
    await entries.update_entry(
        session, user=user, entry_id=first.id, changes=EntryUpdate(minutes=kept)
    )


async def stop_long_timer(session: AsyncSession, *, user: User, hours: float) -> TimeEntry:
    """Stop a forgotten timer, booking `hours` (the flag's limit) rather than all it ran."""
    timer = await entries.running_timer(session, user=user)
    if timer is None:
        raise Conflict("No timer is running.", code="no_running_timer")
    stopped = await entries.stop_timer(session, user=user)
    booked = min(stopped.minutes, round(hours * 60))
    if booked != stopped.minutes:
        await entries.update_entry(
            session, user=user, entry_id=stopped.id, changes=EntryUpdate(minutes=max(1, booked))
        )
    return stopped
