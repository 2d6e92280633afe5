"""Plain factory functions for arranging rows, and helpers for authenticating requests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import Base, utcnow
from sprintsync.projects.models import Project, ProjectMember
from sprintsync.security.passwords import hash_password_sync
from sprintsync.security.tokens import create_access_token
from sprintsync.tasks.models import Task, TaskStatusChange
from sprintsync.tasks.priority import Priority
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User
from sprintsync.web.csrf import csrf_token_for

PASSWORD = "correct-horse-battery"
_HASH = hash_password_sync(PASSWORD, password_hash_fast=True)
_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def _letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA: project keys are letters only."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def home_key(user: User) -> str:
    return f"HQ{_letters(user.id)}"


async def make_project(
    session: AsyncSession,
    *,
    members: tuple[User, ...] = (),
    leads: tuple[User, ...] = (),
    **overrides: Any,
) -> Project:
    n = _next()
    fields: dict[str, Any] = {
        "key": f"P{_letters(n)}",
        "name": f"Project {n}",
        "description": "",
        "archived": False,
        "task_counter": 0,
        "created_at": utcnow(),
    }
    fields.update(overrides)
    project = Project(**fields)
    session.add(project)
    await session.flush()
    for user in members:
        session.add(ProjectMember(project_id=project.id, user_id=user.id, role="member"))
    for user in leads:
        session.add(ProjectMember(project_id=project.id, user_id=user.id, role="lead"))
    await session.commit()
    return project


async def add_member(
    session: AsyncSession, project: Project, user: User, role: str = "member"
) -> None:
    session.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
    await session.commit()


async def _ensure_member(session: AsyncSession, project: Project, user_id: int) -> None:
    if await session.get(ProjectMember, (project.id, user_id)) is None:
        session.add(ProjectMember(project_id=project.id, user_id=user_id, role="member"))


async def home_project(session: AsyncSession, user: User) -> Project:
    """The project of one's own made by `make_user` (so tests that predate projects keep
    their meaning: a task is seen by its owner and assignee, who are its members)."""
    stmt = select(Project).where(Project.key == home_key(user))
    return (await session.execute(stmt)).scalar_one()


async def make_user(session: AsyncSession, *, home: bool = True, **overrides: Any) -> User:
    """A user; with `home`, also a project of their own (key HQ…) where their tasks go."""
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
    if home:
        await make_project(
            session, members=(user,), key=home_key(user), name=f"{user.display_name}'s work"
        )
    return user


async def make_task(
    session: AsyncSession, owner: User, *, project: Project | None = None, **overrides: Any
) -> Task:
    """A task; without `project` it goes to the owner's home project, which its owner and
    assignee then belong to."""
    now = utcnow()
    if project is None:
        project = await home_project(session, owner)
        await _ensure_member(session, project, owner.id)
        if overrides.get("assignee_id") is not None:
            await _ensure_member(session, project, overrides["assignee_id"])
    project.task_counter += 1
    fields: dict[str, Any] = {
        "project_id": project.id,
        "number": project.task_counter,
        "key": f"{project.key}-{project.task_counter}",
        "title": f"Task {_next()}",
        "description": "",
        "status": "todo",
        "priority": Priority.medium,
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
