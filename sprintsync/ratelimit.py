"""Rate limits over the `limits` library: in memory, or in Redis so workers share them.

When Redis is configured but down or hung, every limit fails open to a per-process
in-memory limiter: log-in and AI requests keep working (each worker then counts on its
own), the outage is logged once per interval and counted in
`sprintsync_rate_limit_fallbacks_total`. Short socket timeouts keep a hung Redis from
holding a request for longer than a fraction of a second.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from sprintsync.errors import TooManyRequests
from sprintsync.observability import RATE_LIMIT_FALLBACKS, OutageLog

T = TypeVar("T")

# A Redis that does not answer within this long counts as down for that call.
REDIS_TIMEOUT_SECONDS = 0.5
# After a failure, limits skip Redis for this long, so a hung Redis costs one timeout per
# pause rather than one per call (a log-in makes four calls).
RETRY_REDIS_AFTER_SECONDS = 5.0


def make_storage(redis_url: str) -> Storage:
    if redis_url:
        url = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
        storage = storage_from_string(
            url,
            implementation="redispy",
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        if not isinstance(storage, Storage):  # an "async+" URL always makes an async one
            raise TypeError(f"not an async rate-limit storage: {type(storage).__name__}")
        return storage
    return MemoryStorage()


class _Outage:
    """One shared storage's health: skip it for a while after a failure; log once per interval."""

    def __init__(self) -> None:
        self.log = OutageLog("rate_limit_storage_unavailable")
        self.skip_until = -math.inf

    def skipping(self) -> bool:
        return time.monotonic() < self.skip_until

    def report(self, namespace: str, exc: BaseException) -> None:
        self.skip_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
        self.log.report(
            namespace=namespace, error=repr(exc.__cause__ or exc), fallback="per-process memory"
        )


_OUTAGES: weakref.WeakKeyDictionary[Storage, _Outage] = weakref.WeakKeyDictionary()


class Limiter:
    """One named limit, e.g. `Limiter(storage, "login-email", "5/minute")`."""

    def __init__(self, storage: Storage, namespace: str, rate: str) -> None:
        self.item: RateLimitItem = parse(rate)
        self.namespace = namespace
        self._limiter = FixedWindowRateLimiter(storage)
        # Used only while the shared storage is unreachable (see the module docstring).
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        self._outage = _OUTAGES.setdefault(storage, _Outage())

    async def _call(self, op: Callable[[FixedWindowRateLimiter], Awaitable[T]]) -> T:
        if not self._outage.skipping():
            try:
                return await op(self._limiter)
            except (StorageError, TimeoutError, OSError) as exc:
                self._outage.report(self.namespace, exc)
        RATE_LIMIT_FALLBACKS.labels(self.namespace).inc()
        return await op(self._fallback)

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        if await self._call(lambda lim: lim.test(self.item, self.namespace, key)):
            return 0
        stats = await self._call(lambda lim: lim.get_window_stats(self.item, self.namespace, key))
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def acquire(self, key: str) -> bool:
        """Count one use of `key`; False when that use is over the limit."""
        return await self._call(lambda lim: lim.hit(self.item, self.namespace, key))

    async def refund(self, key: str) -> None:
        """Give back one use taken by `acquire` (fixed windows make this exact)."""
        await self._call(lambda lim: lim.hit(self.item, self.namespace, key, cost=-1))

    async def clear(self, key: str) -> None:
        await self._call(lambda lim: lim.clear(self.item, self.namespace, key))

    async def consume(self, key: str, message: str) -> None:
        """Count one use of `key`, or raise 429 with Retry-After when it is over the limit."""
        if not await self.acquire(key):
            raise TooManyRequests(message, retry_after=await self.retry_after(key))


async def storage_reachable(storage: Storage) -> bool:
    """Whether the shared rate-limit storage answers now (always True in memory)."""
    try:
        return bool(await storage.check())
    except (StorageError, TimeoutError, OSError):
        return False
