"""HTML pages for signing up, logging in and out, and one's own profile.

The same `auth.service` functions as the JSON API do the work; these routes only read forms,
set the session cookies and choose what to render.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from sprintsync.auth import service
from sprintsync.auth.cookies import clear_session_cookies, set_session_cookies
from sprintsync.auth.schemas import LoginRequest, ProfileUpdate, SignupRequest
from sprintsync.db import SessionDep
from sprintsync.errors import AppError, Invalid
from sprintsync.security.deps import MaybeUser, PageUser
from sprintsync.timeutil import valid_zone_name, zone_names
from sprintsync.users.models import User
from sprintsync.web.csrf import FORM_FIELD, check_anonymous
from sprintsync.web.deps import (
    field_errors,
    form_text,
    form_values,
    redirect,
    safe_next,
)
from sprintsync.web.layout import load_layout
from sprintsync.web.render import is_htmx, render, toast

router = APIRouter(include_in_schema=False)

_NOTICES = {
    "expired": "Your session has expired. Log in again to carry on where you were.",
    "logged_out": "You have been logged out.",
    "everywhere": "You have been logged out on every device.",
}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
async def login_page(
    request: Request, user: MaybeUser, next: str = "", expired: bool = False, notice: str = ""
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    message = _NOTICES["expired"] if expired else _NOTICES.get(notice)
    context: dict[str, Any] = {
        "next": safe_next(next),
        "values": {},
        "errors": {},
        "notice": message,
    }
    return await render(request, "auth/login.html", context)


@router.post("/login")
async def login(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    check_anonymous(request, form.get(FORM_FIELD))
    values = form_values(form, "email")
    next_path = safe_next(form_text(form, "next"))
    try:
        body = LoginRequest(email=values["email"], password=str(form.get("password") or ""))
        sess = await service.login(
            session,
            request.app.state.settings,
            request.app.state.login_throttle,
            email=body.email,
            password=body.password,
            client=_client(request),
        )
    except (ValidationError, Invalid) as exc:
        context = {"next": next_path, "values": values, "errors": field_errors(exc)}
        return await render(request, "auth/login.html", context, status=422)
    except AppError as exc:  # wrong password (401) or throttled (429): say so on the form
        context = {"next": next_path, "values": values, "errors": {"": exc.message}}
        return await render(
            request, "auth/login.html", context, status=exc.status_code, headers=exc.headers
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookies(response, request, sess)
    return response


async def _signup_page(
    request: Request,
    session: AsyncSession,
    *,
    next_path: str,
    invitation: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The sign-up form, with the invitation it came from, or why there is no form."""
    settings = request.app.state.settings
    context: dict[str, Any] = {
        "next": next_path,
        "values": values or {},
        "errors": errors or {},
        "invitation": invitation,
        "invite": None,
        "refusal": None,
    }
    try:
        context["invite"] = await service.signup_offer(session, settings, invitation=invitation)
    except AppError as exc:
        context["refusal"] = exc.message
        status = max(status, exc.status_code)
    invite = context["invite"]
    if invite is not None and invite.invitation.email and not context["values"].get("email"):
        context["values"] = {**context["values"], "email": invite.invitation.email}
    return await render(request, "auth/signup.html", context, status=status)


@router.get("/signup")
async def signup_page(
    request: Request, session: SessionDep, user: MaybeUser, next: str = ""
) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    return await _signup_page(request, session, next_path=safe_next(next), invitation="")


@router.get("/join/{token}")
async def join_page(request: Request, session: SessionDep, user: MaybeUser, token: str) -> Response:
    """Where an invitation link leads: the sign-up form that uses it."""
    if user is not None:
        context = {
            "message": "You are already signed in. Log out first to accept an invitation "
            "for a new account."
        }
        return await render(
            request,
            "auth/signed_in.html",
            context,
            user=user,
            layout=await load_layout(request, session, user),
        )
    return await _signup_page(request, session, next_path="/", invitation=token)


