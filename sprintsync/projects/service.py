"""Project rules: who sees and manages a project, its members, and its task-key sequence.

Who may see a *task* is decided in `tasks/scope.py` from the memberships kept here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from sprintsync.db import utcnow
from sprintsync.errors import Conflict, Forbidden, Invalid, NotFound
from sprintsync.projects.models import Project, ProjectMember, Role
from sprintsync.projects.schemas import MemberRead, ProjectCreate, ProjectUpdate
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID, parse_row_id

_KEY = re.compile(r"[A-Za-z]{2,10}")

# Called as hook(session, project_id=…, user_id=…) when a member leaves a project; returns how
# many of their open tasks it unassigned. The tasks domain registers itself at start-up
# (app.py): projects sit below tasks and never import them.
MemberRemovedHook = Callable[..., Awaitable[int]]
_member_removed_hooks: dict[str, MemberRemovedHook] = {}


def on_member_removed(name: str, hook: MemberRemovedHook) -> None:
    """Register (or replace, by name) what else must happen when someone leaves a project."""
    _member_removed_hooks[name] = hook


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project as one user sees it: their role in it and what they may do."""

    project: Project
    role: Role | None
    can_manage: bool


def _not_found() -> NotFound:
    return NotFound("Project not found.", code="project_not_found")


def _view(user: User, project: Project, role: str | None) -> ProjectView:
    member_role = Role(role) if role is not None else None
    return ProjectView(
        project=project,
        role=member_role,
        can_manage=user.is_admin or member_role == Role.lead,
    )


def _ref_condition(ref: str | int) -> object | None:
    """The WHERE for a project id (42) or key (API); None when `ref` can name no project."""
    text = str(ref).strip()
    if text.isdigit():
        number = parse_row_id(text)
        return None if number is None else Project.id == number
    if _KEY.fullmatch(text):
        return Project.key == text.upper()
    return None


async def get_project(session: AsyncSession, *, user: User, ref: str | int) -> ProjectView:
    """A project by id or key; 404 for anyone who is neither a member nor an admin."""
    condition = _ref_condition(ref)
    if condition is None:
        raise _not_found()
    stmt = (
        select(Project, ProjectMember.role)
        .outerjoin(
            ProjectMember,
            and_(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id),
        )
        .where(condition)  # type: ignore[arg-type]
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None or (row.role is None and not user.is_admin):
        raise _not_found()
    return _view(user, row.Project, row.role)


async def _managed(session: AsyncSession, *, actor: User, ref: str | int) -> ProjectView:
    view = await get_project(session, user=actor, ref=ref)
    if not view.can_manage:
        raise Forbidden(
            "Only the project's leads and administrators can do that.", code="lead_required"
        )
    return view


def _check_active(project: Project) -> None:
    if project.archived:
        raise Conflict(
            f"Project {project.key} is archived and read-only; restore it first.",
            code="project_archived",
        )


async def list_projects(
    session: AsyncSession, *, user: User, include_archived: bool = False
) -> list[ProjectView]:
    """The user's projects by name (admins: every project), archived ones only on request."""
    stmt = select(Project, ProjectMember.role).outerjoin(
        ProjectMember,
        and_(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id),
    )
    if not user.is_admin:
        stmt = stmt.where(ProjectMember.user_id.is_not(None))
    if not include_archived:
        stmt = stmt.where(Project.archived.is_(False))
    rows = await session.execute(stmt.order_by(func.lower(Project.name), Project.id))
    return [_view(user, row.Project, row.role) for row in rows]


async def create_project(session: AsyncSession, *, actor: User, data: ProjectCreate) -> ProjectView:
    """A new project (administrators only), with its creator as its first lead."""
    if not actor.is_admin:
        raise Forbidden("Only administrators can create projects.", code="admin_required")
    taken = await session.execute(select(Project.id).where(Project.key == data.key))
    if taken.first() is not None:
        raise _key_taken(data.key)
    project = Project(
        key=data.key,
        name=data.name,
        description=data.description,
        archived=False,
        task_counter=0,
        created_at=utcnow(),
    )
    session.add(project)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent create with the same key won the race
        raise _key_taken(data.key) from exc
    session.add(
        ProjectMember(
            project_id=project.id, user_id=actor.id, role=Role.lead.value, created_at=utcnow()
        )
    )
    await session.flush()
    return ProjectView(project=project, role=Role.lead, can_manage=True)


def _key_taken(key: str) -> Conflict:
    return Conflict(
        f"The key {key} is already used by another project.",
        code="project_key_taken",
        details=[{"field": "key", "message": "Already used by another project."}],
    )


async def update_project(
    session: AsyncSession, *, actor: User, ref: str | int, changes: ProjectUpdate
) -> ProjectView:
    """Rename, describe, archive or restore (leads and admins); archived means read-only."""
    view = await _managed(session, actor=actor, ref=ref)
    project = view.project
    data = changes.model_dump(exclude_unset=True)
    if project.archived and data.get("archived") is not False and data:
        _check_active(project)
    for name, value in data.items():
        setattr(project, name, value)
    await session.flush()
    return view


# --- members -------------------------------------------------------------------------------


def _member_read(user: User, role: str, joined_at: datetime) -> MemberRead:
    return MemberRead(
        user_id=user.id,
        display_name=user.display_name,
        email=user.email,
        is_active=user.is_active,
        role=Role(role),
        joined_at=joined_at,
    )


def _members_stmt(project_id: int) -> Select[User, str, datetime]:
    return (
        select(User, ProjectMember.role, ProjectMember.created_at)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project_id)
    )


