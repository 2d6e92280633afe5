"""The password policy (8-128 characters, not easily guessed) and bounded password hashing."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from sprintsync.security import passwords
from sprintsync.security.passwords import HASHING_SLOTS, hash_password, password_problem
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, bearer, make_user

SIGNUP = "/api/v1/auth/signup"


@pytest.mark.parametrize(
    "password", ["password", "12345678", " " * 8, "qwertyuiop", "iloveyou1", "aaaaaaaaaaaa"]
)
async def test_sign_up_refuses_common_and_trivial_passwords(client, password) -> None:
    r = await client.post(
        SIGNUP, json={"email": "new@example.com", "display_name": "New", "password": password}
    )
    assert r.status_code == 422, r.text
    (detail,) = r.json()["error"]["details"]
    assert detail["field"] == "password"
    assert "too easy to guess" in detail["message"]


@pytest.mark.parametrize("password", ["short", "x" * 129])
async def test_length_stays_8_to_128(client, password) -> None:
    r = await client.post(
        SIGNUP, json={"email": "new@example.com", "display_name": "New", "password": password}
    )
    assert r.status_code == 422


async def test_a_password_change_to_a_common_password_is_refused(client, session) -> None:
    user = await make_user(session)
    r = await client.patch(
        "/api/v1/auth/me",
        json={"current_password": PASSWORD, "new_password": "password1"},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 422, r.text


def test_uncommon_passphrases_and_long_passwords_pass() -> None:
    assert password_problem("correct-horse-battery") is None
    assert password_problem("analytical-engine") is None
    assert password_problem("kj3h4k5jh3-Zq" + "x" * 115) is None
    assert password_problem("grace@example.com", user_inputs=("grace@example.com",))


async def test_concurrent_hashing_is_bounded_by_the_cores(monkeypatch) -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    class SlowHasher:
        def hash(self, _password: str) -> str:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1
            return "hash"

    monkeypatch.setattr(passwords, "_hasher", lambda _fast: SlowHasher())
    await asyncio.gather(*(hash_password("x") for _ in range(HASHING_SLOTS * 4)))
    assert peak == HASHING_SLOTS
