"""The invitations page: create single-use sign-up links, see who used them, revoke them.

The same `invitations.service` functions as the JSON API enforce who may do what.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import SessionDep
from sprintsync.errors import AppError
from sprintsync.invitations import membership, service
from sprintsync.invitations.schemas import InvitationCreate
from sprintsync.security.deps import PageUser
from sprintsync.users.models import User
from sprintsync.users.service import display_names
from sprintsync.web.deps import field_errors, form_values
from sprintsync.web.layout import load_layout
from sprintsync.web.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
FIELDS = ("email", "project_id", "role", "expires_in_days")


async def _page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    new_link: str | None = None,
    status: int = 200,
) -> Response:
    items, total = await service.list_invitations(
        session, actor=user, project_id=None, limit=PAGE_SIZE, offset=0
    )
    projects = await membership.invitable_projects(session, actor=user)
    names = await display_names(
        session, {i.created_by_id for i in items} | {i.used_by_id for i in items if i.used_by_id}
    )
    project_names = dict(projects) | await membership.project_names(
        session, {i.project_id for i in items if i.project_id is not None}
    )
    settings = request.app.state.settings
    context: dict[str, Any] = {
        "nav": "invitations",
        "invitations": items,
        "total": total,
        "names": names,
        "project_names": project_names,
        "projects": projects,
        "values": values,
        "errors": errors or {},
        "new_link": new_link,
        "policy": settings.effective_signup_policy,
    }
    return await render(
        request,
        "invitations/list.html",
        context,
        user=user,
        layout=await load_layout(request, session, user),
        status=status,
    )


@router.get("/invitations")
async def invitations_page(
    request: Request, session: SessionDep, user: PageUser, project_id: str = ""
) -> Response:
    """The list and the form; `project_id` picks the project (from a project's page)."""
    settings = request.app.state.settings
    values = {
        "role": "member",
        "expires_in_days": str(settings.invitation_days),
        "project_id": project_id if project_id.isdigit() else "",
    }
    return await _page(request, session, user, values=values)


@router.post("/invitations")
async def create_invitation(request: Request, session: SessionDep, user: PageUser) -> Response:
    values = form_values(await request.form(), *FIELDS)
    payload = {k: v for k, v in values.items() if v}
    try:
        data = InvitationCreate.model_validate(payload)
        issued = await service.create_invitation(
            session, request.app.state.settings, actor=user, data=data
        )
    except (ValidationError, AppError) as exc:
        if isinstance(exc, AppError) and exc.status_code in (401, 403, 404):
            raise
        return await _page(
            request, session, user, values=values, errors=field_errors(exc), status=422
        )
    link = service.invitation_url(str(request.base_url), issued.token)
    # The form is ready for the next invitation to the same project.
    values = {**values, "email": ""}
    return await _page(request, session, user, values=values, new_link=link)


@router.post("/invitations/{invitation_id:int}/revoke")
async def revoke_invitation(invitation_id: int, session: SessionDep, user: PageUser) -> Response:
    await service.revoke_invitation(session, actor=user, invitation_id=invitation_id)
    return RedirectResponse("/invitations", status_code=303)
