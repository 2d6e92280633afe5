"""One filter model (tasks/filters.py) from the query string to the service, for the JSON
list, the list page and a project's board: both URL spellings, the pages' due-date windows,
and the same refusals for bad values."""

from __future__ import annotations

from datetime import timedelta

from sprintsync.tasks.filters import BOARD_FIELDS, LIST_PAGE_FIELDS, TaskFilter
from sprintsync.tasks.models import TaskStatus
from sprintsync.tasks.priority import Priority
from sprintsync.timeutil import today_for
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_project, make_task, make_user

API = "/api/v1/tasks"


def test_the_pages_url_names_parse_to_the_same_filter_as_the_apis() -> None:
    page = {
        "project": "3",
        "assignee": "7",
        "priority": "high",
        "status": "",  # a <select> left at "any"
        "due": "week",
        "project_id": "5",  # the API's spelling is not the page's: ignored here
        "limit": "99",  # the page sets its own length
    }
    parsed = TaskFilter.from_page(page, fields=LIST_PAGE_FIELDS, limit=25)
    assert parsed == TaskFilter(
        project_id=3, assignee_id=7, priority=Priority.high, due="week", limit=25
    )
    assert parsed.filtered
    assert (
        parsed.page_query(cursor="abc") == "project=3&assignee=7&priority=high&due=week&cursor=abc"
    )
    api = TaskFilter.model_validate({"project_id": "3", "assignee_id": "7", "priority": "high"})
    assert api == parsed.model_copy(update={"due": None, "limit": 50})


def test_a_board_reads_only_its_own_filters() -> None:
    board = TaskFilter.from_page(
        {"q": "login", "assignee": "2", "status": "done", "sort": "title"}, fields=BOARD_FIELDS
    )
    assert board == TaskFilter(q="login", assignee_id=2)
    assert not TaskFilter.from_page({}, fields=BOARD_FIELDS).filtered


def test_due_windows_count_from_the_given_day() -> None:
    day = today_for(None)
    ranges = {w: TaskFilter(due=w).due_range(day) for w in ("overdue", "today", "week", "later")}
    assert ranges == {
        "overdue": (day - timedelta(days=1), None),
        "today": (day, day),
        "week": (day + timedelta(days=6), day),
        "later": (None, day + timedelta(days=7)),
    }


async def test_the_list_page_due_window_counts_from_the_readers_today(
    client, session, settings
) -> None:
    user = await make_user(session, time_zone="Pacific/Kiritimati")
    today = today_for(user)
    due = {
        "Was due yesterday": today - timedelta(days=1),
        "Due this very day": today,
        "Due in three days": today + timedelta(days=3),
        "Due in ten days": today + timedelta(days=10),
    }
    for title, day in due.items():
        await make_task(session, user, title=title, due_date=day)
    await make_task(session, user, title="Whenever it suits")
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    expected = {
        "overdue": {"Was due yesterday"},
        "today": {"Due this very day"},
        "week": {"Due this very day", "Due in three days"},
        "later": {"Due in ten days"},
    }
    for window, titles in expected.items():
        r = await client.get("/tasks", params={"due": window})
        assert r.status_code == 200
        shown = {t for t in [*due, "Whenever it suits"] if t in r.text}
        assert shown == titles, window
    # The JSON list offers dates, not windows: a window there is an unknown name, ignored.
    h = bearer(user, TEST_SECRET)
    r = await client.get(API, params={"due": "overdue"}, headers=h)
    assert len(r.json()["items"]) == 5


async def test_bad_filter_values_are_refused_with_the_name_that_was_sent(
    client, session, settings
) -> None:
    user = await make_user(session)
    team = await make_project(session, members=(user,), key="API")
    h = bearer(user, TEST_SECRET)
    r = await client.get(API, params={"priority": "critical"}, headers=h)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["error"]["details"]] == ["query.priority"]
    r = await client.get(
        API, params={"status": TaskStatus.todo.value, "assignee_id": "x"}, headers=h
    )
    assert [d["field"] for d in r.json()["error"]["details"]] == ["query.assignee_id"]
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    for url, params in (
        ("/tasks", {"assignee": "x"}),
        ("/tasks", {"priority": "critical"}),
        ("/tasks", {"due": "someday"}),
        (f"/projects/{team.key}", {"priority": "critical"}),
    ):
        r = await client.get(url, params=params)
        assert r.status_code == 422, (url, params)
    r = await client.get("/tasks", params={"assignee": "x"}, headers={"Accept": "application/json"})
    assert "query.assignee" in r.text
