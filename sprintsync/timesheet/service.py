"""Timer and time-entry rules; every change keeps the task's total equal to its entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Row, String, and_, case, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from sprintsync.db import retry_on_conflict, utcnow
from sprintsync.errors import Conflict, Invalid, NotFound
from sprintsync.projects.models import Project
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import Task
from sprintsync.tasks.scope import TaskScope
from sprintsync.timesheet.models import EntrySource, TimeEntry
from sprintsync.timesheet.schemas import EntryUpdate, ManualEntryCreate
from sprintsync.timeutil import day_start, local_date, today_for, user_zone, zone
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID
from sprintsync.web.layout import LayoutPart

MAX_ENTRY_PAGE = 200


async def _lock_tasks(session: AsyncSession, task_id: int, *others: int) -> set[int]:
    """Lock the tasks whose totals this change rewrites, so changes to them serialise.

    Rows are locked in id order, so two requests touching the same two tasks (people
    switching timers between them in opposite directions) queue instead of deadlocking.
    The lock is FOR NO KEY UPDATE: strong enough against another total rewrite or the task's
    deletion, yet not in conflict with the key-share lock every new entry takes on its task
    through the foreign key. `task_id` deleted meanwhile is a 404; the ids of the tasks
    still there are returned.
    """
    wanted = sorted({task_id, *others})
    stmt = (
        select(Task.id).where(Task.id.in_(wanted)).order_by(Task.id).with_for_update(key_share=True)
    )
    found = set((await session.execute(stmt)).scalars())
    if task_id not in found:
        raise NotFound("Task not found.", code="task_not_found")
    return found


async def _locked_entry(session: AsyncSession, entry: TimeEntry) -> TimeEntry | None:
    """Re-read `entry` under its row lock (after its task's lock); None if deleted meanwhile."""
    stmt = (
        select(TimeEntry)
        .where(TimeEntry.id == entry.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _entry_gone() -> NotFound:
    return NotFound("Time entry not found.", code="time_entry_not_found")


async def _recompute_total(session: AsyncSession, task_id: int) -> int:
    """Set the task's total to the sum of its finished entries. Call with the row locked."""
    total = (
        select(func.coalesce(func.sum(TimeEntry.minutes), 0))
        .where(TimeEntry.task_id == task_id, TimeEntry.ended_at.is_not(None))
        .scalar_subquery()
    )
    result = await session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(total_minutes=total)
        .returning(Task.total_minutes)
        .execution_options(synchronize_session=False)
    )
    value = result.scalar_one()
    # Keep a task this session already holds in step; one it does not hold needs no read.
    task = session.identity_map.get(identity_key(Task, task_id))
    if isinstance(task, Task):
        task.total_minutes = value
    return value


# A timer left running over a weekend should not book 60 hours: one entry is at most a day,
# the same bound as manual entries, and the note says so (the user can then correct it).
MAX_ENTRY_MINUTES = 1440


def _elapsed_minutes(started: datetime, ended: datetime) -> int:
    return max(0, round((ended - started).total_seconds() / 60))


async def running_timer(session: AsyncSession, *, user: User) -> TimeEntry | None:
    stmt = select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


def forgotten_reason(
    started_at: datetime, *, now: datetime, tz: tzinfo, limit_hours: float
) -> str | None:
    """Why a timer running since `started_at` looks forgotten, or None if it does not.

    Forgotten: it has run for `limit_hours` (the `long_timer_hours` setting) or more, or it
    started on an earlier day than today in the user's zone (it ran across their midnight).
    """
    hours = (now - started_at).total_seconds() / 3600
    if hours >= limit_hours:
        return f"Running for {hours:.1f} h, longer than {limit_hours:g} h."
    if local_date(started_at, tz) < local_date(now, tz):
        since = started_at.astimezone(tz).strftime("%a %H:%M")
        return f"Running since {since}, across midnight."
    return None


@dataclass(frozen=True, slots=True)
class RunningTimer:
    """The header's running timer: which task, its title, how long it has run, its entry,
    and why it looks forgotten (None when it does not)."""

    task_id: int
    task_title: str
    elapsed_seconds: int
    entry_id: int = 0
    forgotten: str | None = None


def _header_timer_columns(user: Any) -> list[ColumnElement[Any]]:
    """The running timer's entry, task, start and title (if still visible), and the user's
    zone (for the midnight check), as scalar columns."""
    running = and_(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    title = (
        select(Task.title)
        .join(TimeEntry, TimeEntry.task_id == Task.id)
        .where(running, TaskScope.for_user(user).condition())
    )
    return [
        select(TimeEntry.id).where(running).scalar_subquery().label("timer_entry_id"),
        select(TimeEntry.task_id).where(running).scalar_subquery().label("timer_task_id"),
        select(TimeEntry.started_at).where(running).scalar_subquery().label("timer_started_at"),
        title.scalar_subquery().label("timer_task_title"),
        literal(user.time_zone or "UTC", String).label("timer_zone"),
    ]


def header_timer(long_timer_hours: float) -> LayoutPart:
    """The header's running timer, as the app hands it to the layout (see web.layout),
    flagged when it looks forgotten (see `forgotten_reason`)."""

    def values(row: Row[Any]) -> dict[str, Any]:
        if row.timer_task_id is None:
            return {"timer": None}
        now = utcnow()
        elapsed = max(0, int((now - row.timer_started_at).total_seconds()))
        try:
            tz: tzinfo = zone(row.timer_zone)
        except ValueError:
            tz = UTC
        why = forgotten_reason(row.timer_started_at, now=now, tz=tz, limit_hours=long_timer_hours)
        title = row.timer_task_title or "a task"
        return {"timer": RunningTimer(row.timer_task_id, title, elapsed, row.timer_entry_id, why)}

    return LayoutPart(columns=_header_timer_columns, values=values)


async def _finish(
    session: AsyncSession, entry: TimeEntry, ended_at: datetime | None = None
) -> TimeEntry:
    """Stop a running timer (now, or at `ended_at`); call with its task and entry locked."""
    ended = ended_at or utcnow()
    elapsed = _elapsed_minutes(entry.started_at, ended)
    minutes = min(elapsed, MAX_ENTRY_MINUTES)
    note = entry.note
    if elapsed > MAX_ENTRY_MINUTES:
        remark = f"Timer ran {elapsed // 60} h; booked 24 h. Edit if that is wrong."
        note = f"{entry.note} ({remark})"[:500] if entry.note else remark
    if session.get_bind().dialect.name != "postgresql":
        entry.ended_at, entry.minutes, entry.note = ended, minutes, note
        await session.flush()
        await _recompute_total(session, entry.task_id)
        return entry
    await _write_finished_entry(session, entry, ended_at=ended, minutes=minutes, note=note)
    return entry


async def _write_finished_entry(
    session: AsyncSession, entry: TimeEntry, *, ended_at: datetime, minutes: int, note: str
) -> None:
    """Write a stopped entry and its task's new total in one statement (PostgreSQL).

    The task's row lock is what makes a timer stop wait under load (a 503 in the soak at a
    load average of 12), and every round trip made while holding it lengthens every
    waiter's wait: the entry's UPDATE runs as a CTE of the total's, one trip instead of two.
    The total is the sum of the task's other finished entries (the statement's snapshot,
    taken after the lock, has them all; it still sees this entry as running) plus this one.
    """
    written = (
        update(TimeEntry)
        .where(TimeEntry.id == entry.id)
        .values(ended_at=ended_at, minutes=minutes, note=note)
        .returning(TimeEntry.minutes)
        .cte("written")
    )
    others = (
        select(func.coalesce(func.sum(TimeEntry.minutes), 0))
        .where(
            TimeEntry.task_id == entry.task_id,
            TimeEntry.ended_at.is_not(None),
            TimeEntry.id != entry.id,
        )
        .scalar_subquery()
    )
    total = (
        await session.execute(
            update(Task)
            .where(Task.id == entry.task_id)
            .values(total_minutes=others + select(written.c.minutes).scalar_subquery())
            .returning(Task.total_minutes)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    # The row is written: record the values as loaded, so no later flush writes them again.
    for name, value in (("ended_at", ended_at), ("minutes", minutes), ("note", note)):
        set_committed_value(entry, name, value)
    task = session.identity_map.get(identity_key(Task, entry.task_id))
    if isinstance(task, Task):
        set_committed_value(task, "total_minutes", total)


@retry_on_conflict
async def _start(session: AsyncSession, *, user: User, ref: int | str) -> tuple[TimeEntry, str]:
    """Start a timer (stopping the user's other one first); the entry and the task's title.
    Tasks of archived projects take no new time (409)."""
    condition = tasks.task_condition(ref)
    if condition is None:
        raise NotFound("Task not found.", code="task_not_found")
    # The task (which must be in the user's scope), its project and the user's running
    # timer, in one read.
    running = and_(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    stmt = (
        select(Task.id, Task.title, Project.archived, Project.key, TimeEntry)
        .select_from(Task)
        .join(Project, Project.id == Task.project_id)
        .outerjoin(TimeEntry, running)
        .where(condition, TaskScope.for_user(user).condition())
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise NotFound("Task not found.", code="task_not_found")
    if row.archived:
        raise tasks.project_archived(row.key)
    task_id, title, current = row.id, row.title, row.TimeEntry
    if current is not None and current.task_id == task_id:
        return current, title
    others = [current.task_id] if current is not None else []
    locked = await _lock_tasks(session, task_id, *others)
    # A running timer whose task was deleted meanwhile went with it: nothing to stop.
    if current is not None and current.task_id in locked:
        stopping = await _locked_entry(session, current)
        if stopping is not None and stopping.ended_at is None:
            await _finish(session, stopping)
    entry = TimeEntry(
        task_id=task_id,
        user_id=user.id,
        started_at=utcnow(),
        ended_at=None,
        minutes=0,
        note="",
        source=EntrySource.timer.value,
    )
    session.add(entry)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent start won; the database kept one timer
        raise Conflict("A timer is already running.", code="timer_running") from exc
    return entry, title


async def start_timer(session: AsyncSession, *, user: User, ref: int | str) -> TimeEntry:
    """Start a timer on a task (by id or key), stopping the user's other running timer first."""
    entry, _title = await _start(session, user=user, ref=ref)
    return entry


async def start_header_timer(session: AsyncSession, *, user: User, ref: int | str) -> RunningTimer:
    """Start a timer and answer with the header's view of it (the page needs nothing more)."""
    entry, title = await _start(session, user=user, ref=ref)
    elapsed = max(0, int((utcnow() - entry.started_at).total_seconds()))
    return RunningTimer(
        task_id=entry.task_id, task_title=title, elapsed_seconds=elapsed, entry_id=entry.id
    )


@dataclass(frozen=True, slots=True)
class StoppedTimer:
    entry: TimeEntry
    task_title: str


@retry_on_conflict
async def stop_header_timer(session: AsyncSession, *, user: User) -> StoppedTimer:
    """Stop the user's timer: one read that also locks its task and entry, then one write
    (two on SQLite) of the entry and total.

    The title is the task's only while the user may still see it.
    """
    title = case((TaskScope.for_user(user).condition(), Task.title), else_=literal("the task"))
    stmt = (
        select(TimeEntry, title)
        .join(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
        # FOR NO KEY UPDATE OF tasks (as `_lock_tasks` takes it) and of the entry. An entry
        # stopped or deleted while this waited is re-checked against the WHERE and drops out.
        .with_for_update(of=[Task, TimeEntry], key_share=True)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise Conflict("No timer is running.", code="no_running_timer")
    entry, task_title = row
    return StoppedTimer(entry=await _finish(session, entry), task_title=task_title)


async def stop_timer(session: AsyncSession, *, user: User) -> TimeEntry:
    return (await stop_header_timer(session, user=user)).entry


@retry_on_conflict
async def stop_entry_at(
    session: AsyncSession, *, user: User, entry_id: int, ended_at: datetime | None = None
) -> TimeEntry:
    """Stop one of the user's running timers, by its entry, now or at `ended_at` (kept
    between its start and now). 404 for anyone else's entry, 409 if it is not running."""
    entry = await get_entry(session, user=user, entry_id=entry_id)
    await _lock_tasks(session, entry.task_id)
    locked = await _locked_entry(session, entry)
    if locked is None:
        raise _entry_gone()
    if locked.ended_at is not None:
        raise Conflict("That timer has already stopped.", code="no_running_timer")
    now = utcnow()
    at = now if ended_at is None else min(max(ended_at, locked.started_at), now)
    return await _finish(session, locked, at)


def _check_day(user: User, day: date) -> None:
    # "Today" is the user's local day, which east of UTC can already be tomorrow in UTC.
    if day > today_for(user):
        raise Invalid(
            "Time cannot be logged for a future day.",
            code="future_date",
            details=[{"field": "date", "message": "Must not be in the future."}],
        )


@retry_on_conflict
async def add_manual_entry(
    session: AsyncSession, *, user: User, ref: int | str, data: ManualEntryCreate
) -> TimeEntry:
    task_id = (await tasks.get_writable(session, user=user, ref=ref)).id
    day = data.date or today_for(user)
    _check_day(user, day)
    await _lock_tasks(session, task_id)
    # A manual entry starts at the user's local midnight, so it lands on that day in every
    # view that counts days in their zone.
    started = day_start(day, user_zone(user))
    entry = TimeEntry(
        task_id=task_id,
        user_id=user.id,
        started_at=started,
        ended_at=started + timedelta(minutes=data.minutes),
        minutes=data.minutes,
        note=data.note,
        source=EntrySource.manual.value,
    )
    session.add(entry)
    await session.flush()
    await _recompute_total(session, task_id)
    return entry


async def get_entry(session: AsyncSession, *, user: User, entry_id: int) -> TimeEntry:
    """One of the user's own entries; 404 for anyone else's."""
    entry = await session.get(TimeEntry, entry_id) if 0 < entry_id <= MAX_ROW_ID else None
    if entry is None or entry.user_id != user.id:
        raise _entry_gone()
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    user: User,
    date_from: date | None = None,
    date_to: date | None = None,
    task_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[TimeEntry], int, int | None]:
    """The user's entries in a date range (inclusive, days in their zone), newest first."""
    conditions = [TimeEntry.user_id == user.id]
    tz = user_zone(user)
    if date_from is not None:
        conditions.append(TimeEntry.started_at >= day_start(date_from, tz))
    if date_to is not None and date_to < date.max:  # the last day has no day after it
        conditions.append(TimeEntry.started_at < day_start(date_to + timedelta(days=1), tz))
    if task_id is not None:
        conditions.append(TimeEntry.task_id == task_id)
    limit = max(1, min(limit, MAX_ENTRY_PAGE))
    stmt = (
        select(TimeEntry)
        .where(*conditions)
        .order_by(TimeEntry.started_at.desc(), TimeEntry.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    rows = list((await session.execute(stmt)).scalars())
    total = (
        await session.execute(
            select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(*conditions)
        )
    ).scalar_one()
    next_offset = offset + limit if len(rows) > limit else None
    return rows[:limit], int(total), next_offset


@retry_on_conflict
async def update_entry(
    session: AsyncSession, *, user: User, entry_id: int, changes: EntryUpdate
) -> TimeEntry:
    entry = await get_entry(session, user=user, entry_id=entry_id)
    await _lock_tasks(session, entry.task_id)
    locked = await _locked_entry(session, entry)
    if locked is None:
        raise _entry_gone()
    entry = locked
    data = changes.model_dump(exclude_unset=True)
    if entry.ended_at is None and ("minutes" in data or "date" in data):
        raise Conflict("Stop the timer before changing its time.", code="timer_running")
    if "date" in data:
        _check_day(user, data["date"])
        length = entry.ended_at - entry.started_at if entry.ended_at else timedelta(0)
        entry.started_at = day_start(data["date"], user_zone(user))
        entry.ended_at = entry.started_at + length
    if "minutes" in data:
        entry.minutes = data["minutes"]
        entry.ended_at = entry.started_at + timedelta(minutes=data["minutes"])
    if "note" in data:
        entry.note = data["note"]
    await session.flush()
    await _recompute_total(session, entry.task_id)
    return entry


@retry_on_conflict
async def delete_entry(
    session: AsyncSession, *, user: User, entry_id: int, running_only: bool = False
) -> None:
    """Delete the user's entry; with `running_only`, only while it is still a running timer
    (checked under its row lock, so a timer stopped in the same instant is kept: 409)."""
    entry = await get_entry(session, user=user, entry_id=entry_id)
    await _lock_tasks(session, entry.task_id)
    locked = await _locked_entry(session, entry)
    if locked is None:
        raise _entry_gone()
    if running_only and locked.ended_at is not None:
        raise Conflict("That timer has already stopped.", code="no_running_timer")
    entry = locked
    await session.delete(entry)
    await session.flush()
    await _recompute_total(session, entry.task_id)


async def task_entries(
    session: AsyncSession, *, user: User, ref: int | str, limit: int = 100
) -> list[TimeEntry]:
    """Every entry on a task the user may see (all users' entries, newest first)."""
    task_id = (await tasks.get_task(session, user=user, ref=ref)).id
    stmt = (
        select(TimeEntry)
        .where(TimeEntry.task_id == task_id)
        .order_by(TimeEntry.started_at.desc(), TimeEntry.id.desc())
        .limit(max(1, min(limit, MAX_ENTRY_PAGE)))
    )
    return list((await session.execute(stmt)).scalars())
