"""SQL statements per request for the task pages and the JSON list, held to fixed budgets.

Each page makes one service call that returns everything its template needs; these budgets
keep it that way (an N+1 read, or a second read of the same row, fails here). Counted with
the user cache warm, as in production; the layout's header (running timer and unread count,
read together as one statement of layout parts) is one of them.
"""

from __future__ import annotations

import pytest

from sprintsync.config import Settings
from sprintsync.notifications.models import Notification
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_entry, make_project, make_task, make_user
from tests.statements import count_statements

HTMX = {"HX-Request": "true"}
# Whole pages: the page's data in at most three statements, plus the header's one statement
# (running timer and unread-notification count together).
PAGE_BUDGET = 4
# The JSON list, the hottest read: the list itself and nothing else.
JSON_LIST_BUDGET = 1


@pytest.fixture
def settings(base_settings) -> Settings:
    return base_settings.model_copy(update={"auth_cache_seconds": 30.0})


@pytest.fixture(params=["member", "admin"])
async def signed_in(request, client, session, settings) -> dict:
    """A user with tasks in every column, someone else's task assigned to them, time logged
    by two people, and their cookie session (already used once, so the cache is warm)."""
    user = await make_user(session, is_admin=request.param == "admin")
    other = await make_user(session)
    for n in range(3):
        await make_task(session, user, title=f"todo {n}")
        await make_task(session, user, title=f"doing {n}", status="in_progress")
        await make_task(session, user, title=f"done {n}", status="done")
    shared = await make_task(session, other, assignee_id=user.id, title="handed over")
    await make_entry(session, shared, user, minutes=30)
    await make_entry(session, shared, other, minutes=45)
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    assert (await client.get("/", headers=headers)).status_code == 200
    return {"user": user, "headers": headers, "task": shared}


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/", {}),
        ("/", {**HTMX, "HX-Target": "board"}),
        ("/tasks", {}),
        ("/tasks?q=do&sort=title", {**HTMX, "HX-Target": "results"}),
        ("/tasks/{task}", {}),
        ("/tasks/{task}", {**HTMX, "HX-Target": "modal-body"}),
    ],
)
async def test_each_page_stays_within_its_statement_budget(
    client, engine, monkeypatch, signed_in, path, extra
) -> None:
    url = path.format(task=signed_in["task"].id)
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get(url, headers={**signed_in["headers"], **extra})
    assert r.status_code == 200, r.text
    assert len(statements) <= PAGE_BUDGET, statements


async def test_the_json_list_is_one_statement_with_a_warm_user_cache(
    client, session, engine, monkeypatch
) -> None:
    user = await make_user(session)
    for n in range(5):
        await make_task(session, user, title=f"task {n}")
    h = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get("/api/v1/tasks?limit=20", headers=h)
    assert r.status_code == 200
    assert len(r.json()["items"]) == 5
    assert len(statements) <= JSON_LIST_BUDGET, statements


@pytest.mark.parametrize(
    ("keys", "unread", "budget"),
    [(True, False, PAGE_BUDGET), (False, True, PAGE_BUDGET), (True, True, PAGE_BUDGET + 1)],
)
async def test_task_page_with_keys_or_unread_notifications_stays_within_budget(
    client, session, engine, monkeypatch, settings, keys, unread, budget
) -> None:
    """Linking the description's task keys costs one statement only when it has keys, and
    reading the task's notifications one only when some are unread (once: the next visit
    finds none), so the page stays within its budget with either."""
    user = await make_user(session)
    other = await make_task(session, user, title="sibling")
    description = f"After {other.key} and HQ-99999." if keys else "No keys here."
    task = await make_task(session, user, description=description)
    if unread:
        session.add(Notification(user_id=user.id, kind="assigned", task_id=task.id))
        await session.commit()
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    assert (await client.get("/", headers=headers)).status_code == 200
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get(f"/tasks/{task.key}", headers=headers)
    assert r.status_code == 200
    assert (f'href="/tasks/{other.key}"' in r.text) is keys
    assert len(statements) <= budget, statements
    with count_statements(engine, monkeypatch) as again:
        assert (await client.get(f"/tasks/{task.key}", headers=headers)).status_code == 200
    assert len(again) <= PAGE_BUDGET - (0 if keys else 1), again


@pytest.mark.parametrize(("path", "budget"), [("/tasks", 3), ("/projects/{key}", 7)])
async def test_the_list_and_a_project_board_name_assignees_from_the_people_they_read(
    client, session, engine, monkeypatch, settings, path, budget
) -> None:
    """The people a page offers as filters already carry the names its cards show, so
    naming the assignees costs no statement of its own."""
    user = await make_user(session, display_name="Ada")
    colleague = await make_user(session, display_name="Brook")
    team = await make_project(session, members=(user, colleague))
    await make_task(session, user, project=team, title="mine")
    await make_task(session, user, project=team, title="theirs", assignee_id=colleague.id)
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    assert (await client.get("/", headers=headers)).status_code == 200
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get(path.format(key=team.key), headers=headers)
    assert r.status_code == 200, r.text
    assert "Brook" in r.text
    assert len(statements) == budget, statements


async def test_a_task_id_that_cannot_exist_is_refused_without_a_statement(
    client, session, engine, monkeypatch
) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get("/api/v1/tasks/99999999999", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "task_not_found")
    assert statements == []


async def test_a_members_list_reads_project_by_project_only_on_postgresql(
    client, session, engine, monkeypatch, backend
) -> None:
    """PostgreSQL reads each of the member's projects in index order (a LATERAL join);
    SQLite, without it, filters the projects in one IN list."""
    user = await make_user(session)
    await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    assert (await client.get("/api/v1/tasks", headers=h)).status_code == 200
    with count_statements(engine, monkeypatch) as statements:
        r = await client.get("/api/v1/tasks", headers=h)
    assert len(r.json()["items"]) == 1
    assert ["LATERAL" in sql for sql in statements] == [backend == "postgres"]
