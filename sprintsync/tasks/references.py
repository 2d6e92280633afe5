"""What the `@handles` and task keys in a task's text point at, for one reader.

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
from sprintsync.users.models import User
from sprintsync.web.markdown import Links, find_references

# Mentions looked up per text; more than this many different handles are left as text.
MAX_HANDLES = 20


def handle_of(user: User) -> str:
    return user.email.split("@", 1)[0].lower()


def person_url(user_id: int) -> str:
    """Where a mention links: the tasks assigned to that person."""
    return f"/tasks?assignee={user_id}"


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


async def links_for(session: AsyncSession, *, task_id: int, texts: Iterable[str]) -> Links:
    """Links for the references in `texts` written on one task.

    Task keys resolve once projects give tasks keys; until then only mentions link.
    """
    handles: set[str] = set()
    for text in texts:
        handles |= find_references(text)[1]
    people = await people_by_handle(session, task_id=task_id, handles=handles)
    return Links(people={h: person_url(p.id) for h, p in people.items()})
