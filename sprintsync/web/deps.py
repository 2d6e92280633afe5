"""Page-level dependencies and helpers: who is signed in, CSRF from forms, redirects, form errors.

Pages authenticate with the same `authenticate` dependency as the API. A form posted without
JavaScript carries its CSRF token in a `csrf_token` field; `read_form_csrf` runs first and puts
it where `authenticate` looks, so one check covers headers (HTMX) and fields (plain forms).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from sprintsync.auth.deps import CSRF_HEADER, SAFE_METHODS, authenticate
from sprintsync.db import SessionDep
from sprintsync.errors import AppError, Forbidden
from sprintsync.users.models import User
from sprintsync.web.csrf import FORM_FIELD
from sprintsync.web.render import is_htmx

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to after logging in; anything else becomes `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in target:
        return default
    if parts.path.startswith("//") or parts.path.startswith(("/login", "/signup", "/logout")):
        return default
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_url(next_path: str, *, expired: bool = False) -> str:
    url = "/login"
    params = []
    if next_path and next_path != "/":
        params.append(f"next={quote(next_path, safe='/')}")
    if expired:
        params.append("expired=1")
    return url + ("?" + "&".join(params) if params else "")


def redirect(request: Request, url: str) -> Response:
    """303 after a POST; HTMX follows `HX-Redirect` with a full page load instead."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def referer_path(request: Request) -> str:
    """The same-site page a form was posted from (where a no-JavaScript post returns to)."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return safe_next(referer.removeprefix(origin) if referer.startswith(origin + "/") else "/")


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_values(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields, for re-filling a form that failed validation."""
    return {name: form_text(form, name) for name in names}


def field_errors(exc: ValidationError | AppError, aliases: dict[str, str] | None = None) -> dict:
    """Errors keyed by form field name, for showing next to each field.

    Pydantic errors and service errors with `details=[{"field", "message"}]` both map; errors
    that belong to no field land under "" and show above the form.
    """
    aliases = aliases or {}
    errors: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            errors.setdefault(aliases.get(field, field), message[:1].upper() + message[1:])
        return errors
    details: Any = exc.details
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict) and "field" in item:
                field = str(item["field"])
                errors.setdefault(aliases.get(field, field), str(item.get("message", "")))
    if not errors:
        errors[""] = exc.message
    return errors
