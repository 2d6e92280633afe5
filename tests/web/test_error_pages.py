"""Error pages (404, 403, 422, 500) keep the navigation and the signed-in user's menu."""

from __future__ import annotations

import httpx
import pytest

from sprintsync.security.deps import PageUser
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_task, make_user

NAV = 'aria-label="Main"'


def _has_user_menu(html: str, name: str) -> bool:
    return "data-user-menu" in html and f'id="user-name">{name}<' in html


async def test_404_for_an_unknown_page_and_a_hidden_task_keeps_the_menu(
    client, session, settings
) -> None:
    user = await make_user(session, display_name="Hedy")
    stranger = await make_user(session)
    hidden = await make_task(session, stranger, assignee_id=stranger.id)
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    for url in ("/no/such/page", f"/tasks/{hidden.id}"):
        r = await client.get(url)
        assert r.status_code == 404, url
        assert NAV in r.text, url
        assert _has_user_menu(r.text, "Hedy"), url
        assert 'action="/logout"' in r.text
        assert 'name="csrf_token" value=""' not in r.text


async def test_403_and_422_pages_keep_the_menu(client, session, settings) -> None:
    member = await make_user(session, display_name="Radia")
    cookie_auth(client, member, TEST_SECRET, settings.cookie_name)
    r = await client.get("/admin/users")
    assert r.status_code == 403
    assert _has_user_menu(r.text, "Radia")
    admin = await make_user(session, is_admin=True, display_name="Ida")
    cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    r = await client.get("/admin/users?offset=-1")
    assert r.status_code == 422
    assert NAV in r.text
    assert _has_user_menu(r.text, "Ida")


async def test_error_pages_for_visitors_have_no_menu(client) -> None:
    r = await client.get("/no/such/page")
    assert r.status_code == 404
    assert "data-user-menu" not in r.text


async def test_a_500_page_keeps_the_menu(app, session, settings) -> None:
    async def boom(_user: PageUser) -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    user = await make_user(session, display_name="Barbara")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        cookie_auth(c, user, TEST_SECRET, settings.cookie_name)
        r = await c.get("/boom")
    assert r.status_code == 500
    assert "Something went wrong" in r.text
    assert _has_user_menu(r.text, "Barbara")
    assert "a bug" not in r.text


@pytest.mark.parametrize("accept", ["application/json"])
async def test_the_api_keeps_its_envelope(client, session, settings, accept) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    r = await client.get("/api/v1/nowhere", headers={"Accept": accept})
    assert r.status_code == 404
    assert set(r.json()) == {"error", "request_id"}
