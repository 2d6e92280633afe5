"""Forgotten timers: the last activity, the three fixes over the API and the pages, and the
daily plan's view of the running timer. Offline provider, real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sprintsync.ai import timers
from sprintsync.comments.models import Comment
from sprintsync.db import utcnow
from sprintsync.errors import Conflict
from sprintsync.tasks.models import Task, TaskFieldChange, TaskStatusChange
from sprintsync.timesheet import service as entries
from sprintsync.timesheet.models import TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import bearer, db_snapshot, make_running_timer, make_task, make_user
from tests.pages import HTMX, login_cookie
from tests.statements import count_statements

SUGGEST = "/api/v1/ai/suggest"


def fix_url(entry_id: int) -> str:
    return f"/api/v1/ai/timers/{entry_id}/fix"


async def _entry(session, entry_id: int) -> TimeEntry | None:
    await session.commit()
    return (
        await session.execute(
            select(TimeEntry)
            .where(TimeEntry.id == entry_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


# --- the last activity ---------------------------------------------------------------------


async def test_last_activity_is_the_users_latest_action_on_the_task_since_the_start(
    session,
) -> None:
    user = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, user)
    entry = await make_running_timer(session, task, user, minutes_ago=12 * 60)
    start = entry.started_at
    session.add_all(
        [
            # Before the timer: does not count.
            Comment(
                task_id=task.id,
                author_id=user.id,
                body="old",
                created_at=start - timedelta(hours=1),
            ),
            TaskStatusChange(
                task_id=task.id,
                from_status="todo",
                to_status="in_progress",
                changed_by_id=user.id,
                changed_at=start + timedelta(minutes=5),
            ),
            TaskFieldChange(
                task_id=task.id,
                field="estimate_minutes",
                old_value=None,
                new_value=60,
                changed_by_id=user.id,
                changed_at=start + timedelta(minutes=40),
            ),
            Comment(
                task_id=task.id,
                author_id=user.id,
                body="found it",
                created_at=start + timedelta(minutes=95),
            ),
            # Someone else's later comment is not the user's activity.
            Comment(
                task_id=task.id,
                author_id=other.id,
                body="thanks",
                created_at=start + timedelta(hours=5),
            ),
        ]
    )
    await session.commit()
    found = await timers.last_activity(session, user=user, entry=entry)
    assert found is not None
    assert found.at == start + timedelta(minutes=95)
    assert found.what == "your last comment"


async def test_with_no_activity_the_stop_is_an_hour_after_the_start(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_running_timer(session, task, user, minutes_ago=11 * 60)
    where = await timers.stop_time(session, user=user, entry=entry)
    assert where.at == entry.started_at + timedelta(minutes=timers.NO_ACTIVITY_MINUTES)
    # A timer younger than the hour is stopped at most now.
    young = await make_running_timer(
        session, await make_task(session, user), await make_user(session), minutes_ago=20
    )
    assert (await timers.stop_time(session, user=user, entry=young)).at <= utcnow()


# --- the API -------------------------------------------------------------------------------


async def test_stop_at_last_activity_books_up_to_the_users_last_status_change(
    client, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Forgotten work")
    entry = await make_running_timer(session, task, user, minutes_ago=14 * 60)
    session.add(
        TaskStatusChange(
            task_id=task.id,
            from_status="in_progress",
            to_status="done",
            changed_by_id=user.id,
            changed_at=entry.started_at + timedelta(minutes=150),
        )
    )
    await session.commit()
    body = {"action": "stop_at_last_activity"}
    r = await client.post(fix_url(entry.id), json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    data = r.json()
    assert (data["minutes"], data["discarded"], data["basis"]) == (
        150,
        False,
        "your last status change",
    )
    stopped = await _entry(session, entry.id)
    assert stopped is not None
    assert stopped.ended_at == entry.started_at + timedelta(minutes=150)
    refreshed = await session.get(Task, task.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.total_minutes == 150
    # Fixed once; a second click finds nothing running.
    again = await client.post(fix_url(entry.id), json=body, headers=bearer(user, TEST_SECRET))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "no_running_timer"


async def test_stop_now_and_discard(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    entry = await make_running_timer(session, task, user, minutes_ago=90)
    r = await client.post(fix_url(entry.id), json={"action": "stop_now"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["minutes"] == 90
    entry = await make_running_timer(session, task, user, minutes_ago=11 * 60)
    r = await client.post(fix_url(entry.id), json={"action": "discard"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["discarded"] is True
    assert await _entry(session, entry.id) is None
    refreshed = await session.get(Task, task.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.total_minutes == 90


async def test_another_users_timer_is_a_404_and_changes_nothing(client, session) -> None:
    owner = await make_user(session)
    intruder = await make_user(session, is_admin=True)
    task = await make_task(session, owner)
    entry = await make_running_timer(session, task, owner, minutes_ago=11 * 60)
    before = await db_snapshot(session)
    h = bearer(intruder, TEST_SECRET)
    for action in ("stop_at_last_activity", "stop_now", "discard"):
        r = await client.post(fix_url(entry.id), json={"action": action}, headers=h)
        assert r.status_code == 404, (action, r.text)
        assert r.json()["error"]["code"] == "time_entry_not_found"
    r = await client.post(fix_url(999_999_999_999), json={"action": "discard"}, headers=h)
    assert r.status_code == 404
    assert await db_snapshot(session) == before


async def test_fixing_a_timer_needs_a_user_and_a_known_action(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_running_timer(session, task, user, minutes_ago=60)
    r = await client.post(fix_url(entry.id), json={"action": "stop_now"})
    assert r.status_code == 401
    h = bearer(user, TEST_SECRET)
    r = await client.post(fix_url(entry.id), json={"action": "explode"}, headers=h)
    assert r.status_code == 422


# --- the pages -----------------------------------------------------------------------------


async def test_the_fix_page_empties_the_header_timer_and_says_what_it_did(
    client, session, settings
) -> None:
    user = await make_user(session, time_zone="Asia/Kolkata")
    task = await make_task(session, user)
    entry = await make_running_timer(session, task, user, minutes_ago=11 * 60)
    token = login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post(
        f"/timers/{entry.id}/fix", data={"action": "stop_at_last_activity"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert 'id="timer" hx-swap-oob="true"' in r.text
    assert "data-running-timer" not in r.text
    trigger = r.headers["hx-trigger"]
    assert "timer-changed" in trigger
    assert "no activity on the task since it started" in trigger
    assert "logged 1h." in trigger
    stopped = await _entry(session, entry.id)
    assert stopped is not None
    assert stopped.minutes == 60


async def test_the_fix_page_needs_csrf_and_hides_other_users_timers(
    client, session, settings
) -> None:
    owner = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, owner)
    entry = await make_running_timer(session, task, owner, minutes_ago=11 * 60)
    token = login_cookie(client, owner, settings)
    r = await client.post(f"/timers/{entry.id}/fix", data={"action": "discard"}, headers=HTMX)
    assert r.status_code == 403
    assert await _entry(session, entry.id) is not None
    other_token = login_cookie(client, other, settings)
    r = await client.post(
        f"/timers/{entry.id}/fix",
        data={"action": "discard"},
        headers={**HTMX, "X-CSRF-Token": other_token},
    )
    assert r.status_code == 404
    assert await _entry(session, entry.id) is not None
    token = login_cookie(client, owner, settings)
    back = {"Referer": "http://test/timesheet"}
    r = await client.post(
        f"/timers/{entry.id}/fix", data={"action": "discard", "csrf_token": token}, headers=back
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/timesheet"
    assert await _entry(session, entry.id) is None


# --- the daily plan ------------------------------------------------------------------------


async def test_the_plan_marks_the_running_task_and_flags_a_forgotten_timer(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Ship the importer", estimate_minutes=120)
    other = await make_task(session, user, title="Review the docs", estimate_minutes=60)
    h = bearer(user, TEST_SECRET)
    entry = await make_running_timer(session, task, user, minutes_ago=30)
    data = (await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)).json()
    running = {i["task_id"]: i["timer_running"] for i in data["items"]}
    assert running == {task.id: True, other.id: False}
    assert {i["key"] for i in data["items"]} == {task.key, other.key}
    assert data["running_timer"]["entry_id"] == entry.id
    assert data["running_timer"]["key"] == task.key
    # 30 minutes old: not forgotten unless it crossed the user's (UTC) midnight just now.
    forgotten = data["running_timer"]["forgotten"]
    assert forgotten is None or "across midnight" in forgotten
    await session.delete(entry)
    await session.commit()
    await make_running_timer(session, other, user, minutes_ago=11 * 60)
    data = (await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)).json()
    assert data["running_timer"]["task_id"] == other.id
    assert data["running_timer"]["forgotten"].startswith("Running for 11.0 h")


async def test_the_plan_page_links_items_by_key_with_start_buttons_and_fixes(
    client, session, settings
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Ship the importer", estimate_minutes=120)
    idle = await make_task(session, user, title="Review the docs", estimate_minutes=60)
    entry = await make_running_timer(session, task, user, minutes_ago=11 * 60)
    login_cookie(client, user, settings)
    r = await client.get("/plan", headers={**HTMX, "HX-Target": "plan"})
    assert r.status_code == 200, r.text
    assert f'href="/tasks/{task.key}"' in r.text
    assert f'href="/tasks/{idle.key}"' in r.text
    assert r.text.count("data-plan-timer-running") == 1
    assert f'hx-post="/tasks/{idle.id}/timer/start"' in r.text
    assert "data-plan-forgotten-timer" in r.text
    assert f'action="/timers/{entry.id}/fix"' in r.text
    assert 'hx-trigger="timer-changed from:body"' in r.text


async def test_the_plan_reads_the_running_timer_without_an_extra_statement(
    client, engine, monkeypatch, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, estimate_minutes=60)
    h = bearer(user, TEST_SECRET)
    await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)
    with count_statements(engine, monkeypatch) as idle:
        await client.post(SUGGEST, json={"mode": "daily_plan", "capacity_minutes": 300}, headers=h)
    await make_running_timer(session, task, user, minutes_ago=11 * 60)
    with count_statements(engine, monkeypatch) as running:
        r = await client.post(
            SUGGEST, json={"mode": "daily_plan", "capacity_minutes": 240}, headers=h
        )
    assert r.json()["running_timer"]["forgotten"] is not None
    assert len(running) == len(idle), (idle, running)


async def test_discard_keeps_a_timer_that_was_stopped_in_the_same_instant(session) -> None:
    # The fix checks "still running" before it discards; the delete re-checks under the
    # entry's row lock, so a stop that lands in between keeps the logged time.
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_running_timer(session, task, user, minutes_ago=45)
    await entries.stop_entry_at(session, user=user, entry_id=entry.id)
    with pytest.raises(Conflict):
        await entries.delete_entry(session, user=user, entry_id=entry.id, running_only=True)
    kept = await _entry(session, entry.id)
    assert kept is not None
    assert kept.minutes == 45
