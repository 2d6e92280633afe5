"""Permission matrix over the invitation routes: anonymous, a member, an admin.

Refused requests must leave the database exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_user

ACTORS = ("anonymous", "member", "admin")
ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "create": ("POST", "/api/v1/invitations", {},
               {"anonymous": 401, "member": 403, "admin": 201}),
    "list": ("GET", "/api/v1/invitations", None,
             {"anonymous": 401, "member": 403, "admin": 200}),
    "revoke": ("DELETE", "/api/v1/invitations/{id}", None,
               {"anonymous": 401, "member": 404, "admin": 204}),
}  # fmt: skip


async def _invitation_id(client, admin: User) -> int:
    r = await client.post("/api/v1/invitations", json={}, headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 201
    return r.json()["id"]


@pytest.mark.parametrize("route", ROUTES)
async def test_invitation_route_permissions(client, session, route: str) -> None:
    method, path, body, expected = ROUTES[route]
    admin = await make_user(session, is_admin=True)
    member = await make_user(session)
    for actor in ACTORS:
        target = await _invitation_id(client, admin)
        caller = {"anonymous": None, "member": member, "admin": admin}[actor]
        headers = bearer(caller, TEST_SECRET) if caller is not None else {}
        before = await db_snapshot(session)
        r = await client.request(method, path.format(id=target), json=body, headers=headers)
        assert r.status_code == expected[actor], (route, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (route, actor)
            assert set(r.json()) == {"error", "request_id"}
