"""Login throttling: repeated failures per email and per client address get 429."""

from __future__ import annotations

import httpx
import pytest

from sprintsync.config import Settings
from tests.factories import PASSWORD, db_snapshot, make_user

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def settings(settings) -> Settings:
    settings.login_rate_limit = "3/minute"
    settings.login_ip_rate_limit = "5/minute"
    return settings


async def _fail(client, email: str) -> None:
    r = await client.post(LOGIN, json={"email": email, "password": "wrong-password"})
    assert r.status_code == 401, r.text


def _assert_throttled(r) -> None:
    assert r.status_code == 429, r.text
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= 60
    err = r.json()["error"]
    assert err["code"] == "rate_limited"
    assert err["details"] == {"retry_after": retry_after}
    assert "set-cookie" not in r.headers


async def test_repeated_failures_for_one_email_are_throttled(client, session) -> None:
    user = await make_user(session)
    for _ in range(3):
        await _fail(client, user.email)
    before = await db_snapshot(session)
    # Even the right password is refused until the window passes.
    r = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    _assert_throttled(r)
    r = await client.post(LOGIN, json={"email": user.email.upper(), "password": PASSWORD})
    _assert_throttled(r)
    r = await client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    _assert_throttled(r)
    assert await db_snapshot(session) == before
    other = await make_user(session)
    r = await client.post(LOGIN, json={"email": other.email, "password": PASSWORD})
    assert r.status_code == 200


async def test_repeated_failures_from_one_client_address_are_throttled(
    app, client, session
) -> None:
    user = await make_user(session)
    for i in range(5):
        await _fail(client, f"guess{i}@example.com")
    r = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    _assert_throttled(r)
    elsewhere = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://test") as other_client:
        r = await other_client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        assert r.status_code == 200


async def test_a_successful_login_resets_the_email_count(client, session) -> None:
    user = await make_user(session)
    for _ in range(2):
        await _fail(client, user.email)
    r = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 200
    for _ in range(2):
        await _fail(client, user.email)
    r = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 200


async def test_malformed_login_bodies_do_not_count_as_attempts(client, session) -> None:
    user = await make_user(session)
    for _ in range(5):
        r = await client.post(LOGIN, json={"email": "not-an-email", "password": "x"})
        assert r.status_code == 422
    r = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 200


async def test_concurrent_guesses_cannot_all_pass_the_check(client, session) -> None:
    import asyncio

    user = await make_user(session)
    responses = await asyncio.gather(
        *(
            client.post(LOGIN, json={"email": user.email, "password": f"wrong-{i}"})
            for i in range(12)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(401) == 3, codes
    assert codes.count(429) == 9, codes


async def test_current_password_guesses_on_the_profile_are_throttled(client, session) -> None:
    from tests.conftest import TEST_SECRET
    from tests.factories import bearer

    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    body = {"current_password": "not-it", "new_password": "a-new-password-1"}
    for _ in range(3):
        r = await client.patch("/api/v1/auth/me", json=body, headers=h)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "wrong_password"
    r = await client.patch(
        "/api/v1/auth/me",
        json={"current_password": PASSWORD, "new_password": "a-new-password-1"},
        headers=h,
    )
    _assert_throttled(r)


async def test_the_token_endpoint_sets_no_cookie(client, session) -> None:
    user = await make_user(session)
    r = await client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["access_token"]
    assert "set-cookie" not in r.headers
