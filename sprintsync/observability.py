"""Structured logs, request ids and Prometheus metrics, as pure ASGI middleware."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO, cast

import orjson
import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sprintsync import __version__

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

HTTP_REQUESTS = Counter(
    "sprintsync_http_requests_total",
    "HTTP requests by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "sprintsync_http_request_duration_seconds",
    "HTTP request latency by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_IN_FLIGHT = Gauge(
    "sprintsync_http_requests_in_flight",
    "HTTP requests being served now.",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "sprintsync_db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
TASKS_BY_STATUS = Gauge(
    "sprintsync_tasks",
    "Tasks by status across the instance, counted at scrape time (at most every 15 s).",
    ["status"],
    # Every worker and replica counts the same rows: the newest count is the answer.
    multiprocess_mode="mostrecent",
)
RATE_LIMIT_FALLBACKS = Counter(
    "sprintsync_rate_limit_fallbacks_total",
    "Rate-limit checks answered by the per-process fallback because Redis was unreachable.",
    ["namespace"],
)
DB_UNAVAILABLE = Counter(
    "sprintsync_db_unavailable_total",
    "Requests answered 503 because the database was unreachable or timed out.",
)
APP_INFO = Gauge(
    "sprintsync_app_info",
    "Application build information.",
    ["version"],
    multiprocess_mode="max",
)
APP_INFO.labels(version=__version__).set(1)


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """structlog straight to stdout: one JSON object per line, no stdlib handlers on the way."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    if json:
        processors.append(structlog.processors.JSONRenderer(serializer=orjson.dumps))
        # _Stdout has the two methods the logger calls; it is not a whole BinaryIO.
        factory: Any = structlog.BytesLoggerFactory(cast("BinaryIO", _Stdout()))
    else:
        processors.append(structlog.dev.ConsoleRenderer())
        factory = structlog.PrintLoggerFactory(sys.stdout)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    log.bound = structlog.get_logger("sprintsync").bind()


class _Stdout:
    """Whatever sys.stdout is now (tests swap it), written as bytes."""

    def write(self, data: bytes) -> None:
        sys.stdout.buffer.write(data)

    def flush(self) -> None:
        sys.stdout.flush()


class _AppLogger:
    """The app's logger. `configure_logging` binds a fresh one, so a later configuration
    (tests build many apps, with different levels) applies even after the first line: a
    structlog proxy caches its first configuration for good."""

    def __init__(self) -> None:
        self.bound: Any = structlog.get_logger("sprintsync")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bound, name)


log = _AppLogger()


class OutageLog:
    """Writes an ongoing outage to the log at most once per interval, not once per request."""

    def __init__(self, event: str, interval_seconds: float = 60.0) -> None:
        self.event = event
        self.interval = interval_seconds
        self.last_logged = -float("inf")

    def report(self, **fields: Any) -> None:
        now = time.monotonic()
        if now - self.last_logged >= self.interval:
            self.last_logged = now
            log.warning(self.event, **fields)


def _route_template(scope: Scope) -> str:
    # FastAPI resolves the routes of included routers lazily: scope["route"] is then the route
    # as declared in its own router ("/tasks/{task_id}"), and the full template
    # ("/api/v1/tasks/{task_id}") is on the route context FastAPI records in scope["fastapi"].
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        template = getattr(fastapi_scope.get("effective_route_context"), "path_format", None)
        if template:
            return template
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


ErrorResponder = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestContextMiddleware:
    """Request id in and out, one access log line, request metrics.

    It also answers unhandled exceptions (via `on_error`) so that a 500 carries the request
    id and passes through the security headers like any other response; the stack trace is
    logged here and never sent.
    """

    def __init__(self, app: ASGIApp, on_error: ErrorResponder | None = None) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        header = (b"x-request-id", request_id.encode())
        status = 0
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("unhandled_error", exc_info=exc, path=scope["path"])
            if status or self.on_error is None:
                raise
            await self.on_error(scope, receive, send_with_id)
        finally:
            status = status or 500
            HTTP_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - start
            route = _route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            log.info(
                "request",
                method=method,
                path=scope["path"],
                route=route,
                status=status,
                client=_client_host(scope),
                user_id=state.get("user_id"),
                latency_ms=round(elapsed * 1000, 2),
            )


def _client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if REQUEST_ID_RE.match(candidate) else None
    return None


_LIVE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def forget_dead_workers(directory: str | None = None) -> list[int]:
    """Drop the live gauges of worker processes that are gone; return their process ids.

    Run at each worker's start-up: when a worker is killed and respawned, the dead one's
    `livesum` files (requests in flight, connections in use) would otherwise keep counting.
    """
    directory = directory or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory or not os.path.isdir(directory):
        return []
    dead: set[int] = set()
    for name in os.listdir(directory):
        match = _LIVE_FILE.match(name)
        if match and not _process_alive(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return sorted(dead)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def metrics_payload() -> bytes:
    """Exposition text; aggregates every worker's files when running multi-process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)


METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
