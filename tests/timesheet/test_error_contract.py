"""Timesheet refusals as a client reads them (code, message, details), and the date range of
the entry list at its exact edges in the user's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sprintsync.errors import NotFound
from sprintsync.timesheet import service
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    make_entry,
    make_project,
    make_running_timer,
    make_task,
    make_user,
)

API = "/api/v1"


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    return r.json()["error"]


async def test_stopping_without_a_timer_says_none_is_running(client, session) -> None:
    user = await make_user(session)
    err = _error(await client.post(f"{API}/timer/stop", headers=bearer(user, TEST_SECRET)), 409)
    assert (err["code"], err["message"], err["details"]) == (
        "no_running_timer",
        "No timer is running.",
        None,
    )


async def test_a_running_timers_time_cannot_be_edited_but_its_note_can(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    timer = await make_running_timer(session, task, user)
    h = bearer(user, TEST_SECRET)
    url = f"{API}/time-entries/{timer.id}"
    for body in ({"minutes": 5}, {"date": "2024-01-01"}, {"minutes": 5, "note": "x"}):
        err = _error(await client.patch(url, json=body, headers=h), 409)
        assert (err["code"], err["message"], err["details"]) == (
            "timer_running",
            "Stop the timer before changing its time.",
            None,
        ), body
    r = await client.patch(url, json={"note": "still going"}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["note"], r.json()["running"], r.json()["ended_at"]) == (
        "still going",
        True,
        None,
    )


async def test_someone_elses_entry_is_not_found_for_reading_editing_and_deleting(
    client, session
) -> None:
    owner, other = await make_user(session), await make_user(session)
    entry = await make_entry(session, await make_task(session, owner), owner)
    h = bearer(other, TEST_SECRET)
    url = f"{API}/time-entries/{entry.id}"
    for r in (
        await client.patch(url, json={"note": "mine now"}, headers=h),
        await client.delete(url, headers=h),
    ):
        err = _error(r, 404)
        assert (err["code"], err["message"], err["details"]) == (
            "time_entry_not_found",
            "Time entry not found.",
            None,
        )


async def test_entry_ids_out_of_range_are_not_found_without_a_query(session) -> None:
    user = await make_user(session)
    for entry_id in (0, -1, 2**63):
        with pytest.raises(NotFound) as caught:
            await service.get_entry(session, user=user, entry_id=entry_id)
        assert caught.value.code == "time_entry_not_found"


async def test_a_timer_on_an_unknown_or_archived_task_is_refused_by_name(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    err = _error(await client.post(f"{API}/tasks/999999/timer/start", headers=h), 404)
    assert (err["code"], err["message"]) == ("task_not_found", "Task not found.")
    archived = await make_project(session, members=(user,), archived=True)
    task = await make_task(session, user, project=archived)
    err = _error(await client.post(f"{API}/tasks/{task.id}/timer/start", headers=h), 409)
    assert (err["code"], err["message"]) == (
        "project_archived",
        f"Project {archived.key} is archived and read-only.",
    )


async def test_the_date_range_starts_and_ends_at_the_users_own_midnights(client, session) -> None:
    # Kiritimati is UTC+14: its 2025-06-10 runs from 2025-06-09 10:00 to 2025-06-10 10:00 UTC.
    user = await make_user(session, time_zone="Pacific/Kiritimati")
    task = await make_task(session, user)
    start = datetime(2025, 6, 9, 10, 0, tzinfo=UTC)
    minute = timedelta(minutes=1)
    edges = {
        "before": start - minute,
        "first": start,
        "last": start + timedelta(days=1) - minute,
        "after": start + timedelta(days=1),
    }
    ids = {}
    for name, at in edges.items():
        entry = await make_entry(
            session, task, user, started_at=at, ended_at=at + minute, minutes=1
        )
        ids[name] = entry.id
    r = await client.get(
        f"{API}/time-entries",
        params={"from": "2025-06-10", "to": "2025-06-10"},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["items"]] == [ids["last"], ids["first"]]
    assert r.json()["total_minutes"] == 2
