"""The project pages over real HTTP: the board, the switcher, members and settings, the list."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.projects.models import ProjectMember
from sprintsync.tasks.models import Task
from sprintsync.tasks.priority import Priority
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, db_snapshot, make_project, make_task, make_user


def _sign_in(client, user, settings) -> dict[str, str]:
    return cookie_auth(client, user, TEST_SECRET, settings.cookie_name)


async def test_a_project_board_shows_everyones_cards_and_filters_them(
    client, session, settings
) -> None:
    me, colleague = await make_user(session), await make_user(session, display_name="Grace")
    team = await make_project(session, members=(me, colleague), name="API Platform", key="API")
    mine = await make_task(session, me, project=team, title="Mine to do")
    theirs = await make_task(
        session,
        colleague,
        project=team,
        assignee_id=colleague.id,
        title="Grace's",
        priority=Priority.urgent,
    )
    elsewhere = await make_task(session, colleague, title="Not in this project")
    _sign_in(client, me, settings)
    r = await client.get("/projects/API")
    assert r.status_code == 200
    for task in (mine, theirs):
        assert task.title.replace("'", "&#39;") in r.text
        assert task.key in r.text
    assert elsewhere.title not in r.text
    assert "Grace" in r.text
    assert r.cookies.get("last_project") == "API"
    r = await client.get("/projects/api", params={"assignee": colleague.id})
    assert "Grace&#39;s" in r.text
    assert "Mine to do" not in r.text
    r = await client.get("/projects/API", params={"priority": "urgent", "q": "grace"})
    assert "Grace&#39;s" in r.text
    assert "Mine to do" not in r.text


async def test_outsiders_get_404_for_a_project_board_and_its_members(
    client, session, settings
) -> None:
    insider, outsider = await make_user(session), await make_user(session)
    await make_project(session, members=(insider,), key="SECRET")
    _sign_in(client, outsider, settings)
    for path in ("/projects/SECRET", "/projects/SECRET/settings"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "SECRET" not in r.text


async def test_the_switcher_lists_my_projects_with_the_last_board_first(
    client, session, settings
) -> None:
    me = await make_user(session, home=False)
    await make_project(session, members=(me,), name="Alpha", key="ALPHA")
    await make_project(session, members=(me,), name="Beta", key="BETA")
    await make_project(session, name="Hidden", key="HIDDEN")
    _sign_in(client, me, settings)
    r = await client.get("/projects/switcher", headers={"HX-Request": "true"})
    assert "Alpha" in r.text
    assert "Beta" in r.text
    assert "Hidden" not in r.text
    assert "<span data-current-project>Alpha</span>" in r.text
    await client.get("/projects/BETA")
    r = await client.get("/projects/switcher", headers={"HX-Request": "true"})
    assert "<span data-current-project>Beta</span>" in r.text


async def test_a_lead_adds_and_removes_members_and_is_told_what_removal_means(
    client, session, settings
) -> None:
    lead = await make_user(session)
    newcomer = await make_user(session, email="new.person@example.com")
    team = await make_project(session, leads=(lead,), key="TEAM")
    csrf = _sign_in(client, lead, settings)
    page = await client.get("/projects/TEAM/settings")
    assert "their open tasks in this project become unassigned" in page.text
    r = await client.post(
        "/projects/TEAM/members", data={"email": "New.Person@example.com"}, headers=csrf
    )
    assert r.status_code == 303
    task = await make_task(session, lead, project=team, assignee_id=newcomer.id)
    r = await client.post(f"/projects/TEAM/members/{newcomer.id}/remove", headers=csrf)
    assert r.status_code == 303
    await session.commit()
    stmt = select(ProjectMember.user_id).where(ProjectMember.project_id == team.id)
    members = (await session.execute(stmt)).scalars().all()
    assert newcomer.id not in members
    assignee = await session.scalar(select(Task.assignee_id).where(Task.id == task.id))
    assert assignee is None
    before = await db_snapshot(session)
    r = await client.post("/projects/TEAM/members", data={"email": "nobody@x.org"}, headers=csrf)
    assert r.status_code == 422
    assert "invite them first" in r.text
    assert await db_snapshot(session) == before


async def test_a_member_cannot_manage_the_project(client, session, settings) -> None:
    member, other = await make_user(session), await make_user(session)
    await make_project(session, members=(member, other), key="TEAM")
    csrf = _sign_in(client, member, settings)
    before = await db_snapshot(session)
    for path, data in (
        ("/projects/TEAM/settings", {"name": "Mine now"}),
        ("/projects/TEAM/members", {"email": "x@example.com"}),
        (f"/projects/TEAM/members/{other.id}/remove", {}),
    ):
        r = await client.post(path, data=data, headers=csrf)
        assert r.status_code == 403, path
    assert await db_snapshot(session) == before


async def test_the_new_task_form_offers_the_projects_members_and_assigns_a_colleague(
    client, session, settings
) -> None:
    me, colleague = await make_user(session, home=False), await make_user(session)
    outsider = await make_user(session, display_name="Outsider")
    team = await make_project(session, members=(me, colleague), key="TEAM")
    csrf = _sign_in(client, me, settings)
    form = await client.get("/tasks/new")
    assert colleague.display_name in form.text
    assert "Outsider" not in form.text
    r = await client.post(
        "/tasks",
        data={"title": "For you", "project_id": str(team.id), "assignee_id": str(colleague.id)},
        headers=csrf,
    )
    assert r.status_code == 303
    r = await client.post(
        "/tasks",
        data={"title": "Nope", "project_id": str(team.id), "assignee_id": str(outsider.id)},
        headers={**csrf, "HX-Request": "true"},
    )
    assert r.status_code == 422
    assert "Not a member of the project." in r.text
    await session.commit()
    task = (await session.execute(select(Task))).scalar_one()
    assert (task.key, task.assignee_id) == ("TEAM-1", colleague.id)
    r = await client.get("/tasks", params={"project": team.id})
    assert "For you" in r.text
    assert "data-project-filter" in r.text
