"""The dependencies that authenticate every protected route: cookie or bearer header.

API routes take `CurrentUser`/`AdminUser`; pages take `PageUser`/`PageAdmin`/`MaybeUser`,
the same check with one addition: a form posted without JavaScript carries its CSRF token in
a `csrf_token` field, which `read_form_csrf` puts where `authenticate` looks, so one check
covers headers (HTMX) and fields (plain forms).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.config import Settings
from sprintsync.db import SessionDep
from sprintsync.errors import AppError, Forbidden, Unauthorized
from sprintsync.security.models import User
from sprintsync.security.tokens import create_access_token, decode_access_token, needs_renewal
from sprintsync.web.csrf import FORM_FIELD, csrf_matches

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
# All a user whose password was reset by an admin may do until they choose a new one.
PASSWORD_CHANGE_PATHS = frozenset(
    {"/api/v1/auth/me", "/api/v1/auth/logout", "/password", "/logout"}
)


def read_token(request: Request) -> tuple[str | None, bool]:
    """The request's token and whether it came from the session cookie."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value:
            return value.strip(), False
        return None, False
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(settings.cookie_name_for(settings.cookie_name, request.url.scheme))
    return (cookie, True) if cookie else (None, False)


async def _authenticate(request: Request, session: AsyncSession) -> User:
    settings: Settings = request.app.state.settings
    token, via_cookie = read_token(request)
    if token is None:
        raise Unauthorized()
    secret = settings.secret_key.get_secret_value()
    claims = decode_access_token(token, secret=secret)
    if claims is None:
        raise Unauthorized(
            "Your session is invalid or has expired; log in again.", code="invalid_token"
        )
    if via_cookie and request.method not in SAFE_METHODS:
        # HTML forms without JavaScript put the token in a field that pages read first.
        candidate = request.headers.get(CSRF_HEADER) or getattr(
            request.state, "csrf_form_token", None
        )
        if not csrf_matches(token, candidate, secret=secret):
            raise Forbidden("Missing or invalid CSRF token.", code="csrf_failed")
    cache = request.app.state.user_cache
    safe = request.method in SAFE_METHODS
    user = cache.get(claims.user_id) if safe else None
    if user is None:
        user = await session.get(User, claims.user_id)
        if safe and user is not None:
            cache.put(user)
    if user is None or not user.is_active or user.token_version != claims.version:
        raise Unauthorized("Your session is no longer valid; log in again.", code="invalid_token")
    request.state.user_id = user.id
    request.state.user = user  # for an error page's header, should this request fail
    request.state.token = token
    lifetime = settings.access_token_expire_minutes
    if via_cookie and needs_renewal(claims, lifetime_minutes=lifetime):
        # Same token version, fresh expiry. The shell's renewal middleware sets the cookies,
        # and a page rendered now carries the CSRF token that goes with the new session.
        renewed = create_access_token(
            user_id=user.id, version=user.token_version, secret=secret, expires_minutes=lifetime
        )
        request.state.renewed_token = renewed
        request.state.token = renewed
    # Every later log line of this request names the user, not only the access line.
    structlog.contextvars.bind_contextvars(user_id=user.id)
    if user.must_change_password and request.scope["path"] not in PASSWORD_CHANGE_PATHS:
        raise Forbidden(
            "An administrator reset your password; choose a new one to carry on.",
            code="password_change_required",
        )
    return user


class SessionAuth(OAuth2PasswordBearer):
    """The cookie or the bearer header, verified; shown in OpenAPI as OAuth2 password flow.

    Being the security scheme itself (rather than depending on one) keeps the per-request
    dependency graph one level shallower.
    """

    async def __call__(self, request: Request, session: SessionDep) -> User:  # type: ignore[override]
        return await _authenticate(request, session)


authenticate = SessionAuth(tokenUrl="/api/v1/auth/token", auto_error=False)


async def require_admin(user: Annotated[User, Depends(authenticate)]) -> User:
    if not user.is_admin:
        raise Forbidden("Administrators only.", code="admin_required")
    return user


async def authenticate_unparsed(request: Request) -> None:
    """Raise the authentication error a request would get, for one whose body did not parse.

    FastAPI parses the body before it solves dependencies, so without this a stranger's
    malformed body would get a 400/422 where an empty one gets 401. Called only from the
    error handlers, so the normal path pays nothing.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _needs_user(route.dependant):
        return
    async with request.app.state.sessionmaker() as session:
        await _authenticate(request, session)


def _needs_user(dependant: Dependant) -> bool:
    return any(dep.call is authenticate or _needs_user(dep) for dep in dependant.dependencies)


CurrentUser = Annotated[User, Depends(authenticate)]
AdminUser = Annotated[User, Depends(require_admin)]


# --- pages ---------------------------------------------------------------------------------


async def read_form_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS or CSRF_HEADER in request.headers:
        return
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        token = (await request.form()).get(FORM_FIELD)
        if isinstance(token, str):
            request.state.csrf_form_token = token


async def page_user(
    _csrf: Annotated[None, Depends(read_form_csrf)],
    user: Annotated[User, Depends(authenticate)],
) -> User:
    return user


async def page_admin(user: Annotated[User, Depends(page_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("This page is for administrators.", code="admin_required")
    return user


async def optional_user(request: Request, session: SessionDep) -> User | None:
    """The signed-in user on a GET page that anonymous visitors may also see."""
    try:
        return await authenticate(request, session)
    except AppError:
        return None


PageUser = Annotated[User, Depends(page_user)]
PageAdmin = Annotated[User, Depends(page_admin)]
MaybeUser = Annotated[User | None, Depends(optional_user)]