async def list_members(session: AsyncSession, *, user: User, ref: str | int) -> list[MemberRead]:
    """Everyone in a project the user may see, leads first, then by name."""
    view = await get_project(session, user=user, ref=ref)
    stmt = _members_stmt(view.project.id).order_by(
        ProjectMember.role != Role.lead.value, func.lower(User.display_name), User.id
    )
    return [_member_read(r.User, r.role, r.created_at) for r in await session.execute(stmt)]


async def _member(session: AsyncSession, *, project_id: int, user_id: int) -> MemberRead:
    stmt = _members_stmt(project_id).where(ProjectMember.user_id == user_id)
    row = (await session.execute(stmt)).one()
    return _member_read(row.User, row.role, row.created_at)


@dataclass(frozen=True, slots=True)
class PersonInProject:
    is_active: bool
    role: Role | None  # None: not a member


async def person_in_project(
    session: AsyncSession, *, project_id: int, user_id: int
) -> PersonInProject | None:
    """Whether a user exists, is active, and their role in the project; None if no user."""
    if not 0 < user_id <= MAX_ROW_ID:
        return None
    stmt = (
        select(User.is_active, ProjectMember.role)
        .outerjoin(
            ProjectMember,
            and_(ProjectMember.user_id == User.id, ProjectMember.project_id == project_id),
        )
        .where(User.id == user_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    return PersonInProject(row.is_active, Role(row.role) if row.role is not None else None)


async def active_members(session: AsyncSession, *, project_id: int) -> list[User]:
    """The project's active members by name: whom its tasks may be assigned to."""
    stmt = (
        select(User)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project_id, User.is_active.is_(True))
        .order_by(func.lower(User.display_name), User.id)
    )
    return list((await session.execute(stmt)).scalars())


def with_members() -> _AbstractLoad:
    """Loader option: a project's members with their accounts, in the same statement."""
    return joinedload(Project.members).joinedload(ProjectMember.user)


def colleagues_statement(user: User, limit: int = 200) -> Select[User]:
    """Everyone who shares a project with `user` (admins: everyone), by name: the people a
    task list can be filtered by."""
    stmt = select(User)
    if not user.is_admin:
        mine = select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
        shared = select(ProjectMember.user_id).where(ProjectMember.project_id.in_(mine))
        stmt = stmt.where(User.id.in_(shared))
    return stmt.order_by(func.lower(User.display_name), User.id).limit(limit)


async def names_of(session: AsyncSession, project_ids: set[int]) -> dict[int, str]:
    """Project names by id, in one lookup."""
    if not project_ids:
        return {}
    rows = await session.execute(
        select(Project.id, Project.name).where(Project.id.in_(project_ids))
    )
    return {row.id: row.name for row in rows}


async def ensure_member(
    session: AsyncSession, *, project_id: int, user_id: int, role: Role = Role.member
) -> bool:
    """Make a user a member without a permission check (demo seed, sign-up); True if added."""
    if await session.get(ProjectMember, (project_id, user_id)) is not None:
        return False
    if await session.get(Project, project_id) is None:
        return False
    session.add(
        ProjectMember(project_id=project_id, user_id=user_id, role=role.value, created_at=utcnow())
    )
    await session.flush()
    return True


async def member_role(session: AsyncSession, *, project_id: int, user_id: int) -> Role | None:
    stmt = select(ProjectMember.role).where(
        ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
    )
    role = (await session.execute(stmt)).scalar_one_or_none()
    return Role(role) if role is not None else None


async def add_member(
    session: AsyncSession,
    *,
    actor: User,
    project_id: int | str,
    user_id: int,
    role: Role = Role.member,
) -> MemberRead:
    """Add a user to a project (by id or key) as `actor`, who must lead it or be an admin;
    409 if they are in it already, 422 for an unknown or deactivated user."""
    view = await _managed(session, actor=actor, ref=project_id)
    _check_active(view.project)
    project_id = view.project.id
    person = await session.get(User, user_id) if 0 < user_id <= MAX_ROW_ID else None
    if person is None or not person.is_active:
        raise Invalid(
            "That person does not exist or is deactivated.",
            code="invalid_user",
            details=[{"field": "user_id", "message": "Unknown or inactive user."}],
        )
    if await member_role(session, project_id=project_id, user_id=user_id) is not None:
        raise Conflict(
            f"{person.display_name} is already a member of {view.project.key}.",
            code="already_member",
        )
    member = ProjectMember(
        project_id=project_id, user_id=user_id, role=role.value, created_at=utcnow()
    )
    session.add(member)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # added by someone else at the same moment
        raise Conflict(
            f"{person.display_name} is already a member of {view.project.key}.",
            code="already_member",
        ) from exc
    return await _member(session, project_id=project_id, user_id=user_id)


async def add_member_by_email(
    session: AsyncSession,
    *,
    actor: User,
    project_id: int | str,
    email: str,
    role: Role = Role.member,
) -> MemberRead:
    """`add_member` for a person named by their email (the members page)."""
    stmt = select(User.id).where(func.lower(User.email) == email.strip().lower())
    user_id = (await session.execute(stmt)).scalar_one_or_none()
    if user_id is None:
        await _managed(session, actor=actor, ref=project_id)  # outsiders learn nothing
        raise Invalid(
            "Nobody has an account with that email; invite them first.",
            code="invalid_user",
            details=[{"field": "email", "message": "No account with that email."}],
        )
    return await add_member(session, actor=actor, project_id=project_id, user_id=user_id, role=role)


async def _membership(session: AsyncSession, *, project: Project, user_id: int) -> ProjectMember:
    member = (
        await session.get(ProjectMember, (project.id, user_id))
        if 0 < user_id <= MAX_ROW_ID
        else None
    )
    if member is None:
        raise NotFound("That person is not a member of this project.", code="member_not_found")
    return member


async def change_role(
    session: AsyncSession, *, actor: User, project_id: int | str, user_id: int, role: Role
) -> MemberRead:
    """Make a member a lead or a lead a member (leads and admins)."""
    view = await _managed(session, actor=actor, ref=project_id)
    _check_active(view.project)
    member = await _membership(session, project=view.project, user_id=user_id)
    member.role = role.value
    await session.flush()
    return await _member(session, project_id=view.project.id, user_id=user_id)


async def remove_member(
    session: AsyncSession, *, actor: User, project_id: int | str, user_id: int
) -> int:
    """Take someone out of a project (leads and admins). Their time entries stay; their open
    tasks in it become unassigned. Returns how many tasks were unassigned."""
    view = await _managed(session, actor=actor, ref=project_id)
    _check_active(view.project)
    member = await _membership(session, project=view.project, user_id=user_id)
    await session.delete(member)
    await session.flush()
    unassigned = 0
    for hook in _member_removed_hooks.values():
        unassigned += await hook(session, project_id=view.project.id, user_id=user_id)
    return unassigned


async def join_projects_by_name(
    session: AsyncSession, *, user: User, names: Iterable[str]
) -> list[Project]:
    """Add a new account to the named projects (the sign-up setting); unknown names are
    skipped, archived projects too."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    if not wanted:
        return []
    stmt = select(Project).where(func.lower(Project.name).in_(wanted), Project.archived.is_(False))
    projects = list((await session.execute(stmt)).scalars())
    for project in projects:
        session.add(
            ProjectMember(
                project_id=project.id, user_id=user.id, role=Role.member.value, created_at=utcnow()
            )
        )
    await session.flush()
    return projects


# --- the task-key sequence -----------------------------------------------------------------


async def next_task_key(session: AsyncSession, *, project_id: int) -> tuple[int, str]:
    """Take the project's next task number and key ("API-42").

    One UPDATE … RETURNING: on PostgreSQL it locks the project's row until commit, so
    concurrent creations in a project take turns and each gets its own number. The counter
    only grows, so a deleted task's key is never given to another task.
    """
    stmt = (
        update(Project)
        .where(Project.id == project_id)
        .values(task_counter=Project.task_counter + 1)
        .returning(Project.task_counter, Project.key)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).one()
    return row.task_counter, f"{row.key}-{row.task_counter}"
