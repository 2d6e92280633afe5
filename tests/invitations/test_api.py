"""Invitation links over the JSON API: who may create them, single use, expiry, revocation,
and the sign-up policy that decides whether they are needed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from sprintsync.db import utcnow
from sprintsync.invitations.models import Invitation
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import bearer, db_snapshot, make_user

API = "/api/v1/invitations"
SIGNUP = "/api/v1/auth/signup"


def _signup(email: str, token: str | None = None) -> dict[str, str | None]:
    return {"email": email, "display_name": "New Person", "password": "long-enough-1",
            "invitation": token}  # fmt: skip


async def _invite(client, admin: User, **body: object) -> dict:
    r = await client.post(API, json=body, headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 201, r.text
    return r.json()


async def test_admin_creates_a_link_that_signs_someone_up_once(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    created = await _invite(client, admin)
    assert created["status"] == "pending"
    assert created["url"].endswith(f"/join/{created['token']}")
    stored = (await session.execute(select(Invitation))).scalar_one()
    assert stored.token_hash != created["token"]
    assert len(stored.token_hash) == 64
    r = await client.post(SIGNUP, json=_signup("new@example.com", created["token"]))
    assert r.status_code == 201, r.text
    r = await client.post(SIGNUP, json=_signup("second@example.com", created["token"]))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invitation_used")
    listed = (await client.get(API, headers=bearer(admin, TEST_SECRET))).json()
    (item,) = listed["items"]
    assert item["status"] == "used"
    assert item["used_by_id"] is not None
    assert "token" not in item


async def test_an_invitation_for_an_email_only_works_for_it(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    created = await _invite(client, admin, email="Ada@Example.com")
    assert created["email"] == "ada@example.com"
    r = await client.post(SIGNUP, json=_signup("eve@example.com", created["token"]))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invitation_email_mismatch"
    r = await client.post(SIGNUP, json=_signup("ADA@example.com", created["token"]))
    assert r.status_code == 201


async def test_expired_revoked_and_unknown_links_are_refused(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    h = bearer(admin, TEST_SECRET)
    expired = await _invite(client, admin)
    revoked = await _invite(client, admin)
    await session.execute(
        update(Invitation)
        .where(Invitation.id == expired["id"])
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await session.commit()
    assert (await client.delete(f"{API}/{revoked['id']}", headers=h)).status_code == 204
    cases = {expired["token"]: (409, "invitation_expired"),
             revoked["token"]: (404, "invitation_not_found"),
             "made-up-token": (404, "invitation_not_found")}  # fmt: skip
    for token, (status, code) in cases.items():
        before = await count_rows(session, "users")
        r = await client.post(SIGNUP, json=_signup(f"{status}{code}@example.com", token))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code)
        assert await count_rows(session, "users") == before


async def test_a_used_invitation_cannot_be_revoked(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    created = await _invite(client, admin)
    await client.post(SIGNUP, json=_signup("new@example.com", created["token"]))
    r = await client.delete(f"{API}/{created['id']}", headers=bearer(admin, TEST_SECRET))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invitation_used")


@pytest.mark.parametrize("policy", ["invite", "closed"])
async def test_the_signup_policy_decides_who_may_sign_up(client, session, settings, policy) -> None:
    settings.signup_policy = policy
    admin = await make_user(session, is_admin=True)
    before = await db_snapshot(session)
    r = await client.post(SIGNUP, json=_signup("walk-in@example.com"))
    expected = "invitation_required" if policy == "invite" else "signup_closed"
    assert (r.status_code, r.json()["error"]["code"]) == (403, expected)
    assert await db_snapshot(session) == before
    r = await client.post(API, json={}, headers=bearer(admin, TEST_SECRET))
    if policy == "closed":
        assert (r.status_code, r.json()["error"]["code"]) == (409, "signup_closed")
        return
    r = await client.post(SIGNUP, json=_signup("invited@example.com", r.json()["token"]))
    assert r.status_code == 201


def test_the_default_policy_is_open_in_development_and_invite_in_production(settings) -> None:
    assert settings.model_copy(update={"env": "development"}).effective_signup_policy == "open"
    assert settings.model_copy(update={"env": "production"}).effective_signup_policy == "invite"
    chosen = settings.model_copy(update={"env": "production", "signup_policy": "open"})
    assert chosen.effective_signup_policy == "open"


async def test_invitation_input_is_validated_with_the_envelope(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    h = bearer(admin, TEST_SECRET)
    for bad in ({"expires_in_days": 0}, {"expires_in_days": 91}, {"role": "owner"},
                {"email": "nope"}, {"extra": 1}):  # fmt: skip
        r = await client.post(API, json=bad, headers=h)
        assert r.status_code == 422, bad
        assert r.json()["error"]["code"] == "validation_error"
    taken = await make_user(session)
    r = await client.post(API, json={"email": taken.email}, headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "email_taken")
    r = await client.post(API, json={"project_id": 12345}, headers=h)
    assert r.status_code == 404


@pytest.mark.postgres_only
async def test_two_people_racing_with_one_link_get_one_account(app, session) -> None:
    import httpx

    admin = await make_user(session, is_admin=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        token = (await _invite(c, admin))["token"]
        results = await asyncio.gather(
            *(c.post(SIGNUP, json=_signup(f"racer{i}@example.com", token)) for i in range(6))
        )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 5, [r.text for r in results]
    assert await count_rows(session, "users") == 2


async def test_openapi_documents_the_account_routes_with_the_error_envelope(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    envelope = "#/components/schemas/ErrorResponse"
    routes = {
        ("/api/v1/invitations", "post"): ("201", "403", "409"),
        ("/api/v1/invitations", "get"): ("200", "401", "403"),
        ("/api/v1/invitations/{invitation_id}", "delete"): ("204", "404", "409"),
        ("/api/v1/users/{user_id}/password", "post"): ("200", "403", "404", "422"),
        ("/api/v1/users/{user_id}", "patch"): ("200", "403", "409"),
        ("/api/v1/auth/signup", "post"): ("201", "403", "404", "409"),
        ("/api/v1/auth/login", "post"): ("200", "401", "403"),
    }
    for (path, method), statuses in routes.items():
        operation = spec["paths"][path][method]
        for status in statuses:
            assert status in operation["responses"], (path, method, status)
            if status.startswith(("4", "5")) and status != "422":
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema["$ref"] == envelope, (path, method, status)
    created = spec["components"]["schemas"]["InvitationCreated"]["properties"]
    assert {"token", "url", "expires_at", "status"} <= set(created)
