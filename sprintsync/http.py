"""Small pure-ASGI middleware: request size limits (body, query) and security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sprintsync.errors import CODE_FOR_STATUS, PayloadTooLarge, error_body

# No route takes more than a few dozen; parsing 20,000 costs tens of milliseconds each time.
MAX_QUERY_PARAMS = 1000

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
]
# No route reads a body on these, so their request streams pass through untouched.
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Swagger UI and ReDoc load their own inline script; they get a looser policy.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)


Responder = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413, by header or while streaming.

    `on_refuse` renders the 413 (the app's renderer: JSON under /api, a page for forms);
    without it the JSON envelope is sent.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, on_refuse: Responder | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.on_refuse = on_refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["query_string"].count(b"&") >= MAX_QUERY_PARAMS:
            await _too_many_parameters(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                # The server holds the body to its declared length, so it is within the limit.
                await self.app(scope, receive, send)
                return
        if scope["method"] in BODYLESS_METHODS:
            await self.app(scope, receive, send)
            return
        # A streamed (chunked) body is read here, up to the limit, before the app sees it: an
        # error raised from inside `receive` would reach the route's body parsing, which
        # reports any failure there as a 400 rather than this 413.
        body = await self._read_within_limit(receive)
        if body is None:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_within_limit(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client went away; the app will see it too
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Raised outside the routes, so it is rendered here rather than by the error handler.
        if self.on_refuse is not None:
            await self.on_refuse(scope, receive, send)
            return
        err = PayloadTooLarge(details={"max_bytes": self.max_bytes})
        request_id = scope.get("state", {}).get("request_id")
        body = error_body(err.code, err.message, err.details, request_id)
        await JSONResponse(body, status_code=err.status_code)(scope, receive, send)


async def _too_many_parameters(scope: Scope, receive: Receive, send: Send) -> None:
    request_id = scope.get("state", {}).get("request_id")
    message = f"The query string has more than {MAX_QUERY_PARAMS} parameters."
    body = error_body(CODE_FOR_STATUS[400], message, None, request_id)
    await JSONResponse(body, status_code=400)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the already-read body once, then the real channel."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


# No page uses these browser features; a framed or injected script cannot either.
PERMISSIONS_POLICY = (
    b"permissions-policy",
    b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
)
# Sent only when cookies are secure (served over HTTPS): browsers then refuse plain HTTP.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.common = [PERMISSIONS_POLICY, *([HSTS] if hsts else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope["path"] in DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if is_docs:
                    headers += [*SECURITY_HEADERS[:3], (b"content-security-policy", DOCS_CSP)]
                else:
                    headers += SECURITY_HEADERS
                headers += self.common
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
