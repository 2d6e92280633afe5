"""CSRF protection for the forms used before a session exists (log in, sign up).

Signed-in requests are covered by `auth.deps.authenticate` (a token derived from the session).
Anonymous forms use a double-submit cookie: a random value in an HttpOnly, SameSite=Strict
cookie that the form must echo, so another site cannot post a log-in on someone's behalf.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from sprintsync.errors import Forbidden

ANON_COOKIE = "sprintsync_anon_csrf"
FORM_FIELD = "csrf_token"


def anonymous_token(request: Request) -> str:
    token = getattr(request.state, "anon_csrf", None) or request.cookies.get(ANON_COOKIE)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
    request.state.anon_csrf = token
    return token


def remember_anonymous_token(request: Request, response: Response) -> None:
    """Set the cookie when this response handed out a token the browser does not hold yet."""
    token = getattr(request.state, "anon_csrf", None)
    if token and request.cookies.get(ANON_COOKIE) != token:
        response.set_cookie(
            ANON_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.secure_cookies,
            path="/",
        )


def check_anonymous(request: Request, submitted: object) -> None:
    cookie = request.cookies.get(ANON_COOKIE)
    if not cookie or not isinstance(submitted, str) or not hmac.compare_digest(cookie, submitted):
        raise Forbidden("This form has expired; reload the page and try again.", code="csrf_failed")
