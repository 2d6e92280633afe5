"""The assignee choices a page offers; every rule about users stays in `users.service`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.users import service as users
from sprintsync.users.models import User

# The assignee drop-down lists at most this many people (admins; larger teams use search).
MAX_CHOICES = 200


async def assignee_choices(
    session: AsyncSession, user: User, *, include_inactive: bool = False
) -> list[User]:
    """Whom `user` may assign or filter by: admins anyone (active, unless filtering), others
    only themselves."""
    if not user.is_admin:
        return [user]
    people, _total = await users.list_users(session, q=None, limit=MAX_CHOICES, offset=0)
    return [p for p in people if p.is_active or include_inactive]
