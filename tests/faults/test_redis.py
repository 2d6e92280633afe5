"""Redis down or hung: log-in keeps working on per-process limits, fast, logged once."""

from __future__ import annotations

import time

import httpx
import pytest

from sprintsync.app import create_app
from sprintsync.observability import RATE_LIMIT_FALLBACKS
from tests.factories import PASSWORD, make_user
from tests.faults.services import REDIS_SERVER, closed_port, redis_server, silent_listener

LOGIN = "/api/v1/auth/login"


def _fallbacks() -> float:
    return sum(
        s.value
        for m in RATE_LIMIT_FALLBACKS.collect()
        for s in m.samples
        if s.name.endswith("_total")
    )


async def _client(app) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def _login_timed(
    client: httpx.AsyncClient, email: str, password: str
) -> tuple[httpx.Response, float]:
    start = time.perf_counter()
    r = await client.post(LOGIN, json={"email": email, "password": password})
    return r, time.perf_counter() - start


async def test_log_in_works_and_is_still_throttled_with_redis_down(
    settings, engine, session, capsys
) -> None:
    settings.redis_url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.login_rate_limit = "3/minute"
    settings.log_level = "INFO"
    user = await make_user(session)
    before = _fallbacks()
    async with await _client(create_app(settings, engine=engine)) as client:
        r, took = await _login_timed(client, user.email, PASSWORD)
        assert r.status_code == 200, r.text
        assert took < 3
        for _ in range(3):
            r, _took = await _login_timed(client, user.email, "wrong-password")
            assert r.status_code == 401
        # The per-process fallback still counts failures.
        r, _took = await _login_timed(client, user.email, PASSWORD)
        assert r.status_code == 429
        ready = (await client.get("/readyz")).json()
    assert ready["redis"] == "unreachable"
    assert _fallbacks() > before
    # One warning for the outage, not one per request.
    assert capsys.readouterr().out.count("rate_limit_storage_unavailable") <= 1


async def test_log_in_answers_within_a_second_with_redis_hung(settings, engine, session) -> None:
    user = await make_user(session)
    async with silent_listener() as port:
        settings.redis_url = f"redis://127.0.0.1:{port}/0"
        async with await _client(create_app(settings, engine=engine)) as client:
            r, took = await _login_timed(client, user.email, PASSWORD)
            assert r.status_code == 200, r.text
            assert took < 1.5
            start = time.perf_counter()
            ready = (await client.get("/readyz")).json()
            assert time.perf_counter() - start < 1.5
    assert ready["redis"] == "unreachable"


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
async def test_limits_are_shared_in_redis_and_survive_it_pausing(
    settings, engine, session, tmp_path
) -> None:
    user = await make_user(session)
    settings.login_rate_limit = "2/minute"
    with redis_server(tmp_path) as redis:
        settings.redis_url = f"redis://127.0.0.1:{redis.port}/0"
        first, second = create_app(settings, engine=engine), create_app(settings, engine=engine)
        async with await _client(first) as a, await _client(second) as b:
            assert (await a.get("/readyz")).json()["redis"] == "ok"
            await _login_timed(a, user.email, "wrong-password")
            await _login_timed(b, user.email, "wrong-password")
            # Two apps (two workers) share one count in Redis.
            r, _took = await _login_timed(a, user.email, PASSWORD)
            assert r.status_code == 429
            redis.pause()
            try:
                r, took = await _login_timed(b, "nobody@example.com", "wrong-password")
                assert r.status_code == 401
                assert took < 1.5
            finally:
                redis.resume()
            assert (await a.get("/readyz")).json()["redis"] == "ok"
