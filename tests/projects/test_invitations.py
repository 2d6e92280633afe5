"""Invitations join a project: its leads (and admins) invite; the invitee becomes a member."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.projects.models import ProjectMember
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_project, make_user

API = "/api/v1/invitations"


async def test_a_lead_invites_someone_who_signs_up_into_the_project(client, session) -> None:
    lead = await make_user(session)
    team = await make_project(session, leads=(lead,), key="TEAM")
    r = await client.post(API, json={"project_id": team.id}, headers=bearer(lead, TEST_SECRET))
    assert r.status_code == 201, r.text
    body = {"email": "new@example.com", "display_name": "New", "password": "long-enough-1"}
    r = await client.post("/api/v1/auth/signup", json={**body, "invitation": r.json()["token"]})
    assert r.status_code == 201, r.text
    await session.commit()
    stmt = select(ProjectMember.role).where(
        ProjectMember.project_id == team.id, ProjectMember.user_id == r.json()["user"]["id"]
    )
    assert (await session.execute(stmt)).scalar_one() == "member"


async def test_members_cannot_invite_and_outsiders_learn_nothing(client, session) -> None:
    member, outsider = await make_user(session), await make_user(session)
    team = await make_project(session, members=(member,), key="TEAM")
    before = await db_snapshot(session)
    r = await client.post(API, json={"project_id": team.id}, headers=bearer(member, TEST_SECRET))
    assert r.status_code == 403
    r = await client.post(API, json={"project_id": team.id}, headers=bearer(outsider, TEST_SECRET))
    assert r.status_code == 404
    assert await db_snapshot(session) == before
