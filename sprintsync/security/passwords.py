"""Password hashing with argon2 (pwdlib), run off the event loop, and the password policy."""

from __future__ import annotations

import asyncio
import os
import weakref
from functools import lru_cache

import anyio
import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn

# Each argon2 hash takes ~64 MB and a core for a while: a burst of sign-ups or log-ins
# queues for these slots rather than running all at once (40 concurrent sign-ups once took
# the server from 132 MB to 773 MB).
HASHING_SLOTS = max(1, os.cpu_count() or 1)
_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def hashing_limiter() -> anyio.CapacityLimiter:
    """The running event loop's bound on concurrent password hashing."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(HASHING_SLOTS)
    return limiter


# zxcvbn scores 0-4; 0 and 1 are "too guessable" (top common passwords, keyboard walks,
# repeats, dates). It reads at most its first 72 characters.
MIN_PASSWORD_SCORE = 2
_ESTIMATED_LENGTH = 72


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why `password` is too easy to guess, or None when it is acceptable.

    Length (8-128) is the schema's job; this is about guessability. `user_inputs` (the
    email, the display name) count as known to an attacker.
    """
    result = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=list(user_inputs))
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    warning = result["feedback"].get("warning") or "It is easy to guess."
    return f"This password is too easy to guess. {warning} Use a few uncommon words."


@lru_cache
def _hasher(password_hash_fast: bool) -> PasswordHash:
    if password_hash_fast:
        # Tests and benchmarks only (never honoured in production): a cheap argon2 setting.
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


async def hash_password(password: str, *, password_hash_fast: bool = False) -> str:
    hasher = _hasher(password_hash_fast)
    return await anyio.to_thread.run_sync(hasher.hash, password, limiter=hashing_limiter())


async def verify_password(
    password: str, password_hash: str, *, password_hash_fast: bool = False
) -> bool:
    hasher = _hasher(password_hash_fast)
    return await anyio.to_thread.run_sync(
        hasher.verify, password, password_hash, limiter=hashing_limiter()
    )


def hash_password_sync(password: str, *, password_hash_fast: bool = False) -> str:
    return _hasher(password_hash_fast).hash(password)
