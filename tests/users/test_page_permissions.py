"""Permission matrix over the user administration pages: anonymous, member, admin.

Anonymous visitors go to the log-in page, members get a 403 page, and every refused
request leaves the database exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, db_snapshot, make_user

ACTORS = ("anonymous", "member", "admin")
LOGIN = "login"  # a 303 to the log-in page
EXPECTED = {"anonymous": LOGIN, "member": 403}

# page -> (method, path, form, the admin's status)
PAGES: dict[str, tuple[str, str, dict[str, str] | None, int]] = {
    "list": ("GET", "/admin/users", None, 200),
    "create": (
        "POST",
        "/admin/users",
        {"email": "new@example.com", "display_name": "New", "password": "a-long-password"},
        303,
    ),
    "grant admin": ("POST", "/admin/users/{id}/admin", {"value": "true"}, 303),
    "deactivate": ("POST", "/admin/users/{id}/active", {"value": "false"}, 303),
}


@pytest.mark.parametrize("page", PAGES)
async def test_user_admin_page_permissions(client, session, settings, page: str) -> None:
    method, path, form, admin_status = PAGES[page]
    people: dict[str, Any] = {
        "anonymous": None,
        "member": await make_user(session),
        "admin": await make_user(session, is_admin=True),
    }
    target = await make_user(session)
    for actor in ACTORS:
        client.cookies.clear()
        user = people[actor]
        headers = (
            {} if user is None else cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
        )
        before = await db_snapshot(session)
        r = await client.request(method, path.format(id=target.id), data=form, headers=headers)
        want = EXPECTED.get(actor, admin_status)
        if want == LOGIN:
            assert r.status_code == 303, (page, actor)
            assert r.headers["location"].startswith("/login"), (page, actor)
        else:
            assert r.status_code == want, (page, actor, r.text)
        if actor != "admin":
            assert await db_snapshot(session) == before, (page, actor)
