"""Cookie names over real HTTP: `__Host-` prefixed when the cookies are Secure, so a sibling
subdomain or a plain-HTTP page cannot plant or overwrite them; bare names on plain HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import httpx
import pytest

from sprintsync.app import create_app
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_user, token_for
from tests.pages import csrf_from

SESSION, CSRF, ANON = "sprintsync_session", "sprintsync_csrf", "sprintsync_anon_csrf"


@pytest.fixture
async def https_client(settings, engine) -> AsyncIterator[httpx.AsyncClient]:
    settings.cookie_secure = True
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as c:
        yield c


def _set_cookies(response: httpx.Response) -> dict[str, dict[str, str | bool]]:
    """Each Set-Cookie by name with its attributes (lower-case keys; flags as True)."""
    cookies: dict[str, dict[str, str | bool]] = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        attributes: dict[str, str | bool] = {}
        for part in rest.split(";")[1:]:
            key, eq, value = part.strip().partition("=")
            attributes[key.lower()] = value if eq else True
        cookies[name] = attributes
    return cookies


def _assert_host_only(attributes: dict[str, str | bool]) -> None:
    # What browsers demand of a __Host- cookie, or they drop it.
    assert attributes.get("secure") is True
    assert attributes.get("path") == "/"
    assert "domain" not in attributes


async def _log_in(client: httpx.AsyncClient, email: str) -> tuple[httpx.Response, httpx.Response]:
    page = await client.get("/login")
    form = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    return page, await client.post("/login", data=form)


async def test_secure_cookies_are_host_prefixed_from_log_in_form_to_log_out(
    https_client, session
) -> None:
    user = await make_user(session)
    page, logged_in = await _log_in(https_client, user.email)
    anon = _set_cookies(page)
    assert list(anon) == [f"__Host-{ANON}"]
    _assert_host_only(anon[f"__Host-{ANON}"])
    assert logged_in.status_code == 303, logged_in.text
    cookies = _set_cookies(logged_in)
    assert set(cookies) >= {f"__Host-{SESSION}", f"__Host-{CSRF}"}
    for name in (f"__Host-{SESSION}", f"__Host-{CSRF}"):
        _assert_host_only(cookies[name])
    assert cookies[f"__Host-{SESSION}"].get("httponly") is True
    assert "httponly" not in cookies[f"__Host-{CSRF}"]  # the page's script echoes it

    me = await https_client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    csrf = https_client.cookies[f"__Host-{CSRF}"]
    out = await https_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204, out.text
    cleared = SimpleCookie()
    for header in out.headers.get_list("set-cookie"):
        cleared.load(header)
    assert set(cleared) == {f"__Host-{SESSION}", f"__Host-{CSRF}"}


async def test_secure_mode_ignores_cookies_without_the_prefix(https_client, session) -> None:
    """A sibling subdomain can set `sprintsync_anon_csrf` or `sprintsync_session` for the
    parent domain, but not a `__Host-` cookie: the bare names are never read."""
    user = await make_user(session)
    await _log_in(https_client, user.email)
    token = https_client.cookies[f"__Host-{SESSION}"]
    https_client.cookies.clear()
    https_client.cookies.set(SESSION, token)
    assert (await https_client.get("/api/v1/auth/me")).status_code == 401

    page = await https_client.get("/login")
    browser_value = https_client.cookies[f"__Host-{ANON}"]
    https_client.cookies.clear()
    https_client.cookies.set(ANON, browser_value)
    form = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    assert (await https_client.post("/login", data=form)).status_code == 403


async def test_a_renewed_secure_session_keeps_the_prefix(https_client, session) -> None:
    user = await make_user(session)
    # In the second half of its lifetime: the response carries a fresh session cookie.
    old = token_for(user, TEST_SECRET, expires_minutes=10)
    https_client.cookies.set(f"__Host-{SESSION}", old)
    r = await https_client.get("/api/v1/auth/me")
    assert r.status_code == 200
    cookies = _set_cookies(r)
    assert set(cookies) == {f"__Host-{SESSION}", f"__Host-{CSRF}"}
    for attributes in cookies.values():
        _assert_host_only(attributes)
    renewed = SimpleCookie()
    for header in r.headers.get_list("set-cookie"):
        renewed.load(header)
    assert renewed[f"__Host-{SESSION}"].value != old


async def test_plain_http_cookies_keep_their_bare_names(client, session) -> None:
    user = await make_user(session)
    page, logged_in = await _log_in(client, user.email)
    assert list(_set_cookies(page)) == [ANON]
    assert logged_in.status_code == 303, logged_in.text
    cookies = _set_cookies(logged_in)
    assert set(cookies) >= {SESSION, CSRF}
    assert not any(attributes.get("secure") for attributes in cookies.values())
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def test_development_over_https_reads_the_prefixed_session_cookie(
    settings, engine, session
) -> None:
    """In development `Secure` follows the scheme: over HTTPS the session cookie is set as
    `__Host-…`, and the next request is signed in by that same cookie."""
    settings.env = "development"
    settings.cookie_secure = None
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    user = await make_user(session)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as c:
        _, logged_in = await _log_in(c, user.email)
        assert logged_in.status_code == 303, logged_in.text
        assert f"__Host-{SESSION}" in _set_cookies(logged_in)
        me = await c.get("/api/v1/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["email"] == user.email
