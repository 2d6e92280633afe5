"""The one seam between invitations and projects: who may invite to which project, and the
join itself.

Until projects exist, only administrators invite, and an invitation joins no project.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.errors import Forbidden, NotFound
from sprintsync.users.models import User


async def check_may_invite(session: AsyncSession, *, actor: User, project_id: int | None) -> None:
    """Refuse unless `actor` may invite people (to `project_id`, when given)."""
    if project_id is not None:
        raise NotFound("Project not found.", code="project_not_found")
    if not actor.is_admin:
        raise Forbidden(
            "Only administrators and project leads can invite people.", code="invite_forbidden"
        )


async def managed_project_ids(session: AsyncSession, *, actor: User) -> set[int] | None:
    """Projects whose invitations `actor` sees and revokes; None means every one (admins)."""
    return None if actor.is_admin else set()


async def project_names(session: AsyncSession, project_ids: set[int]) -> dict[int, str]:
    """Names of the given projects, for showing where an invitation leads."""
    return {}


async def join_project(
    session: AsyncSession, *, inviter: User | None, project_id: int | None, user: User, role: str
) -> None:
    """Make the newly signed-up `user` a member of the invitation's project."""
    return None


async def invitable_projects(session: AsyncSession, *, actor: User) -> list[tuple[int, str]]:
    """(id, name) of the projects `actor` may invite people to, for the form's choices."""
    return []
