"""What every page shares, over real HTTP: security headers, locally served API docs."""

from __future__ import annotations

from tests.factories import make_user
from tests.pages import login_cookie


async def test_pages_have_strict_security_headers(client, session, settings) -> None:
    user = await make_user(session)
    login_cookie(client, user, settings)
    r = await client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text
    assert " style=" not in r.text
    assert " onclick" not in r.text


async def test_docs_are_served_from_local_files(client) -> None:
    for url in ("/docs", "/redoc"):
        r = await client.get(url)
        assert r.status_code == 200
        assert "cdn." not in r.text
        assert "fonts.googleapis" not in r.text
        assert "/static/vendor/" in r.text
