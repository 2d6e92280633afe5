"""Page helpers: safe redirects, reading forms, and form errors shown next to each field.

Who is signed in comes from `security.deps` (`PageUser` and friends).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from sprintsync.errors import AppError
from sprintsync.web.messages import sentence
from sprintsync.web.render import is_htmx


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

    Pydantic errors become the catalogue's sentences (`web.messages`); service errors with
    `details=[{"field", "message"}]` keep theirs. Errors that belong to no field land under ""
    and show above the form.
    """
    aliases = aliases or {}
    errors: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for err in exc.errors():
            field, message = sentence(err)
            errors.setdefault(aliases.get(field, field), message)
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
