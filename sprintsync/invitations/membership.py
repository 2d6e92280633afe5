"""The one seam between invitations and projects: who may invite to which project, and the
join itself. Admins invite to any project (or none); leads only to the projects they lead.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.errors import Forbidden
from sprintsync.projects import service as projects
from sprintsync.projects.models import Role
from sprintsync.users.models import User


async def check_may_invite(session: AsyncSession, *, actor: User, project_id: int | None) -> None:
    """Refuse unless `actor` may invite people (to `project_id`, when given): 404 for a
    project they cannot see, 403 unless they lead it or are an admin."""
    if project_id is not None:
        view = await projects.get_project(session, user=actor, ref=project_id)
        if view.can_manage and not view.project.archived:
            return
    if not actor.is_admin or project_id is not None:
        raise Forbidden(
            "Only administrators and project leads can invite people.", code="invite_forbidden"
        )


async def managed_project_ids(session: AsyncSession, *, actor: User) -> set[int] | None:
    """Projects whose invitations `actor` sees and revokes; None means every one (admins)."""
    if actor.is_admin:
        return None
    views = await projects.list_projects(session, user=actor, include_archived=True)
    return {v.project.id for v in views if v.role == Role.lead}


async def project_names(session: AsyncSession, project_ids: set[int]) -> dict[int, str]:
    """Names of the given projects, for showing where an invitation leads."""
    return await projects.names_of(session, project_ids)


async def join_project(
    session: AsyncSession, *, inviter: User | None, project_id: int | None, user: User, role: str
) -> None:
    """Make the newly signed-up `user` a member of the invitation's project (the invitation
    was checked when it was made; a project since deleted is skipped)."""
    if project_id is None:
        return
    member_role = Role.lead if role == Role.lead.value else Role.member
    await projects.ensure_member(session, project_id=project_id, user_id=user.id, role=member_role)


async def invitable_projects(session: AsyncSession, *, actor: User) -> list[tuple[int, str]]:
    """(id, name) of the projects `actor` may invite people to, for the form's choices."""
    views = await projects.list_projects(session, user=actor)
    return [(v.project.id, v.project.name) for v in views if v.can_manage]
