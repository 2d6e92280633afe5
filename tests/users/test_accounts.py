"""Admin account care over the JSON API: edit name and email, reset a password, and the
forced password change that follows a reset."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, bearer, cookie_auth, make_user

API = "/api/v1/users"
AUTH = "/api/v1/auth"
TEMPORARY = "temporary-pass-1"


async def _reset(
    client: httpx.AsyncClient, admin: User, user: User, password: str = TEMPORARY
) -> httpx.Response:
    return await client.post(
        f"{API}/{user.id}/password", json={"password": password}, headers=bearer(admin, TEST_SECRET)
    )


async def test_admin_changes_a_users_name_and_email(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    user = await make_user(session)
    r = await client.patch(
        f"{API}/{user.id}",
        json={"display_name": "Ada L", "email": "  Ada@Example.com"},
        headers=bearer(admin, TEST_SECRET),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["display_name"], r.json()["email"]) == ("Ada L", "ada@example.com")
    r = await client.post(f"{AUTH}/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert r.status_code == 200


async def test_an_email_taken_by_another_account_is_refused_whole(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    user = await make_user(session, display_name="Before")
    other = await make_user(session)
    r = await client.patch(
        f"{API}/{user.id}",
        json={"display_name": "After", "email": other.email.upper()},
        headers=bearer(admin, TEST_SECRET),
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "email_taken"
    await session.commit()
    row = (await session.execute(select(User).where(User.id == user.id))).scalar_one()
    await session.refresh(row)
    assert (row.display_name, row.email) == ("Before", user.email)


async def test_reset_ends_sessions_and_forces_a_new_password(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    user = await make_user(session)
    old_session = bearer(user, TEST_SECRET)
    r = await _reset(client, admin, user)
    assert r.status_code == 200
    assert r.json()["must_change_password"] is True
    assert (await client.get(f"{AUTH}/me", headers=old_session)).status_code == 401
    # The old password is gone; the temporary one logs in, flagged.
    bad = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert bad.status_code == 401
    r = await client.post(f"{AUTH}/login", json={"email": user.email, "password": TEMPORARY})
    assert r.status_code == 200
    assert r.json()["user"]["must_change_password"] is True
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    # Everything but reading oneself and changing the password is refused, with a reason.
    for method, url in (("GET", "/api/v1/tasks"), ("GET", "/api/v1/timer"),
                        ("POST", "/api/v1/tasks")):  # fmt: skip
        r = await client.request(method, url, headers=h, json={"title": "x"})
        assert r.status_code == 403, url
        assert r.json()["error"]["code"] == "password_change_required"
        assert "choose a new one" in r.json()["error"]["message"]
    assert (await client.get(f"{AUTH}/me", headers=h)).status_code == 200
    # The temporary password again is not a change.
    r = await client.patch(
        f"{AUTH}/me", json={"current_password": TEMPORARY, "new_password": TEMPORARY}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "same_password"
    r = await client.patch(
        f"{AUTH}/me",
        json={"current_password": TEMPORARY, "new_password": "my-own-secret-9"},
        headers=h,
    )
    assert r.status_code == 200
    assert r.json()["must_change_password"] is False
    fresh = {"Authorization": f"Bearer {r.headers['x-access-token']}"}
    assert (await client.get("/api/v1/tasks", headers=fresh)).status_code == 200
    r = await client.post(
        f"{AUTH}/login", json={"email": user.email, "password": "my-own-secret-9"}
    )
    assert r.status_code == 200
    assert r.json()["user"]["must_change_password"] is False


async def test_reset_needs_a_valid_password_and_an_existing_user(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    user = await make_user(session)
    r = await _reset(client, admin, user, password="short")
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "password"
    r = await client.post(
        f"{API}/999999/password", json={"password": TEMPORARY}, headers=bearer(admin, TEST_SECRET)
    )
    assert r.status_code == 404


async def test_a_flagged_user_is_sent_to_the_change_password_page(
    client, session, settings
) -> None:
    user = await make_user(session, must_change_password=True)
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    r = await client.get("/tasks?status=todo")
    assert r.status_code == 303
    assert r.headers["location"] == "/password?next=/tasks%3Fstatus%3Dtodo"
    r = await client.get("/", headers={"HX-Request": "true"})
    assert r.headers["hx-redirect"] == "/password"
    page = await client.get("/password")
    assert page.status_code == 200
    assert "An administrator reset your password" in page.text
    # Nothing on the page asks for more than it may have (no loop back to itself).
    assert 'aria-label="Main"' not in page.text
    assert "hx-get" not in page.text
    r = await client.get(
        "/notifications/badge",
        headers={"HX-Request": "true", "HX-Current-URL": "http://test/password"},
    )
    assert r.status_code == 403
    assert "hx-redirect" not in r.headers
    r = await client.post(
        "/password",
        data={"current_password": PASSWORD, "new_password": "brand-new-pass", "next": "/tasks"},
        headers=csrf,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/tasks"
    assert (await client.get("/tasks")).status_code == 200
