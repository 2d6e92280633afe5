"""Database down, hung or saturated: a fast 503 with Retry-After, logged once, then recovery."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from sprintsync.app import create_app
from sprintsync.db import make_engine
from sprintsync.tasks.models import Task
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_task, make_user
from tests.faults.services import ANYONE, closed_port, fault_settings, silent_listener


def _client(app) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def _assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "5"
    assert r.json()["error"]["code"] == "service_unavailable"
    assert r.json()["request_id"] == r.headers["x-request-id"]


async def test_database_down_answers_503_with_retry_after_and_logs_once(
    capsys, monkeypatch
) -> None:
    # The outage log is per process: start this test as if no outage had been logged yet,
    # whatever ran before it.
    from sprintsync import app as app_module

    monkeypatch.setattr(app_module._DB_OUTAGE, "last_logged", -float("inf"))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/down"
    app = create_app(fault_settings(url))
    async with _client(app) as client:
        for _ in range(5):
            _assert_unavailable(
                await client.get("/api/v1/tasks", headers=bearer(ANYONE, TEST_SECRET))
            )
        # A page gets an HTML page, not JSON.
        client.cookies.set("sprintsync_session", bearer(ANYONE, TEST_SECRET)["Authorization"][7:])
        page = await client.get("/tasks")
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "5"
        assert "right back" in page.text
        ready = await client.get("/readyz")
        assert ready.status_code == 503
    await app.state.engine.dispose()
    out = capsys.readouterr().out
    assert out.count('"database_unavailable"') == 1
    assert "Traceback" not in out
    assert "unhandled_error" not in out


async def test_hung_database_answers_503_within_the_connect_timeout() -> None:
    async with silent_listener() as port:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/hung"
        app = create_app(fault_settings(url, db_connect_timeout_seconds=0.5))
        async with _client(app) as client:
            start = time.perf_counter()
            r = await client.get("/api/v1/tasks", headers=bearer(ANYONE, TEST_SECRET))
            _assert_unavailable(r)
            assert time.perf_counter() - start < 2
            start = time.perf_counter()
            assert (await client.get("/readyz")).status_code == 503
            assert time.perf_counter() - start < 2
        await app.state.engine.dispose()


@pytest.mark.postgres_only
async def test_no_free_connection_answers_503_within_the_pool_timeout(
    database_url: str, session
) -> None:
    user = await make_user(session)
    settings = fault_settings(database_url, db_pool_size=1, db_pool_timeout_seconds=0.5)
    engine = make_engine(settings)
    try:
        async with _client(create_app(settings, engine=engine)) as client:
            async with engine.connect() as held:  # the pool's only connection
                await held.execute(select(1))
                start = time.perf_counter()
                r = await client.post(
                    "/api/v1/tasks", json={"title": "x"}, headers=bearer(user, TEST_SECRET)
                )
                _assert_unavailable(r)
                assert time.perf_counter() - start < 2
            r = await client.post(
                "/api/v1/tasks", json={"title": "x"}, headers=bearer(user, TEST_SECRET)
            )
            assert r.status_code == 201, r.text
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_a_statement_blocked_on_a_lock_ends_at_the_statement_timeout(
    database_url: str, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    settings = fault_settings(database_url, db_statement_timeout_seconds=0.5)
    engine = make_engine(settings)
    auth = bearer(user, TEST_SECRET)
    try:
        async with _client(create_app(settings, engine=engine)) as client:
            url = f"/api/v1/tasks/{task.id}"
            await session.execute(select(Task).where(Task.id == task.id).with_for_update())
            start = time.perf_counter()
            r = await client.patch(url, json={"title": "y"}, headers=auth)
            _assert_unavailable(r)
            assert time.perf_counter() - start < 3
            await session.rollback()
            r = await client.patch(url, json={"title": "y"}, headers=auth)
            assert r.status_code == 200, r.text
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_a_timed_out_raw_read_discards_its_connection(
    database_url: str, session, monkeypatch
) -> None:
    from sqlalchemy import event

    from sprintsync.tasks import fastpath

    user = await make_user(session)
    settings = fault_settings(database_url, db_pool_size=1)
    engine = make_engine(settings)
    invalidated: list[object] = []
    event.listen(engine.sync_engine, "invalidate", lambda *a: invalidated.append(a))
    real_fetch = fastpath.driver_fetch
    calls = {"n": 0}

    async def hung_once(driver: object, sql: str, args: list[object]) -> list[object]:
        # A server that stopped answering mid-query.
        calls["n"] += 1
        if calls["n"] == 1:
            raise TimeoutError
        return await real_fetch(driver, sql, args)

    monkeypatch.setattr(fastpath, "driver_fetch", hung_once)
    try:
        async with _client(create_app(settings, engine=engine)) as client:
            h = bearer(user, TEST_SECRET)
            _assert_unavailable(await client.get("/api/v1/tasks", headers=h))
            assert len(invalidated) == 1
            assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_a_database_refusing_connections_answers_503_on_the_raw_list(
    database_url: str, session
) -> None:
    # While PostgreSQL starts up or shuts down it accepts the socket and then refuses the
    # session (SQLSTATE 57P03). The raw-driver task list takes its connection around
    # SQLAlchemy's error wrapping, so the driver adapter's own error reaches it.
    import asyncpg
    from sqlalchemy import event

    user = await make_user(session)
    settings = fault_settings(database_url, db_pool_size=1)
    engine = make_engine(settings)
    dbapi = engine.dialect.loaded_dbapi

    def starting_up(*_args: object) -> None:
        refused = asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
        raise dbapi.Error("the database system is starting up") from refused

    try:
        async with _client(create_app(settings, engine=engine)) as client:
            h = bearer(user, TEST_SECRET)
            # Warm the user cache, so the request below first connects on the raw path.
            assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
            await engine.dispose()
            event.listen(engine.sync_engine, "do_connect", starting_up)
            _assert_unavailable(await client.get("/api/v1/tasks", headers=h))
            event.remove(engine.sync_engine, "do_connect", starting_up)
            assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_the_raw_path_reports_a_refused_connection_as_an_outage(database_url: str) -> None:
    # The raw-driver list checks out its own connection: a refusal there must read as an
    # outage (ConnectionError, so 503) like SQLAlchemy's wrapped errors, not as a bug.
    import asyncpg
    from sqlalchemy import event

    from sprintsync.tasks import fastpath

    engine = make_engine(fault_settings(database_url, db_pool_size=1))
    dbapi = engine.dialect.loaded_dbapi

    def shutting_down(*_args: object) -> None:
        refused = asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")
        raise dbapi.Error("the database system is shutting down") from refused

    event.listen(engine.sync_engine, "do_connect", shutting_down)
    try:
        with pytest.raises(ConnectionError):
            await fastpath._checkout(engine)
    finally:
        await engine.dispose()
