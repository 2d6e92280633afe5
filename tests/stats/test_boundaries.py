"""Report edges worked out by hand: the range rules with their exact error envelope, the
longest range and the calendar's ends, one task's history read in time order whatever order
its rows were written in, and ties listed in a fixed order however the database happens to
sort or group them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from sprintsync import timeutil
from sprintsync.tasks.models import TaskStatusChange
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    cookie_auth,
    make_entry,
    make_project,
    make_task,
    make_user,
)

API = "/api/v1/stats"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2025-03-08"}, "from", "A custom range needs both from and to."),
        ({"to": "2025-03-08"}, "from", "A custom range needs both from and to."),
        ({"from": "2025-03-08", "to": "2025-03-07"}, "to", "The range ends before it starts."),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "to", "A range is at most 366 days."),
        ({"from": "9999-12-30", "to": "9999-12-30"}, "to", "The range is outside the calendar."),
        ({"from": "0001-01-02", "to": "0001-01-02"}, "to", "The range is outside the calendar."),
    ],
)
async def test_a_bad_range_names_its_field_and_says_why(
    client, session, params, field, message
) -> None:
    user = await make_user(session)
    r = await client.get(f"{API}/top-users", params=params, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_range"
    assert error["message"] == message
    assert error["details"] == [{"field": field, "message": message}]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2024-01-01", "2024-12-31"),  # 366 days of a leap year: the longest range
        ("2025-03-08", "2025-03-08"),  # one day
        ("9999-12-29", "9999-12-29"),  # the last day whose next day still has a next day
        ("0001-01-03", "0001-01-03"),  # the first day whose day before has a day before
    ],
)
async def test_the_longest_range_and_the_calendars_last_usable_days_are_allowed(
    client, session, first, last
) -> None:
    user = await make_user(session)
    r = await client.get(
        f"{API}/top-users", params={"from": first, "to": last}, headers=bearer(user, TEST_SECRET)
    )
    assert r.status_code == 200, r.text
    assert (r.json()["range"]["from"], r.json()["range"]["to"]) == (first, last)


async def test_one_tasks_cycle_time_reads_its_history_in_time_order(client, session) -> None:
    """Rows written out of time order (a back-dated import): each stay ends at the next
    change in time, and another task's changes in between end none of its stays."""
    owner = await make_user(session)
    task = await make_task(session, owner, status="done")
    other = await make_task(session, owner, status="done")
    early = await make_task(session, owner, status="in_progress")
    late = await make_task(session, owner, status="in_progress")
    await session.execute(
        TaskStatusChange.__table__.delete().where(
            TaskStatusChange.task_id.in_((task.id, other.id, early.id, late.id))
        )
    )
    for task_id, status, at in [
        (task.id, "done", utc(3, 20)),  # in progress 6 h (14:00 to 20:00)
        (other.id, "todo", utc(3, 11)),
        (task.id, "todo", utc(3, 10)),  # todo 4 h (10:00 to 14:00)
        (other.id, "done", utc(3, 12)),
        (task.id, "in_progress", utc(3, 14)),
        (early.id, "todo", utc(2, 16)),  # this stay and the next end before the range
        (early.id, "in_progress", utc(2, 18)),
        (early.id, "todo", utc(2, 20)),  # ends at the range's first instant: counted, 4 h
        (early.id, "in_progress", utc(3, 0)),
        (late.id, "todo", utc(3, 20)),  # ends at the instant after the range: not counted
        (late.id, "in_progress", utc(4, 0)),
    ]:
        session.add(TaskStatusChange(task_id=task_id, to_status=status, changed_at=at))
        await session.flush()
    await session.commit()
    r = await client.get(f"{API}/cycle-time/tasks/{task.id}", headers=bearer(owner, TEST_SECRET))
    assert r.status_code == 200, r.text
    assert r.json()["items"] == [
        {"status": "todo", "stays": 1, "hours": 4.0},
        {"status": "in_progress", "stays": 1, "hours": 6.0},
    ]
    # The range's figures read the same order: todo stays of 4 h, 1 h (the other) and 4 h.
    one_day = {"period": "custom", "from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(f"{API}/cycle-time", params=one_day, headers=bearer(owner, TEST_SECRET))
    assert r.json()["items"] == [
        {"status": "todo", "stays": 3, "mean_hours": 3.0, "median_hours": 4.0},
        {"status": "in_progress", "stays": 1, "mean_hours": 6.0, "median_hours": 6.0},
    ]


_SOURCE = re.compile(r'data-chart="([a-z-]+)" data-source="([^"]+)"')


async def test_the_charts_fetch_the_pages_own_range_person_and_project(
    client, session, settings
) -> None:
    admin = await make_user(session, is_admin=True, display_name="Ada")
    bea = await make_user(session, display_name="Bea")
    web = await make_project(session, key="WEB", members=(bea,))
    await make_project(session, key="OLD", name="Old", archived=True, members=(bea,))
    mine = await make_task(session, bea, project=web, title="Mine")
    theirs = await make_task(session, admin, project=web, title="Theirs")
    for task, person, day, minutes in [(mine, bea, 4, 30), (theirs, admin, 4, 50)]:
        start = utc(day, 12)
        await make_entry(
            session, task, person, started_at=start, ended_at=start, minutes=minutes, source="timer"
        )
    cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    params = {"period": "week", "from": "2025-03-03", "to": "2025-03-09", "user": bea.id}
    r = await client.get("/reports", params={**params, "project": "WEB"})
    assert r.status_code == 200, r.text
    sources = dict(_SOURCE.findall(r.text))
    query = (
        f"period=custom&amp;from=2025-03-03&amp;to=2025-03-09&amp;user={bea.id}"
        f"&amp;project={web.id}"
    )
    assert sources["per-day"] == f"/api/v1/stats/time-per-day?{query}&amp;group=user"
    assert sources["top-users"] == f"/api/v1/stats/top-users?{query}"
    # The page's own table holds the chosen person only; the filter lists archived projects.
    assert [row[0] for row in _table(r.text, "per-day")] == ["Bea"]
    assert '<option value="OLD"' in r.text
    per_day = await client.get(sources["per-day"].replace("&amp;", "&"))
    assert [(i["day"], i["key"], i["minutes"]) for i in per_day.json()["items"]] == [
        ("2025-03-04", bea.id, 30)
    ]
    # Without a person or project the charts ask for the range alone.
    r = await client.get("/reports", params={"from": "2025-03-03", "to": "2025-03-09"})
    sources = dict(_SOURCE.findall(r.text))
    assert [(row[0], row[-1]) for row in _table(r.text, "per-day")] == [
        ("Ada", "50m"),
        ("Bea", "30m"),
    ]
    assert sources["top-users"] == (
        "/api/v1/stats/top-users?period=custom&amp;from=2025-03-03&amp;to=2025-03-09"
    )


def _table(page: str, kind: str) -> list[list[str]]:
    """The rows of one report table, as the texts of their cells."""
    body = page.split(f'data-table="{kind}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    return [re.findall(r"<t[hd][^>]*>(?:<a[^>]*>)?([^<]*)", row) for row in rows]


async def test_the_page_shows_one_projects_status_estimate_and_throughput_figures(
    client, session, settings
) -> None:
    admin = await make_user(session, is_admin=True, display_name="Ada")
    done = {"status": "done", "estimate_minutes": 60, "status_changed_at": utc(4, 14)}
    ops = await make_project(session, key="OPS", leads=(admin,))
    task = await make_task(session, admin, project=ops, total_minutes=90, **done)
    # Another project's task, finished the same week: not in OPS's figures.
    elsewhere = await make_task(session, admin, total_minutes=30, **done)
    await session.execute(
        TaskStatusChange.__table__.delete().where(
            TaskStatusChange.task_id.in_((task.id, elsewhere.id))
        )
    )
    for task_id, status, at in [
        (task.id, "todo", utc(4, 10)),
        (task.id, "in_progress", utc(4, 12)),
        (task.id, "done", utc(4, 15)),
        (elsewhere.id, "todo", utc(4, 1)),
        (elsewhere.id, "done", utc(4, 2)),
    ]:
        session.add(TaskStatusChange(task_id=task_id, to_status=status, changed_at=at))
    await session.commit()
    cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    r = await client.get(
        "/reports", params={"from": "2025-03-03", "to": "2025-03-16", "project": "OPS"}
    )
    assert r.status_code == 200, r.text
    assert _table(r.text, "cycle-time") == [
        ["Todo", "1", "2.0", "2.0"],
        ["In progress", "1", "3.0", "3.0"],
    ]
    assert _table(r.text, "accuracy") == [
        ["Ada", "1", "1.5", "0 %"],
        ["Everyone", "1", "1.5", "0 %"],
    ]
    assert _table(r.text, "throughput") == [["Mar 3", "1"], ["Mar 10", "0"]]


# --- periods, filters and limits -------------------------------------------------------------


async def _range(client, user, **params: Any) -> tuple[str, str]:
    r = await client.get(f"{API}/top-users", params=params, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    return r.json()["range"]["from"], r.json()["range"]["to"]


async def test_this_month_and_week_are_the_viewers_at_a_month_edge(
    app, client, session, monkeypatch
) -> None:
    # 2024-02-29 20:00 UTC is already Friday 1 March in Kolkata, still Thursday 29 Feb in UTC.
    monkeypatch.setattr(timeutil, "now_utc", lambda: datetime(2024, 2, 29, 20, tzinfo=UTC))
    east = await make_user(session, time_zone="Asia/Kolkata")
    here = await make_user(session, time_zone="UTC")
    assert await _range(client, here, period="month") == ("2024-02-01", "2024-02-29")
    assert await _range(client, east, period="month") == ("2024-03-01", "2024-03-31")
    assert await _range(client, here, period="week") == ("2024-02-26", "2024-03-03")
    app.state.settings.week_start = "sunday"
    assert await _range(client, here) == ("2024-02-25", "2024-03-02")
    assert await _range(client, east, period="week") == ("2024-02-25", "2024-03-02")


async def test_a_custom_period_without_days_is_refused(client, session) -> None:
    user = await make_user(session)
    r = await client.get(
        f"{API}/top-users", params={"period": "custom"}, headers=bearer(user, TEST_SECRET)
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"] == [
        {"field": "from", "message": "A custom range needs both from and to."}
    ]


@pytest.fixture
async def crew(session) -> dict[str, Any]:
    """Three people on two projects; one entry just before the range and a running timer."""
    admin = await make_user(session, is_admin=True, display_name="Admin")
    people = [await make_user(session, display_name=name) for name in ("Cy", "Di", "Ed")]
    api = await make_project(session, key="API", name="Api", members=people)
    web = await make_project(session, key="WEB", name="Web", members=people)
    t_api = await make_task(session, people[0], project=api, title="Endpoint")
    t_web = await make_task(session, people[0], project=web, title="Page")
    cy, di, ed = people
    for task, person, start, minutes in [
        (t_api, cy, utc(3, 0), 40),  # the range's first instant
        (t_web, cy, utc(4, 23, 59), 5),
        (t_api, di, utc(3, 12), 30),
        (t_web, di, utc(4, 12), 30),  # Di 60 in all, tied with Ed
        (t_web, ed, utc(4, 13), 60),
        (t_api, ed, utc(2, 23, 59), 500),  # before the range
        (t_api, ed, utc(5, 0), 700),  # the instant after the range
    ]:
        await make_entry(
            session, task, person, started_at=start, ended_at=start, minutes=minutes, source="timer"
        )
    return {
        "admin": admin,
        "cy": cy,
        "di": di,
        "ed": ed,
        "api": api,
        "web": web,
        "t_api": t_api,
        "t_web": t_web,
    }


TWO_DAYS = {"from": "2025-03-03", "to": "2025-03-04"}


async def test_top_users_count_the_range_only_break_ties_and_honour_the_limit(client, crew) -> None:
    h = bearer(crew["admin"], TEST_SECRET)
    cy, di, ed = crew["cy"], crew["di"], crew["ed"]
    r = await client.get(f"{API}/top-users", params=TWO_DAYS, headers=h)
    got = [(i["user_id"], i["minutes"]) for i in r.json()["items"]]
    assert got == [(di.id, 60), (ed.id, 60), (cy.id, 45)]
    r = await client.get(f"{API}/top-users", params={**TWO_DAYS, "limit": 1}, headers=h)
    assert [i["user_id"] for i in r.json()["items"]] == [di.id]
    r = await client.get(f"{API}/top-users", params={**TWO_DAYS, "limit": 2}, headers=h)
    assert [i["user_id"] for i in r.json()["items"]] == [di.id, ed.id]
    r = await client.get(f"{API}/top-users", params={**TWO_DAYS, "project": "API"}, headers=h)
    items = r.json()["items"]
    assert [(i["display_name"], i["minutes"]) for i in items] == [("Cy", 40), ("Di", 30)]
    api = crew["api"].id
    assert items[0]["entries_url"] == (
        f"/reports/entries?from=2025-03-03&to=2025-03-04&user={cy.id}&project={api}"
    )


async def test_time_per_day_filters_by_person_task_and_project_and_links_each_cell(
    client, crew
) -> None:
    h = bearer(crew["admin"], TEST_SECRET)
    cy, di = crew["cy"], crew["di"]
    t_api, t_web, api, web = crew["t_api"], crew["t_web"], crew["api"].id, crew["web"].id

    async def cells(**params: Any) -> list[tuple[str, int, int, str]]:
        r = await client.get(f"{API}/time-per-day", params={**TWO_DAYS, **params}, headers=h)
        assert r.status_code == 200, r.text
        return [(i["day"], i["key"], i["minutes"], i["entries_url"]) for i in r.json()["items"]]

    def url(day: str, **more: int) -> str:
        query = "&".join(f"{k}={v}" for k, v in more.items())
        return f"/reports/entries?from={day}&to={day}&{query}"

    assert await cells(user=cy.id) == [
        ("2025-03-03", cy.id, 40, url("2025-03-03", user=cy.id)),
        ("2025-03-04", cy.id, 5, url("2025-03-04", user=cy.id)),
    ]
    assert await cells(group="task", task=t_web.id) == [
        ("2025-03-04", t_web.id, 95, url("2025-03-04", task=t_web.id)),
    ]
    assert await cells(group="task", project="API") == [
        ("2025-03-03", t_api.id, 70, url("2025-03-03", task=t_api.id, project=api)),
    ]
    assert await cells(group="user", user=di.id, project="WEB") == [
        ("2025-03-04", di.id, 30, url("2025-03-04", user=di.id, project=web)),
    ]
    assert await cells(group="project", project="WEB") == [
        ("2025-03-04", web, 95, url("2025-03-04", project=web)),
    ]
    assert await cells(group="project") == [
        ("2025-03-03", api, 70, url("2025-03-03", project=api)),
        ("2025-03-04", web, 95, url("2025-03-04", project=web)),
    ]


async def test_throughput_weeks_cover_a_range_that_starts_and_ends_mid_week(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True)
    finished = [utc(4, 23, 59), utc(5, 0), utc(7, 9), utc(10, 23, 59), utc(11, 0)]
    for at in finished:
        task = await make_task(session, admin, status="done")
        await session.execute(
            TaskStatusChange.__table__.delete().where(TaskStatusChange.task_id == task.id)
        )
        session.add(TaskStatusChange(task_id=task.id, to_status="todo", changed_at=utc(1, 0)))
        session.add(TaskStatusChange(task_id=task.id, to_status="done", changed_at=at))
    # Started in the range, never finished: not counted.
    started = await make_task(session, admin, status="in_progress")
    session.add(TaskStatusChange(task_id=started.id, to_status="in_progress", changed_at=utc(6, 9)))
    await session.commit()
    params = {"from": "2025-03-05", "to": "2025-03-10"}  # Wednesday to Monday
    r = await client.get(f"{API}/throughput", params=params, headers=bearer(admin, TEST_SECRET))
    assert r.json()["items"] == [
        {"week": "2025-03-03", "finished": 2},
        {"week": "2025-03-10", "finished": 1},
    ]


async def test_estimate_accuracy_edges_order_and_the_leads_rule(app, client, session) -> None:
    lead = await make_user(session, display_name="Lea")
    people = [await make_user(session, display_name=n) for n in ("bo", "Al", "Al")]
    bo, al1, al2 = people
    team = await make_project(session, key="TEAM", leads=(lead,), members=people)
    for person, total, estimate, at in [
        (bo, 125, 100, utc(3, 0)),  # 1.25: within, finished at the range's first instant
        (bo, 126, 100, utc(3, 12)),  # 1.26: not within
        (al1, 74, 100, utc(4, 23, 59)),  # 0.74: not within
        (al2, 100, 100, utc(4, 12)),  # 1.0
        (al2, 10, 10, utc(5, 0)),  # finished at the instant after the range
        (al2, 10, 10, utc(2, 23, 59)),  # finished before it
    ]:
        await make_task(
            session,
            person,
            project=team,
            status="done",
            total_minutes=total,
            estimate_minutes=estimate,
            status_changed_at=at,
        )
    # Reopened in the range (its status changed then): not finished.
    await make_task(
        session,
        al1,
        project=team,
        status="in_progress",
        total_minutes=10,
        estimate_minutes=10,
        status_changed_at=utc(3, 15),
    )
    params = {"from": "2025-03-03", "to": "2025-03-04"}
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(lead, TEST_SECRET)
    )
    body = r.json()
    # Ratios 0.74, 1.0, 1.25, 1.26: median 1.125, two of four within.
    assert body["overall"]["tasks"] == 4
    assert body["overall"]["median_ratio"] == 1.125
    assert body["overall"]["within_25_percent"] == 0.5
    got = [
        (i["user_id"], i["tasks"], i["median_ratio"], i["within_25_percent"]) for i in body["items"]
    ]
    assert got == [
        (al1.id, 1, 0.74, 0.0),
        (al2.id, 1, 1.0, 1.0),
        (bo.id, 2, 1.255, 0.5),
    ]
    # Under the leads rule a member's list is their own, the overall figure still everyone's.
    app.state.settings.person_figures = "leads"
    r = await client.get(f"{API}/estimate-accuracy", params=params, headers=bearer(bo, TEST_SECRET))
    body = r.json()
    assert [(i["user_id"], i["tasks"], i["median_ratio"]) for i in body["items"]] == [
        (bo.id, 2, 1.255)
    ]
    assert (body["overall"]["tasks"], body["overall"]["median_ratio"]) == (4, 1.125)
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(lead, TEST_SECRET)
    )
    assert len(r.json()["items"]) == 3


async def test_a_subtask_estimated_at_one_minute_counts_one_at_zero_does_not(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True, display_name="Ada")
    done = {"status": "done", "status_changed_at": utc(3, 12)}
    # Its subtask's 1-minute estimate counts: the parent is measured through it (1/1).
    one = await make_task(session, admin, total_minutes=10, estimate_minutes=100, **done)
    await make_task(session, admin, parent_id=one.id, total_minutes=1, estimate_minutes=1, **done)
    # A 0-minute estimate is none: the parent takes the subtask's time, (30 + 50) / 100.
    zero = await make_task(session, admin, total_minutes=30, estimate_minutes=100, **done)
    await make_task(session, admin, parent_id=zero.id, total_minutes=50, estimate_minutes=0, **done)
    params = {"from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(admin, TEST_SECRET)
    )
    overall = r.json()["overall"]
    assert (overall["tasks"], overall["median_ratio"], overall["within_25_percent"]) == (
        2,
        0.9,
        1.0,
    )


async def test_accuracy_rows_sort_by_name_ignoring_case_and_round_to_three_places(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True)
    # "_" sorts between upper- and lower-case letters: lower-cased, "x_y" comes before "xa".
    xa = await make_user(session, display_name="XA")
    x_y = await make_user(session, display_name="x_y")
    for person, total in [(xa, 20), (x_y, 10)]:
        await make_task(
            session,
            person,
            status="done",
            total_minutes=total,
            estimate_minutes=30,
            status_changed_at=utc(3, 12),
        )
    params = {"from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(admin, TEST_SECRET)
    )
    assert [(i["display_name"], i["median_ratio"]) for i in r.json()["items"]] == [
        ("x_y", 0.333),
        ("XA", 0.667),
    ]
    assert r.json()["overall"]["median_ratio"] == 0.5


async def test_the_reports_page_lists_the_top_ten_people(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True, display_name="Admin")
    for n in range(11):
        person = await make_user(session, display_name=f"P{n:02}")
        task = await make_task(session, person)
        start = utc(4, 12)
        await make_entry(
            session, task, person, started_at=start, ended_at=start, minutes=10 + n, source="timer"
        )
    cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    r = await client.get("/reports", params={"from": "2025-03-03", "to": "2025-03-09"})
    rows = _table(r.text, "top-users")
    assert [row[0] for row in rows] == [f"P{n:02}" for n in range(10, 0, -1)]


async def test_a_finished_entry_of_no_minutes_is_no_figure(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    brief = await make_user(session, display_name="Brief")  # a 20-second timer: 0 minutes
    task = await make_task(session, brief)
    start = utc(4, 12)
    end = datetime(2025, 3, 4, 12, 0, 20, tzinfo=UTC)
    await make_entry(
        session, task, brief, started_at=start, ended_at=end, minutes=0, source="timer"
    )
    one = await make_user(session, display_name="One")
    await make_entry(session, task, one, started_at=start, ended_at=end, minutes=1, source="timer")
    h = bearer(admin, TEST_SECRET)
    r = await client.get(f"{API}/top-users", params=TWO_DAYS, headers=h)
    assert [(i["display_name"], i["minutes"]) for i in r.json()["items"]] == [("One", 1)]
    r = await client.get(f"{API}/time-per-day", params=TWO_DAYS, headers=h)
    assert [(i["label"], i["minutes"]) for i in r.json()["items"]] == [("One", 1)]
    # The entries behind the figures still list it: it was worked, if briefly.
    r = await client.get(f"{API}/entries", params=TWO_DAYS, headers=h)
    assert sorted((e["user"], e["minutes"]) for e in r.json()["items"]) == [
        ("Brief", 0),
        ("One", 1),
    ]


async def test_a_range_starts_at_midnight_in_the_viewers_zone(client, session) -> None:
    viewer = await make_user(session, is_admin=True, time_zone="America/Los_Angeles")
    person = await make_user(session, display_name="Pat")
    task = await make_task(session, person)
    # 03-08 05:00 UTC is 03-07 21:00 in Los Angeles (before the range); 09:00 UTC is 01:00.
    for start, minutes in [(utc(8, 5), 100), (utc(8, 9), 7)]:
        await make_entry(
            session, task, person, started_at=start, ended_at=start, minutes=minutes, source="timer"
        )
    params = {"from": "2025-03-08", "to": "2025-03-08"}
    r = await client.get(f"{API}/top-users", params=params, headers=bearer(viewer, TEST_SECRET))
    assert [i["minutes"] for i in r.json()["items"]] == [7]


# --- ties: a secondary order, whatever order the rows were written in ------------------------


async def test_top_users_tied_on_minutes_are_listed_by_user_id(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    people = [await make_user(session, display_name=f"T{n}") for n in range(14)]
    task = await make_task(session, admin)
    # Two groups of ties, alternating by user id (30, 20, 30, ...), written last person first.
    minutes = {p.id: 30 - 10 * (n % 2) for n, p in enumerate(people)}
    for n, person in enumerate(reversed(people)):
        start = utc(4, (n * 5) % 9 + 8)
        await make_entry(
            session, task, person, started_at=start, ended_at=start, minutes=minutes[person.id]
        )
    params = {**TWO_DAYS, "limit": 50}
    r = await client.get(f"{API}/top-users", params=params, headers=bearer(admin, TEST_SECRET))
    expected = sorted(minutes, key=lambda user_id: (-minutes[user_id], user_id))
    assert [i["user_id"] for i in r.json()["items"]] == expected


async def test_a_persons_median_accuracy_ranks_their_ratios(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    al = await make_user(session, display_name="Al")
    bo = await make_user(session, display_name="Bo")
    # Seven ratios each, written and finished alternately and in no order of ratio: the
    # median of seven is the fourth smallest, 1.5 for Al and 3.0 for Bo.
    al_totals = (200, 50, 150, 300, 100, 250, 25)
    bo_totals = (100, 600, 300, 50, 500, 200, 400)
    for n, (a, b) in enumerate(zip(al_totals, bo_totals, strict=True)):
        for person, total in ((al, a), (bo, b)):
            await make_task(
                session,
                person,
                status="done",
                total_minutes=total,
                estimate_minutes=100,
                status_changed_at=utc(3, 8 + n),
            )
    params = {"from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(admin, TEST_SECRET)
    )
    got = [(i["user_id"], i["tasks"], i["median_ratio"]) for i in r.json()["items"]]
    assert got == [(al.id, 7, 1.5), (bo.id, 7, 3.0)]
    assert r.json()["overall"]["median_ratio"] == 2.0


async def test_accuracy_rows_of_one_name_are_listed_by_user_id(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    people = [await make_user(session, display_name="Al" if n % 2 else "al") for n in range(9)]
    # Finished last person first.
    for n, person in enumerate(reversed(people)):
        await make_task(
            session,
            person,
            status="done",
            total_minutes=100,
            estimate_minutes=100,
            status_changed_at=utc(3, 8 + n),
        )
    params = {"from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(
        f"{API}/estimate-accuracy", params=params, headers=bearer(admin, TEST_SECRET)
    )
    assert [i["user_id"] for i in r.json()["items"]] == [p.id for p in people]


async def _analyze(session) -> None:
    """Table statistics, as autovacuum keeps them in production: the planner then sorts and
    groups as it would there, not as for tables it believes hold a row or two."""
    await session.commit()
    await session.execute(text("ANALYZE"))
    await session.commit()


async def test_time_per_day_lists_one_days_cells_by_key_with_table_statistics(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True)
    people = [await make_user(session, display_name=f"D{n}") for n in range(12)]
    task = await make_task(session, admin)
    # Written last person first, the later day first: each day's cells still go by user id.
    for n, person in enumerate(reversed(people)):
        for day in (4, 3):
            start = utc(day, (n * 5) % 9 + 8)
            await make_entry(session, task, person, started_at=start, ended_at=start, minutes=n + 1)
    await _analyze(session)
    r = await client.get(f"{API}/time-per-day", params=TWO_DAYS, headers=bearer(admin, TEST_SECRET))
    assert [(i["day"], i["key"]) for i in r.json()["items"]] == [
        (day, p.id) for day in ("2025-03-03", "2025-03-04") for p in people
    ]


async def test_cycle_time_reads_each_history_in_time_order_with_table_statistics(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True)
    tasks = [await make_task(session, admin, status="done") for _ in range(12)]
    await session.execute(
        TaskStatusChange.__table__.delete().where(
            TaskStatusChange.task_id.in_([t.id for t in tasks])
        )
    )
    # Each history written newest first: todo 2 h, in progress 3 h, then done.
    for status, hour in (("done", 13), ("in_progress", 10), ("todo", 8)):
        for task in tasks:
            session.add(
                TaskStatusChange(task_id=task.id, to_status=status, changed_at=utc(3, hour))
            )
            await session.flush()
    await _analyze(session)
    one_day = {"from": "2025-03-03", "to": "2025-03-03"}
    r = await client.get(f"{API}/cycle-time", params=one_day, headers=bearer(admin, TEST_SECRET))
    assert r.json()["items"] == [
        {"status": "todo", "stays": 12, "mean_hours": 2.0, "median_hours": 2.0},
        {"status": "in_progress", "stays": 12, "mean_hours": 3.0, "median_hours": 3.0},
    ]
