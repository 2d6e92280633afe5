"""Metrics stay true after faults: failed connects and killed workers."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from prometheus_client import CollectorRegistry, multiprocess

from sprintsync.app import create_app
from sprintsync.observability import DB_POOL_CHECKED_OUT, forget_dead_workers
from tests.conftest import TEST_SECRET
from tests.factories import bearer
from tests.faults.services import ANYONE, closed_port, fault_settings


def _gauge(gauge) -> float:
    return next(s.value for m in gauge.collect() for s in m.samples)


async def test_pool_gauge_does_not_go_negative_while_the_database_is_down() -> None:
    app = create_app(fault_settings(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x"))
    before = _gauge(DB_POOL_CHECKED_OUT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(5):
            r = await client.get("/api/v1/tasks", headers=bearer(ANYONE, TEST_SECRET))
            assert r.status_code == 503
    await app.state.engine.dispose()
    assert _gauge(DB_POOL_CHECKED_OUT) == before


async def test_pool_gauge_ignores_a_check_in_that_had_no_checkout() -> None:
    # When the pool fails to reconnect a record invalidated by an outage, SQLAlchemy fires
    # "checkin" for a connection that was never handed out: once per failed request.
    app = create_app(fault_settings(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x"))
    pool_events = app.state.engine.sync_engine.pool.dispatch
    before = _gauge(DB_POOL_CHECKED_OUT)
    record = object()
    for _ in range(3):
        pool_events.checkin(None, record)
    assert _gauge(DB_POOL_CHECKED_OUT) == before
    pool_events.checkout(None, record, None)
    assert _gauge(DB_POOL_CHECKED_OUT) == before + 1
    pool_events.checkin(None, record)
    assert _gauge(DB_POOL_CHECKED_OUT) == before
    await app.state.engine.dispose()


def _in_flight(directory: str) -> float:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    values = [
        s.value
        for m in registry.collect()
        for s in m.samples
        if s.name == "sprintsync_http_requests_in_flight"
    ]
    return sum(values)


def test_a_killed_workers_in_flight_requests_stop_counting_when_workers_start(tmp_path) -> None:
    # A worker that dies with two requests in flight leaves its live gauge file behind.
    script = (
        "from sprintsync.observability import HTTP_IN_FLIGHT\n"
        "HTTP_IN_FLIGHT.inc(); HTTP_IN_FLIGHT.inc()\n"
        "import os; os._exit(9)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    dead = subprocess.run([sys.executable, "-c", script], env=env, check=False)
    assert dead.returncode == 9
    assert _in_flight(str(tmp_path)) == 2
    # The respawned worker's start-up clears it; a live process's files are kept.
    assert forget_dead_workers(str(tmp_path)) != []
    assert _in_flight(str(tmp_path)) == 0
    assert forget_dead_workers(str(tmp_path)) == []
