"""Permission matrix over the task and timer pages: anonymous, other, assignee, owner, admin.

The same rules as the API (tests/tasks/test_permissions.py), seen as a browser sees them
without JavaScript: anonymous visitors go to the log-in page, a task one may not see is a
friendly 404 page, a refused action a 403 page, and every refused request leaves the
database exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, db_snapshot, make_task, make_user, today

ACTORS = ("anonymous", "other", "assignee", "owner", "admin")
LOGIN = "login"  # a 303 to the log-in page
SEES = {"anonymous": LOGIN, "other": 404, "assignee": 200, "owner": 200, "admin": 200}
ACTS = {"anonymous": LOGIN, "other": 404, "assignee": 303, "owner": 303, "admin": 303}

# page -> (method, path, form, expected status per actor)
PAGES: dict[str, tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = {
    "panel": ("GET", "/tasks/{id}", None, SEES),
    "panel time": ("GET", "/tasks/{id}/time", None, SEES),
    "panel actions": ("GET", "/tasks/{id}/actions", None, SEES),
    "edit": ("POST", "/tasks/{id}", {"title": "Renamed", "priority": "high"}, ACTS),
    "status": ("POST", "/tasks/{id}/status", {"status": "in_progress"}, ACTS),
    "delete": ("POST", "/tasks/{id}/delete", {}, {**ACTS, "assignee": 403}),
    "timer": ("POST", "/tasks/{id}/timer/start", {}, ACTS),
    "log time": ("POST", "/tasks/{id}/entries", {"minutes": "30", "date": "{today}"}, ACTS),
}


async def _people(session) -> dict[str, Any]:
    return {
        "anonymous": None,
        "other": await make_user(session),
        "assignee": await make_user(session),
        "owner": await make_user(session),
        "admin": await make_user(session, is_admin=True),
    }


def _sign_in(client, user, settings) -> dict[str, str]:
    client.cookies.clear()
    if user is None:
        return {}
    return cookie_auth(client, user, TEST_SECRET, settings.cookie_name)


@pytest.mark.parametrize("page", PAGES)
async def test_task_page_permissions(client, session, settings, page: str) -> None:
    method, path, form, expected = PAGES[page]
    people = await _people(session)
    if form is not None:
        form = {k: v.format(today=today().isoformat()) for k, v in form.items()}
    for actor in ACTORS:
        task = await make_task(session, people["owner"], assignee_id=people["assignee"].id)
        headers = _sign_in(client, people[actor], settings)
        before = await db_snapshot(session)
        r = await client.request(method, path.format(id=task.id), data=form, headers=headers)
        want = expected[actor]
        if want == LOGIN:
            assert r.status_code == 303, (page, actor, r.text)
            assert r.headers["location"].startswith("/login"), (page, actor)
        else:
            assert r.status_code == want, (page, actor, r.text)
        if r.status_code >= 400 or want == LOGIN:
            assert await db_snapshot(session) == before, (page, actor)
        if r.status_code in (403, 404):
            assert "<html" in r.text  # a friendly page, not an error body
        session.expunge(task)  # SQLite may hand a deleted task's id to the next one
