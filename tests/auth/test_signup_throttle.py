"""Sign-up is throttled per client address and over all clients."""

from __future__ import annotations

import httpx
import pytest

from sprintsync.app import create_app
from sprintsync.config import Settings

SIGNUP = "/api/v1/auth/signup"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.signup_rate_limit = "2/minute"
    settings.signup_global_rate_limit = "3/minute"
    return settings


def _from(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def _body(n: int) -> dict[str, str]:
    return {"email": f"new{n}@example.com", "display_name": "New", "password": "analytical-engine"}


async def test_sign_ups_are_limited_per_client_and_overall(settings, engine) -> None:
    app = create_app(settings, engine=engine)
    async with _from(app, "10.0.0.1") as one, _from(app, "10.0.0.2") as two:
        assert (await one.post(SIGNUP, json=_body(1))).status_code == 201
        assert (await one.post(SIGNUP, json=_body(2))).status_code == 201
        r = await one.post(SIGNUP, json=_body(3))
        assert r.status_code == 429, r.text
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.json()["error"]["code"] == "rate_limited"
        # Another address still may, until the overall limit is reached.
        assert (await two.post(SIGNUP, json=_body(4))).status_code == 201
        r = await two.post(SIGNUP, json=_body(5))
        assert r.status_code == 429, r.text


async def test_the_sign_up_page_is_throttled_too(settings, engine) -> None:
    settings.signup_rate_limit = "1/minute"
    app = create_app(settings, engine=engine)
    async with _from(app, "10.0.0.3") as client:
        page = await client.get("/signup")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        data = {**_body(6), "csrf_token": token}
        first = await client.post("/signup", data=data)
        assert first.status_code in (200, 303), first.text[:300]
        client.cookies.clear()
        page = await client.get("/signup")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        second = await client.post("/signup", data={**_body(7), "csrf_token": token})
        assert second.status_code == 429
