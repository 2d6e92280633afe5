"""Plain factory functions for arranging rows, and helpers for authenticating requests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import Base, utcnow
from sprintsync.security.passwords import hash_password_sync
from sprintsync.security.tokens import create_access_token
from sprintsync.tasks.models import Task, TaskStatusChange
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User
from sprintsync.web.csrf import csrf_token_for

PASSWORD = "correct-horse-battery"
_HASH = hash_password_sync(PASSWORD, password_hash_fast=True)
_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


async def make_user(session: AsyncSession, **overrides: Any) -> User:
    n = _next()
    fields: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "display_name": f"User {n}",
        "password_hash": _HASH,
        "is_admin": False,
        "is_active": True,
        "token_version": 0,
    }
    fields.update(overrides)
    user = User(**fields)
    session.add(user)
    await session.commit()
    return user


async def make_task(session: AsyncSession, owner: User, **overrides: Any) -> Task:
    now = utcnow()
    fields: dict[str, Any] = {
        "title": f"Task {_next()}",
        "description": "",
        "status": "todo",
        "priority": 1,
        "owner_id": owner.id,
        "assignee_id": owner.id,
        "total_minutes": 0,
        "created_at": now,
        "updated_at": now,
        "status_changed_at": now,
    }
    fields.update(overrides)
    task = Task(**fields)
    session.add(task)
    await session.flush()
    session.add(
        TaskStatusChange(
            task_id=task.id,
            from_status=None,
            to_status=task.status,
            changed_by_id=owner.id,
            changed_at=now,
        )
    )
    await session.commit()
    return task


async def make_entry(session: AsyncSession, task: Task, user: User, **overrides: Any) -> TimeEntry:
    now = utcnow()
    fields: dict[str, Any] = {
        "task_id": task.id,
        "user_id": user.id,
        "started_at": now,
        "ended_at": now,
        "minutes": 30,
        "note": "",
        "source": "manual",
    }
    fields.update(overrides)
    entry = TimeEntry(**fields)
    session.add(entry)
    await session.commit()
    return entry


def token_for(user: User, secret: str, *, expires_minutes: int = 24 * 60) -> str:
    """A fresh session's token (the default lifetime), so using it does not renew it."""
    return create_access_token(
        user_id=user.id,
        version=user.token_version,
        secret=secret,
        expires_minutes=expires_minutes,
    )


def bearer(user: User, secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, secret)}"}


def cookie_auth(client: Any, user: User, secret: str, cookie_name: str) -> dict[str, str]:
    """Authenticate `client` by cookie; returns the CSRF header unsafe requests need."""
    token = token_for(user, secret)
    client.cookies.set(cookie_name, token)
    return {"X-CSRF-Token": csrf_token_for(token, secret=secret)}


def today() -> date:
    return utcnow().date()


async def db_snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to assert that a refused request changed nothing."""
    # Ending the session's transaction first makes it read what other sessions committed.
    await session.commit()
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        rows = await session.execute(select(table))
        snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    await session.commit()
    return snapshot


async def make_running_timer(
    session: AsyncSession, task: Task, user: User, *, minutes_ago: float = 0, **overrides: Any
) -> TimeEntry:
    """A timer entry still running, started `minutes_ago` minutes ago."""
    fields: dict[str, Any] = {
        "source": "timer",
        "minutes": 0,
        "ended_at": None,
        "started_at": utcnow() - timedelta(minutes=minutes_ago),
    }
    fields.update(overrides)
    return await make_entry(session, task, user, **fields)
