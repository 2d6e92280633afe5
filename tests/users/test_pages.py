"""The user administration pages over real HTTP: admins only, grants, the last admin."""

from __future__ import annotations

from tests.factories import make_user
from tests.pages import HTMX, login_cookie


async def test_admin_pages_are_for_admins_only(client, session, settings) -> None:
    user = await make_user(session)
    login_cookie(client, user, settings)
    r = await client.get("/admin/users")
    assert r.status_code == 403
    assert "for administrators" in r.text


async def test_admin_grants_rights_and_deactivates(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    person = await make_user(session, display_name="Pat")
    token = login_cookie(client, admin, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    url = f"/admin/users/{person.id}"
    r = await client.post(f"{url}/admin", data={"value": "true"}, headers=headers)
    assert r.status_code == 200
    assert "Remove admin" in r.text
    assert "Pat is now an administrator" in r.headers["hx-trigger"]
    r = await client.post(f"{url}/active", data={"value": "false"}, headers=headers)
    assert r.status_code == 200
    assert "Reactivate" in r.text
    await session.refresh(person)
    assert person.is_admin
    assert not person.is_active


async def test_the_last_active_admin_cannot_step_down(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    token = login_cookie(client, admin, settings)
    r = await client.post(
        f"/admin/users/{admin.id}/admin",
        data={"value": "false"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert r.status_code == 409
    assert "last active administrator" in r.headers["hx-trigger"]
    await session.refresh(admin)
    assert admin.is_admin
