"""The authentication dependency: which tokens it refuses, and CSRF on cookie requests.

Every refused request is checked against the database: nothing may change.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import orjson
import pytest
from sqlalchemy import select, update

from sprintsync.security.tokens import create_access_token
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import (
    PASSWORD,
    bearer,
    cookie_auth,
    db_snapshot,
    make_task,
    make_user,
    token_for,
)
from tests.pages import csrf_header_from_page

ME = "/api/v1/auth/me"
TASKS = "/api/v1/tasks"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


def _claims(user: User, **changes: Any) -> dict:
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "ver": user.token_version, "iat": now,
              "exp": now + timedelta(hours=1)}  # fmt: skip
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _bad_tokens(user: User) -> dict[str, str]:
    good = token_for(user, TEST_SECRET)
    header, payload, signature = good.split(".")
    return {
        "garbage": "not-a-jwt",
        "three_dots": "a.b.c",
        "truncated_signature": f"{header}.{payload}.{signature[:-4]}",
        "expired": token_for(user, TEST_SECRET, expires_minutes=-1),
        "other_key": create_access_token(
            user_id=user.id, version=0, secret="another-key-" + "x" * 40, expires_minutes=60
        ),
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg_none_lib": jwt.encode(_claims(user), None, algorithm="none"),
        "hs512_same_key": jwt.encode(_claims(user), TEST_SECRET, algorithm="HS512"),
        "payload_swapped": f"{header}.{_b64(_claims(user, sub='999'))}.{signature}",
        "no_version": jwt.encode(_claims(user, ver=None), TEST_SECRET, algorithm="HS256"),
        "no_expiry": jwt.encode(_claims(user, exp=None), TEST_SECRET, algorithm="HS256"),
        "sub_not_a_number": jwt.encode(_claims(user, sub="admin"), TEST_SECRET, algorithm="HS256"),
        "old_version": jwt.encode(_claims(user, ver=user.token_version - 1), TEST_SECRET,
                                  algorithm="HS256"),
        "unknown_user": create_access_token(
            user_id=user.id + 1000, version=0, secret=TEST_SECRET, expires_minutes=60
        ),
    }  # fmt: skip


# The HS512 forgery uses our 46-byte key, which PyJWT rightly calls short for SHA-512.
@pytest.mark.filterwarnings("ignore:The HMAC key is")
async def test_every_kind_of_bad_token_is_401_and_changes_nothing(client, session) -> None:
    user = await make_user(session, token_version=1)
    await make_task(session, user)
    before = await db_snapshot(session)
    for name, token in _bad_tokens(user).items():
        headers = {"Authorization": f"Bearer {token}"}
        for method, url, body in (("GET", ME, None), ("POST", TASKS, {"title": name})):
            r = await client.request(method, url, json=body, headers=headers)
            assert r.status_code == 401, (name, method, r.text)
            assert r.json()["error"]["code"] == "invalid_token", name
            assert r.headers["www-authenticate"] == "Bearer"
    assert await db_snapshot(session) == before


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"]
)
async def test_missing_or_non_bearer_credentials_are_401(client, session, header: str) -> None:
    await make_user(session)
    r = await client.get(ME, headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json()["error"]["code"] in ("not_authenticated", "invalid_token")


async def test_a_valid_token_in_any_case_of_scheme_is_accepted(client, session) -> None:
    user = await make_user(session)
    token = token_for(user, TEST_SECRET)
    for scheme in ("Bearer", "bearer", "BEARER"):
        r = await client.get(ME, headers={"Authorization": f"{scheme} {token}"})
        assert r.status_code == 200, scheme


async def test_a_deactivated_users_token_is_401_and_changes_nothing(client, session) -> None:
    user = await make_user(session)
    headers = bearer(user, TEST_SECRET)
    assert (await client.get(ME, headers=headers)).status_code == 200
    await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    before = await db_snapshot(session)
    for method, url in (("GET", ME), ("POST", TASKS), ("GET", TASKS)):
        r = await client.request(method, url, json={"title": "x"}, headers=headers)
        assert r.status_code == 401, (method, url)
        assert r.json()["error"]["code"] == "invalid_token"
    assert await db_snapshot(session) == before


# --- CSRF on cookie-authenticated requests ---------------------------------------------------


async def test_cookie_requests_read_without_csrf_token(client, session) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    r = await client.get(ME)
    assert r.status_code == 200
    assert r.json()["id"] == user.id


async def test_unsafe_cookie_request_without_a_valid_csrf_token_is_403_and_changes_nothing(
    client, session
) -> None:
    user = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, user)
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    mine = (await csrf_header_from_page(client))["X-CSRF-Token"]
    cookie_auth(client, other, TEST_SECRET, "sprintsync_session")
    someone_elses = (await csrf_header_from_page(client))["X-CSRF-Token"]
    assert someone_elses != mine
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    before = await db_snapshot(session)
    for csrf in (None, "", "0" * 64, someone_elses):
        headers = {} if csrf is None else {"X-CSRF-Token": csrf}
        for method, url, body in (
            ("POST", TASKS, {"title": "forged"}),
            ("PATCH", f"{TASKS}/{task.id}", {"title": "forged"}),
            ("DELETE", f"{TASKS}/{task.id}", None),
            ("POST", f"{TASKS}/{task.id}/status", {"status": "in_progress"}),
            ("POST", "/api/v1/auth/logout?everywhere=true", None),
            ("PATCH", ME, {"display_name": "forged"}),
        ):
            r = await client.request(method, url, json=body, headers=headers)
            assert r.status_code == 403, (csrf, method, url, r.text)
            assert r.json()["error"]["code"] == "csrf_failed"
    assert await db_snapshot(session) == before


async def test_unsafe_cookie_request_with_its_csrf_token_succeeds(client, session) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    csrf = await csrf_header_from_page(client)
    r = await client.post(TASKS, json={"title": "legit"}, headers=csrf)
    assert r.status_code == 201
    assert r.json()["owner_id"] == user.id


async def test_the_csrf_token_from_login_works_with_the_login_cookie(client, session) -> None:
    user = await make_user(session)
    r = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    csrf = r.json()["csrf_token"]
    r = await client.post(TASKS, json={"title": "x"})
    assert r.status_code == 403
    r = await client.post(TASKS, json={"title": "x"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


async def test_bearer_requests_need_no_csrf_token_even_with_a_cookie_present(
    client, session
) -> None:
    user = await make_user(session)
    client.cookies.set("sprintsync_session", "stale-cookie")
    r = await client.post(TASKS, json={"title": "x"}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 201


# --- a body that does not parse: authentication answers first ---------------------------------


async def test_an_unparsable_body_from_a_stranger_is_401_like_an_empty_one(client, session) -> None:
    await make_user(session)
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        for body in (b"{not json", b""):
            r = await client.post(
                TASKS, content=body, headers={**headers, "Content-Type": "application/json"}
            )
            assert r.status_code == 401, (headers, body, r.text)
            expected = "invalid_token" if headers else "not_authenticated"
            assert r.json()["error"]["code"] == expected


async def test_an_unparsable_body_from_a_signed_in_user_is_a_validation_error(
    client, session
) -> None:
    user = await make_user(session)
    r = await client.post(
        TASKS,
        content=b"{not json",
        headers={**bearer(user, TEST_SECRET), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


async def test_an_unparsable_cookie_request_without_its_csrf_token_is_403(client, session) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    r = await client.post(TASKS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "csrf_failed"


async def test_an_unparsable_body_on_a_route_open_to_strangers_is_a_validation_error(
    client,
) -> None:
    r = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


# --- pages --------------------------------------------------------------------------------------


async def test_a_member_opening_an_admin_page_reads_that_it_is_for_administrators(
    client, session
) -> None:
    user = await make_user(session)
    headers = cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    r = await client.get("/admin/users")
    assert r.status_code == 403
    assert "This page is for administrators." in r.text
    assert "<p" in r.text
    assert re.search(r"data-error-message>\s*This page is for administrators.\s*</p>", r.text)
    r = await client.get("/admin/users", headers={"HX-Request": "true", **headers})
    assert r.status_code == 403
    toast = orjson.loads(r.headers["HX-Trigger"])["toast"]
    assert toast == {"message": "This page is for administrators.", "level": "error"}


async def test_a_signed_in_user_opening_the_log_in_page_is_sent_on(client, session) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    r = await client.get("/login?next=/tasks")
    assert r.status_code == 303
    assert r.headers["location"] == "/tasks"


# --- plain forms (no JavaScript) carry the CSRF token in a field ----------------------------


async def _display_name(session, user: User) -> str:
    return await session.scalar(select(User.display_name).where(User.id == user.id))


async def test_a_plain_form_is_accepted_with_its_csrf_token_in_a_field(client, session) -> None:
    user = await make_user(session, display_name="Old")
    csrf = (await csrf_header_from_page(client_with_cookie(client, user)))["X-CSRF-Token"]
    r = await client.post("/profile", data={"display_name": "Urlencoded", "csrf_token": csrf})
    assert r.status_code in (200, 303), r.text
    assert await _display_name(session, user) == "Urlencoded"
    r = await client.post(
        "/profile",
        data={"display_name": "Multipart", "csrf_token": csrf},
        files={"attachment": ("a.txt", b"")},
    )
    assert r.status_code in (200, 303), r.text
    assert await _display_name(session, user) == "Multipart"


async def test_a_plain_form_without_its_csrf_token_is_refused(client, session) -> None:
    user = await make_user(session, display_name="Old")
    other = await make_user(session)
    someone_elses = (await csrf_header_from_page(client_with_cookie(client, other)))["X-CSRF-Token"]
    csrf = (await csrf_header_from_page(client_with_cookie(client, user)))["X-CSRF-Token"]
    for data in ({}, {"csrf_token": ""}, {"csrf_token": someone_elses}):
        r = await client.post("/profile", data={"display_name": "Forged", **data})
        assert r.status_code == 403, data
    # A JSON body is not a form: a `csrf_token` key in it counts for nothing.
    r = await client.post("/profile", json={"display_name": "Forged", "csrf_token": csrf})
    assert r.status_code == 403
    # A request that sends the header is judged by the header alone.
    r = await client.post(
        "/profile",
        data={"display_name": "Forged", "csrf_token": csrf},
        headers={"X-CSRF-Token": ""},
    )
    assert r.status_code == 403
    assert await _display_name(session, user) == "Old"
    # The same session's own token in the field does the job: the refusals were for the token.
    r = await client.post("/profile", data={"display_name": "Mine", "csrf_token": csrf})
    assert r.status_code in (200, 303)
    assert await _display_name(session, user) == "Mine"


def client_with_cookie(client: httpx.AsyncClient, user: User) -> httpx.AsyncClient:
    cookie_auth(client, user, TEST_SECRET, "sprintsync_session")
    return client


async def test_an_empty_session_cookie_counts_as_no_session_not_an_expired_one(
    client, session
) -> None:
    client.cookies.set("sprintsync_session", "")
    r = await client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"
    r = await client.get("/tasks")
    assert r.status_code == 303
    assert "expired" not in r.headers["location"]


async def test_a_bodiless_page_post_without_a_csrf_token_is_refused_not_a_crash(
    client, session
) -> None:
    user = await make_user(session)
    client_with_cookie(client, user)
    r = await client.post("/logout")
    assert r.status_code == 403
    assert (await client.get(ME)).status_code == 200
