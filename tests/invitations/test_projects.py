"""Invitations into projects: leads invite people to their projects, admins to any, and the
link joins the new account to the project with the invited role."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.config import Settings
from sprintsync.projects.models import Project, ProjectMember
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import bearer, cookie_auth, db_snapshot, make_project, make_user

API = "/api/v1/invitations"
SIGNUP = "/api/v1/auth/signup"


def _signup(email: str, token: str) -> dict[str, str]:
    return {"email": email, "display_name": "New Person", "password": "long-enough-1",
            "invitation": token}  # fmt: skip


async def _role(session: AsyncSession, project: Project, user_id: int) -> str | None:
    await session.commit()
    stmt = select(ProjectMember.role).where(
        ProjectMember.project_id == project.id, ProjectMember.user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


@pytest.mark.parametrize("role", ["member", "lead"])
async def test_a_leads_link_joins_the_new_person_to_the_project(
    client: httpx.AsyncClient, session: AsyncSession, role: str
) -> None:
    lead = await make_user(session)
    project = await make_project(session, leads=(lead,))
    r = await client.post(
        API, json={"project_id": project.id, "role": role}, headers=bearer(lead, TEST_SECRET)
    )
    assert r.status_code == 201, r.text
    r = await client.post(SIGNUP, json=_signup("new@example.com", r.json()["token"]))
    assert r.status_code == 201, r.text
    assert await _role(session, project, r.json()["user"]["id"]) == role


async def test_a_lead_who_stepped_down_cannot_bring_people_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    lead = await make_user(session)
    project = await make_project(session, leads=(lead,))
    r = await client.post(API, json={"project_id": project.id}, headers=bearer(lead, TEST_SECRET))
    token = r.json()["token"]
    await session.execute(
        update(ProjectMember)
        .where(ProjectMember.project_id == project.id, ProjectMember.user_id == lead.id)
        .values(role="member")
    )
    await session.commit()
    users_before = await count_rows(session, "users")
    r = await client.post(SIGNUP, json=_signup("late@example.com", token))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invitation_stale"
    assert await count_rows(session, "users") == users_before


async def test_an_archived_project_takes_no_invitations(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_user(session, is_admin=True)
    project = await make_project(session, archived=True)
    r = await client.post(API, json={"project_id": project.id}, headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "project_archived"


ACTORS = ("anonymous", "outsider", "member", "lead", "admin")
ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "create_for_project": ("POST", API, {"project_id": "{project}"},
        {"anonymous": 401, "outsider": 404, "member": 403, "lead": 201, "admin": 201}),
    "create_without_project": ("POST", API, {},
        {"anonymous": 401, "outsider": 403, "member": 403, "lead": 403, "admin": 201}),
    "list": ("GET", API, None,
        {"anonymous": 401, "outsider": 403, "member": 403, "lead": 200, "admin": 200}),
    "revoke": ("DELETE", API + "/{invitation}", None,
        {"anonymous": 401, "outsider": 404, "member": 404, "lead": 204, "admin": 204}),
}  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
async def test_invitation_permissions_by_project_role(
    client: httpx.AsyncClient, session: AsyncSession, route: str
) -> None:
    method, path, body, expected = ROUTES[route]
    admin = await make_user(session, is_admin=True)
    lead, member, outsider = [await make_user(session) for _ in range(3)]
    project = await make_project(session, leads=(lead,), members=(member,))
    callers: dict[str, User | None] = {"anonymous": None, "outsider": outsider,
                                       "member": member, "lead": lead, "admin": admin}  # fmt: skip
    for actor in ACTORS:
        made = await client.post(
            API, json={"project_id": project.id}, headers=bearer(admin, TEST_SECRET)
        )
        invitation = made.json()["id"]
        json = {k: project.id if v == "{project}" else v for k, v in (body or {}).items()}
        caller = callers[actor]
        headers = bearer(caller, TEST_SECRET) if caller is not None else {}
        before = await db_snapshot(session)
        r = await client.request(
            method,
            path.format(invitation=invitation),
            json=json if body is not None else None,
            headers=headers,
        )
        assert r.status_code == expected[actor], (route, actor, r.text)
        if r.status_code >= 400:
            assert await db_snapshot(session) == before, (route, actor)


async def test_a_lead_invites_from_the_page_and_the_link_joins_the_project(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    lead = await make_user(session)
    project = await make_project(session, leads=(lead,), name="Apollo")
    csrf = cookie_auth(client, lead, TEST_SECRET, settings.cookie_name)
    members = await client.get(f"/projects/{project.key}/settings")
    assert f'href="/invitations?project_id={project.id}"' in members.text
    page = await client.get(f"/invitations?project_id={project.id}")
    assert page.status_code == 200
    assert f'<option value="{project.id}" selected>Apollo</option>' in page.text
    assert "No project" not in page.text
    form = {"project_id": str(project.id), "role": "member", "expires_in_days": "3"}
    r = await client.post("/invitations", data=form, headers=csrf)
    assert r.status_code == 200
    match = re.search(r'value="http://test/join/([^"]+)" data-invitation-link', r.text)
    assert match
    assert "→ Apollo (member)" in r.text
    client.cookies.clear()
    join = await client.get(f"/join/{match.group(1)}")
    assert "to join <strong>Apollo</strong>" in join.text
    r = await client.post(SIGNUP, json=_signup("apollo@example.com", match.group(1)))
    assert r.status_code == 201
    assert await _role(session, project, r.json()["user"]["id"]) == "member"
