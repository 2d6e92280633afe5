"""The one seam between invitations and projects: who may invite to which project, and the
join itself, both through `projects.service`.

Admins invite to any project or to none; a project's leads invite to it. The join re-checks,
as the inviter, that they still may add people, so a lead who stepped down since cannot.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.errors import AppError, Conflict, Forbidden
from sprintsync.projects import service as projects
from sprintsync.projects.models import Role
from sprintsync.users.models import User


async def check_may_invite(session: AsyncSession, *, actor: User, project_id: int | None) -> None:
    """Refuse unless `actor` may invite people (to `project_id`, when given): 404 for a
    project they cannot see, 403 unless they lead it or are an admin, 409 if archived."""
    if project_id is None:
        if not actor.is_admin:
            raise Forbidden(
                "Only administrators and project leads can invite people; leads choose one "
                "of their projects.",
                code="invite_forbidden",
            )
        return
    view = await projects.get_project(session, user=actor, ref=project_id)
    if not view.can_manage:
        raise Forbidden(
            "Only the project's leads and administrators can invite people to it.",
            code="invite_forbidden",
        )
    if view.project.archived:
        raise Conflict(
            f"Project {view.project.key} is archived; restore it before inviting people.",
            code="project_archived",
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


async def invitable_projects(session: AsyncSession, *, actor: User) -> list[tuple[int, str]]:
    """(id, name) of the projects `actor` may invite people to, for the form's choices."""
    views = await projects.list_projects(session, user=actor)
    return [(v.project.id, v.project.name) for v in views if v.can_manage]


async def join_project(
    session: AsyncSession, *, inviter: User | None, project_id: int | None, user: User, role: str
) -> None:
    """Make the newly signed-up `user` a member of the invitation's project, as its inviter
    (who must still lead it, or be an admin)."""
    if project_id is None:
        return
    if await projects.member_role(session, project_id=project_id, user_id=user.id) is not None:
        return  # already joined, e.g. a project every new account joins
    member_role = Role.lead if role == Role.lead.value else Role.member
    try:
        if inviter is None:
            raise Forbidden()
        await projects.add_member(
            session, actor=inviter, project_id=project_id, user_id=user.id, role=member_role
        )
    except AppError as exc:
        raise Conflict(
            "This invitation can no longer be used: its project or its sender changed. Ask "
            "for a new one.",
            code="invitation_stale",
        ) from exc
