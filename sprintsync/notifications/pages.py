"""HTML for notifications: the list with mark-read and mark-all-read, the switches, the badge.

Opening a notification marks it read and goes to its task. Every action works as a plain
form post; with HTMX it swaps the list in place and refreshes the header's badge.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from sprintsync.db import SessionDep
from sprintsync.notifications import service as notifications
from sprintsync.notifications.kinds import KIND_LABELS, Kind
from sprintsync.security.deps import PageUser
from sprintsync.users.models import User
from sprintsync.users.schemas import RowId
from sprintsync.web.layout import load_layout
from sprintsync.web.render import hx_target, is_htmx, render, toast

router = APIRouter(include_in_schema=False)

CHANGED = ("notifications-changed",)


async def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    unread_only: bool = False,
    before: int | None = None,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    found = await notifications.inbox(session, user=user, unread_only=unread_only, before_id=before)
    context = {
        "nav": "notifications",
        "inbox": found,
        "unread_only": unread_only,
        "KIND_LABELS": KIND_LABELS,
    }
    layout = await load_layout(request, session, user) if block is None else None
    return await render(
        request,
        "notifications/list.html",
        context,
        user=user,
        layout=layout,
        block=block,
        headers=headers,
    )


@router.get("/notifications")
async def notifications_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    unread: bool = False,
    before: Annotated[RowId | None, Query()] = None,
) -> Response:
    block = "notifications" if hx_target(request) == "notifications" else None
    return await _page(request, session, user, unread_only=unread, before=before, block=block)


@router.get("/notifications/badge")
async def badge(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The header's unread count, refreshed when notifications change and now and then."""
    unread = await notifications.unread_count(session, user=user)
    return await render(request, "notifications/badge.html", {"unread": unread}, user=user)


@router.get("/notifications/{notification_id:int}/open")
async def open_notification(notification_id: int, session: SessionDep, user: PageUser) -> Response:
    """Mark the notification (and the task's others) read and go to the task.

    A link rather than a form, so it opens like one (new tab, copy link); marking read is
    safe to repeat."""
    key = await notifications.open_notification(session, user=user, notification_id=notification_id)
    return RedirectResponse(f"/tasks/{key}", status_code=303)


@router.post("/notifications/{notification_id:int}/read")
async def mark_read(
    notification_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    await notifications.mark_read(session, user=user, notification_id=notification_id)
    if not is_htmx(request):
        return RedirectResponse("/notifications", status_code=303)
    return await _page(
        request, session, user, block="notifications", headers=toast("Marked read.", events=CHANGED)
    )


@router.post("/notifications/read-all")
async def mark_all_read(request: Request, session: SessionDep, user: PageUser) -> Response:
    marked = await notifications.mark_all_read(session, user=user)
    if not is_htmx(request):
        return RedirectResponse("/notifications", status_code=303)
    message = f"Marked {marked} read." if marked else "Nothing was unread."
    return await _page(
        request, session, user, block="notifications", headers=toast(message, events=CHANGED)
    )


@router.post("/notifications/settings")
async def update_settings(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Each kind's checkbox: present and "on" means on; absent means off."""
    form = await request.form()
    changes = {kind: form.get(kind.value) == "on" for kind in Kind}
    await notifications.update_settings(session, user=user, changes=changes)
    if not is_htmx(request):
        return RedirectResponse("/notifications", status_code=303)
    return Response(status_code=204, headers=toast("Notification settings saved."))
