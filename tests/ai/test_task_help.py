"""The task page's "Suggest estimate" and "Break down", and estimates that say when they
have too little history. Offline provider, real HTTP, real database."""

from __future__ import annotations

import html

from sqlalchemy import select

from sprintsync.tasks.models import Task
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_task, make_user
from tests.pages import HTMX, login_cookie

SUGGEST = "/api/v1/ai/suggest"


async def _finished(session, owner, title: str, minutes: int) -> Task:
    return await make_task(session, owner, title=title, status="done", total_minutes=minutes)


async def test_an_estimate_from_one_similar_task_says_it_is_a_rough_guess(client, session) -> None:
    user = await make_user(session)
    await _finished(session, user, "Fix login loop on Safari", 90)
    h = bearer(user, TEST_SECRET)
    body = {"mode": "estimate", "title": "Fix login loop on Firefox"}
    data = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert data["similar_count"] == 1
    assert data["rough"] is True
    assert data["rough_reason"] == "Only 1 similar finished task — treat this as a rough guess."
    body = {"mode": "estimate", "title": "Write the onboarding guide"}
    data = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert data["similar_count"] == 0
    assert (
        data["rough_reason"] == "No similar finished tasks to go on — treat this as a rough guess."
    )


async def test_a_drafts_estimate_says_it_is_a_rough_guess_too(client, session, settings) -> None:
    user = await make_user(session)
    await _finished(session, user, "Fix login loop on Safari", 90)
    body = {"mode": "description", "title": "Fix login loop on Firefox"}
    data = (await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))).json()
    assert data["estimate_rough_reason"] == (
        "Only 1 similar finished task — treat this as a rough guess."
    )
    token = login_cookie(client, user, settings)
    form = {"title": "Fix login loop on Firefox", "description": "", "priority": "medium"}
    r = await client.post("/tasks/draft", data=form, headers={**HTMX, "X-CSRF-Token": token})
    assert "Only 1 similar finished task — treat this as a rough guess." in html.unescape(r.text)


async def test_an_estimate_from_three_similar_tasks_is_not_called_rough(client, session) -> None:
    user = await make_user(session)
    for browser, minutes in (("Safari", 90), ("Chrome", 120), ("Edge", 100)):
        await _finished(session, user, f"Fix login loop on {browser}", minutes)
    body = {"mode": "estimate", "title": "Fix login loop on Firefox"}
    data = (await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))).json()
    assert data["similar_count"] == 3
    assert (data["rough"], data["rough_reason"]) == (False, None)


async def test_the_task_page_offers_estimate_and_breakdown(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Fix login loop on Firefox")
    login_cookie(client, user, settings)
    page = (await client.get(f"/tasks/{task.key}")).text
    assert f'hx-post="/tasks/{task.key}/ai/estimate"' in page
    assert f'hx-post="/tasks/{task.key}/ai/breakdown"' in page


async def test_suggest_estimate_shows_the_reason_similar_tasks_and_use_it_sets_it(
    client, session, settings
) -> None:
    user = await make_user(session)
    done = await _finished(session, user, "Fix login loop on Safari", 90)
    task = await make_task(session, user, title="Fix login loop on Firefox")
    token = login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post(f"/tasks/{task.key}/ai/estimate", headers=headers)
    assert r.status_code == 200, r.text
    text = html.unescape(r.text)
    assert "Suggested estimate: <span" in text
    assert "Only 1 similar finished task — treat this as a rough guess." in text
    assert "Based on 1 similar finished task" in text
    assert f'href="/tasks/{done.id}"' in text
    assert 'name="estimate_minutes" value="90"' in text
    r = await client.post(
        f"/tasks/{task.key}/ai/estimate/use", data={"estimate_minutes": "90"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["hx-retarget"] == "#task-panel"
    assert "tasks-changed" in r.headers["hx-trigger"]
    refreshed = await session.get(Task, task.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.estimate_minutes == 90
    r = await client.post(
        f"/tasks/{task.key}/ai/estimate/use", data={"estimate_minutes": "soon"}, headers=headers
    )
    assert r.status_code == 422


async def test_break_down_shows_subtasks_and_creates_the_kept_ones(
    client, session, settings
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Fix crash when saving an empty task")
    token = login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post(f"/tasks/{task.key}/ai/breakdown", headers=headers)
    assert r.status_code == 200, r.text
    text = html.unescape(r.text)
    assert "Suggested subtasks" in text
    rows = text.count("data-subtask-row")
    assert rows >= 3
    form = {
        "title": ["Reproduce the crash", "Fix it with a regression test", "Verify"],
        "minutes": ["30", "90", ""],
        "keep": ["0", "1"],
    }
    r = await client.post(f"/tasks/{task.key}/ai/breakdown/accept", data=form, headers=headers)
    assert r.status_code == 200, r.text
    assert "Created 2 subtasks." in html.unescape(r.headers["hx-trigger"])
    children = (
        await session.execute(select(Task).where(Task.parent_id == task.id).order_by(Task.id))
    ).scalars()
    assert [(c.title, c.estimate_minutes) for c in children] == [
        ("Reproduce the crash", 30),
        ("Fix it with a regression test", 90),
    ]
    r = await client.post(
        f"/tasks/{task.key}/ai/breakdown/accept",
        data={"title": ["x"], "minutes": ["5"]},
        headers=headers,
    )
    assert r.status_code == 422


async def test_another_users_task_is_a_404_on_every_ai_help_route(
    client, session, settings
) -> None:
    owner = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, owner, title="Private roadmap item")
    token = login_cookie(client, other, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    before = await db_snapshot(session)
    routes = {
        "estimate": {},
        "estimate/use": {"estimate_minutes": "60"},
        "breakdown": {},
        "breakdown/accept": {"title": ["Sneaky"], "minutes": ["5"], "keep": ["0"]},
    }
    for route, form in routes.items():
        r = await client.post(f"/tasks/{task.key}/ai/{route}", data=form, headers=headers)
        assert r.status_code == 404, (route, r.text)
        assert "Private roadmap" not in r.text
    assert await db_snapshot(session) == before


async def test_ai_help_routes_need_the_csrf_token(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    login_cookie(client, user, settings)
    before = await db_snapshot(session)
    for route in ("estimate", "estimate/use", "breakdown", "breakdown/accept"):
        r = await client.post(
            f"/tasks/{task.key}/ai/{route}",
            data={"estimate_minutes": "60", "title": ["A"], "keep": ["0"], "minutes": ["5"]},
            headers=HTMX,
        )
        assert r.status_code == 403, (route, r.text)
    assert await db_snapshot(session) == before
