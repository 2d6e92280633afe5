"""The provider path under failure: one time budget, a circuit breaker, shared calls."""

from __future__ import annotations

import asyncio
import time

import pytest

from sprintsync.ai.resilience import CircuitBreaker, SharedCalls
from tests.ai.conftest import NETWORK_PROVIDERS, use_network
from tests.ai.fake_llm import FakeLLM, Reply
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user

SUGGEST = "/api/v1/ai/suggest"
ESTIMATE = {"mode": "estimate", "title": "Fix login redirect on Firefox"}


def test_the_breaker_opens_after_repeated_failures_and_probes_after_the_cool_down() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=30, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow()
    now[0] = 31
    assert breaker.allow()  # the one probe
    assert not breaker.allow()  # everyone else keeps the offline answer meanwhile
    breaker.record_success()
    assert breaker.allow()
    assert breaker.remaining == 0


async def test_identical_calls_in_flight_share_one_run() -> None:
    shared: SharedCalls[int] = SharedCalls()
    runs = 0

    async def slow() -> int:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return 42

    results = await asyncio.gather(*(shared.run("k", slow) for _ in range(5)))
    assert runs == 1
    assert [r for r, _ in results] == [42] * 5
    assert sorted(was_shared for _, was_shared in results) == [False, True, True, True, True]
    assert shared.pending == {}


async def test_a_failed_leader_lets_each_waiter_answer_itself() -> None:
    shared: SharedCalls[int] = SharedCalls()
    calls = 0

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        if calls == 1:
            raise RuntimeError("boom")
        return 7

    results = await asyncio.gather(
        shared.run("k", flaky), shared.run("k", flaky), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)
    assert results[1] == (7, False)


@pytest.fixture(params=NETWORK_PROVIDERS)
def fragile_network(request: pytest.FixtureRequest, settings, llm: FakeLLM) -> str:
    use_network(settings, llm, request.param, max_retries=0, breaker_failures=2)
    return request.param


@pytest.fixture(params=NETWORK_PROVIDERS)
def budgeted_network(request: pytest.FixtureRequest, settings, llm: FakeLLM) -> str:
    use_network(
        settings, llm, request.param, timeout_seconds=5, total_budget_seconds=0.6, max_retries=3
    )
    return request.param


async def test_after_repeated_failures_the_provider_is_skipped_with_its_own_reason(
    fragile_network, llm: FakeLLM, client, session
) -> None:
    user = await make_user(session)
    llm.reply(Reply(status=503), Reply(status=503))
    for _ in range(2):
        r = await client.post(SUGGEST, json=ESTIMATE, headers=bearer(user, TEST_SECRET))
        assert r.json()["reason_code"] == "unavailable"
    before = len(llm.calls())
    start = time.perf_counter()
    r = await client.post(SUGGEST, json=ESTIMATE, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert (r.json()["fallback"], r.json()["reason_code"]) == (True, "circuit_open")
    assert len(llm.calls()) == before  # no upstream call at all
    assert time.perf_counter() - start < 1.0


async def test_retries_never_outlast_the_total_budget(
    budgeted_network, llm: FakeLLM, client, session
) -> None:
    user = await make_user(session)
    llm.reply(*(Reply(delay=3.0, content="{}") for _ in range(4)))
    start = time.perf_counter()
    r = await client.post(SUGGEST, json=ESTIMATE, headers=bearer(user, TEST_SECRET))
    assert r.json()["reason_code"] == "timeout"
    assert time.perf_counter() - start < 2.0
    assert len(llm.calls()) == 1
