"""Password hashing with argon2 (pwdlib), run off the event loop."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


@lru_cache
def _hasher(fast: bool) -> PasswordHash:
    if fast:
        # Tests and benchmarks only (never honoured in production): a cheap argon2 setting.
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


async def hash_password(password: str, *, fast: bool = False) -> str:
    return await anyio.to_thread.run_sync(_hasher(fast).hash, password)


async def verify_password(password: str, password_hash: str, *, fast: bool = False) -> bool:
    return await anyio.to_thread.run_sync(_hasher(fast).verify, password, password_hash)


def hash_password_sync(password: str, *, fast: bool = False) -> str:
    return _hasher(fast).hash(password)
