"""Rate limits over the `limits` library: in memory, or in Redis so workers share them."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from sprintsync.errors import TooManyRequests


def make_storage(redis_url: str) -> Storage:
    if redis_url:
        url = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
        storage = storage_from_string(url, implementation="redispy")
        if not isinstance(storage, Storage):  # an "async+" URL always makes an async one
            raise TypeError(f"not an async rate-limit storage: {type(storage).__name__}")
        return storage
    return MemoryStorage()


class Limiter:
    """One named limit, e.g. `Limiter(storage, "login-email", "5/minute")`."""

    def __init__(self, storage: Storage, namespace: str, rate: str) -> None:
        self.item: RateLimitItem = parse(rate)
        self.namespace = namespace
        self._limiter = FixedWindowRateLimiter(storage)

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        if await self._limiter.test(self.item, self.namespace, key):
            return 0
        stats = await self._limiter.get_window_stats(self.item, self.namespace, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def acquire(self, key: str) -> bool:
        """Count one use of `key`; False when that use is over the limit."""
        return await self._limiter.hit(self.item, self.namespace, key)

    async def refund(self, key: str) -> None:
        """Give back one use taken by `acquire` (fixed windows make this exact)."""
        await self._limiter.hit(self.item, self.namespace, key, cost=-1)

    async def clear(self, key: str) -> None:
        await self._limiter.clear(self.item, self.namespace, key)

    async def consume(self, key: str, message: str) -> None:
        """Count one use of `key`, or raise 429 with Retry-After when it is over the limit."""
        if not await self._limiter.hit(self.item, self.namespace, key):
            stats = await self._limiter.get_window_stats(self.item, self.namespace, key)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise TooManyRequests(message, retry_after=wait)
