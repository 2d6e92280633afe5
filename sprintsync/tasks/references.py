"""What the `@handles` and task keys in a task's text point at, for one reader.

A task key (`API-41`) links to its task only if the reader may see that task (the tasks
domain's one visibility rule, `TaskScope`), so a key never reveals a task outside the
reader's projects; all of a text's keys are looked up in one query.

A handle is the local part of a person's email (`@grace` for grace@example.com). It names
someone only if that person is active and may see the task (asked of `service.get_task`, the
one visibility rule), so a mention can never reach, or reveal, someone outside the task.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.errors import NotFound
from sprintsync.tasks import service
from sprintsync.tasks.models import Task
from sprintsync.tasks.scope import TaskScope
from sprintsync.users.models import User
from sprintsync.web.markdown import Links, find_references

# Mentions looked up per text; more than this many different handles are left as text.
MAX_HANDLES = 20
# Task keys looked up per text (or per page of comments); more are left as text.
MAX_KEYS = 100


def handle_of(user: User) -> str:
    return user.email.split("@", 1)[0].lower()


def person_url(user_id: int) -> str:
    """Where a mention links: the tasks assigned to that person."""
    return f"/tasks?assignee={user_id}"


def task_url(key: str) -> str:
    """Where a task key links: the task's page."""
    return f"/tasks/{key}"


async def task_links(session: AsyncSession, *, user: User, keys: Iterable[str]) -> dict[str, str]:
    """Task key -> URL for the keys naming tasks `user` may see, in one query (none if
    there are no keys)."""
    wanted = sorted(set(keys))[:MAX_KEYS]
    if not wanted:
        return {}
    stmt = select(Task.key).where(Task.key.in_(wanted), TaskScope.for_user(user).condition())
    return {key: task_url(key) for key in (await session.execute(stmt)).scalars()}


async def can_see(session: AsyncSession, *, user: User, task_id: int) -> bool:
    try:
        await service.get_task(session, user=user, ref=task_id)
    except NotFound:
        return False
    return True


async def people_by_handle(
    session: AsyncSession, *, task_id: int, handles: Iterable[str]
) -> dict[str, User]:
    """Active people with these handles who may see the task, by (lower-cased) handle."""
    wanted = sorted({h.lower() for h in handles})[:MAX_HANDLES]
    if not wanted:
        return {}
    escaped = [h.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for h in wanted]
    stmt = select(User).where(
        User.is_active.is_(True),
        or_(*(func.lower(User.email).like(f"{h}@%", escape="\\") for h in escaped)),
    )
    found: dict[str, User] = {}
    ambiguous: set[str] = set()
    for person in (await session.execute(stmt)).scalars():
        handle = handle_of(person)
        if handle in found:
            ambiguous.add(handle)  # two people share it: naming either would be a guess
        found[handle] = person
    for handle in ambiguous:
        del found[handle]
    return {
        handle: person
        for handle, person in found.items()
        if await can_see(session, user=person, task_id=task_id)
    }


async def links_for(
    session: AsyncSession, *, user: User, task_id: int, texts: Iterable[str]
) -> Links:
    """Links for the references in `texts` written on one task, as `user` reads them: task
    keys of tasks `user` may see, and handles of people who may see this task."""
    keys: set[str] = set()
    handles: set[str] = set()
    for text in texts:
        found_keys, found_handles = find_references(text)
        keys |= found_keys
        handles |= found_handles
    people = await people_by_handle(session, task_id=task_id, handles=handles)
    return Links(
        tasks=await task_links(session, user=user, keys=keys),
        people={h: person_url(p.id) for h, p in people.items()},
    )
