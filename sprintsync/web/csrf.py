"""CSRF tokens: one derived from each session's token, and one for anonymous forms.

Signed-in requests echo an HMAC of their session token (`csrf_token_for`), which
`security.deps.authenticate` checks. Anonymous forms (log in, sign up) use a signed
double-submit: a random per-browser value in an HttpOnly, SameSite=Strict cookie, and in the
form an HMAC of that value under the app's secret. Another site cannot post a log-in on
someone's behalf, and a sibling subdomain that plants the cookie cannot make the matching
form token (echoing the cookie itself is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from sprintsync.errors import Forbidden

ANON_COOKIE = "sprintsync_anon_csrf"
FORM_FIELD = "csrf_token"


def _anon_cookie(request: Request) -> str:
    """The cookie's name: `__Host-` prefixed when Secure, so no sibling subdomain can set it."""
    return request.app.state.settings.cookie_name_for(ANON_COOKIE, request.url.scheme)


def anonymous_token(request: Request) -> str:
    """The form token for this browser, handing out a new browser value if it has none."""
    browser = getattr(request.state, "anon_csrf", None) or request.cookies.get(
        _anon_cookie(request)
    )
    if not browser or len(browser) > 100:
        browser = secrets.token_urlsafe(32)
    request.state.anon_csrf = browser
    return _sign_browser_value(request, browser)


def _sign_browser_value(request: Request, browser: str) -> str:
    secret = request.app.state.settings.secret_key.get_secret_value()
    return hmac.new(secret.encode(), b"anon-csrf:" + browser.encode(), hashlib.sha256).hexdigest()


def remember_anonymous_token(request: Request, response: Response) -> None:
    """Set the cookie when this response handed out a token the browser does not hold yet."""
    token = getattr(request.state, "anon_csrf", None)
    name = _anon_cookie(request)
    if token and request.cookies.get(name) != token:
        response.set_cookie(
            name,
            token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.cookie_secure_for(request.url.scheme),
            path="/",
        )


def check_anonymous(request: Request, submitted: object) -> None:
    cookie = request.cookies.get(_anon_cookie(request))
    if (
        not cookie
        or not isinstance(submitted, str)
        or not hmac.compare_digest(_sign_browser_value(request, cookie), submitted)
    ):
        raise Forbidden("This form has expired; reload the page and try again.", code="csrf_failed")


def csrf_token_for(token: str, *, secret: str) -> str:
    """Per-session CSRF token: an HMAC of the session's JWT, so no server state is needed."""
    return hmac.new(secret.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(token: str, candidate: str | None, *, secret: str) -> bool:
    if not candidate:
        return False
    return hmac.compare_digest(csrf_token_for(token, secret=secret), candidate)
