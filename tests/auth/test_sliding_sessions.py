"""Sessions slide: one used in the second half of its lifetime is renewed, an idle one expires.

The renewed cookie keeps the user's token version (so "log out everywhere" still ends it)
and a later expiry; the CSRF cookie follows it, and the page rendered in the same response
carries the matching token. Bearer tokens (API clients) are never renewed.
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import pytest

from sprintsync.auth.cookies import CSRF_COOKIE
from sprintsync.config import Settings
from sprintsync.security.tokens import decode_access_token
from sprintsync.web.csrf import csrf_token_for
from tests.conftest import TEST_SECRET
from tests.factories import make_user, token_for

LIFETIME_MINUTES = 60


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.access_token_expire_minutes = LIFETIME_MINUTES
    return settings


def _set_cookies(response) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update({name: morsel.value for name, morsel in parsed.items()})
    return jar


async def test_a_session_in_its_second_half_is_renewed_with_the_same_version(
    client, session, settings
) -> None:
    user = await make_user(session)
    user.token_version = 3
    await session.commit()
    old = token_for(user, TEST_SECRET, expires_minutes=20)
    client.cookies.set(settings.cookie_name, old)
    r = await client.get("/api/v1/auth/me")
    assert r.status_code == 200
    jar = _set_cookies(r)
    new = jar[settings.cookie_name]
    assert new != old
    claims = decode_access_token(new, secret=TEST_SECRET)
    assert claims is not None
    assert (claims.user_id, claims.version) == (user.id, 3)
    assert claims.expires_at > time.time() + (LIFETIME_MINUTES - 1) * 60
    assert jar[CSRF_COOKIE] == csrf_token_for(new, secret=TEST_SECRET)
    # The renewed session works, and is not renewed again straight away.
    client.cookies.set(settings.cookie_name, new)
    again = await client.get("/api/v1/auth/me")
    assert again.status_code == 200
    assert settings.cookie_name not in _set_cookies(again)


async def test_a_page_rendered_while_renewing_carries_the_new_csrf_token(
    client, session, settings
) -> None:
    user = await make_user(session)
    client.cookies.set(settings.cookie_name, token_for(user, TEST_SECRET, expires_minutes=10))
    r = await client.get("/")
    assert r.status_code == 200
    new = _set_cookies(r)[settings.cookie_name]
    assert f'content="{csrf_token_for(new, secret=TEST_SECRET)}"' in r.text


async def test_a_session_in_its_first_half_is_left_alone(client, session, settings) -> None:
    user = await make_user(session)
    client.cookies.set(settings.cookie_name, token_for(user, TEST_SECRET, expires_minutes=50))
    r = await client.get("/api/v1/auth/me")
    assert r.status_code == 200
    assert "set-cookie" not in r.headers


async def test_an_idle_session_still_expires(client, session, settings) -> None:
    user = await make_user(session)
    client.cookies.set(settings.cookie_name, token_for(user, TEST_SECRET, expires_minutes=-1))
    r = await client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert settings.cookie_name not in _set_cookies(r)


async def test_a_session_ended_everywhere_is_not_renewed(client, session, settings) -> None:
    user = await make_user(session)
    token = token_for(user, TEST_SECRET, expires_minutes=10)
    user.token_version += 1
    await session.commit()
    client.cookies.set(settings.cookie_name, token)
    r = await client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert settings.cookie_name not in _set_cookies(r)


async def test_bearer_tokens_are_never_renewed(client, session) -> None:
    user = await make_user(session)
    token = token_for(user, TEST_SECRET, expires_minutes=5)
    r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert "set-cookie" not in r.headers


async def test_logging_out_is_not_undone_by_a_renewal(client, session, settings) -> None:
    user = await make_user(session)
    token = token_for(user, TEST_SECRET, expires_minutes=10)
    client.cookies.set(settings.cookie_name, token)
    csrf = csrf_token_for(token, secret=TEST_SECRET)
    r = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204
    # Only the clearing cookie, never a fresh session.
    session_cookies = [
        h for h in r.headers.get_list("set-cookie") if h.startswith(settings.cookie_name + "=")
    ]
    assert len(session_cookies) == 1
    assert "Max-Age=0" in session_cookies[0]
