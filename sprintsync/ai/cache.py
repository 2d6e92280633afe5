"""The response cache: in process with a TTL, and in Redis too when one is configured.

A repeated request (same mode, same inputs, same provider and model) is answered from here
without a provider call. The in-process layer is bounded and least-recently-used first
out; the Redis layer lets every worker share answers. Redis trouble is logged and treated
as a miss: the cache must never be why a request fails.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any

import orjson

from sprintsync.observability import log

MAX_LOCAL_ENTRIES = 1024
KEY_PREFIX = "sprintsync:ai:v1:"


def cache_key(*, mode: str, facts: Any, provider: str, model: str) -> str:
    """A stable key: `facts` (whatever the answer depends on) as sorted, compact JSON."""
    payload = orjson.dumps(
        {"mode": mode, "facts": facts, "provider": provider, "model": model},
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return KEY_PREFIX + hashlib.sha256(payload).hexdigest()


class ResponseCache:
    def __init__(self, ttl_seconds: int, redis_url: str = "") -> None:
        self.ttl = ttl_seconds
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._redis: Any = None
        if redis_url and ttl_seconds > 0:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def get(self, key: str) -> bytes | None:
        if not self.enabled:
            return None
        hit = self._local.get(key)
        if hit is not None:
            expires, value = hit
            if expires > time.monotonic():
                self._local.move_to_end(key)
                return value
            del self._local[key]
        if self._redis is None:
            return None
        try:
            value = await self._redis.get(key)
        except Exception as exc:  # any Redis failure is a miss, never an error
            log.warning("ai_cache_unavailable", operation="get", error=type(exc).__name__)
            return None
        if value is not None:
            self._remember(key, value)
        return value

    async def set(self, key: str, value: bytes) -> None:
        if not self.enabled:
            return
        self._remember(key, value)
        if self._redis is None:
            return
        try:
            await self._redis.set(key, value, ex=self.ttl)
        except Exception as exc:  # any Redis failure leaves the local copy, never an error
            log.warning("ai_cache_unavailable", operation="set", error=type(exc).__name__)

    def _remember(self, key: str, value: bytes) -> None:
        self._local[key] = (time.monotonic() + self.ttl, value)
        self._local.move_to_end(key)
        while len(self._local) > MAX_LOCAL_ENTRIES:
            self._local.popitem(last=False)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
