"""JSON routes for invitation links: create (admins, project leads), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from sprintsync.db import SessionDep
from sprintsync.invitations import service
from sprintsync.invitations.schemas import (
    InvitationCreate,
    InvitationCreated,
    InvitationPage,
    InvitationRead,
)
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import CurrentUser
from sprintsync.users.schemas import MAX_ROW_ID, RowId

router = APIRouter(prefix="/invitations", tags=["invitations"])


@router.post(
    "",
    response_model=InvitationCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a single-use sign-up link (admins; leads for their projects)",
    description=(
        "The response holds the link's token and URL; they are not shown again. Anyone who "
        "signs up through the link joins `project_id` with `role`. 409 `signup_closed` when "
        "the sign-up policy is `closed`."
    ),
    responses=errors(*AUTHED, 404, 409),
)
async def create_invitation(
    body: InvitationCreate, request: Request, session: SessionDep, user: CurrentUser
) -> InvitationCreated:
    issued = await service.create_invitation(
        session, request.app.state.settings, actor=user, data=body
    )
    read = InvitationRead.model_validate(issued.invitation)
    return InvitationCreated(
        **read.model_dump(),
        token=issued.token,
        url=service.invitation_url(str(request.base_url), issued.token),
    )


@router.get(
    "",
    response_model=InvitationPage,
    summary="List invitations (admins: all; leads: their projects' and their own)",
    responses=errors(*AUTHED),
)
async def list_invitations(
    session: SessionDep,
    user: CurrentUser,
    project_id: Annotated[RowId | None, Query(description="Only this project's")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> InvitationPage:
    items, total = await service.list_invitations(
        session, actor=user, project_id=project_id, limit=limit, offset=offset
    )
    return InvitationPage(
        items=[InvitationRead.model_validate(i) for i in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.delete(
    "/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an unused invitation",
    responses=errors(*AUTHED, 404, 409),
)
async def revoke_invitation(invitation_id: int, session: SessionDep, user: CurrentUser) -> Response:
    await service.revoke_invitation(session, actor=user, invitation_id=invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
