"""Duplicate warning on create: `/api/v1/ai/similar` and the new-task form's fragment, on
both databases, with a realistic backlog; similar titles warn, unrelated ones do not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sprintsync.projects.models import Project
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_project, make_task, make_user

SIMILAR = "/api/v1/ai/similar"

BACKLOG = [
    "Login redirect loop on Safari after session expires",
    "Add CSV export to the timesheet report",
    "Timer keeps running after logout",
    "Migrate project settings page to HTMX",
    "Rate limit password reset e-mails",
    "Upgrade PostgreSQL driver to asyncpg 0.30",
    "Dark mode colours unreadable on the board",
    "Write runbook for on-call database failover",
    "Slow task list when filtering by assignee",
    "Invite link expires too early",
    "Fix flaky browser test for comments",
    "Add due date reminders by e-mail",
]
# A new title and the open task it duplicates (written differently, as people do).
LOOKALIKES = [
    ("Safari login redirects in a loop when the session expired", "Login redirect loop"),
    ("Export timesheet as CSV", "Add CSV export to the timesheet report"),
    ("Timer still running after the user logs out", "Timer keeps running after logout"),
    ("Password reset emails should be rate limited", "Rate limit password reset e-mails"),
    ("Task list is slow when filtered by assignee", "Slow task list when filtering"),
    ("Email reminders for due dates", "Add due date reminders by e-mail"),
]
UNRELATED = [
    "Add Slack integration for notifications",
    "Fix typo on the pricing page",
    "Add a logout button to the mobile menu",
    "Refactor the project service",
    "Add PDF export to invoices",
    "Document the deploy process",
    "Board columns should be collapsible",
    "Session cookie should be SameSite=Lax",
]


@dataclass
class Backlog:
    dev: User
    project: Project


@pytest.fixture
async def team(session) -> Backlog:
    lead = await make_user(session, display_name="Lena Lead")
    dev = await make_user(session, display_name="Dev Doe")
    project = await make_project(session, key="API", name="API", members=(lead, dev))
    for i, title in enumerate(BACKLOG):
        await make_task(
            session, lead, project=project, title=title, status="todo" if i % 2 else "in_progress"
        )
    return Backlog(dev, project)


@pytest.mark.parametrize(("title", "expected"), LOOKALIKES)
async def test_a_title_like_an_open_task_warns_with_its_key(
    client, session, team, title: str, expected: str
) -> None:
    dev = team.dev
    r = await client.get(
        SIMILAR, params={"project": "API", "title": title}, headers=bearer(dev, TEST_SECRET)
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["project_key"] == "API"
    assert data["tasks"], f"{title!r} should warn"
    first = data["tasks"][0]
    assert first["title"].startswith(expected)
    assert first["key"].startswith("API-")
    assert first["status"] in ("todo", "in_progress")
    assert 0 < first["score"] <= 1


async def test_unrelated_titles_do_not_warn(client, session, team) -> None:
    dev = team.dev
    warned = {}
    for title in UNRELATED:
        r = await client.get(
            SIMILAR, params={"project": "API", "title": title}, headers=bearer(dev, TEST_SECRET)
        )
        assert r.status_code == 200, r.text
        if r.json()["tasks"]:
            warned[title] = r.json()["tasks"]
    assert warned == {}


async def test_finished_tasks_and_other_projects_tasks_are_not_warned_about(
    client, session
) -> None:
    user = await make_user(session)
    api = await make_project(session, key="API", members=(user,))
    web = await make_project(session, key="WEB", members=(user,))
    await make_task(
        session, user, project=api, title="Add CSV export to the timesheet report", status="done"
    )
    await make_task(session, user, project=web, title="Add CSV export to the timesheet report")
    r = await client.get(
        SIMILAR,
        params={"project": "API", "title": "Export timesheet as CSV"},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 200, r.text
    assert r.json()["tasks"] == []


async def test_a_description_counts_toward_the_match(client, session) -> None:
    user = await make_user(session)
    api = await make_project(session, key="API", members=(user,))
    await make_task(
        session,
        user,
        project=api,
        title="Webhook retries",
        description="Stripe webhook deliveries fail with 502 and are never retried",
    )
    params = {
        "project": "api",
        "title": "Stripe webhook retries",
        "description": "Deliveries that fail with a 502 are not retried",
    }
    r = await client.get(SIMILAR, params=params, headers=bearer(user, TEST_SECRET))
    assert [t["title"] for t in r.json()["tasks"]] == ["Webhook retries"]


async def test_a_project_you_cannot_see_is_a_404_and_tells_nothing(client, session) -> None:
    insider = await make_user(session)
    outsider = await make_user(session)
    secret = await make_project(session, key="SEC", members=(insider,))
    await make_task(session, insider, project=secret, title="Rotate the leaked signing key")
    params = {"project": "SEC", "title": "Rotate the leaked signing key"}
    r = await client.get(SIMILAR, params=params, headers=bearer(outsider, TEST_SECRET))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "project_not_found"
    assert "signing" not in r.text
    r = await client.get(SIMILAR, params=params)
    assert r.status_code == 401
    admin = await make_user(session, is_admin=True)
    r = await client.get(SIMILAR, params=params, headers=bearer(admin, TEST_SECRET))
    assert [t["key"] for t in r.json()["tasks"]] == ["SEC-1"]


async def test_an_empty_or_stop_word_title_gives_no_warning(client, session, team) -> None:
    dev = team.dev
    for title in ("", "the and of", "  "):
        r = await client.get(
            SIMILAR, params={"project": "API", "title": title}, headers=bearer(dev, TEST_SECRET)
        )
        assert r.status_code == 200, r.text
        assert r.json()["tasks"] == []


async def test_the_new_task_form_asks_for_lookalikes_as_the_title_is_typed(
    client, session, settings, team
) -> None:
    dev, project = team.dev, team.project
    headers = {**cookie_auth(client, dev, TEST_SECRET, settings.cookie_name), "HX-Request": "true"}
    r = await client.get("/tasks/new", headers={**headers, "HX-Target": "modal-body"})
    assert r.status_code == 200
    assert 'hx-post="/ai/similar-tasks"' in r.text
    assert 'id="task-duplicates"' in r.text
    form = {
        "title": "Timer still running after the user logs out",
        "description": (
            "Steps: start a timer on any task, then log out from the header menu. Log back in"
            " an hour later: the header still shows the timer ticking and the hour is counted."
            " Expected: logging out stops the timer or asks first. Seen on Chrome and Firefox."
        ),
        "project_id": str(project.id),
    }
    r = await client.post("/ai/similar-tasks", data=form, headers=headers)
    assert r.status_code == 200, r.text
    assert r.text.count("data-duplicate>") == 1
    assert "Looks like" in r.text
    assert "API-3 Timer keeps running after logout" in r.text
    assert 'hx-get="/tasks/API-3"' in r.text
    form["title"] = "Add Slack integration for notifications"
    r = await client.post("/ai/similar-tasks", data=form, headers=headers)
    assert r.status_code == 200
    assert "Looks like" not in r.text
    assert 'id="task-duplicates"' in r.text
