"""JSON routes for your notifications: thin wrappers over `notifications.service`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends

from sprintsync.db import SessionDep
from sprintsync.notifications import service
from sprintsync.notifications.kinds import Kind
from sprintsync.notifications.schemas import (
    MarkedRead,
    NotificationListParams,
    NotificationPage,
    NotificationRead,
    NotificationSettings,
    NotificationSettingsUpdate,
    UnreadCount,
)
from sprintsync.openapi import AUTHED, errors, query_model, query_parameters
from sprintsync.security.deps import CurrentUser

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get(
    "",
    response_model=NotificationPage,
    summary="Your notifications, newest first",
    responses=errors(401, 422),
    openapi_extra=query_parameters(NotificationListParams),
)
async def list_notifications(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[NotificationListParams, Depends(query_model(NotificationListParams))],
) -> NotificationPage:
    items, next_before = await service.list_notifications(
        session, user=user, unread_only=params.unread, limit=params.limit, before_id=params.before
    )
    return NotificationPage(
        items=[NotificationRead(**asdict(item)) for item in items], next_before=next_before
    )


@router.get(
    "/unread-count",
    response_model=UnreadCount,
    summary="How many of your notifications are unread (up to 100)",
    responses=errors(401),
)
async def unread_count(session: SessionDep, user: CurrentUser) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(session, user=user))


@router.post(
    "/read-all",
    response_model=MarkedRead,
    summary="Mark all your notifications read",
    responses=errors(*AUTHED),
)
async def mark_all_read(session: SessionDep, user: CurrentUser) -> MarkedRead:
    return MarkedRead(marked=await service.mark_all_read(session, user=user))


@router.post(
    "/{notification_id}/read",
    response_model=MarkedRead,
    summary="Mark one of your notifications read",
    responses=errors(*AUTHED, 404),
)
async def mark_read(notification_id: int, session: SessionDep, user: CurrentUser) -> MarkedRead:
    await service.mark_read(session, user=user, notification_id=notification_id)
    return MarkedRead(marked=1)


@router.get(
    "/settings",
    response_model=NotificationSettings,
    summary="Which kinds of notification you receive in the app",
    responses=errors(401),
)
async def get_settings(session: SessionDep, user: CurrentUser) -> NotificationSettings:
    switches = await service.get_settings(session, user=user)
    return NotificationSettings(**{k.value: v for k, v in switches.items()})


@router.patch(
    "/settings",
    response_model=NotificationSettings,
    summary="Turn kinds of notification on or off",
    responses=errors(*AUTHED),
)
async def update_settings(
    body: NotificationSettingsUpdate, session: SessionDep, user: CurrentUser
) -> NotificationSettings:
    changes = {Kind(k): v for k, v in body.model_dump(exclude_none=True).items()}
    switches = await service.update_settings(session, user=user, changes=changes)
    return NotificationSettings(**{k.value: v for k, v in switches.items()})
