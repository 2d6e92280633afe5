"""Password hashing with argon2 (pwdlib), run off the event loop."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


@lru_cache
def _hasher(password_hash_fast: bool) -> PasswordHash:
    if password_hash_fast:
        # Tests and benchmarks only (never honoured in production): a cheap argon2 setting.
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


async def hash_password(password: str, *, password_hash_fast: bool = False) -> str:
    return await anyio.to_thread.run_sync(_hasher(password_hash_fast).hash, password)


async def verify_password(
    password: str, password_hash: str, *, password_hash_fast: bool = False
) -> bool:
    hasher = _hasher(password_hash_fast)
    return await anyio.to_thread.run_sync(hasher.verify, password, password_hash)


def hash_password_sync(password: str, *, password_hash_fast: bool = False) -> str:
    return _hasher(password_hash_fast).hash(password)
