"""Integration tests for user administration and the last-admin guard."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sprintsync.users.models import User
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import PASSWORD, bearer, db_snapshot, make_user

API = "/api/v1/users"


async def _admin(session, **overrides: Any) -> User:
    return await make_user(session, is_admin=True, **overrides)


async def test_admin_lists_users_with_offset_pagination_and_total(client, session) -> None:
    admin = await _admin(session)
    users = [admin] + [await make_user(session) for _ in range(4)]
    h = bearer(admin, TEST_SECRET)
    r = await client.get(API, params={"limit": 2, "offset": 2}, headers=h)
    assert r.status_code == 200
    page = r.json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    assert [u["id"] for u in page["items"]] == [users[2].id, users[3].id]
    r = await client.get(API, params={"limit": 2, "offset": 4}, headers=h)
    assert [u["id"] for u in r.json()["items"]] == [users[4].id]
    assert set(page["items"][0]) == {
        "id",
        "email",
        "display_name",
        "is_admin",
        "is_active",
        "must_change_password",
        "time_zone",
        "created_at",
    }


async def test_admin_searches_email_and_name_case_insensitively(client, session) -> None:
    admin = await _admin(session, email="boss@example.com", display_name="The Boss")
    ada = await make_user(session, email="ada@lovelace.org", display_name="Ada L")
    alan = await make_user(session, email="alan@bletchley.uk", display_name="Alan Turing")
    pct = await make_user(session, email="p@example.com", display_name="100% Done_Right")
    h = bearer(admin, TEST_SECRET)

    async def search(q: str) -> set[int]:
        r = await client.get(API, params={"q": q}, headers=h)
        assert r.status_code == 200
        assert r.json()["total"] == len(r.json()["items"])
        return {u["id"] for u in r.json()["items"]}

    assert await search("LOVELACE") == {ada.id}
    assert await search("turing") == {alan.id}
    assert await search("al") == {alan.id}  # "Ada L" has no "al" run; the email "alan" does
    assert await search("example.com") == {admin.id, pct.id}
    assert await search("100%") == {pct.id}
    assert await search("%") == {pct.id}
    assert await search("_") == {pct.id}
    assert await search("nobody") == set()


async def test_list_limits_are_bounded(client, session) -> None:
    admin = await _admin(session)
    h = bearer(admin, TEST_SECRET)
    for params in (
        {"limit": 101},
        {"limit": 0},
        {"offset": -1},
        {"offset": 10**30},
        {"q": "x" * 101},
    ):
        r = await client.get(API, params=params, headers=h)
        assert r.status_code == 422, params


async def test_admin_creates_a_user_who_can_then_log_in(client, session) -> None:
    admin = await _admin(session)
    body = {"email": "New@Example.com", "display_name": " New ", "password": "s3cret-pass"}
    r = await client.post(API, json=body, headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["email"], created["display_name"]) == ("new@example.com", "New")
    assert (created["is_admin"], created["is_active"]) == (False, True)
    r = await client.post(
        "/api/v1/auth/login", json={"email": "new@example.com", "password": "s3cret-pass"}
    )
    assert r.status_code == 200
    r = await client.post(
        API,
        json={
            "email": "admin2@example.com",
            "display_name": "A2",
            "password": "s3cret-pass",
            "is_admin": True,
        },
        headers=bearer(admin, TEST_SECRET),
    )
    assert r.json()["is_admin"] is True


async def test_creating_a_user_with_a_taken_email_in_any_case_is_409(client, session) -> None:
    admin = await _admin(session)
    await make_user(session, email="taken@example.com")
    before = await db_snapshot(session)
    r = await client.post(
        API,
        json={"email": "TAKEN@example.com", "display_name": "x", "password": "long-enough"},
        headers=bearer(admin, TEST_SECRET),
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "email_taken"
    assert await db_snapshot(session) == before


async def test_bad_user_bodies_are_422_and_create_nothing(client, session) -> None:
    admin = await _admin(session)
    h = bearer(admin, TEST_SECRET)
    good = {"email": "ok@example.com", "display_name": "Ok", "password": "long-enough"}
    before = await count_rows(session, "users")
    for change in (
        {"email": "not-an-email"},
        {"email": "a" * 320 + "@example.com"},
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 101},
        {"password": "short"},
        {"password": "p" * 129},
        {"is_admin": "maybe"},
        {"token_version": 5},
        {"password_hash": "x"},
    ):
        r = await client.post(API, json=good | change, headers=h)
        assert r.status_code == 422, (change, r.text)
    await session.commit()
    assert await count_rows(session, "users") == before


async def test_anyone_reads_their_own_account_but_only_admins_read_others(client, session) -> None:
    me, other = await make_user(session), await make_user(session)
    admin = await _admin(session)
    r = await client.get(f"{API}/{me.id}", headers=bearer(me, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["email"] == me.email
    r = await client.get(f"{API}/{other.id}", headers=bearer(me, TEST_SECRET))
    assert r.status_code == 404
    r = await client.get(f"{API}/{other.id}", headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["id"] == other.id
    for user_id in (other.id + 1000, 0, 2**31, 10**30):
        r = await client.get(f"{API}/{user_id}", headers=bearer(admin, TEST_SECRET))
        assert r.status_code == 404, user_id
        assert r.json()["error"]["code"] == "user_not_found"


async def test_admin_updates_name_and_flags(client, session) -> None:
    admin = await _admin(session)
    user = await make_user(session)
    h = bearer(admin, TEST_SECRET)
    r = await client.patch(
        f"{API}/{user.id}", json={"display_name": "  Renamed ", "is_admin": True}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["display_name"], r.json()["is_admin"]) == ("Renamed", True)
    r = await client.patch(f"{API}/{user.id}", json={"is_admin": False}, headers=h)
    assert r.json()["is_admin"] is False
    for bad in ({"display_name": ""}, {"is_admin": "yes please"}, {"email": "not-an-email"}):
        r = await client.patch(f"{API}/{user.id}", json=bad, headers=h)
        assert r.status_code == 422, bad


async def test_deactivation_ends_the_users_sessions_and_reactivation_restores_login(
    client, session
) -> None:
    admin = await _admin(session)
    user = await make_user(session)
    old_token = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/auth/me", headers=old_token)).status_code == 200
    r = await client.post(f"{API}/{user.id}/deactivate", headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["is_active"] is False
    r = await client.get("/api/v1/auth/me", headers=old_token)
    assert r.status_code == 401
    login = {"email": user.email, "password": PASSWORD}
    r = await client.post("/api/v1/auth/login", json=login)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "account_deactivated")
    r = await client.patch(
        f"{API}/{user.id}", json={"is_active": True}, headers=bearer(admin, TEST_SECRET)
    )
    assert r.json()["is_active"] is True
    assert (await client.get("/api/v1/auth/me", headers=old_token)).status_code == 401
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200


async def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(
    client, session
) -> None:
    admin = await _admin(session)
    await _admin(session, is_active=False)  # an inactive admin does not count
    h = bearer(admin, TEST_SECRET)
    before = await db_snapshot(session)
    for method, url, body in (
        ("PATCH", f"{API}/{admin.id}", {"is_admin": False}),
        ("PATCH", f"{API}/{admin.id}", {"is_active": False}),
        ("PATCH", f"{API}/{admin.id}", {"display_name": "x", "is_admin": False}),
        ("POST", f"{API}/{admin.id}/deactivate", None),
    ):
        r = await client.request(method, url, json=body, headers=h)
        assert r.status_code == 409, (url, body)
        assert r.json()["error"]["code"] == "last_admin"
    assert await db_snapshot(session) == before


async def test_an_admin_may_step_down_once_another_admin_exists(client, session) -> None:
    admin = await _admin(session)
    deputy = await make_user(session)
    h = bearer(admin, TEST_SECRET)
    r = await client.patch(f"{API}/{deputy.id}", json={"is_admin": True}, headers=h)
    assert r.status_code == 200
    r = await client.patch(f"{API}/{admin.id}", json={"is_admin": False}, headers=h)
    assert r.status_code == 200
    assert r.json()["is_admin"] is False
    r = await client.post(f"{API}/{deputy.id}/deactivate", headers=bearer(deputy, TEST_SECRET))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "last_admin"
    await session.commit()
    flags = (
        await session.execute(select(User.is_admin, User.is_active).where(User.id == deputy.id))
    ).one()
    assert tuple(flags) == (True, True)
