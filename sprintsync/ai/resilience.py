"""Keeping a failing or slow provider from costing users time: a circuit breaker and
shared in-flight calls.

- `CircuitBreaker`: after `threshold` failures in a row the provider is skipped for
  `cooldown` seconds, so users get the offline answer at once instead of each waiting out
  a timeout; after the cool-down one request tries again (half-open), and a success closes
  the circuit.
- `SharedCalls`: identical requests that arrive while one is being answered wait for that
  answer instead of each calling the provider (the key is the response cache's key, so
  "identical" means the same facts, user scope, provider and model).

Both live in one process; with several workers each keeps its own, which bounds the waste
to one probe per worker per cool-down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass(slots=True)
class CircuitBreaker:
    threshold: int
    cooldown: float
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False

    def allow(self) -> bool:
        """Whether to call the provider now: closed, or open with the cool-down over."""
        if self.opened_at is None:
            return True
        if self.probing or self.clock() - self.opened_at < self.cooldown:
            return False
        self.probing = True  # one request probes; the others keep the offline answer
        return True

    def record_success(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def record_failure(self) -> None:
        self.failures += 1
        self.probing = False
        if self.failures >= self.threshold:
            self.opened_at = self.clock()

    @property
    def remaining(self) -> float:
        """Seconds of cool-down left (0 when closed)."""
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self.opened_at))


class _LeaderFailed(Exception):
    """The request that was answering for everyone failed; each waiter answers itself."""


@dataclass(slots=True)
class SharedCalls(Generic[R]):
    pending: dict[str, asyncio.Future[R]] = field(default_factory=dict)

    async def run(self, key: str, make: Callable[[], Awaitable[R]]) -> tuple[R, bool]:
        """`make()`'s result, or that of an identical call already running; and whether shared."""
        running = self.pending.get(key)
        if running is not None:
            try:
                return await asyncio.shield(running), True
            except _LeaderFailed:
                pass
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.pending[key] = future
        try:
            result = await make()
        except BaseException:
            future.set_exception(_LeaderFailed())
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(result)
            return result, False
        finally:
            if self.pending.get(key) is future:
                del self.pending[key]
