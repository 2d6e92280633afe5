"""Admin pages for accounts: search, create, edit, reset passwords, switch rights on and off.

The same `users.service` functions as the JSON API enforce the rules (the last active admin
cannot be demoted or deactivated; deactivating someone ends their sessions at once).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from sprintsync.db import SessionDep
from sprintsync.errors import AppError
from sprintsync.security.deps import PageAdmin
from sprintsync.users import service
from sprintsync.users.models import User
from sprintsync.users.schemas import PasswordReset, UserCreate, UserUpdate
from sprintsync.web.deps import field_errors, form_text, form_values
from sprintsync.web.layout import load_layout
from sprintsync.web.render import hx_target, is_htmx, render, toast

router = APIRouter(prefix="/admin", include_in_schema=False)

PAGE_SIZE = 25


@router.get("/users")
async def users_page(
    request: Request,
    session: SessionDep,
    admin: PageAdmin,
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    people, total = await service.list_users(session, q=q or None, limit=PAGE_SIZE, offset=offset)

    def query(at: int) -> str:
        return urlencode({k: v for k, v in {"q": q, "offset": at}.items() if v})

    context = {
        "nav": "users",
        "q": q,
        "people": people,
        "total": total,
        "query_string": query(offset),
        "prev_offset": max(0, offset - PAGE_SIZE) if offset else None,
        "next_offset": offset + PAGE_SIZE if offset + PAGE_SIZE < total else None,
        "prev_query": query(max(0, offset - PAGE_SIZE)),
        "next_query": query(offset + PAGE_SIZE),
        "values": {},
        "errors": {},
    }
    block = "results" if hx_target(request) == "user-results" else None
    layout = await load_layout(request, session, admin) if block is None else None
    return await render(
        request, "users/admin.html", context, user=admin, layout=layout, block=block
    )


@router.post("/users")
async def create_user(request: Request, session: SessionDep, admin: PageAdmin) -> Response:
    form = await request.form()
    values = form_values(form, "email", "display_name")
    is_admin = form_text(form, "is_admin") == "true"
    try:
        body = UserCreate(**values, password=str(form.get("password") or ""), is_admin=is_admin)
        person = await service.create_user(
            session,
            email=body.email,
            display_name=body.display_name,
            password=body.password,
            is_admin=body.is_admin,
            password_hash_fast=request.app.state.settings.password_hash_fast,
            time_zone=request.app.state.settings.default_time_zone,
        )
    except (ValidationError, AppError) as exc:
        errors = field_errors(exc)
        if isinstance(exc, AppError) and exc.code == "email_taken":
            errors = {"email": exc.message}
        context = {"values": {**values, "is_admin": is_admin}, "errors": errors}
        return await _create_block(request, session, admin, context, status=422)
    if not is_htmx(request):
        return RedirectResponse("/admin/users", status_code=303)
    headers = toast(f"Created an account for {person.display_name}.", events=("users-changed",))
    context = {"values": {}, "errors": {}}
    return await _create_block(request, session, admin, context, headers=headers)


async def _create_block(
    request: Request,
    session: SessionDep,
    admin: User,
    context: dict,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_htmx(request):
        return await render(
            request,
            "users/admin.html",
            context,
            user=admin,
            block="create",
            status=status,
            headers=headers,
        )
    people, total = await service.list_users(session, q=None, limit=PAGE_SIZE, offset=0)
    context.update(nav="users", q="", people=people, total=total, query_string="")
    context.update(prev_offset=None, next_offset=None)
    layout = await load_layout(request, session, admin)
    return await render(
        request, "users/admin.html", context, user=admin, layout=layout, status=status
    )


async def _toggle(
    request: Request, session: SessionDep, admin: User, user_id: int, field: str
) -> Response:
    value = form_text(await request.form(), "value") == "true"
    changes = UserUpdate.model_validate({field: value})
    person = await service.update_user(session, actor=admin, user_id=user_id, changes=changes)
    if not is_htmx(request):
        return RedirectResponse("/admin/users", status_code=303)
    if field == "is_admin":
        message = f"{person.display_name} is {'now' if value else 'no longer'} an administrator."
    else:
        message = f"{person.display_name} was {'reactivated' if value else 'deactivated'}."
    return await render(
        request,
        "users/row.html",
        {"person": person},
        user=admin,
        block="row",
        headers=toast(message),
    )


@router.post("/users/{user_id:int}/admin")
async def toggle_admin(
    user_id: int, request: Request, session: SessionDep, admin: PageAdmin
) -> Response:
    return await _toggle(request, session, admin, user_id, "is_admin")


@router.post("/users/{user_id:int}/active")
async def toggle_active(
    user_id: int, request: Request, session: SessionDep, admin: PageAdmin
) -> Response:
    return await _toggle(request, session, admin, user_id, "is_active")


async def _edit_page(
    request: Request,
    session: SessionDep,
    admin: User,
    person: User,
    *,
    details: dict[str, str] | None = None,
    details_errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "nav": "users",
        "notice": notice,
        "person": person,
        "details_values": details or {"display_name": person.display_name, "email": person.email},
        "details_errors": details_errors or {},
        "password_errors": password_errors or {},
    }
    return await render(
        request,
        "users/edit.html",
        context,
        user=admin,
        layout=await load_layout(request, session, admin),
        status=status,
    )


# Shown once after a redirect (a 303 after each form, so a reload never posts again).
_NOTICES = {
    "saved": "Details saved.",
    "reset": "Password reset. Their sessions have ended, and they must choose a new "
    "password at their next log-in.",
}


@router.get("/users/{user_id:int}")
async def edit_user_page(
    user_id: int, request: Request, session: SessionDep, admin: PageAdmin, notice: str = ""
) -> Response:
    person = await service.get_user(session, actor=admin, user_id=user_id)
    return await _edit_page(request, session, admin, person, notice=_NOTICES.get(notice))


@router.post("/users/{user_id:int}")
async def edit_user(
    user_id: int, request: Request, session: SessionDep, admin: PageAdmin
) -> Response:
    values = form_values(await request.form(), "display_name", "email")
    try:
        changes = UserUpdate.model_validate(values)
        person = await service.update_user(session, actor=admin, user_id=user_id, changes=changes)
    except (ValidationError, AppError) as exc:
        if isinstance(exc, AppError) and exc.status_code == 404:
            raise
        errors = field_errors(exc)
        if isinstance(exc, AppError) and exc.code == "email_taken":
            errors = {"email": exc.message}
        person = await service.get_user(session, actor=admin, user_id=user_id)
        return await _edit_page(
            request, session, admin, person, details=values, details_errors=errors, status=422
        )
    return RedirectResponse(f"/admin/users/{person.id}?notice=saved", status_code=303)


@router.post("/users/{user_id:int}/password")
async def reset_password(
    user_id: int, request: Request, session: SessionDep, admin: PageAdmin
) -> Response:
    form = await request.form()
    try:
        body = PasswordReset(password=str(form.get("password") or ""))
        person = await service.reset_password(
            session,
            actor=admin,
            user_id=user_id,
            password=body.password,
            password_hash_fast=request.app.state.settings.password_hash_fast,
        )
    except ValidationError as exc:
        person = await service.get_user(session, actor=admin, user_id=user_id)
        return await _edit_page(
            request, session, admin, person, password_errors=field_errors(exc), status=422
        )
    return RedirectResponse(f"/admin/users/{person.id}?notice=reset", status_code=303)
