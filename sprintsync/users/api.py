"""JSON routes for user administration (admins), and reading one's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import AdminUser, CurrentUser
from sprintsync.users import service
from sprintsync.users.schemas import (
    MAX_ROW_ID,
    PasswordReset,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=UserPage, summary="List users (admin)", responses=errors(*AUTHED))
async def list_users(
    session: SessionDep,
    _admin: AdminUser,
    q: Annotated[str | None, Query(max_length=100, description="Search email or name")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> UserPage:
    users, total = await service.list_users(session, q=q, limit=limit, offset=offset)
    return UserPage(
        items=[UserRead.model_validate(u) for u in users], total=total, limit=limit, offset=offset
    )


@router.post(
    "",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user (admin)",
    responses=errors(*AUTHED, 409),
)
async def create_user(
    body: UserCreate, request: Request, session: SessionDep, _admin: AdminUser
) -> UserRead:
    user = await service.create_user(
        session,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        is_admin=body.is_admin,
        password_hash_fast=request.app.state.settings.password_hash_fast,
        time_zone=body.time_zone or request.app.state.settings.default_time_zone,
    )
    return UserRead.model_validate(user)


@router.get(
    "/{user_id}",
    response_model=UserRead,
    summary="Get a user (admin, or yourself)",
    responses=errors(401, 404),
)
async def get_user(user_id: int, session: SessionDep, user: CurrentUser) -> UserRead:
    return UserRead.model_validate(await service.get_user(session, actor=user, user_id=user_id))


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Update a user's name, email, admin flag or active flag (admin)",
    responses=errors(*AUTHED, 404, 409),
)
async def update_user(
    user_id: int, body: UserUpdate, session: SessionDep, admin: AdminUser
) -> UserRead:
    user = await service.update_user(session, actor=admin, user_id=user_id, changes=body)
    return UserRead.model_validate(user)


@router.post(
    "/{user_id}/deactivate",
    response_model=UserRead,
    summary="Deactivate a user and end their sessions (admin)",
    responses=errors(*AUTHED, 404, 409),
)
async def deactivate_user(user_id: int, session: SessionDep, admin: AdminUser) -> UserRead:
    user = await service.deactivate_user(session, actor=admin, user_id=user_id)
    return UserRead.model_validate(user)


@router.post(
    "/{user_id}/password",
    response_model=UserRead,
    summary="Reset a user's password (admin); they must change it at their next log-in",
    responses=errors(*AUTHED, 404),
)
async def reset_password(
    user_id: int, body: PasswordReset, request: Request, session: SessionDep, admin: AdminUser
) -> UserRead:
    """Sets a temporary password and ends the user's sessions. Until they choose a new one
    (`PATCH /api/v1/auth/me`), every other request of theirs gets 403
    `password_change_required`."""
    user = await service.reset_password(
        session,
        actor=admin,
        user_id=user_id,
        password=body.password,
        password_hash_fast=request.app.state.settings.password_hash_fast,
    )
    return UserRead.model_validate(user)
