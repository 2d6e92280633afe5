"""Request ids, JSON request logs, Prometheus metrics (one and several workers), health checks."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from sprintsync import __version__
from sprintsync.app import create_app
from sprintsync.config import Settings
from sprintsync.migrations import upgrade
from sprintsync.observability import TASKS_BY_STATUS, log
from sprintsync.security.deps import CurrentUser
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_task, make_user

T = TypeVar("T")
REQUESTS_TOTAL = "sprintsync_http_requests_total"
LATENCY = "sprintsync_http_request_duration_seconds"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """INFO level, so the per-request line is written (the shared settings log warnings only)."""
    s = base_settings.model_copy(deep=True)
    s.log_level = "INFO"
    return s


def log_lines(out: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object."""
    return [orjson.loads(line) for line in out.splitlines() if line.strip()]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient) -> dict:
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


# --- request id ------------------------------------------------------------------------


async def test_well_formed_request_id_is_echoed(client) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "client-abc_123.4:5"})
    assert r.headers["x-request-id"] == "client-abc_123.4:5"


@pytest.mark.parametrize("bad", ["short", "has space inside", "x" * 129, "semi;colon-12345"])
async def test_malformed_request_id_is_replaced(client, bad: str) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": bad})
    rid = r.headers["x-request-id"]
    assert rid != bad
    assert len(rid) == 32
    assert int(rid, 16) >= 0


async def test_missing_request_id_is_generated_and_unique(client) -> None:
    first = (await client.get("/healthz")).headers["x-request-id"]
    second = (await client.get("/healthz")).headers["x-request-id"]
    assert len(first) == 32
    assert first != second


async def test_error_envelope_carries_the_request_id(client) -> None:
    r = await client.get("/api/v1/tasks", headers={"X-Request-ID": "trace-0001-abcd"})
    assert r.status_code == 401
    assert r.json()["request_id"] == "trace-0001-abcd"


# --- logs ------------------------------------------------------------------------------


async def test_one_json_log_line_per_request_with_its_fields(client, session, capsys) -> None:
    user = await make_user(session)
    capsys.readouterr()
    r = await client.get(
        "/api/v1/tasks/424242",
        headers={**bearer(user, TEST_SECRET), "X-Request-ID": "log-test-request-1"},
    )
    assert r.status_code == 404
    lines = [
        line
        for line in log_lines(capsys.readouterr().out)
        if line.get("request_id") == "log-test-request-1"
    ]
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/tasks/424242"
    assert line["route"] == "/api/v1/tasks/{task_ref}"
    assert line["status"] == 404
    assert line["user_id"] == user.id
    assert isinstance(line["latency_ms"], int | float)
    assert line["latency_ms"] >= 0
    assert line["level"] == "info"


async def test_anonymous_request_is_logged_without_user(client, capsys) -> None:
    capsys.readouterr()
    await client.get("/no/such/page", headers={"X-Request-ID": "log-test-request-2"})
    (line,) = [
        x for x in log_lines(capsys.readouterr().out) if x.get("request_id") == "log-test-request-2"
    ]
    assert line["user_id"] is None
    assert line["status"] == 404
    assert line["route"] == "unmatched"


async def test_unhandled_error_is_logged_with_stack_trace_but_not_sent(app, capsys) -> None:
    async def explode() -> None:
        raise RuntimeError("database password is hunter2")

    app.add_api_route("/api/v1/explode", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        capsys.readouterr()
        r = await c.get("/api/v1/explode")
    assert r.status_code == 500
    body = r.json()
    assert body["error"]["code"] == "internal_error"
    assert "hunter2" not in r.text
    assert "Traceback" not in r.text
    assert r.headers["x-request-id"] == body["request_id"]
    lines = log_lines(capsys.readouterr().out)
    (error,) = [x for x in lines if x["event"] == "unhandled_error"]
    assert error["level"] == "error"
    assert "Traceback (most recent call last)" in error["exception"]
    assert "RuntimeError: database password is hunter2" in error["exception"]
    assert error["request_id"] == body["request_id"]
    (request,) = [x for x in lines if x["event"] == "request"]
    assert request["status"] == 500
    assert request["route"] == "/api/v1/explode"


async def test_every_line_of_an_authenticated_request_names_the_user(app, session, capsys) -> None:
    async def noisy(user: CurrentUser) -> dict[str, int]:
        log.info("working_on_it", step=1)
        log.warning("still_working", step=2)
        return {"id": user.id}

    app.add_api_route("/api/v1/noisy", noisy)
    user = await make_user(session)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        capsys.readouterr()
        r = await c.get("/api/v1/noisy", headers=bearer(user, TEST_SECRET))
        assert r.status_code == 200
        await c.get("/healthz")
    lines = log_lines(capsys.readouterr().out)
    by_event = {line["event"]: line for line in lines}
    assert by_event["working_on_it"]["user_id"] == user.id
    assert by_event["still_working"]["user_id"] == user.id
    # The next request starts clean: no user carried over from the last one.
    health = [x for x in lines if x["event"] == "request" and x["path"] == "/healthz"]
    assert health[0]["user_id"] is None


# --- metrics ---------------------------------------------------------------------------


async def test_metrics_count_requests_by_route_template(client, session) -> None:
    user = await make_user(session)
    route = "/api/v1/tasks/{task_ref}"
    before = await scrape(client)
    for task_id in (910001, 910002, 910003):
        r = await client.get(f"/api/v1/tasks/{task_id}", headers=bearer(user, TEST_SECRET))
        assert r.status_code == 404
    after = await scrape(client)
    labels = {"method": "GET", "route": route, "status": "404"}
    assert value(after, REQUESTS_TOTAL, **labels) - value(before, REQUESTS_TOTAL, **labels) == 3
    count = f"{LATENCY}_count"
    assert (
        value(after, count, method="GET", route=route)
        - value(before, count, method="GET", route=route)
        == 3
    )
    inf_bucket = {"method": "GET", "route": route, "le": "+Inf"}
    assert value(after, f"{LATENCY}_bucket", **inf_bucket) == value(
        after, count, method="GET", route=route
    )
    # Raw paths never become labels, so the number of series stays bounded.
    assert not any("910001" in str(key) for key in after)


async def test_metrics_expose_in_flight_pool_and_app_info(client) -> None:
    found = await scrape(client)
    # The scrape itself is being served while the gauge is read.
    assert value(found, "sprintsync_http_requests_in_flight") >= 1
    assert ("sprintsync_db_pool_connections_in_use", frozenset()) in found
    assert value(found, "sprintsync_app_info", version=__version__) == 1


async def test_metrics_count_tasks_by_status_at_scrape_time(client, session) -> None:
    # The gauge is process-wide: numbers an earlier scrape left behind must not pass for
    # this scrape's count.
    TASKS_BY_STATUS.clear()
    owner = await make_user(session)
    for status in ("todo", "todo", "in_progress"):
        await make_task(session, owner, status=status)
    found = await scrape(client)
    assert value(found, "sprintsync_tasks", status="todo") == 2
    assert value(found, "sprintsync_tasks", status="in_progress") == 1
    assert value(found, "sprintsync_tasks", status="done") == 0


# --- health ----------------------------------------------------------------------------


async def test_healthz_is_ok(client) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_readyz_is_ok_on_a_migrated_database(client) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


async def _readyz(settings: Settings) -> httpx.Response:
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.get("/readyz")
    finally:
        await app.state.engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:1/unreachable",
        "sqlite+aiosqlite:////nonexistent-dir/for/sure/app.db",
    ],
)
async def test_readyz_is_503_when_the_database_is_unreachable(url: str) -> None:
    r = await _readyz(Settings(_env_file=None, env="test", database_url=url))
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "database": "unreachable"}


