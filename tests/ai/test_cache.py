"""The response cache in process and in Redis, and limits shared by workers through Redis."""

from __future__ import annotations

import uuid

import httpx
import pytest
import redis.asyncio as aioredis

from sprintsync.ai import cache as cache_module
from sprintsync.ai.cache import ResponseCache, cache_key
from sprintsync.app import create_app
from tests.ai.conftest import use_network
from tests.ai.fake_llm import FakeLLM
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user

REDIS_URL = "redis://127.0.0.1:6379/0"
SUGGEST = "/api/v1/ai/suggest"


async def _redis_available() -> bool:
    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        return bool(await client.ping())
    except (OSError, aioredis.RedisError):
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def redis_url() -> str:
    if not await _redis_available():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    return REDIS_URL


def _key() -> str:
    return cache_key(mode="estimate", facts={"title": uuid.uuid4().hex}, provider="p", model="m")


def test_the_key_ignores_dict_order_and_changes_with_any_input() -> None:
    base = {"mode": "estimate", "provider": "gemini", "model": "m"}
    assert cache_key(**base, facts={"a": 1, "b": 2}) == cache_key(**base, facts={"b": 2, "a": 1})
    assert cache_key(**base, facts={"a": 1}) != cache_key(**base, facts={"a": 2})
    assert cache_key(**base, facts={"a": 1}) != cache_key(**{**base, "model": "n"}, facts={"a": 1})


async def test_entries_expire_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": 1000.0}
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock["now"])
    cache = ResponseCache(ttl_seconds=60)
    key = _key()
    await cache.set(key, b"answer")
    clock["now"] += 59
    assert await cache.get(key) == b"answer"
    clock["now"] += 2
    assert await cache.get(key) is None


async def test_a_zero_ttl_disables_the_cache() -> None:
    cache = ResponseCache(ttl_seconds=0)
    key = _key()
    await cache.set(key, b"answer")
    assert await cache.get(key) is None


async def test_the_local_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MAX_LOCAL_ENTRIES", 3)
    cache = ResponseCache(ttl_seconds=60)
    keys = [_key() for _ in range(4)]
    for k in keys:
        await cache.set(k, k.encode())
    assert await cache.get(keys[0]) is None
    assert [await cache.get(k) for k in keys[1:]] == [k.encode() for k in keys[1:]]


async def test_workers_share_answers_through_redis(redis_url: str) -> None:
    first, second = ResponseCache(60, redis_url), ResponseCache(60, redis_url)
    key = _key()
    try:
        await first.set(key, b"shared")
        assert await second.get(key) == b"shared"
        ttl = await second._redis.ttl(key)
        assert 0 < ttl <= 60
    finally:
        await first._redis.delete(key)
        await first.aclose()
        await second.aclose()


async def test_redis_trouble_is_a_miss_not_an_error() -> None:
    cache = ResponseCache(60, "redis://127.0.0.1:1/0")
    key = _key()
    try:
        await cache.set(key, b"kept locally")
        assert await cache.get(key) == b"kept locally"
        assert await cache.get(_key()) is None
    finally:
        await cache.aclose()


async def test_two_workers_share_the_cache_and_the_rate_limit(
    redis_url: str, settings, engine, session, llm: FakeLLM
) -> None:
    use_network(settings, llm, "gemini")
    settings.redis_url = redis_url
    settings.ai.rate_limit = "2/minute"
    workers = [create_app(settings, engine=engine) for _ in range(2)]
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    # User ids repeat between runs; Redis outlives them, so start this user's window clean.
    await workers[0].state.ai.limiter.clear(str(user.id))
    body = {"mode": "estimate", "title": f"Rotate keys {uuid.uuid4().hex[:8]}"}
    llm.reply_json({"estimate_minutes": 60, "confidence": "low", "rationale": "A guess."})
    try:
        answers = []
        for app in workers:
            async with _client(app) as client:
                answers.append(await client.post(SUGGEST, json=body, headers=h))
        assert [a.json()["cached"] for a in answers] == [False, True]
        assert len(llm.calls()) == 1
        async with _client(workers[0]) as client:
            r = await client.post(SUGGEST, json=body, headers=h)
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        await workers[0].state.ai.limiter.clear(str(user.id))
        for app in workers:
            await app.state.ai.aclose()


def _client(app) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")