@router.post("/signup")
async def signup(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    check_anonymous(request, form.get(FORM_FIELD))
    values = form_values(form, "email", "display_name")
    invitation = form_text(form, "invitation")
    next_path = safe_next(form_text(form, "next"))
    await request.app.state.signup_throttle.take(_client(request))
    try:
        body = SignupRequest(
            **values, password=str(form.get("password") or ""), invitation=invitation or None
        )
        sess = await service.signup(
            session,
            request.app.state.settings,
            email=body.email,
            display_name=body.display_name,
            password=body.password,
            invitation=body.invitation,
            time_zone=_browser_zone(form_text(form, "time_zone")),
        )
    except (ValidationError, AppError) as exc:
        # The account may already be flushed when the invitation turns out to be used up.
        await session.rollback()
        errors = field_errors(exc)
        if isinstance(exc, AppError) and exc.code == "email_taken":
            errors = {"email": exc.message}
        return await _signup_page(
            request,
            session,
            next_path=next_path,
            invitation=invitation,
            values=values,
            errors=errors,
            status=422,
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookies(response, request, sess)
    return response


def _browser_zone(name: str) -> str | None:
    """The zone the sign-up page's script read from the browser, if this server knows it.

    A browser can name a zone missing from this server's tz database; the team default is a
    better start than refusing the sign-up (the profile page changes it).
    """
    try:
        return valid_zone_name(name) if name else None
    except ValueError:
        return None


@router.post("/logout")
async def logout(request: Request, _user: PageUser) -> Response:
    response = redirect(request, "/login?notice=logged_out")
    clear_session_cookies(response, request)
    return response


@router.get("/profile")
async def profile_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    context = {
        "nav": "profile",
        "name_errors": {},
        "password_errors": {},
        "zone_names": zone_names(),
    }
    layout = await load_layout(request, session, user)
    return await render(request, "auth/profile.html", context, user=user, layout=layout)


@router.post("/profile")
async def update_name(request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    name = form_text(form, "display_name")
    zone_name = form_text(form, "time_zone")
    try:
        changes = ProfileUpdate(display_name=name, time_zone=zone_name or None)
        await service.update_profile(
            session,
            request.app.state.settings,
            user=user,
            changes=changes,
            throttle=request.app.state.login_throttle,
        )
    except (ValidationError, AppError) as exc:
        errors: dict[str, Any] = {
            "name_errors": field_errors(exc),
            "name_value": name,
            "zone_value": zone_name,
            "zone_names": zone_names(),
        }
        return await render(
            request, "auth/profile.html", errors, user=user, block="name_form", status=422
        )
    if not is_htmx(request):
        return RedirectResponse("/profile", status_code=303)
    context: dict[str, Any] = {"name_errors": {}, "oob_name": True, "zone_names": zone_names()}
    return await render(
        request,
        "auth/profile.html",
        context,
        user=user,
        block="name_form",
        headers=toast("Your details were saved."),
    )


async def _change_password(
    request: Request, session: AsyncSession, user: User, form: FormData
) -> service.TokenGrant | None:
    """The password form's change: the current password checked, a fresh session back."""
    changes = ProfileUpdate(
        current_password=str(form.get("current_password") or ""),
        new_password=str(form.get("new_password") or ""),
    )
    return await service.update_profile(
        session,
        request.app.state.settings,
        user=user,
        changes=changes,
        throttle=request.app.state.login_throttle,
    )


@router.post("/profile/password")
async def change_password(request: Request, session: SessionDep, user: PageUser) -> Response:
    try:
        new_session = await _change_password(request, session, user, await request.form())
    except (ValidationError, AppError) as exc:
        context = {"password_errors": field_errors(exc)}
        return await render(
            request, "auth/profile.html", context, user=user, block="password_form", status=422
        )
    if not is_htmx(request):
        response: Response = RedirectResponse("/profile", status_code=303)
    else:
        # Forms rendered from now on must carry the new session's CSRF token.
        request.state.token = new_session.token if new_session else request.state.token
        response = await render(
            request,
            "auth/profile.html",
            {"password_errors": {}},
            user=user,
            block="password_form",
            headers=toast("Password changed. Other devices have been logged out."),
        )
    if new_session is not None:
        set_session_cookies(response, request, new_session)
    return response


@router.get("/password")
async def password_page(request: Request, user: PageUser, next: str = "") -> Response:
    """The change-password form; where a user whose password was reset is sent first."""
    context = {"next": safe_next(next), "errors": {}}
    return await render(request, "auth/password.html", context, user=user)


@router.post("/password")
async def set_new_password(request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    next_path = safe_next(form_text(form, "next"))
    try:
        new_session = await _change_password(request, session, user, form)
    except (ValidationError, AppError) as exc:
        context = {"next": next_path, "errors": field_errors(exc)}
        return await render(request, "auth/password.html", context, user=user, status=422)
    response = RedirectResponse(next_path, status_code=303)
    if new_session is not None:
        set_session_cookies(response, request, new_session)
    return response


@router.post("/profile/logout-everywhere")
async def logout_everywhere(request: Request, session: SessionDep, user: PageUser) -> Response:
    await service.logout_everywhere(session, user=user)
    response = redirect(request, "/login?notice=everywhere")
    clear_session_cookies(response, request)
    return response
