"""The timer and time-entry pages over real HTTP: header widget swaps, totals, no-JS forms."""

from __future__ import annotations

import re

import orjson
from sqlalchemy import select

from sprintsync.timesheet.models import TimeEntry
from tests.factories import make_entry, make_project, make_running_timer, make_task, make_user
from tests.pages import HTMX, login_cookie


async def test_manual_time_entry_keeps_the_task_total(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    token = login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    bad = await client.post(f"/tasks/{task.id}/entries", data={"minutes": ""}, headers=headers)
    assert bad.status_code == 422
    assert 'data-field-error="minutes"' in bad.text
    r = await client.post(
        f"/tasks/{task.id}/entries", data={"minutes": "45", "note": "pairing"}, headers=headers
    )
    assert r.status_code == 200
    assert "Logged <strong" in r.text
    entry = (await session.execute(select(TimeEntry))).scalar_one()
    await session.refresh(task)
    assert entry.minutes == 45
    assert task.total_minutes == 45


async def test_timer_start_swaps_the_header_widget(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Timed work")
    token = login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post(f"/tasks/{task.id}/timer/start", headers=headers)
    assert r.status_code == 200
    assert 'id="timer" hx-swap-oob="true"' in r.text
    assert "data-elapsed" in r.text
    assert "timer-changed" in r.headers["hx-trigger"]
    page = await client.get("/tasks")
    assert "data-running-timer" in page.text
    assert "Timed work" in page.text
    actions = await client.get(f"/tasks/{task.id}/actions", headers=HTMX)
    assert actions.text.lstrip().startswith('<div id="task-actions"')
    assert "Stop timer" in actions.text
    stop = await client.post("/timer/stop", headers=headers)
    assert stop.status_code == 200
    assert "data-running-timer" not in stop.text


async def test_timer_form_without_javascript_returns_to_the_page(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    token = login_cookie(client, user, settings)
    back = {"Referer": "http://test/tasks?status=todo"}
    r = await client.post(f"/tasks/{task.id}/timer/start", data={"csrf_token": token}, headers=back)
    assert r.status_code == 303
    assert r.headers["location"] == "/tasks?status=todo"
    offsite = {"Referer": "http://evil.example/phish"}
    r = await client.post("/timer/stop", data={"csrf_token": token}, headers=offsite)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    entry = (await session.execute(select(TimeEntry))).scalar_one()
    assert entry.ended_at is not None


async def test_starting_a_timer_shows_it_in_the_header_on_that_task(
    client, session, settings
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Quarterly report")
    token = login_cookie(client, user, settings)
    r = await client.post(f"/tasks/{task.id}/timer/start", data={"csrf_token": token}, headers=HTMX)
    assert r.status_code == 200, r.text
    assert f'href="/tasks/{task.id}"' in r.text
    assert ">Quarterly report</a>" in r.text
    assert (
        "Timer started on “Quarterly report”."
        in orjson.loads(r.headers["HX-Trigger"])["toast"]["message"]
    )


def _header_timer(html: str) -> str | None:
    """The task title the header's running timer names, if a timer is shown."""
    block = html[html.index('id="timer"') :]
    block = block[: block.index("</form>")] if "data-running-timer" in block[:400] else ""
    match = re.search(r'aria-label="Time on ([^"]*)"', block)
    return match.group(1) if match else None


async def test_the_header_names_my_running_timers_task_not_a_colleagues(
    client, session, settings
) -> None:
    user, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(user, colleague))
    theirs = await make_task(session, colleague, project=team, title="Their task")
    mine = await make_task(session, user, project=team, title="My task")
    await make_running_timer(session, theirs, colleague, minutes_ago=30)
    await make_entry(session, theirs, user, minutes=15)  # finished: not a timer
    login_cookie(client, user, settings)
    r = await client.get("/tasks")
    assert _header_timer(r.text) is None
    await make_running_timer(session, mine, user, minutes_ago=5)
    r = await client.get("/tasks")
    assert _header_timer(r.text) == "My task"
    header = r.text[r.text.index('id="timer"') :]
    assert f'href="/tasks/{mine.id}"' in header[: header.index("</form>")]


async def test_the_header_does_not_name_a_task_i_can_no_longer_see(
    client, session, settings
) -> None:
    user, lead = await make_user(session), await make_user(session)
    team = await make_project(session, leads=(lead,))
    secret = await make_task(session, lead, project=team, title="Secret plan")
    await make_running_timer(session, secret, user, minutes_ago=5)
    login_cookie(client, user, settings)
    r = await client.get("/tasks")
    assert _header_timer(r.text) == "a task"
