"""Time-entry rules at their edges: one field at a time, several tasks, exact limits.

Each test pins one behaviour that a small change of the service could break unnoticed:
a filter that loses its column, an edit that touches a field it was not asked to, a page
boundary one row off, a rounding that books a minute nobody worked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sprintsync.db import utcnow
from sprintsync.tasks.models import Task
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.schemas import MAX_ROW_ID
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_entry, make_running_timer, make_task, make_user, today

API = "/api/v1"


async def _total(session, task_id: int) -> int:
    await session.commit()
    return await session.scalar(select(Task.total_minutes).where(Task.id == task_id))


async def _entry(session, entry_id: int) -> TimeEntry:
    await session.commit()
    return await session.scalar(
        select(TimeEntry).where(TimeEntry.id == entry_id).execution_options(populate_existing=True)
    )


async def _log(client, headers, task_id: int, minutes: int, **extra: Any) -> dict:
    r = await client.post(
        f"{API}/tasks/{task_id}/time-entries", json={"minutes": minutes, **extra}, headers=headers
    )
    assert r.status_code == 201, r.text
    return r.json()


# --- editing one field at a time ----------------------------------------------------------


async def test_editing_only_the_date_keeps_the_entry_finished_and_counted(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    entry = await _log(client, h, task.id, 45)
    day = today() - timedelta(days=3)

    r = await client.patch(f"{API}/time-entries/{entry['id']}", json={"date": str(day)}, headers=h)

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["running"] is False
    assert body["ended_at"] is not None
    assert body["minutes"] == 45
    stored = await _entry(session, entry["id"])
    assert stored.ended_at - stored.started_at == timedelta(minutes=45)
    assert await _total(session, task.id) == 45


async def test_editing_only_the_note_keeps_time_and_total(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    entry = await _log(client, h, task.id, 30)

    r = await client.patch(f"{API}/time-entries/{entry['id']}", json={"note": "pairing"}, headers=h)

    assert r.status_code == 200, r.text
    assert r.json()["note"] == "pairing"
    assert r.json()["minutes"] == 30
    assert r.json()["started_at"] == entry["started_at"]
    assert r.json()["ended_at"] == entry["ended_at"]
    assert await _total(session, task.id) == 30


async def test_editing_only_the_minutes_moves_the_end_not_the_start(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    entry = await _log(client, h, task.id, 30, note="review")

    r = await client.patch(f"{API}/time-entries/{entry['id']}", json={"minutes": 90}, headers=h)

    assert r.status_code == 200, r.text
    assert r.json()["started_at"] == entry["started_at"]
    assert r.json()["note"] == "review"
    stored = await _entry(session, entry["id"])
    assert stored.ended_at - stored.started_at == timedelta(minutes=90)
    assert await _total(session, task.id) == 90


# --- totals are per task ------------------------------------------------------------------


async def test_each_task_total_counts_only_its_own_entries(client, session) -> None:
    user = await make_user(session)
    first = await make_task(session, user)
    second = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    await _log(client, h, first.id, 20)
    await _log(client, h, second.id, 50)
    await _log(client, h, first.id, 5)

    assert await _total(session, first.id) == 25
    assert await _total(session, second.id) == 50


async def test_deleting_a_tasks_last_entry_sets_its_total_to_zero(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    other = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    entry = await _log(client, h, task.id, 40)
    await _log(client, h, other.id, 15)

    r = await client.delete(f"{API}/time-entries/{entry['id']}", headers=h)

    assert r.status_code == 204
    assert await _total(session, task.id) == 0
    assert await _total(session, other.id) == 15


async def test_a_running_timer_adds_nothing_to_the_total(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    await _log(client, h, task.id, 10)
    await make_running_timer(session, task, user, minutes_ago=30)
    await _log(client, h, task.id, 5)  # recomputes while the timer runs

    assert await _total(session, task.id) == 15


# --- the entry list: filter, order, pages -------------------------------------------------


async def test_entry_list_filters_by_task(client, session) -> None:
    user = await make_user(session)
    wanted = await make_task(session, user)
    other = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    mine = await _log(client, h, wanted.id, 10)
    await _log(client, h, other.id, 20)

    r = await client.get(f"{API}/time-entries", params={"task_id": wanted.id}, headers=h)

    assert r.status_code == 200
    assert [e["id"] for e in r.json()["items"]] == [mine["id"]]
    assert r.json()["total_minutes"] == 10


async def test_entry_list_is_ordered_by_start_not_by_insertion(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    now = utcnow()
    # Inserted oldest-last, so id order and time order disagree.
    newest = await make_entry(session, task, user, started_at=now - timedelta(hours=1))
    oldest = await make_entry(session, task, user, started_at=now - timedelta(hours=30))
    middle = await make_entry(session, task, user, started_at=now - timedelta(hours=5))

    r = await client.get(f"{API}/time-entries", headers=bearer(user, TEST_SECRET))

    assert [e["id"] for e in r.json()["items"]] == [newest.id, middle.id, oldest.id]


async def test_a_page_of_exactly_limit_rows_has_no_next_page(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    now = utcnow()
    for hours in (1, 2, 3):
        await make_entry(session, task, user, started_at=now - timedelta(hours=hours))
    h = bearer(user, TEST_SECRET)

    full = await client.get(f"{API}/time-entries", params={"limit": 3}, headers=h)
    assert len(full.json()["items"]) == 3
    assert full.json()["next_offset"] is None

    first = await client.get(f"{API}/time-entries", params={"limit": 2}, headers=h)
    assert len(first.json()["items"]) == 2
    assert first.json()["next_offset"] == 2
    rest = await client.get(f"{API}/time-entries", params={"limit": 2, "offset": 2}, headers=h)
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_offset"] is None


async def test_limit_one_pages_one_entry_at_a_time(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    now = utcnow()
    later = await make_entry(session, task, user, started_at=now - timedelta(hours=1))
    earlier = await make_entry(session, task, user, started_at=now - timedelta(hours=2))
    h = bearer(user, TEST_SECRET)

    first = await client.get(f"{API}/time-entries", params={"limit": 1}, headers=h)
    second = await client.get(f"{API}/time-entries", params={"limit": 1, "offset": 1}, headers=h)

    assert [e["id"] for e in first.json()["items"]] == [later.id]
    assert first.json()["next_offset"] == 1
    assert [e["id"] for e in second.json()["items"]] == [earlier.id]
    assert second.json()["next_offset"] is None


async def test_entry_list_limit_is_capped_at_200(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    assert (await client.get(f"{API}/time-entries", params={"limit": 200}, headers=h)).status_code
    r = await client.get(f"{API}/time-entries", params={"limit": 201}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


# --- exact limits of a minute and a day ---------------------------------------------------


async def _stop(client, user) -> dict:
    r = await client.post(f"{API}/timer/stop", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    return r.json()["entry"]


async def test_a_twenty_second_timer_books_no_minute(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=20 / 60)

    entry = await _stop(client, user)

    assert entry["minutes"] == 0
    assert await _total(session, task.id) == 0


async def test_a_timer_rounds_to_the_nearest_minute(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=2 + 40 / 60)

    assert (await _stop(client, user))["minutes"] == 3


async def test_a_timer_of_exactly_one_day_books_it_without_a_remark(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    # A few seconds short of 24 h, so the time the request takes does not push it over.
    await make_running_timer(session, task, user, minutes_ago=24 * 60 - 0.1, note="on call")

    entry = await _stop(client, user)

    assert entry["minutes"] == 1440
    assert entry["note"] == "on call"


async def test_a_timer_longer_than_a_day_books_one_day_and_says_so(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=30 * 60, note="deploy")

    entry = await _stop(client, user)

    assert entry["minutes"] == 1440
    assert entry["note"] == "deploy (Timer ran 30 h; booked 24 h. Edit if that is wrong.)"
    assert await _total(session, task.id) == 1440


async def test_an_overlong_timer_without_a_note_gets_the_remark_as_its_note(
    client, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=26 * 60, note="")
    entry = await _stop(client, user)
    assert entry["note"] == "Timer ran 26 h; booked 24 h. Edit if that is wrong."


async def test_an_overlong_timers_remark_keeps_the_note_within_500_characters(
    client, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=26 * 60, note="n" * 480)
    entry = await _stop(client, user)
    assert len(entry["note"]) == 500
    assert entry["note"].startswith("n" * 480 + " (Timer ran 26 h")


async def test_the_largest_row_id_names_an_entry_like_any_other(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_entry(session, task, user, id=MAX_ROW_ID, minutes=30, note="edge")
    h = bearer(user, TEST_SECRET)
    r = await client.patch(f"{API}/time-entries/{MAX_ROW_ID}", json={"note": "moved"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["note"] == "moved"
    assert (await client.delete(f"{API}/time-entries/{MAX_ROW_ID}", headers=h)).status_code == 204


async def test_a_manual_entry_of_exactly_one_day_is_accepted_and_one_more_minute_is_not(
    client, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)

    assert (await _log(client, h, task.id, 1440))["minutes"] == 1440
    r = await client.post(f"{API}/tasks/{task.id}/time-entries", json={"minutes": 1441}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "minutes"
    r = await client.post(f"{API}/tasks/{task.id}/time-entries", json={"minutes": 0}, headers=h)
    assert r.status_code == 422
    assert await _total(session, task.id) == 1440
