"""The application factory: settings, database, middleware, routers, error handlers."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from sprintsync import __version__
from sprintsync.activity.api import router as activity_router
from sprintsync.activity.pages import router as activity_pages
from sprintsync.ai import kind_model
from sprintsync.ai.api import router as ai_router
from sprintsync.ai.embeddings import build_embeddings
from sprintsync.ai.pages import router as ai_pages
from sprintsync.ai.service import build_assistant
from sprintsync.auth.api import router as auth_router
from sprintsync.auth.cookies import SessionRenewalMiddleware
from sprintsync.auth.pages import router as auth_pages
from sprintsync.auth.service import LoginThrottle, SignupThrottle
from sprintsync.comments.api import router as comments_router
from sprintsync.compression import CompressionMiddleware
from sprintsync.config import Settings, get_settings
from sprintsync.db import (
    is_database_unavailable,
    make_engine,
    make_read_sessionmaker,
    make_sessionmaker,
)
from sprintsync.errors import CODE_FOR_STATUS, AppError, PayloadTooLarge, error_body
from sprintsync.http import BodyLimitMiddleware, SecurityHeadersMiddleware
from sprintsync.invitations.api import router as invitations_router
from sprintsync.invitations.pages import router as invitations_pages
from sprintsync.notifications import service as notifications
from sprintsync.notifications.api import router as notifications_router
from sprintsync.notifications.pages import router as notifications_pages
from sprintsync.observability import (
    DB_POOL_CHECKED_OUT,
    DB_UNAVAILABLE,
    METRICS_CONTENT_TYPE,
    TASKS_BY_STATUS,
    OutageLog,
    RequestContextMiddleware,
    configure_logging,
    forget_dead_workers,
    log,
    metrics_payload,
)
from sprintsync.openapi import add_links, document_malformed_bodies, document_password_change
from sprintsync.projects import service as project_service
from sprintsync.projects.api import router as projects_router
from sprintsync.projects.pages import router as projects_pages
from sprintsync.ratelimit import Limiter, make_storage, storage_reachable
from sprintsync.security.deps import PASSWORD_CHANGE_PATHS, authenticate_unparsed, optional_user
from sprintsync.security.models import User
from sprintsync.security.user_cache import UserCache
from sprintsync.stats.api import router as stats_router
from sprintsync.stats.pages import router as stats_pages
from sprintsync.tasks import service as task_service
from sprintsync.tasks.api import router as tasks_router
from sprintsync.tasks.pages import router as tasks_pages
from sprintsync.tasks.schemas import PRIORITY_NAMES, STATUS_LABELS
from sprintsync.timesheet import service as timesheet
from sprintsync.timesheet.api import router as time_router
from sprintsync.timesheet.pages import router as time_pages
from sprintsync.users.api import router as users_router
from sprintsync.users.pages import router as users_pages
from sprintsync.web.assets import STATIC_DIR, HashedStaticFiles
from sprintsync.web.docs import router as docs_router
from sprintsync.web.errors import render_error_page
from sprintsync.web.layout import set_layout_parts
from sprintsync.web.render import add_template_globals

_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.json_logs)
    engine = engine or make_engine(settings)
    _count_pool_usage(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The kind model's weights (0.2 s to read) load now, not in the first draft's request,
        # and before the collector freezes what startup built.
        kind_model.model()
        _tune_gc()
        forget_dead_workers()
        yield
        await _app.state.ai.aclose()
        await _app.state.embeddings.aclose()
        await engine.dispose()

    app = FastAPI(
        title="SprintSync",
        version=__version__,
        summary="Tasks, time tracking and honest AI planning help for engineering teams.",
        lifespan=lifespan,
        # /docs and /redoc are served by sprintsync.web.docs from local files (no CDN).
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.read_sessionmaker = make_read_sessionmaker(engine)
    app.state.user_cache = UserCache(ttl=settings.auth_cache_seconds)
    storage = make_storage(settings.redis_url)
    app.state.rate_limit_storage = storage
    app.state.login_throttle = LoginThrottle(
        by_email=Limiter(storage, "login-email", settings.login_rate_limit),
        by_client=Limiter(storage, "login-client", settings.login_ip_rate_limit),
    )
    app.state.signup_throttle = SignupThrottle(
        by_client=Limiter(storage, "signup-client", settings.signup_rate_limit),
        overall=Limiter(storage, "signup-all", settings.signup_global_rate_limit),
    )
    app.state.ai = build_assistant(settings, storage)
    app.state.embeddings = build_embeddings(settings.ai)
    notifications.listen_to_tasks()

    # Routes are matched in order, so the hottest come first; each is included directly
    # (no intermediate router), which keeps matching one level shallow.
    app.include_router(_ops_router())
    # Projects sit below tasks; tasks tell them what leaving a project means for its tasks.
    project_service.on_member_removed("tasks", task_service.unassign_member_tasks)
    api_routers = (
        tasks_router,
        time_router,
        projects_router,
        auth_router,
        users_router,
        invitations_router,
        ai_router,
        comments_router,
        activity_router,
        notifications_router,
        stats_router,
    )
    for router in api_routers:
        app.include_router(router, prefix="/api/v1")
    if settings.api_docs:
        app.include_router(docs_router)
    page_routers = (
        auth_pages,
        # Before the tasks pages: /projects/switcher is not a project board.
        projects_pages,
        tasks_pages,
        time_pages,
        ai_pages,
        users_pages,
        activity_pages,
        notifications_pages,
        invitations_pages,
        stats_pages,
    )
    for router in page_routers:
        app.include_router(router)
    # What the lower layers show but do not own: web/ imports no domain.
    set_layout_parts(
        app, timesheet.header_timer(settings.long_timer_hours), notifications.UNREAD_BADGE
    )
    add_template_globals(STATUS_LABELS=STATUS_LABELS, PRIORITIES=PRIORITY_NAMES)
    if STATIC_DIR.is_dir():
        app.mount("/static", HashedStaticFiles(directory=STATIC_DIR), name="static")

    _publish_complete_schema(app)
    _install_error_handlers(app)
    # Added innermost first: the request-id middleware wraps everything else.
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, on_refuse=_too_large_response
    )
    app.add_middleware(SessionRenewalMiddleware)
    app.add_middleware(CompressionMiddleware, minimum_size=settings.compress_min_bytes)
    app.add_middleware(RequestContextMiddleware, on_error=_internal_error_response)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    if settings.trusted_proxies:
        # Outermost, so throttling, logs and cookies all see the client behind the proxy.
        # Only the listed addresses are believed; anyone else could forge the headers.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def _publish_complete_schema(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = document_malformed_bodies(FastAPI.openapi(app))
            schema = document_password_change(schema, exempt=PASSWORD_CHANGE_PATHS)
            app.openapi_schema = add_links(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _tune_gc() -> None:
    """Keep the cyclic garbage collector off the request path.

    Everything alive at start-up (modules, routes, compiled queries) is frozen out of the
    collector's sight, and young-generation passes run less often: measured on the task
    list, this cut the server's CPU per request by about a fifth, with flat memory use.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _count_pool_usage(engine: AsyncEngine) -> None:
    """Keep `sprintsync_db_pool_connections_in_use` equal to the connections handed out.

    Only a checkout that happened is undone at check-in: a connect that fails (database
    down) fires a check-in without a checkout, which drove the gauge far below zero.
    """
    pool_engine = engine.sync_engine
    if getattr(pool_engine, "_sprintsync_counted", False):
        return  # one set of listeners per engine, however many apps share it (tests)
    pool_engine._sprintsync_counted = True  # type: ignore[attr-defined]
    checked_out: set[int] = set()

    def checkout(_dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if id(record) not in checked_out:
            checked_out.add(id(record))
            DB_POOL_CHECKED_OUT.inc()

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        if id(record) in checked_out:
            checked_out.discard(id(record))
            DB_POOL_CHECKED_OUT.dec()

    event.listen(pool_engine, "checkout", checkout)
    event.listen(pool_engine, "checkin", checkin)


def _ops_router() -> APIRouter:
    router = APIRouter(tags=["ops"])

    # One route per method: a shared one gives both the same operationId in the schema.
    @router.get("/healthz", summary="Liveness: the process is up")
    @router.head("/healthz", summary="Liveness: the process is up (headers only)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: database reachable and migrations at head",
        responses={503: {"description": "Not ready"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        # Alembic is only needed here; importing it late keeps it off the start-up path.
        from sprintsync.migrations import is_at_head

        engine: AsyncEngine = request.app.state.engine
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                at_head = await conn.run_sync(is_at_head)
        except Exception as exc:  # any failure to reach the database means "not ready"
            log.warning("readiness_failed", error=str(exc))
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if not at_head:
            return JSONResponse({"status": "unavailable", "database": "migrations_pending"}, 503)
        body = {"status": "ok", "database": "ok"}
        if request.app.state.settings.redis_url:
            # Rate limits fail open to per-process counting, so a Redis outage degrades
            # the app rather than making it unready; it is reported for the operator.
            reachable = await storage_reachable(request.app.state.rate_limit_storage)
            body["redis"] = "ok" if reachable else "unreachable"
        return JSONResponse(body)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        await _count_tasks(request.app)
        return Response(metrics_payload(), media_type=METRICS_CONTENT_TYPE)

    return router


TASK_COUNT_INTERVAL = 15.0


async def _count_tasks(app: FastAPI) -> None:
    """Refresh the tasks-by-status gauge, at most every TASK_COUNT_INTERVAL per process.

    One grouped count per scrape interval, never per request; a database that does not
    answer leaves the last numbers and the rest of the scrape intact.
    """
    now = time.monotonic()
    if now - getattr(app.state, "tasks_counted_at", -TASK_COUNT_INTERVAL) < TASK_COUNT_INTERVAL:
        return
    app.state.tasks_counted_at = now
    try:
        async with app.state.read_sessionmaker() as session:
            counts = await task_service.count_by_status(session)
    except Exception as exc:  # the scrape must not fail with the database
        log.warning("task_count_failed", error=str(exc))
        return
    for status, n in counts.items():
        TASKS_BY_STATUS.labels(status=status).set(n)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get(
        "accept", ""
    )


async def _render(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any,
    headers: dict[str, str] | None = None,
) -> Response:
    request_id = getattr(request.state, "request_id", None)
    if _wants_json(request):
        return JSONResponse(
            error_body(code, message, details, request_id), status_code=status, headers=headers
        )

    async def load_user() -> User | None:
        return await _signed_in_user(request)

    return await render_error_page(request, status, code, message, headers, load_user=load_user)


async def _signed_in_user(request: Request) -> User | None:
    """Who is signed in, for an error page's header; never an error of its own.

    The request's own user row is reused while it is still loaded; after a rollback (the
    usual case for an error) it is read again in a short session of its own.
    """
    user = getattr(request.state, "user", None)
    if isinstance(user, User) and not inspect(user).expired_attributes:
        return user
    try:
        async with asyncio.timeout(2), request.app.state.read_sessionmaker() as session:
            return await optional_user(request, session)
    except Exception:  # the database may be why this is an error page at all
        return None


async def _too_large_response(scope: Scope, receive: Receive, send: Send) -> None:
    """The 413 for a body over the limit: the envelope under /api, a page for a form."""
    request = Request(scope, receive)
    err = PayloadTooLarge()
    max_bytes = request.app.state.settings.max_body_bytes
    response = await _render(
        request, err.status_code, err.code, err.message, {"max_bytes": max_bytes}
    )
    await response(scope, receive, send)


async def _internal_error_response(scope: Scope, receive: Receive, send: Send) -> None:
    """The 500 for an unhandled exception (already logged by the request middleware)."""
    request = Request(scope, receive)
    response = await _render(
        request, 500, CODE_FOR_STATUS[500], "Something went wrong on our side.", None
    )
    await response(scope, receive, send)


def _is_bad_value(exc: Exception) -> bool:
    """A database "data exception" (SQLSTATE class 22): the request's value, not our bug.

    PostgreSQL refuses NUL characters in text, for one; the driver refuses out-of-range
    numbers. Both come from input, so they are a 422, not a 500.
    """
    if isinstance(exc, asyncpg.exceptions.DataError):
        return True
    orig = getattr(exc, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        if isinstance(candidate, asyncpg.exceptions.DataError):
            return True
        if str(getattr(candidate, "sqlstate", "") or "").startswith("22"):
            return True
    return False


# How long a client is asked to wait when the database is unavailable, and how often an
# ongoing outage is logged (the first failure is logged with its cause; later ones counted).
DB_RETRY_AFTER_SECONDS = 5
_DB_OUTAGE = OutageLog("database_unavailable", interval_seconds=30.0)


async def _database_unavailable(request: Request, exc: BaseException) -> Response:
    DB_UNAVAILABLE.inc()
    _DB_OUTAGE.report(error=repr(getattr(exc, "orig", None) or exc), path=request.url.path)
    return await _render(
        request,
        503,
        "service_unavailable",
        "The service is briefly unavailable; try again in a few seconds.",
        {"retry_after": DB_RETRY_AFTER_SECONDS},
        {"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OSError)
    @app.exception_handler(PoolTimeout)
    async def unavailable(request: Request, exc: Exception) -> Response:
        # Connection refused or reset, a connect/statement timeout, no pooled connection in
        # time: a dependency is down or hung, which is a 503 to retry, not our bug.
        return await _database_unavailable(request, exc)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(asyncpg.exceptions.PostgresError)
    @app.exception_handler(asyncpg.exceptions.InterfaceError)
    async def database_error(request: Request, exc: Exception) -> Response:
        if is_database_unavailable(exc):
            return await _database_unavailable(request, exc)
        if _is_bad_value(exc):
            return await _render(
                request,
                422,
                "invalid_value",
                "A value in the request cannot be stored (for example a NUL character).",
                None,
            )
        log.error("unhandled_error", exc_info=exc, path=request.url.path)
        return await _render(
            request, 500, CODE_FOR_STATUS[500], "Something went wrong on our side.", None
        )

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return await _render(
            request, exc.status_code, exc.code, exc.message, exc.details, exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if (refused := await _authentication_first(request, exc)) is not None:
            return refused
        details = [
            {
                "field": ".".join(str(p) for p in err["loc"] if p != "body"),
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors()
        ]
        return await _render(
            request, 422, CODE_FOR_STATUS[422], "The request is not valid.", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if (refused := await _authentication_first(request, exc)) is not None:
            return refused
        code = CODE_FOR_STATUS.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return await _render(request, exc.status_code, code, message, None, headers)


async def _authentication_first(request: Request, exc: Exception) -> Response | None:
    """The 401/403 answer for a body that failed to parse on a route that needs a user."""
    if isinstance(exc, RequestValidationError):
        unparsed = any(err["type"] == "json_invalid" for err in exc.errors())
    else:
        unparsed = isinstance(exc, StarletteHTTPException) and exc.status_code == 400
    if not unparsed:
        return None
    try:
        await authenticate_unparsed(request)
    except AppError as exc:
        return await _render(
            request, exc.status_code, exc.code, exc.message, exc.details, exc.headers
        )
    return None


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (the router names only the first route's).

    Asked of the routes themselves, one method at a time, so included routers count too.
    """
    allowed = []
    for method in _METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)
