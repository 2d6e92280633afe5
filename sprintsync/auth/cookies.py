"""The session cookie (HttpOnly) and its readable CSRF companion."""

from __future__ import annotations

from starlette.responses import Response

from sprintsync.auth.service import TokenGrant
from sprintsync.config import Settings

CSRF_COOKIE = "sprintsync_csrf"


def set_session_cookies(response: Response, settings: Settings, grant: TokenGrant) -> None:
    for name, value, httponly in (
        (settings.cookie_name, grant.token, True),
        # Readable by the page's script so it can echo it in X-CSRF-Token (double submit).
        (CSRF_COOKIE, grant.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=grant.expires_in,
            secure=settings.secure_cookies,
            httponly=httponly,
            samesite="lax",
            path="/",
        )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    for name in (settings.cookie_name, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=settings.secure_cookies, samesite="lax")
