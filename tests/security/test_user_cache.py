"""The short-lived user snapshot cache that read requests use (auth_cache_seconds)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from sprintsync.config import Settings
from sprintsync.security.tokens import decode_access_token
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user


@pytest.fixture
def settings(base_settings) -> Settings:
    return base_settings.model_copy(update={"auth_cache_seconds": 30.0})


async def test_reads_reuse_the_snapshot_but_writes_check_the_database(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 200
    # Deactivated behind the app's back (as another worker would): reads may still use the
    # snapshot for up to auth_cache_seconds, but any write re-checks and is refused.
    await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    await session.commit()
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 200
    r = await client.post("/api/v1/tasks", json={"title": "x"}, headers=h)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


async def test_a_change_made_through_the_app_evicts_the_snapshot_at_once(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 200
    r = await client.patch(
        f"/api/v1/users/{user.id}", json={"is_active": False}, headers=bearer(admin, TEST_SECRET)
    )
    assert r.status_code == 200
    r = await client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401


async def test_logout_everywhere_ends_cached_read_sessions_in_this_process(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
    assert (await client.post("/api/v1/auth/logout?everywhere=true", headers=h)).status_code == 204
    assert (await client.get("/api/v1/tasks", headers=h)).status_code == 401


def test_verified_tokens_are_cached_but_expired_ones_are_not_trusted() -> None:
    from tests.factories import token_for

    user = User(id=7, token_version=0)
    token = token_for(user, TEST_SECRET, expires_minutes=-1)
    assert decode_access_token(token, secret=TEST_SECRET) is None
    good = token_for(user, TEST_SECRET)
    assert decode_access_token(good, secret=TEST_SECRET).user_id == 7
    assert decode_access_token(good, secret="another-secret-key-000000000000000000") is None


async def test_a_read_naming_a_user_that_no_longer_exists_is_401(client, session) -> None:
    user = await make_user(session)
    ghost = User(id=user.id + 1000, token_version=0)
    for path in ("/api/v1/auth/me", "/api/v1/tasks"):
        r = await client.get(path, headers=bearer(ghost, TEST_SECRET))
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "invalid_token"
