"""Integration tests for sign-up, log-in, log-out and one's own profile."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from sprintsync.config import Settings
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, bearer, db_snapshot, make_user

AUTH = "/api/v1/auth"
SIGNUP = {"email": "Ada@Example.com", "display_name": " Ada ", "password": "analytical-engine"}


def _set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name, lower-cased, for checking attributes."""
    return {h.split("=", 1)[0]: h.lower() for h in response.headers.get_list("set-cookie")}


# --- sign-up ---------------------------------------------------------------------------------


async def test_signup_creates_the_account_and_logs_in(client, session) -> None:
    r = await client.post(f"{AUTH}/signup", json=SIGNUP)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 24 * 60 * 60
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["display_name"] == "Ada"
    assert (body["user"]["is_admin"], body["user"]["is_active"]) == (False, True)
    me = await client.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == body["user"]["id"]
    await session.commit()
    stored = (await session.execute(select(User.password_hash))).scalar_one()
    assert stored.startswith("$argon2")
    assert SIGNUP["password"] not in stored


async def test_login_token_carries_the_documented_claims(client, session) -> None:
    user = await make_user(session)
    r = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    token = r.json()["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(user.id)
    assert claims["ver"] == 0
    assert claims["exp"] - claims["iat"] == 24 * 60 * 60


async def test_session_cookie_is_httponly_and_lax_and_the_csrf_cookie_is_readable(
    client, session
) -> None:
    user = await make_user(session)
    r = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    cookies = _set_cookies(r)
    session_cookie, csrf_cookie = cookies["sprintsync_session"], cookies["sprintsync_csrf"]
    assert "httponly" in session_cookie
    assert "samesite=lax" in session_cookie
    assert "path=/" in session_cookie
    assert "secure" not in session_cookie
    assert "httponly" not in csrf_cookie
    assert client.cookies["sprintsync_csrf"] == r.json()["csrf_token"]


@pytest.fixture
def secure_settings(settings) -> Settings:
    settings.cookie_secure = None  # outside development, cookies default to Secure
    return settings


async def test_cookies_are_secure_outside_development(secure_settings, client, session) -> None:
    user = await make_user(session)
    r = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    assert all("; secure" in c for c in _set_cookies(r).values())


async def test_signup_with_a_taken_email_is_409_and_changes_nothing(client, session) -> None:
    await make_user(session, email="ada@example.com")
    before = await db_snapshot(session)
    r = await client.post(f"{AUTH}/signup", json=SIGNUP)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "email_taken"
    assert "set-cookie" not in r.headers
    assert await db_snapshot(session) == before


async def test_bad_signups_are_422_and_create_nothing(client, session) -> None:
    before = await db_snapshot(session)
    for change in (
        {"email": "nope"},
        {"email": 42},
        {"display_name": ""},
        {"display_name": "d" * 101},
        {"password": "short"},
        {"password": "p" * 129},
        {"password": 12345678},
        {"is_admin": True},  # nobody makes themselves an admin by signing up
        {"token_version": 3},
    ):
        r = await client.post(f"{AUTH}/signup", json=SIGNUP | change)
        assert r.status_code == 422, (change, r.text)
    assert await db_snapshot(session) == before


# --- log-in ----------------------------------------------------------------------------------


async def test_login_is_case_insensitive_on_email(client, session) -> None:
    user = await make_user(session, email="mixed@example.com")
    r = await client.post(
        f"{AUTH}/login", json={"email": "MIXED@Example.COM", "password": PASSWORD}
    )
    assert r.status_code == 200
    assert r.json()["user"]["id"] == user.id


async def test_failed_logins_say_nothing_about_which_part_was_wrong(client, session) -> None:
    user = await make_user(session)
    gone = await make_user(session, is_active=False)
    answers = []
    for body in (
        {"email": user.email, "password": "wrong-password"},
        {"email": "nobody@example.com", "password": PASSWORD},
        # A deactivated account with a wrong password is not told apart either.
        {"email": gone.email, "password": "wrong-password"},
    ):
        r = await client.post(f"{AUTH}/login", json=body)
        assert r.status_code == 401, body
        assert "set-cookie" not in r.headers
        answers.append((r.json()["error"]["code"], r.json()["error"]["message"]))
    assert answers == [("invalid_credentials", "Incorrect email or password.")] * 3


async def test_a_deactivated_user_with_the_right_password_is_told_so(client, session) -> None:
    gone = await make_user(session, is_active=False)
    r = await client.post(f"{AUTH}/login", json={"email": gone.email, "password": PASSWORD})
    assert r.status_code == 403
    assert "set-cookie" not in r.headers
    assert r.json()["error"]["code"] == "account_deactivated"
    assert "deactivated" in r.json()["error"]["message"]


async def test_oauth2_token_form_logs_in(client, session) -> None:
    user = await make_user(session)
    r = await client.post(f"{AUTH}/token", data={"username": user.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await client.get(f"{AUTH}/me", headers=headers)).json()["id"] == user.id
    r = await client.post(f"{AUTH}/token", data={"username": user.email, "password": "nope"})
    assert r.status_code == 401
    r = await client.post(f"{AUTH}/token", data={"username": user.email})
    assert r.status_code == 422


# --- log-out ---------------------------------------------------------------------------------


async def test_logout_clears_both_cookies(client, session) -> None:
    user = await make_user(session)
    r = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    r = await client.post(f"{AUTH}/logout", headers=csrf)
    assert r.status_code == 204
    cleared = _set_cookies(r)
    assert set(cleared) == {"sprintsync_session", "sprintsync_csrf"}
    assert all("max-age=0" in c for c in cleared.values())
    assert "sprintsync_session" not in client.cookies
    assert (await client.get(f"{AUTH}/me")).status_code == 401


async def test_logout_everywhere_invalidates_every_earlier_token(client, session) -> None:
    user = await make_user(session)
    first = bearer(user, TEST_SECRET)
    login = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    second = {"Authorization": f"Bearer {login.json()['access_token']}"}
    r = await client.post(f"{AUTH}/logout", params={"everywhere": "true"}, headers=second)
    assert r.status_code == 204
    for headers in (first, second):
        r = await client.get(f"{AUTH}/me", headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_token"
    login = await client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get(f"{AUTH}/me", headers=fresh)).status_code == 200


async def test_plain_logout_leaves_other_sessions_alone(client, session) -> None:
    user = await make_user(session)
    other_device = bearer(user, TEST_SECRET)
    r = await client.post(f"{AUTH}/logout", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 204
    assert (await client.get(f"{AUTH}/me", headers=other_device)).status_code == 200


# --- one's own profile -----------------------------------------------------------------------


async def test_me_returns_the_signed_in_user(client, session) -> None:
    user = await make_user(session, display_name="Grace")
    r = await client.get(f"{AUTH}/me", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert r.json() == {
        "id": user.id,
        "email": user.email,
        "display_name": "Grace",
        "is_admin": False,
        "is_active": True,
        "must_change_password": False,
        "time_zone": "UTC",
        "created_at": r.json()["created_at"],
    }


async def test_patch_me_renames(client, session) -> None:
    user = await make_user(session)
    r = await client.patch(
        f"{AUTH}/me", json={"display_name": "  Grace H  "}, headers=bearer(user, TEST_SECRET)
    )
    assert r.status_code == 200
    assert r.json()["display_name"] == "Grace H"
    assert "x-access-token" not in r.headers  # no password change, no new session
    assert (await client.get(f"{AUTH}/me", headers=bearer(user, TEST_SECRET))).status_code == 200


async def test_password_change_ends_older_sessions_and_hands_out_a_new_one(client, session) -> None:
    user = await make_user(session)
    old = bearer(user, TEST_SECRET)
    r = await client.patch(
        f"{AUTH}/me",
        json={"current_password": PASSWORD, "new_password": "a-brand-new-one"},
        headers=old,
    )
    assert r.status_code == 200, r.text
    new = {"Authorization": f"Bearer {r.headers['x-access-token']}"}
    assert "sprintsync_session" in _set_cookies(r)
    assert (await client.get(f"{AUTH}/me", headers=old)).status_code == 401
    assert (await client.get(f"{AUTH}/me", headers=new)).status_code == 200
    login = {"email": user.email, "password": PASSWORD}
    assert (await client.post(f"{AUTH}/login", json=login)).status_code == 401
    login["password"] = "a-brand-new-one"
    assert (await client.post(f"{AUTH}/login", json=login)).status_code == 200


async def test_refused_profile_changes_change_nothing(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    before = await db_snapshot(session)
    cases = [
        ({"display_name": "New", "current_password": "wrong", "new_password": "long-enough"},
         "wrong_password"),
        ({"new_password": "long-enough"}, "validation_error"),
        ({"current_password": PASSWORD, "new_password": "short"}, "validation_error"),
        ({"display_name": ""}, "validation_error"),
        ({"is_admin": True}, "validation_error"),
        ({"email": "new@example.com"}, "validation_error"),
    ]  # fmt: skip
    for body, code in cases:
        r = await client.patch(f"{AUTH}/me", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == code, body
    assert await db_snapshot(session) == before
    assert (await client.get(f"{AUTH}/me", headers=h)).status_code == 200