async def test_readyz_is_503_when_migrations_are_pending(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    r = await _readyz(Settings(_env_file=None, env="test", database_url=url))
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "database": "migrations_pending"}


# --- several workers -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_worker_server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """`sprintsync serve --workers 2` on a free port, against a migrated SQLite file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "SPRINTSYNC_DATABASE_URL": url,
        "SPRINTSYNC_ENV": "test",
        "SPRINTSYNC_SECRET_KEY": TEST_SECRET,
        "SPRINTSYNC_LOG_LEVEL": "WARNING",
        # The serve command makes its metrics folder here, where the test can look at it.
        "TMPDIR": str(scratch),
    }
    log = (tmp_path / "server.log").open("wb")
    cmd = [sys.executable, "-m", "sprintsync", "serve", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, base, tmp_path / "server.log")
        yield base, scratch, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def _wait_until_up(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server did not answer within 60 s:\n{log.read_text()}")


def _healthz_count_per_worker(scratch: Path, work: Path) -> dict[str, float]:
    """Read each worker's own counter file on its own, to see who served what."""
    (metrics_dir,) = scratch.glob("sprintsync-metrics-*")
    counts = {}
    for db_file in metrics_dir.glob("counter_*.db"):
        single = work / db_file.stem
        single.mkdir(exist_ok=True)
        shutil.copy(db_file, single / db_file.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(single))
        # A file copied while its worker was still creating it is unreadable: skip it this
        # time; the caller reads again until the counts settle.
        with contextlib.suppress(struct.error):
            counts[db_file.stem] = (
                registry.get_sample_value(
                    REQUESTS_TOTAL, {"method": "GET", "route": "/healthz", "status": "200"}
                )
                or 0.0
            )
        shutil.rmtree(single)
    return counts


def _settled(read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """`read()` once `done` holds, or after 10 s, whatever it is then (the caller asserts)."""
    deadline = time.monotonic() + 10
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def test_metrics_add_up_across_worker_processes(two_worker_server, tmp_path: Path) -> None:
    base, scratch, proc = two_worker_server

    def counted() -> dict[str, float]:
        return _healthz_count_per_worker(scratch, tmp_path)

    # The start-up probe counts too (a worker counts a request just after answering it).
    sent = sum(_settled(counted, lambda c: sum(c.values()) >= 1).values())

    def hit(_: int) -> int:
        # A new connection each time, so the kernel can hand it to either worker.
        return httpx.get(f"{base}/healthz", headers={"Connection": "close"}).status_code

    per_worker: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _round in range(20):
            assert set(pool.map(hit, range(16))) == {200}
            sent += 16
            per_worker = _settled(counted, lambda c, want=sent: sum(c.values()) >= want)
            if sum(1 for n in per_worker.values() if n > 0) >= 2:
                break
    assert sum(1 for n in per_worker.values() if n > 0) >= 2, per_worker
    assert sum(per_worker.values()) == sent
    # Whichever worker answers the scrape, it reports every worker's requests.
    for _ in range(6):
        r = httpx.get(f"{base}/metrics", headers={"Connection": "close"})
        found = samples(r.text)
        assert value(found, REQUESTS_TOTAL, method="GET", route="/healthz", status="200") == sent
        assert value(found, f"{LATENCY}_count", method="GET", route="/healthz") == sent
        assert value(found, "sprintsync_app_info", version=__version__) == 1
    # A clean stop removes the metrics folder the serve command made.
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert list(scratch.glob("sprintsync-metrics-*")) == []
