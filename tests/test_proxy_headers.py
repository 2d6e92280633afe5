"""Behind a proxy: forwarded headers are believed from the listed proxies only.

A trusted proxy's X-Forwarded-For names the client that log-in throttling counts and the
access log records, and its X-Forwarded-Proto decides the scheme (so the `Secure` cookie
flag and same-origin checks see HTTPS). Anyone else's forwarded headers are ignored, and
nothing is trusted until SPRINTSYNC_FORWARDED_ALLOW_IPS says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from sprintsync.app import create_app
from sprintsync.config import Settings
from tests.factories import PASSWORD, make_user

LOGIN = "/api/v1/auth/login"
PROXY = "10.1.2.3"
STRANGER = "203.0.113.9"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.login_ip_rate_limit = "3/minute"
    settings.log_level = "INFO"
    settings.log_json = True
    # Development, where `Secure` follows the scheme the client used.
    settings.env = "development"
    settings.cookie_secure = None
    settings.forwarded_allow_ips = f"{PROXY}, 192.0.2.0/24"
    return settings


async def _client_from(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sprintsync.test")


@pytest.fixture
async def via_proxy(app) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client_from(app, PROXY) as c:
        yield c


@pytest.fixture
async def via_stranger(app) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client_from(app, STRANGER) as c:
        yield c


def _forwarded(client_ip: str, proto: str = "https") -> dict[str, str]:
    return {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": proto}


async def _fail_login(client: httpx.AsyncClient, n: int, headers: dict[str, str]) -> int:
    r = await client.post(
        LOGIN, json={"email": f"nobody{n}@example.com", "password": "wrong"}, headers=headers
    )
    return r.status_code


def _access_lines(out: str, path: str) -> list[dict[str, Any]]:
    lines = [orjson.loads(x) for x in out.splitlines() if x.startswith("{")]
    return [x for x in lines if x.get("event") == "request" and x.get("path") == path]


async def test_clients_behind_a_trusted_proxy_are_throttled_one_by_one(via_proxy, session) -> None:
    user = await make_user(session)
    for n in range(3):
        assert await _fail_login(via_proxy, n, _forwarded("198.51.100.1")) == 401
    assert await _fail_login(via_proxy, 9, _forwarded("198.51.100.1")) == 429
    # Another person behind the same proxy is not locked out by the first one's failures.
    r = await via_proxy.post(
        LOGIN,
        json={"email": user.email, "password": PASSWORD},
        headers=_forwarded("198.51.100.2"),
    )
    assert r.status_code == 200, r.text


async def test_forwarded_headers_from_an_untrusted_address_are_ignored(via_stranger) -> None:
    # Forging a new X-Forwarded-For per attempt does not buy a fresh budget.
    for n in range(3):
        assert await _fail_login(via_stranger, n, _forwarded(f"198.51.100.{n + 10}")) == 401
    assert await _fail_login(via_stranger, 9, _forwarded("198.51.100.99")) == 429


async def test_nothing_is_trusted_by_default(settings, engine, session) -> None:
    settings.forwarded_allow_ips = ""
    app = create_app(settings, engine=engine)
    async with await _client_from(app, PROXY) as c:
        for n in range(3):
            assert await _fail_login(c, n, _forwarded(f"198.51.100.{n + 20}")) == 401
        assert await _fail_login(c, 9, _forwarded("198.51.100.30")) == 429


async def test_the_access_log_names_the_real_client(via_proxy, via_stranger, capsys) -> None:
    capsys.readouterr()
    await via_proxy.get("/healthz", headers=_forwarded("198.51.100.7"))
    await via_stranger.get("/healthz", headers=_forwarded("198.51.100.8"))
    lines = _access_lines(capsys.readouterr().out, "/healthz")
    assert [line["client"] for line in lines] == ["198.51.100.7", STRANGER]


async def test_https_at_a_trusted_proxy_makes_the_session_cookie_secure(
    via_proxy, via_stranger, session
) -> None:
    user = await make_user(session)
    body = {"email": user.email, "password": PASSWORD}
    r = await via_proxy.post(LOGIN, json=body, headers=_forwarded("198.51.100.3"))
    assert r.status_code == 200, r.text
    cookies = r.headers.get_list("set-cookie")
    assert cookies
    assert all("; secure" in c.lower() for c in cookies)

    # The same claim from anyone else is not believed: the connection is plain HTTP.
    r = await via_stranger.post(LOGIN, json=body, headers=_forwarded("198.51.100.4"))
    assert r.status_code == 200, r.text
    assert not any("; secure" in c.lower() for c in r.headers.get_list("set-cookie"))


async def test_a_trusted_network_range_is_accepted(app, capsys) -> None:
    capsys.readouterr()
    async with await _client_from(app, "192.0.2.77") as c:
        r = await c.get("/healthz", headers=_forwarded("198.51.100.5"))
    assert r.status_code == 200
    (line,) = _access_lines(capsys.readouterr().out, "/healthz")
    assert line["client"] == "198.51.100.5"
