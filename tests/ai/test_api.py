"""`/api/v1/ai/*` end to end with the default offline provider, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from sprintsync.db import utcnow
from sprintsync.tasks.models import Task
from sprintsync.tasks.priority import Priority
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import bearer, make_entry, make_task, make_user, today

SUGGEST = "/api/v1/ai/suggest"
ACCEPT = "/api/v1/ai/breakdown/accept"


async def _finished(session, owner, title: str, minutes: int) -> Task:
    return await make_task(session, owner, title=title, status="done", total_minutes=minutes)


async def test_description_for_a_title_is_a_structured_draft(client, session) -> None:
    user = await make_user(session)
    body = {
        "mode": "description",
        "title": "Fix crash when saving an empty task",
        "context": "Seen on Safari 18.\n- Saving shows an error instead of crashing",
    }
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["mode"] == "description"
    assert (data["provider"], data["fallback"], data["reason"]) == ("offline", False, None)
    assert data["model"]
    assert data["cached"] is False
    assert data["kind"] == "bug"
    assert data["priority"] == "high"
    assert data["acceptance_criteria"][0] == "Saving shows an error instead of crashing."
    assert "Seen on Safari 18" not in data["summary"]  # the user's text stays theirs
    assert data["description"].startswith(data["summary"])
    assert "- [ ] Saving shows an error instead of crashing." in data["description"]
    assert data["estimate_minutes"] == 120
    assert data["similar_count"] == 0


async def test_description_estimate_is_calibrated_on_finished_tasks(client, session) -> None:
    user = await make_user(session)
    await _finished(session, user, "Add CSV export to reports", 300)
    await _finished(session, user, "Add CSV export to invoices", 240)
    body = {"mode": "description", "title": "Add CSV export to the timesheet"}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    assert r.json()["similar_count"] == 2
    assert r.json()["estimate_minutes"] in (240, 270, 300)


async def test_description_of_an_existing_task_uses_its_text(client, session) -> None:
    user = await make_user(session)
    task = await make_task(
        session, user, title="Investigate slow dashboard", description="- p95 under 300 ms"
    )
    body = {"mode": "description", "task_id": task.id}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    data = r.json()
    assert (data["task_id"], data["title"], data["kind"]) == (
        task.id,
        "Investigate slow dashboard",
        "research",
    )
    assert data["acceptance_criteria"][0] == "P95 under 300 ms."


async def test_daily_plan_fits_open_tasks_into_capacity_after_time_logged_today(
    client, session
) -> None:
    user = await make_user(session)
    other = await make_user(session)
    started = await make_task(
        session,
        user,
        title="Finish login rework",
        status="in_progress",
        estimate_minutes=120,
        total_minutes=60,
    )
    due = await make_task(
        session,
        user,
        title="Release notes",
        estimate_minutes=90,
        due_date=today() + timedelta(days=1),
    )
    later = await make_task(session, user, title="Refactor settings", estimate_minutes=120)
    done = await make_task(session, user, title="Old thing", status="done", estimate_minutes=30)
    await make_task(session, other, title="Someone else's work", estimate_minutes=30)
    await make_entry(session, started, user, minutes=90)
    await make_entry(session, done, user, minutes=20, started_at=_yesterday())

    body = {"mode": "daily_plan", "capacity_minutes": 240}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    plan = r.json()
    assert (plan["capacity_minutes"], plan["logged_today_minutes"]) == (240, 90)
    assert (plan["available_minutes"], plan["planned_minutes"]) == (150, 150)
    assert [(i["task_id"], i["minutes"]) for i in plan["items"]] == [(started.id, 60), (due.id, 90)]
    assert plan["items"][0]["remaining_minutes"] == 60
    assert plan["items"][1]["reason"] == "Due tomorrow; estimated 1 h 30 min"
    assert [d["task_id"] for d in plan["deferred"]] == [later.id]
    assert plan["deferred"][0]["title"] == "Refactor settings"
    assert "Start with “Finish login rework”" in plan["summary"]


async def test_daily_plan_capacity_defaults_to_six_hours_and_is_bounded(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)
    assert r.status_code == 200
    assert r.json()["capacity_minutes"] == 360
    r = await client.post(SUGGEST, json={"mode": "daily_plan", "capacity_minutes": 5}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"].endswith("capacity_minutes")


async def test_breakdown_creates_nothing_until_the_user_accepts(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    parent = await make_task(
        session, user, title="Add CSV and PDF export", estimate_minutes=480, priority=Priority.high
    )
    before = await count_rows(session, "tasks")
    r = await client.post(SUGGEST, json={"mode": "breakdown", "task_id": parent.id}, headers=h)
    assert r.status_code == 200, r.text
    proposal = r.json()
    assert 3 <= len(proposal["subtasks"]) <= 8
    assert proposal["total_minutes"] == sum(s["estimate_minutes"] for s in proposal["subtasks"])
    assert await count_rows(session, "tasks") == before

    kept = proposal["subtasks"][:2]
    r = await client.post(ACCEPT, json={"parent_task_id": parent.id, "subtasks": kept}, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert [t["title"] for t in created] == [s["title"] for s in kept]
    assert all(t["description"] == f"Part of {parent.key}: {parent.title}" for t in created)
    assert all(t["priority"] == "high" and t["status"] == "todo" for t in created)
    assert [t["estimate_minutes"] for t in created] == [s["estimate_minutes"] for s in kept]
    assert await count_rows(session, "tasks") == before + 2


async def test_estimate_says_how_many_similar_tasks_it_used(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post(SUGGEST, json={"mode": "estimate", "title": "Fix login loop"}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["similar_count"], r.json()["confidence"]) == (0, "low")
    assert "No similar finished tasks" in r.json()["rationale"]

    for title, minutes in [("Fix login loop on Safari", 90), ("Fix login loop after reset", 120)]:
        await _finished(session, user, title, minutes)
    task = await make_task(session, user, title="Fix login loop on Firefox", total_minutes=30)
    r = await client.post(SUGGEST, json={"mode": "estimate", "task_id": task.id}, headers=h)
    data = r.json()
    assert data["similar_count"] == 2
    assert data["confidence"] == "medium"
    assert {s["title"] for s in data["similar"]} == {
        "Fix login loop on Safari",
        "Fix login loop after reset",
    }
    assert data["logged_minutes"] == 30
    assert "30 min is already logged" in data["rationale"]


async def test_estimates_only_learn_from_tasks_the_user_can_see(client, session) -> None:
    user = await make_user(session)
    other = await make_user(session)
    await _finished(session, other, "Rotate the TLS certificates", 45)
    body = {"mode": "estimate", "title": "Rotate the TLS certificates"}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.json()["similar_count"] == 0
    assert r.json()["similar"] == []


async def test_another_users_task_cannot_be_used_as_input(client, session) -> None:
    user = await make_user(session)
    other = await make_user(session)
    theirs = await make_task(session, other, title="Private roadmap item")
    h = bearer(user, TEST_SECRET)
    for mode in ("description", "breakdown", "estimate"):
        r = await client.post(SUGGEST, json={"mode": mode, "task_id": theirs.id}, headers=h)
        assert r.status_code == 404, (mode, r.text)
        assert r.json()["error"]["code"] == "task_not_found"
        assert "Private roadmap" not in r.text
    accept = {"parent_task_id": theirs.id, "subtasks": [{"title": "Sneaky"}]}
    r = await client.post(ACCEPT, json=accept, headers=h)
    assert r.status_code == 404
    r = await client.post(SUGGEST, json={"mode": "estimate", "task_id": 999_999}, headers=h)
    assert r.status_code == 404


async def test_admin_may_use_any_task(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    other = await make_user(session)
    theirs = await make_task(session, other, title="Write the deploy runbook")
    body = {"mode": "breakdown", "task_id": theirs.id}
    r = await client.post(SUGGEST, json=body, headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["title"] == "Write the deploy runbook"


async def test_anonymous_requests_are_refused(client) -> None:
    r = await client.post(SUGGEST, json={"mode": "daily_plan"})
    assert r.status_code == 401
    r = await client.post(ACCEPT, json={"subtasks": [{"title": "x"}]})
    assert r.status_code == 401


async def test_requests_are_validated_and_bounded(client, session) -> None:
    h = bearer(await make_user(session), TEST_SECRET)
    bad = [
        {"mode": "description"},
        {"mode": "poem", "title": "x"},
        {"mode": "estimate", "title": "x" * 201},
        {"mode": "description", "title": "x", "context": "y" * 2001},
        {"mode": "daily_plan", "extra": 1},
    ]
    for body in bad:
        r = await client.post(SUGGEST, json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "validation_error"
    r = await client.post(ACCEPT, json={"subtasks": [{"title": "x"}] * 9}, headers=h)
    assert r.status_code == 422


@pytest.fixture
def two_per_minute(settings) -> None:
    settings.ai.rate_limit = "2/minute"


async def test_ai_calls_are_rate_limited_per_user(two_per_minute, client, session) -> None:
    user = await make_user(session)
    other = await make_user(session)
    h = bearer(user, TEST_SECRET)
    for _ in range(2):
        assert (
            await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)
        ).status_code == 200
    r = await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    r = await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=bearer(other, TEST_SECRET))
    assert r.status_code == 200


async def test_a_repeated_request_is_answered_from_the_cache(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    body = {"mode": "estimate", "title": "Tidy up the logging config"}
    first = (await client.post(SUGGEST, json=body, headers=h)).json()
    second = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert (first["cached"], second["cached"]) == (False, True)
    assert {**second, "cached": False} == first


def _yesterday() -> datetime:
    return datetime.combine(today() - timedelta(days=1), time(12), tzinfo=UTC)


async def test_accepting_subtasks_without_a_parent_creates_plain_tasks(client, session) -> None:
    user = await make_user(session)
    body = {"subtasks": [{"title": "  Draft the outline  ", "estimate_minutes": 30}]}
    r = await client.post(ACCEPT, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 201, r.text
    [task] = r.json()
    assert (task["title"], task["description"], task["priority"]) == (
        "Draft the outline",
        "",
        "medium",
    )
    assert task["owner_id"] == task["assignee_id"] == user.id


async def test_a_running_timer_counts_as_time_logged_today(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, status="in_progress", estimate_minutes=600)
    now = utcnow()
    midnight = datetime.combine(now.date(), time(0), tzinfo=UTC)
    started = max(now - timedelta(minutes=30), midnight)
    await make_entry(session, task, user, started_at=started, ended_at=None, minutes=0)
    await make_entry(session, task, user, minutes=45, source="manual")
    r = await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=bearer(user, TEST_SECRET))
    running = int((now - started).total_seconds() // 60)
    assert running + 45 <= r.json()["logged_today_minutes"] <= running + 45 + 2
