"""Who is told what, and reading it back: notify, list, unread count, mark read, switches.

A person is never notified of their own action, and hears of a task only while the tasks
service lets them see it: the list and the count join through `TaskScope` (tasks/scope.py),
so a notification about a task someone can no longer see quietly drops out of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import utcnow
from sprintsync.errors import NotFound
from sprintsync.notifications.channels import CHANNELS
from sprintsync.notifications.kinds import ChannelName, Kind
from sprintsync.notifications.models import Notification, NotificationSetting
from sprintsync.tasks import events
from sprintsync.tasks.models import Task
from sprintsync.tasks.scope import TaskScope
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID
from sprintsync.web.layout import LayoutPart

MAX_PAGE = 50
# The header shows "99+" beyond this, so counting stops there (bounded work per page).
UNREAD_CAP = 100


@dataclass(frozen=True, slots=True)
class NotificationItem:
    """A notification with what its line needs: the task's title and the actor's name."""

    id: int
    kind: Kind
    task_id: int
    task_title: str
    actor_id: int | None
    actor_name: str | None
    comment_id: int | None
    detail: str | None
    created_at: datetime
    read_at: datetime | None


# --- sending -------------------------------------------------------------------------------


async def _switched_off(
    session: AsyncSession, user_ids: set[int], kind: Kind, channel: ChannelName
) -> set[int]:
    if not user_ids:
        return set()
    stmt = select(NotificationSetting.user_id).where(
        NotificationSetting.user_id.in_(user_ids),
        NotificationSetting.kind == kind.value,
        NotificationSetting.channel == channel.value,
        NotificationSetting.enabled.is_(False),
    )
    return set((await session.execute(stmt)).scalars())


async def notify(
    session: AsyncSession,
    *,
    recipients: Iterable[int],
    kind: Kind,
    task_id: int,
    actor: User,
    comment_id: int | None = None,
    detail: str | None = None,
) -> list[Notification]:
    """Tell each recipient (except the actor, and those who switched `kind` off)."""
    wanted = {r for r in recipients if r is not None and r != actor.id}
    wanted -= await _switched_off(session, wanted, kind, ChannelName.in_app)
    now = utcnow()
    sent = [
        Notification(
            user_id=user_id,
            kind=kind.value,
            task_id=task_id,
            actor_id=actor.id,
            comment_id=comment_id,
            detail=detail,
            created_at=now,
        )
        for user_id in sorted(wanted)
    ]
    session.add_all(sent)
    await session.flush()
    for notification in sent:
        for channel in CHANNELS:
            await channel.deliver(session, notification)
    return sent


async def on_task_event(session: AsyncSession, event: events.TaskEvent) -> None:
    """Assignments tell the new assignee; a move by someone else tells owner and assignee;
    opening a task reads the reader's notifications about it."""
    if isinstance(event, events.TaskOpened):
        await read_task(session, user=event.reader, task_id=event.task_id)
        return
    task = event.task
    if isinstance(event, events.TaskAssigned):
        await notify(
            session,
            recipients=[task.assignee_id] if task.assignee_id is not None else [],
            kind=Kind.assigned,
            task_id=task.id,
            actor=event.actor,
        )
    else:
        await notify(
            session,
            recipients=[i for i in (task.owner_id, task.assignee_id) if i is not None],
            kind=Kind.moved,
            task_id=task.id,
            actor=event.actor,
            detail=event.to_status,
        )


def listen_to_tasks() -> None:
    """Subscribe to task events; called once when the app (or the CLI) is assembled."""
    events.subscribe(on_task_event)
    events.on_open(_unread_about)


