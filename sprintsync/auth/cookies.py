"""The session cookie (HttpOnly) and its readable CSRF companion, and their renewal.

Both are named with `__Host-` in front when they are `Secure` (`Settings.cookie_name_for`).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sprintsync.auth.service import TokenGrant
from sprintsync.config import Settings
from sprintsync.web.csrf import csrf_token_for

CSRF_COOKIE = "sprintsync_csrf"


def set_session_cookies(response: Response, request: HTTPConnection, grant: TokenGrant) -> None:
    _set_cookies(response, request, token=grant.token, csrf_token=grant.csrf_token)


def _set_cookies(
    response: Response, request: HTTPConnection, *, token: str, csrf_token: str
) -> None:
    settings: Settings = request.app.state.settings
    scheme = request.url.scheme
    for name, value, httponly in (
        (settings.cookie_name, token, True),
        # Readable by the page's script so it can echo it in X-CSRF-Token (double submit).
        (CSRF_COOKIE, csrf_token, False),
    ):
        response.set_cookie(
            settings.cookie_name_for(name, scheme),
            value,
            max_age=settings.access_token_expire_minutes * 60,
            secure=settings.cookie_secure_for(request.url.scheme),
            httponly=httponly,
            samesite="lax",
            path="/",
        )


def clear_session_cookies(response: Response, request: HTTPConnection) -> None:
    settings: Settings = request.app.state.settings
    scheme = request.url.scheme
    secure = settings.cookie_secure_for(scheme)
    for name in (settings.cookie_name, CSRF_COOKIE):
        response.delete_cookie(
            settings.cookie_name_for(name, scheme), path="/", secure=secure, samesite="lax"
        )


class SessionRenewalMiddleware:
    """Sets the renewed session's cookies on a response whose request renewed it.

    Authentication runs in a dependency, which cannot add headers to a response the route
    builds itself (every page does); it leaves the new token in the request state and this
    sets the cookies on whatever response goes out, unless the route already set or cleared
    the session cookie itself (log-in, log-out, a password change).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_renewed(message: Message) -> None:
            if message["type"] == "http.response.start":
                renewed = scope.get("state", {}).get("renewed_token")
                if renewed is not None:
                    message["headers"] = _with_cookies(scope, message, renewed)
            await send(message)

        await self.app(scope, receive, send_renewed)


def _with_cookies(scope: Scope, message: Message, token: str) -> list[tuple[bytes, bytes]]:
    headers = list(message.get("headers", ()))
    connection = HTTPConnection(scope)
    settings: Settings = connection.app.state.settings
    prefix = settings.cookie_name_for(settings.cookie_name, connection.url.scheme).encode() + b"="
    if any(k == b"set-cookie" and v.startswith(prefix) for k, v in headers):
        return headers
    scratch = Response()
    secret = settings.secret_key.get_secret_value()
    _set_cookies(scratch, connection, token=token, csrf_token=csrf_token_for(token, secret=secret))
    return headers + [(k, v) for k, v in scratch.raw_headers if k == b"set-cookie"]
