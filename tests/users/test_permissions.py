"""Permission matrix over every user route: anonymous, the user themself, another, the lead
of a project the user is in (no more rights over the account than anyone), admin.

Refused requests must leave the database exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_project, make_user

ACTORS = ("anonymous", "self", "other", "lead", "admin")
NEW_USER = {"email": "{actor}@new.example.com", "display_name": "New", "password": "long-enough"}

ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "list": ("GET", "/api/v1/users", None,
             {"anonymous": 401, "self": 403, "other": 403, "admin": 200}),
    "create": ("POST", "/api/v1/users", NEW_USER,
               {"anonymous": 401, "self": 403, "other": 403, "admin": 201}),
    "get": ("GET", "/api/v1/users/{id}", None,
            {"anonymous": 401, "self": 200, "other": 404, "admin": 200}),
    "update": ("PATCH", "/api/v1/users/{id}", {"display_name": "Changed"},
               {"anonymous": 401, "self": 403, "other": 403, "admin": 200}),
    "deactivate": ("POST", "/api/v1/users/{id}/deactivate", None,
                   {"anonymous": 401, "self": 403, "other": 403, "admin": 200}),
    "edit_email": ("PATCH", "/api/v1/users/{id}", {"email": "{actor}@changed.example.com"},
                   {"anonymous": 401, "self": 403, "other": 403, "admin": 200}),
    "reset_password": ("POST", "/api/v1/users/{id}/password", {"password": "provisional-key-1"},
                       {"anonymous": 401, "self": 403, "other": 403, "admin": 200}),
    "promote_self": ("PATCH", "/api/v1/users/{id}", {"is_admin": True},
                     {"anonymous": 401, "self": 403, "other": 403, "admin": 200}),
}  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
async def test_user_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = ROUTES[route]
    admin = await make_user(session, is_admin=True)
    await make_user(session, is_admin=True)  # so the admin may act on admins too
    other = await make_user(session)
    lead = await make_user(session)
    for actor in ACTORS:
        target = await make_user(session)
        await make_project(session, leads=(lead,), members=(target,))
        callers = {"anonymous": None, "self": target, "other": other, "lead": lead, "admin": admin}
        caller = callers[actor]
        headers = bearer(caller, TEST_SECRET) if caller is not None else {}
        json = body
        if route in ("create", "edit_email"):  # a fresh email per actor: only permissions refuse
            json = body | {"email": body["email"].format(actor=actor)}
        before = await db_snapshot(session)
        r = await client.request(method, path.format(id=target.id), json=json, headers=headers)
        # A lead is nobody special for accounts: they get what any other user gets.
        assert r.status_code == expected.get(actor, expected["other"]), (route, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (route, actor)
        if r.status_code == 403:
            assert r.json()["error"]["code"] == "admin_required"


async def test_own_profile_routes_need_a_session(client, session) -> None:
    user = await make_user(session)
    for method, url in (("GET", "/api/v1/auth/me"), ("PATCH", "/api/v1/auth/me"),
                        ("POST", "/api/v1/auth/logout")):  # fmt: skip
        r = await client.request(method, url, json={} if method == "PATCH" else None)
        assert r.status_code == 401, url
        assert r.json()["error"]["code"] == "not_authenticated"
    r = await client.get("/api/v1/auth/me", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["id"] == user.id
