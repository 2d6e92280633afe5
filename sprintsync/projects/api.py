"""JSON routes for projects and their members: thin wrappers over `projects.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors
from sprintsync.projects import service
from sprintsync.projects.schemas import (
    MemberAdd,
    MemberRead,
    MemberRemoved,
    MemberUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)
from sprintsync.projects.service import ProjectView
from sprintsync.security.deps import CurrentUser

router = APIRouter(prefix="/projects", tags=["projects"])

ProjectRef = Annotated[str, Path(description="The project's id (7) or key (API)")]
UserId = Annotated[int, Path(description="The member's user id")]


def project_read(view: ProjectView) -> ProjectRead:
    read = ProjectRead.model_validate(view.project)
    read.role = view.role
    return read


@router.get(
    "",
    response_model=list[ProjectRead],
    summary="Your projects by name (admins: all); archived ones only with archived=true",
    responses=errors(401, 422),
)
async def list_projects(
    session: SessionDep,
    user: CurrentUser,
    archived: Annotated[bool, Query(description="Include archived projects")] = False,
) -> list[ProjectRead]:
    views = await service.list_projects(session, user=user, include_archived=archived)
    return [project_read(v) for v in views]


@router.post(
    "",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a project (admins); you become its lead",
    responses=errors(*AUTHED, 409),
)
async def create_project(
    body: ProjectCreate, session: SessionDep, user: CurrentUser
) -> ProjectRead:
    return project_read(await service.create_project(session, actor=user, data=body))


@router.get(
    "/{project_ref}",
    response_model=ProjectRead,
    summary="Get a project (members and admins)",
    responses=errors(401, 404),
)
async def get_project(
    project_ref: ProjectRef, session: SessionDep, user: CurrentUser
) -> ProjectRead:
    return project_read(await service.get_project(session, user=user, ref=project_ref))


@router.patch(
    "/{project_ref}",
    response_model=ProjectRead,
    summary="Rename, describe, archive or restore a project (leads and admins)",
    responses=errors(*AUTHED, 404, 409),
)
async def update_project(
    project_ref: ProjectRef, body: ProjectUpdate, session: SessionDep, user: CurrentUser
) -> ProjectRead:
    view = await service.update_project(session, actor=user, ref=project_ref, changes=body)
    return project_read(view)


@router.get(
    "/{project_ref}/members",
    response_model=list[MemberRead],
    summary="The project's members, leads first",
    responses=errors(401, 404),
)
async def list_members(
    project_ref: ProjectRef, session: SessionDep, user: CurrentUser
) -> list[MemberRead]:
    return await service.list_members(session, user=user, ref=project_ref)


@router.post(
    "/{project_ref}/members",
    response_model=MemberRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add someone to the project (leads and admins)",
    responses=errors(*AUTHED, 404, 409),
)
async def add_member(
    project_ref: ProjectRef, body: MemberAdd, session: SessionDep, user: CurrentUser
) -> MemberRead:
    return await service.add_member(
        session, actor=user, project_id=project_ref, user_id=body.user_id, role=body.role
    )


@router.patch(
    "/{project_ref}/members/{user_id}",
    response_model=MemberRead,
    summary="Make a member a lead, or a lead a member (leads and admins)",
    responses=errors(*AUTHED, 404, 409),
)
async def change_role(
    project_ref: ProjectRef,
    user_id: UserId,
    body: MemberUpdate,
    session: SessionDep,
    user: CurrentUser,
) -> MemberRead:
    return await service.change_role(
        session, actor=user, project_id=project_ref, user_id=user_id, role=body.role
    )


@router.delete(
    "/{project_ref}/members/{user_id}",
    response_model=MemberRemoved,
    summary="Remove someone from the project (leads and admins): their time entries stay, "
    "their open tasks in it become unassigned",
    responses=errors(*AUTHED, 404, 409),
)
async def remove_member(
    project_ref: ProjectRef, user_id: UserId, session: SessionDep, user: CurrentUser
) -> MemberRemoved:
    unassigned = await service.remove_member(
        session, actor=user, project_id=project_ref, user_id=user_id
    )
    return MemberRemoved(user_id=user_id, unassigned_tasks=unassigned)
