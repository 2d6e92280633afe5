"""The session cookie (HttpOnly) and its readable CSRF companion."""

from __future__ import annotations

from starlette.responses import Response

from sprintsync.auth.service import TokenGrant
from sprintsync.config import Settings

CSRF_COOKIE = "sprintsync_csrf"


def set_session_cookies(response: Response, settings: Settings, session: TokenGrant) -> None:
    common = {
        "max_age": session.expires_in,
        "secure": settings.secure_cookies,
        "samesite": "lax",
        "path": "/",
    }
    response.set_cookie(settings.cookie_name, session.token, httponly=True, **common)
    # Readable by the page's script so it can echo it in X-CSRF-Token (double submit).
    response.set_cookie(CSRF_COOKIE, session.csrf_token, httponly=False, **common)


def clear_session_cookies(response: Response, settings: Settings) -> None:
    for name in (settings.cookie_name, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=settings.secure_cookies, samesite="lax")
