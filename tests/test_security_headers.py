"""Security headers on every response, HSTS only over HTTPS, and API docs that can be hidden."""

from __future__ import annotations

import httpx

from sprintsync.app import create_app


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_pages_and_api_forbid_unused_browser_features(client) -> None:
    for path in ("/login", "/healthz", "/docs", "/api/v1/tasks"):
        r = await client.get(path)
        policy = r.headers["permissions-policy"]
        assert "camera=()" in policy, path
        assert "geolocation=()" in policy, path
    csp = (await client.get("/login")).headers["content-security-policy"]
    assert "base-uri 'self'" in csp
    assert "form-action 'self'" in csp


async def test_hsts_only_when_cookies_are_secure(settings, engine) -> None:
    async with _client(create_app(settings, engine=engine)) as plain:
        assert "strict-transport-security" not in (await plain.get("/login")).headers
    settings.cookie_secure = True
    async with _client(create_app(settings, engine=engine)) as secure:
        hsts = (await secure.get("/login")).headers["strict-transport-security"]
    assert hsts.startswith("max-age=31536000")


async def test_api_docs_can_be_turned_off(settings, engine) -> None:
    settings.api_docs = False
    async with _client(create_app(settings, engine=engine)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            r = await client.get(path, headers={"Accept": "application/json"})
            assert r.status_code == 404, path
        assert (await client.get("/healthz")).status_code == 200
