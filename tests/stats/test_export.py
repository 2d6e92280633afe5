"""Time entries out: JSON pages and a CSV a spreadsheet opens safely, in the viewer's zone."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sprintsync.timesheet.models import TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_entry, make_project, make_task, make_user

API = "/api/v1/stats"
LA = "America/Los_Angeles"
MARCH = {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


async def _entry(session, task, user, start: datetime, minutes: int, note: str = "") -> TimeEntry:
    end = start + timedelta(minutes=minutes)
    return await make_entry(
        session,
        task,
        user,
        started_at=start,
        ended_at=end,
        minutes=minutes,
        note=note,
        source="timer",
    )


async def test_the_csv_has_a_bom_crlf_local_times_and_guards_formulas(client, session) -> None:
    user = await make_user(session, time_zone=LA, display_name="=Eve")
    ops = await make_project(session, key="OPS", name="=Ops", members=(user,))
    task = await make_task(session, user, project=ops, title="+SUM(A1:A9)")
    # 23:30 PDT on 03-09 (already DST), 90 minutes: crosses local midnight, counts on the 9th.
    await _entry(session, task, user, utc(10, 6, 30), 90, note='-1 then @home, "quoted"')
    await _entry(session, task, user, utc(3, 17), 15, note="plain")
    r = await client.get(f"{API}/entries.csv", params=MARCH, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.count("\r\n") == 3
    assert "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "date",
        "start",
        "end",
        "minutes",
        "hours",
        "user",
        "task_key",
        "task_title",
        "project",
        "note",
        "source",
    ]
    assert rows[1] == [
        "2025-03-03",
        "2025-03-03T09:00-08:00",
        "2025-03-03T09:15-08:00",
        "15",
        "0.25",
        "'=Eve",
        task.key,
        "'+SUM(A1:A9)",
        "'=Ops",
        "plain",
        "timer",
    ]
    assert rows[2][:5] == [
        "2025-03-09",
        "2025-03-09T23:30-07:00",
        "2025-03-10T01:00-07:00",
        "90",
        "1.50",
    ]
    assert rows[2][9] == '\'-1 then @home, "quoted"'


async def test_the_csv_of_an_empty_range_is_just_the_header(client, session) -> None:
    user = await make_user(session)
    empty = {"period": "custom", "from": "2024-01-01", "to": "2024-01-31"}
    r = await client.get(f"{API}/entries.csv", params=empty, headers=bearer(user, TEST_SECRET))
    assert r.content.decode("utf-8-sig").count("\r\n") == 1


async def test_json_pages_walk_every_entry_once_in_order(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    made = [await _entry(session, task, user, utc(5, 9), 10 + i) for i in range(3)]
    made.append(await _entry(session, task, user, utc(6, 9), 5))
    h = bearer(user, TEST_SECRET)
    seen, cursor = [], None
    for _ in range(5):
        params = {**MARCH, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{API}/entries", params=params, headers=h)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e.id for e in made]
    bad = await client.get(f"{API}/entries", params={**MARCH, "cursor": "nope"}, headers=h)
    assert bad.status_code == 422


async def test_members_export_only_what_they_may_see(client, session) -> None:
    alice = await make_user(session)
    bob = await make_user(session)
    admin = await make_user(session, is_admin=True)
    await _entry(session, await make_task(session, alice), alice, utc(5, 9), 10)
    await _entry(session, await make_task(session, bob), bob, utc(5, 9), 20)
    mine = (
        await client.get(f"{API}/entries", params=MARCH, headers=bearer(alice, TEST_SECRET))
    ).json()
    assert [e["minutes"] for e in mine["items"]] == [10]
    params = {**MARCH, "user": bob.id}
    other = (
        await client.get(f"{API}/entries", params=params, headers=bearer(alice, TEST_SECRET))
    ).json()
    assert other["items"] == []
    everyone = (
        await client.get(f"{API}/entries", params=MARCH, headers=bearer(admin, TEST_SECRET))
    ).json()
    assert sorted(e["minutes"] for e in everyone["items"]) == [10, 20]
    assert (await client.get(f"{API}/entries.csv", params=MARCH)).status_code == 401