def _unread_about(user: User, task_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Whether the user has unread notifications about the task (opening it reads them)."""
    return exists().where(
        Notification.user_id == user.id,
        Notification.task_id == task_id,
        Notification.read_at.is_(None),
    )


# --- reading -------------------------------------------------------------------------------


def _visible(user: User) -> tuple[ColumnElement[bool], ...]:
    """Join conditions: the notification is the user's and its task is one they may see."""
    return (Notification.user_id == user.id, TaskScope.for_user(user).condition())


async def list_notifications(
    session: AsyncSession,
    *,
    user: User,
    unread_only: bool = False,
    limit: int = MAX_PAGE,
    before_id: int | None = None,
) -> tuple[list[NotificationItem], int | None]:
    """One page, newest first (keyset on id); the id to pass as `before_id` for the next."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = (
        select(Notification, Task.title, User.display_name)
        .join(Task, Task.id == Notification.task_id)
        .outerjoin(User, User.id == Notification.actor_id)
        .where(*_visible(user))
        .order_by(Notification.id.desc())
        .limit(limit + 1)
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    rows = (await session.execute(stmt)).all()
    items = [
        NotificationItem(
            id=n.id,
            kind=Kind(n.kind),
            task_id=n.task_id,
            task_title=title,
            actor_id=n.actor_id,
            actor_name=actor_name,
            comment_id=n.comment_id,
            detail=n.detail,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n, title, actor_name in rows[:limit]
    ]
    return items, (items[-1].id if len(rows) > limit else None)


def _unread_count_query(user: User) -> Select[int]:
    """Unread notifications, counted up to `UNREAD_CAP` (through the partial index)."""
    unread = (
        select(Notification.id)
        .join(Task, Task.id == Notification.task_id)
        .where(*_visible(user), Notification.read_at.is_(None))
        .limit(UNREAD_CAP)
        .subquery()
    )
    return select(func.count()).select_from(unread)


async def unread_count(session: AsyncSession, *, user: User) -> int:
    """Unread notifications, counted up to `UNREAD_CAP` (through the partial index)."""
    return (await session.execute(_unread_count_query(user))).scalar_one()


async def _mark_read(
    session: AsyncSession, *, user: User, notification_id: int
) -> tuple[Notification, str]:
    """Mark one of the user's notifications read, with its task's key; 404 for anyone else's."""
    row = None
    if 0 < notification_id <= MAX_ROW_ID:
        stmt = (
            select(Notification, Task.key)
            .join(Task, Task.id == Notification.task_id)
            .where(Notification.id == notification_id, *_visible(user))
        )
        row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise NotFound("Notification not found.", code="notification_not_found")
    found, key = row
    if found.read_at is None:
        found.read_at = utcnow()
        await session.flush()
    return found, key


async def mark_read(session: AsyncSession, *, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; 404 for anyone else's."""
    return (await _mark_read(session, user=user, notification_id=notification_id))[0]


async def mark_all_read(session: AsyncSession, *, user: User) -> int:
    """Mark every unread notification of the user read; how many there were."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def open_notification(session: AsyncSession, *, user: User, notification_id: int) -> str:
    """Open one of the user's notifications: it, and every other unread one about the same
    task, is read now (the person is about to see the task). The task's key; 404 otherwise."""
    found, key = await _mark_read(session, user=user, notification_id=notification_id)
    await session.execute(
        update(Notification)
        .where(
            and_(
                Notification.user_id == user.id,
                Notification.task_id == found.task_id,
                Notification.read_at.is_(None),
            )
        )
        .values(read_at=found.read_at)
        .execution_options(synchronize_session=False)
    )
    return key


async def read_task(session: AsyncSession, *, user: User, task_id: int) -> int:
    """Mark the user's unread notifications about one task read (they are looking at it), in
    one statement through the unread partial index; how many there were."""
    result = await session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.task_id == task_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# The header's unread count, as the app hands it to the layout (see web.layout).
UNREAD_BADGE = LayoutPart(
    columns=lambda user: [_unread_count_query(user).scalar_subquery().label("unread")],
    values=lambda row: {"unread": row.unread},
)


# --- switches ------------------------------------------------------------------------------


async def get_settings(session: AsyncSession, *, user: User) -> dict[Kind, bool]:
    """The user's in-app switch for every kind (on unless turned off)."""
    stmt = select(NotificationSetting.kind, NotificationSetting.enabled).where(
        NotificationSetting.user_id == user.id,
        NotificationSetting.channel == ChannelName.in_app.value,
    )
    stored = {Kind(kind): enabled for kind, enabled in (await session.execute(stmt)).all()}
    return {kind: stored.get(kind, True) for kind in Kind}


async def update_settings(
    session: AsyncSession, *, user: User, changes: dict[Kind, bool]
) -> dict[Kind, bool]:
    """Set the user's in-app switches for the given kinds; the others stay as they are."""
    for kind, enabled in changes.items():
        await _set_switch(session, user=user, kind=kind, enabled=enabled)
    return await get_settings(session, user=user)


async def _set_switch(session: AsyncSession, *, user: User, kind: Kind, enabled: bool) -> None:
    key = (user.id, kind.value, ChannelName.in_app.value)
    setting = await session.get(NotificationSetting, key)
    if setting is None:
        try:
            # Two tabs saving at once both find no row: the second insert loses the race
            # inside its savepoint and updates the row the first one wrote.
            async with session.begin_nested():
                session.add(
                    NotificationSetting(
                        user_id=user.id,
                        kind=kind.value,
                        channel=ChannelName.in_app.value,
                        enabled=enabled,
                    )
                )
            return
        except IntegrityError:
            setting = await session.get(NotificationSetting, key, populate_existing=True)
            if setting is None:
                raise
    setting.enabled = enabled
    await session.flush()


@dataclass(frozen=True, slots=True)
class Inbox:
    """The notifications page: one page of the list, the unread count and the switches."""

    items: list[NotificationItem]
    next_before: int | None
    unread: int
    settings: dict[Kind, bool]


async def inbox(
    session: AsyncSession, *, user: User, unread_only: bool = False, before_id: int | None = None
) -> Inbox:
    items, next_before = await list_notifications(
        session, user=user, unread_only=unread_only, before_id=before_id, limit=20
    )
    return Inbox(
        items=items,
        next_before=next_before,
        unread=await unread_count(session, user=user),
        settings=await get_settings(session, user=user),
    )
