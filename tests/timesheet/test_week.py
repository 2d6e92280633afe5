"""The week page: a grid of tasks by days in the user's zone, cell edits, and the checks.

The user lives in Los Angeles; the week of Monday 2025-03-03 holds the spring DST change
(Sunday 2025-03-09, 10:00 UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sprintsync import timeutil
from sprintsync.timesheet import week as weeks
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_entry, make_running_timer, make_task, make_user
from tests.statements import count_statements

LA = "America/Los_Angeles"
HTMX = {"HX-Request": "true"}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def friday_evening(monkeypatch: pytest.MonkeyPatch) -> None:
    # Friday 2025-03-07 20:00 in Los Angeles.
    monkeypatch.setattr(timeutil, "now_utc", lambda: utc(8, 4))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1:30", 90),
        ("90", 90),
        ("0:05", 5),
        ("1.5h", 90),
        ("2h", 120),
        ("1h 15m", 75),
        ("45m", 45),
        ("", 0),
        ("  ", 0),
    ],
)
def test_cells_read_clock_times_minutes_and_hours(text: str, minutes: int) -> None:
    assert weeks.parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["abc", "1:75", "-5", "1:30:00", "h"])
def test_cells_refuse_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        weeks.parse_duration(text)


async def _login(client, session, settings) -> tuple[User, dict[str, str]]:
    user = await make_user(session, time_zone=LA)
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    return user, {**csrf, **HTMX}


async def _timer(session, task, user, start: datetime, minutes: int) -> TimeEntry:
    return await make_entry(
        session,
        task,
        user,
        source="timer",
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        minutes=minutes,
    )


def _cell(page: str, task_id: int, day: str) -> str:
    match = re.search(rf'value="([^"]*)"[^>]*data-cell="{task_id}:{day}"', page)
    assert match, f"no cell {task_id}:{day}"
    return match.group(1)


async def test_the_grid_sums_each_task_and_local_day(client, session, settings) -> None:
    user, _ = await _login(client, session, settings)
    task = await make_task(session, user, title="Parser")
    await _timer(session, task, user, utc(4, 7, 30), 90)  # Mon 03-03 23:30 PST: Monday
    await _timer(session, task, user, utc(4, 8, 30), 30)  # Tue 03-04 00:30 PST
    await _timer(session, task, user, utc(10, 6, 0), 60)  # Sun 03-09 23:00 PDT, after DST
    await _timer(session, task, user, utc(10, 7, 30), 60)  # Mon 03-10: next week
    page = (await client.get("/timesheet", params={"week": "2025-03-05"})).text
    assert 'data-week="2025-03-03"' in page
    assert _cell(page, task.id, "2025-03-03") == "1:30"
    assert _cell(page, task.id, "2025-03-04") == "0:30"
    assert _cell(page, task.id, "2025-03-09") == "1:00"
    assert f'id="row-total-{task.id}"' in page
    assert ">3h<" in page
    assert f"{task.key}</span> Parser</a>" in page  # the row names the task by its key
    # Wednesday to Friday (today) have nothing: highlighted; the weekend is still ahead.
    empty = re.findall(r'id="day-head-([0-9-]+)"[^>]*data-empty-day', page)
    assert empty == ["2025-03-05", "2025-03-06", "2025-03-07"]
    assert 'href="/timesheet?week=2025-02-24"' in page
    assert 'href="/timesheet?week=2025-03-10"' in page


async def test_a_cell_creates_changes_and_removes_its_manual_entry(
    client, session, settings
) -> None:
    user, h = await _login(client, session, settings)
    task = await make_task(session, user)
    cell = {"task_id": str(task.id), "day": "2025-03-05"}

    async def entries() -> list[tuple[str, int, datetime]]:
        await session.commit()
        rows = (await session.execute(select(TimeEntry).order_by(TimeEntry.id))).scalars()
        return [(e.source, e.minutes, e.started_at) for e in rows]

    r = await client.post("/timesheet/cell", data={**cell, "minutes": "1:30"}, headers=h)
    assert r.status_code == 200, r.text
    assert 'id="week-totals" hx-swap-oob="true"' in r.text
    assert "1h 30m" in r.text
    assert await entries() == [("manual", 90, utc(5, 8))]  # local midnight, PST
    await client.post("/timesheet/cell", data={**cell, "minutes": "45"}, headers=h)
    assert await entries() == [("manual", 45, utc(5, 8))]
    await client.post("/timesheet/cell", data={**cell, "minutes": ""}, headers=h)
    assert await entries() == []


async def test_a_cell_leaves_timer_time_alone(client, session, settings) -> None:
    user, h = await _login(client, session, settings)
    task = await make_task(session, user)
    await _timer(session, task, user, utc(5, 17), 30)  # Wed 09:00 PST
    cell = {"task_id": str(task.id), "day": "2025-03-05"}
    r = await client.post("/timesheet/cell", data={**cell, "minutes": "1:00"}, headers=h)
    assert r.status_code == 200
    await session.commit()
    rows = (await session.execute(select(TimeEntry.source, TimeEntry.minutes))).all()
    assert sorted(rows) == [("manual", 30), ("timer", 30)]
    r = await client.post("/timesheet/cell", data={**cell, "minutes": "0:15"}, headers=h)
    assert r.status_code == 422


@pytest.mark.parametrize(
    "form",
    [
        {"minutes": "soon", "day": "2025-03-05"},
        {"minutes": "25:00", "day": "2025-03-05"},
        {"minutes": "1:00", "day": "2025-03-09"},  # Sunday: still ahead in Los Angeles
        {"minutes": "1:00", "day": "not-a-day"},
    ],
)
async def test_bad_cells_are_refused_and_change_nothing(client, session, settings, form) -> None:
    user, h = await _login(client, session, settings)
    task = await make_task(session, user)
    r = await client.post("/timesheet/cell", data={**form, "task_id": str(task.id)}, headers=h)
    assert r.status_code == 422
    await session.commit()
    assert (await session.execute(select(TimeEntry))).first() is None


async def test_a_cell_on_someone_elses_task_is_404(client, session, settings) -> None:
    _, h = await _login(client, session, settings)
    other = await make_user(session)
    task = await make_task(session, other)
    form = {"task_id": str(task.id), "day": "2025-03-05", "minutes": "30"}
    assert (await client.post("/timesheet/cell", data=form, headers=h)).status_code == 404


async def test_overlapping_timers_are_flagged_and_trimmed(client, session, settings) -> None:
    user, h = await _login(client, session, settings)
    task = await make_task(session, user, title="Review")
    first = await _timer(session, task, user, utc(5, 17), 90)  # 09:00-10:30 PST
    second = await _timer(session, task, user, utc(5, 18), 60)  # 10:00-11:00
    page = (await client.get("/timesheet")).text
    assert "data-overlap" in page
    assert "End the first at 10:00" in page
    form = {"first_id": str(first.id), "second_id": str(second.id), "week": "2025-03-03"}
    r = await client.post("/timesheet/fix/overlap", data=form, headers=h)
    assert r.status_code == 303
    assert r.headers["location"] == "/timesheet?week=2025-03-03"
    await session.refresh(first)
    assert first.minutes == 60
    assert first.ended_at == utc(5, 18)
    assert "data-overlap" not in (await client.get("/timesheet")).text


async def test_a_timer_running_too_long_is_flagged_and_stopped_at_the_limit(
    client, session, settings, monkeypatch
) -> None:
    monkeypatch.setattr("sprintsync.timesheet.week.utcnow", lambda: datetime.now(UTC))
    user, h = await _login(client, session, settings)
    task = await make_task(session, user, title="Forgotten")
    await make_running_timer(session, task, user, minutes_ago=12 * 60)
    page = (await client.get("/timesheet")).text
    assert "data-long-timer" in page
    assert "Stop it and book 10.0 h" in page
    r = await client.post("/timesheet/fix/long-timer", data={"week": ""}, headers=h)
    assert r.status_code == 303
    await session.commit()
    entry = (await session.execute(select(TimeEntry))).scalar_one()
    assert entry.ended_at is not None
    assert entry.minutes == 600


async def test_a_wide_week_shows_the_busiest_rows_and_counts_the_rest_in_its_totals(
    client, session, settings, engine, monkeypatch
) -> None:
    user, _ = await _login(client, session, settings)
    # Done tasks (open assigned tasks are always rows); minutes per day Mon..Wed.
    plan = {"A": (50, 0, 0), "B": (40, 0, 0), "C": (0, 30, 0), "D": (20, 10, 0), "E": (0, 0, 5)}
    tasks = {}
    for title, minutes in plan.items():
        tasks[title] = await make_task(session, user, title=title, status="done")
        for offset, m in enumerate(minutes):
            if m:
                await _timer(session, tasks[title], user, utc(3 + offset, 18), m)
    open_task = await make_task(session, user, title="Open one")  # no time: still a row
    await _timer(session, open_task, user, utc(5, 19), 1)  # Wed, 1 minute: kept (open)

    with count_statements(engine, monkeypatch) as statements:
        r = await client.get("/timesheet", params={"week": "2025-03-05", "rows": "2"})
    assert r.status_code == 200
    # The user, the cells (one statement with every total), open tasks, timer, overlaps,
    # and the layout's unread count: the same six as a narrow week.
    assert len(statements) <= 6
    page = r.text
    shown = re.findall(r'data-row="(\d+)"', page)
    assert sorted(map(int, shown)) == sorted([tasks["A"].id, tasks["B"].id, open_task.id])
    # C (30), D (30) and E (5) are hidden; the totals still count them.
    assert 'data-hidden-rows="3"' in page
    assert "3 more tasks with less time are not shown" in page
    assert re.search(r"data-hidden-total>1h 5m<", page)
    assert re.search(r'data-day-total="2025-03-03">1h 50m<', page)  # A, B, D
    assert re.search(r'data-day-total="2025-03-04">40m<', page)  # C, D: both hidden
    assert re.search(r'data-day-total="2025-03-05">6m<', page)  # E hidden, open task shown
    assert re.search(r"data-week-total>2h 36m<", page)
    assert "data-empty-day" not in re.search(r'id="day-head-2025-03-04"[^>]*>', page).group(0)
    assert 'href="/timesheet?week=2025-03-03&amp;rows=42"' in page  # show more

    everything = (await client.get("/timesheet", params={"week": "2025-03-05"})).text
    assert "data-hidden-rows" not in everything
    assert len(re.findall(r'data-row="(\d+)"', everything)) == 6
    assert re.search(r"data-week-total>2h 36m<", everything)
    assert _cell(everything, tasks["D"].id, "2025-03-04") == "0:10"
    assert (await client.get("/timesheet", params={"rows": "0"})).status_code == 422


async def test_the_running_timers_task_is_always_a_row(client, session, settings) -> None:
    user, _ = await _login(client, session, settings)
    busy = await make_task(session, user, title="Busy", status="done")
    await _timer(session, busy, user, utc(3, 18), 120)
    quiet = await make_task(session, user, title="Quiet", status="done")
    await _timer(session, quiet, user, utc(4, 18), 10)
    await make_running_timer(session, quiet, user, started_at=utc(8, 3))
    page = (await client.get("/timesheet", params={"rows": "1"})).text
    assert sorted(map(int, re.findall(r'data-row="(\d+)"', page))) == sorted([busy.id, quiet.id])
    assert _cell(page, quiet.id, "2025-03-04") == "0:10"
    assert "data-hidden-rows" not in page
