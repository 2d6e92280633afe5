"""Integration tests for every /api/v1/tasks route, over real HTTP against the ASGI app."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from sprintsync.db import utcnow
from sprintsync.tasks.models import Task, TaskStatusChange
from sprintsync.tasks.priority import Priority
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.schemas import MAX_ROW_ID
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import bearer, db_snapshot, make_entry, make_project, make_task, make_user

API = "/api/v1/tasks"


# --- create, read, edit, delete ----------------------------------------------------------


async def test_created_task_has_defaults_and_is_readable_by_its_creator(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post(API, json={"title": "  Write docs  "}, headers=h)
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["title"] == "Write docs"
    assert (task["status"], task["priority"], task["description"]) == ("todo", "medium", "")
    assert (task["owner_id"], task["assignee_id"], task["total_minutes"]) == (user.id, user.id, 0)
    assert task["estimate_minutes"] is None
    assert task["due_date"] is None
    r = await client.get(f"{API}/{task['id']}", headers=h)
    assert r.status_code == 200
    assert r.json() == task


async def test_create_accepts_every_field(client, session) -> None:
    user = await make_user(session)
    body = {
        "title": "Plan",
        "description": "a" * 10_000,
        "priority": "urgent",
        "estimate_minutes": 90,
        "due_date": "2030-01-31",
        "assignee_id": user.id,
    }
    r = await client.post(API, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 201, r.text
    got = r.json()
    assert {k: got[k] for k in body} == body


async def test_patch_changes_only_the_given_fields_and_bumps_updated_at(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, estimate_minutes=30, due_date=date(2030, 1, 1))
    r = await client.patch(
        f"{API}/{task.id}",
        json={"title": " New ", "priority": "high", "estimate_minutes": None},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["title"], got["priority"], got["estimate_minutes"]) == ("New", "high", None)
    assert got["due_date"] == "2030-01-01"
    assert got["status"] == "todo"
    assert datetime.fromisoformat(got["updated_at"]) > task.updated_at
    assert got["status_changed_at"] == got["created_at"]
    await session.commit()
    row = (await session.execute(select(Task.title, Task.priority).where(Task.id == task.id))).one()
    assert tuple(row) == ("New", Priority.high)


async def test_bad_task_fields_are_422_and_change_nothing(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    before = await db_snapshot(session)
    bad_fields = [
        {"title": ""},
        {"title": "   "},
        {"title": "t" * 201},
        {"title": 42},
        {"title": ["a"]},
        {"description": "d" * 10_001},
        {"description": 7},
        {"priority": "critical"},
        {"priority": 3},
        {"estimate_minutes": -1},
        {"estimate_minutes": 100_001},
        {"estimate_minutes": 10**30},
        {"estimate_minutes": "an hour"},
        {"estimate_minutes": 1.5},
        {"due_date": "next friday"},
        {"due_date": "2030-02-30"},
        {"status": "done"},  # status moves only through /status, so it is an unknown field
        {"owner_id": user.id},
        {"total_minutes": 500},
    ]
    for fields in bad_fields:
        r = await client.post(API, json={"title": "ok"} | fields, headers=h)
        assert r.status_code == 422, ("create", fields, r.text)
        r = await client.patch(f"{API}/{task.id}", json=fields, headers=h)
        assert r.status_code == 422, ("patch", fields, r.text)
    assert await db_snapshot(session) == before


async def test_a_listed_task_reads_exactly_like_the_task_itself(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post(
        API,
        json={"title": "Same", "due_date": "2030-03-01", "estimate_minutes": 5, "priority": "high"},
        headers=h,
    )
    created = r.json()
    await make_task(session, user, created_at=utcnow().replace(microsecond=0))
    listed = {t["id"]: t for t in (await client.get(API, headers=h)).json()["items"]}
    for task_id, item in listed.items():
        assert item == (await client.get(f"{API}/{task_id}", headers=h)).json()
    assert listed[created["id"]] == created


async def test_patch_cannot_null_a_required_field(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    before = await db_snapshot(session)
    for field in ("title", "priority", "description"):
        r = await client.patch(
            f"{API}/{task.id}", json={field: None}, headers=bearer(user, TEST_SECRET)
        )
        assert r.status_code == 422, field
    assert await db_snapshot(session) == before


async def test_delete_removes_the_task_with_its_entries_and_history(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_entry(session, task, user)
    h = bearer(user, TEST_SECRET)
    r = await client.delete(f"{API}/{task.id}", headers=h)
    assert r.status_code == 204
    assert r.content == b""
    assert (await client.get(f"{API}/{task.id}", headers=h)).status_code == 404
    await session.commit()
    for table in ("tasks", "time_entries", "task_status_changes"):
        assert await count_rows(session, table) == 0, table


async def test_unknown_task_id_answers_404_task_not_found(client, session) -> None:
    user = await make_user(session)
    r = await client.get(f"{API}/987654", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "task_not_found"


async def test_task_ids_that_cannot_exist_answer_404_on_every_task_route(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    for task_id in (0, -1, 2**31, 2**63, 10**30):
        calls = [
            ("GET", f"{API}/{task_id}", None),
            ("PATCH", f"{API}/{task_id}", {"title": "x"}),
            ("DELETE", f"{API}/{task_id}", None),
            ("POST", f"{API}/{task_id}/status", {"status": "in_progress"}),
            ("GET", f"{API}/{task_id}/history", None),
            ("POST", f"{API}/{task_id}/timer/start", None),
            ("POST", f"{API}/{task_id}/time-entries", {"minutes": 5}),
            ("GET", f"{API}/{task_id}/time-entries", None),
        ]
        for method, url, body in calls:
            r = await client.request(method, url, json=body, headers=h)
            assert r.status_code == 404, (method, url, r.text)
            assert r.json()["error"]["code"] == "task_not_found"


async def test_assignee_ids_that_cannot_exist_are_422_and_change_nothing(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    task = await make_task(session, admin)
    h = bearer(admin, TEST_SECRET)
    before = await db_snapshot(session)
    for bad_id in (0, 2**31, 10**30, "abc"):
        r = await client.post(API, json={"title": "x", "assignee_id": bad_id}, headers=h)
        assert r.status_code == 422, (bad_id, r.text)
        r = await client.patch(f"{API}/{task.id}", json={"assignee_id": bad_id}, headers=h)
        assert r.status_code == 422, (bad_id, r.text)
        r = await client.get(API, params={"assignee_id": bad_id}, headers=h)
        assert r.status_code == 422, (bad_id, r.text)
    assert await db_snapshot(session) == before


# --- status workflow ---------------------------------------------------------------------


async def _move(client, h, task_id: int, to: str) -> httpx.Response:
    return await client.post(f"{API}/{task_id}/status", json={"status": to}, headers=h)


async def test_task_walks_the_workflow_including_reopen(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    for to in ("in_progress", "done", "in_progress", "todo"):
        r = await _move(client, h, task.id, to)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == to
    r = await client.get(f"{API}/{task.id}/history", headers=h)
    assert r.status_code == 200
    moves = [(c["from_status"], c["to_status"], c["changed_by_id"]) for c in r.json()]
    assert moves == [
        (None, "todo", user.id),
        ("todo", "in_progress", user.id),
        ("in_progress", "done", user.id),
        ("done", "in_progress", user.id),
        ("in_progress", "todo", user.id),
    ]
    stamps = [c["changed_at"] for c in r.json()]
    assert stamps == sorted(stamps)


async def test_invalid_transition_is_409_naming_allowed_targets_and_changes_nothing(
    client, session
) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    cases = [
        ("todo", "done", ["in_progress"]),
        ("done", "todo", ["in_progress"]),
        ("done", "done", ["in_progress"]),
        ("in_progress", "in_progress", ["done", "todo"]),
    ]
    tasks = [await make_task(session, user, status=start) for start, _, _ in cases]
    before = await db_snapshot(session)
    for task, (start, to, allowed) in zip(tasks, cases, strict=True):
        r = await _move(client, h, task.id, to)
        assert r.status_code == 409, (start, to)
        err = r.json()["error"]
        assert err["code"] == "invalid_transition"
        assert err["details"] == {"from": start, "to": to, "allowed": allowed}
    assert await db_snapshot(session) == before


async def test_unknown_target_status_is_422_and_changes_nothing(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    before = await db_snapshot(session)
    for status in ("blocked", "DONE", "", None, 1, ["todo"]):
        r = await _move(client, bearer(user, TEST_SECRET), task.id, status)
        assert r.status_code == 422, status
        assert r.json()["error"]["code"] == "validation_error"
    r = await client.post(f"{API}/{task.id}/status", json={}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422
    assert await db_snapshot(session) == before


async def test_assignee_may_move_a_task_they_do_not_own(client, session) -> None:
    owner, assignee = await make_user(session), await make_user(session)
    task = await make_task(session, owner, assignee_id=assignee.id)
    r = await _move(client, bearer(assignee, TEST_SECRET), task.id, "in_progress")
    assert r.status_code == 200
    r = await client.get(f"{API}/{task.id}/history", headers=bearer(owner, TEST_SECRET))
    assert r.json()[-1]["changed_by_id"] == assignee.id


# --- assignment ----------------------------------------------------------------------------


async def test_a_member_cannot_assign_a_task_to_someone_outside_the_project(
    client, session
) -> None:
    me, outsider = await make_user(session), await make_user(session)
    task = await make_task(session, me)
    before = await db_snapshot(session)
    r = await client.post(
        API, json={"title": "x", "assignee_id": outsider.id}, headers=bearer(me, TEST_SECRET)
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "assignee_not_member"
    assert "not a member" in r.json()["error"]["message"]
    r = await client.patch(
        f"{API}/{task.key}",
        json={"assignee_id": outsider.id, "title": "changed"},
        headers=bearer(me, TEST_SECRET),
    )
    assert r.status_code == 422
    assert await db_snapshot(session) == before


async def test_a_member_assigns_a_colleague_who_then_sees_it_and_can_unassign(
    client, session
) -> None:
    me, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(me, colleague))
    r = await client.post(
        API,
        json={"title": "For you", "project_id": team.id, "assignee_id": colleague.id},
        headers=bearer(me, TEST_SECRET),
    )
    assert r.status_code == 201, r.text
    task = r.json()
    assert (task["owner_id"], task["assignee_id"]) == (me.id, colleague.id)
    assert (task["key"], task["project_id"], task["number"]) == (f"{team.key}-1", team.id, 1)
    r = await client.get(
        API, params={"project_id": team.id}, headers=bearer(colleague, TEST_SECRET)
    )
    assert [t["key"] for t in r.json()["items"]] == [task["key"]]
    r = await client.patch(
        f"{API}/{task['key']}", json={"assignee_id": None}, headers=bearer(colleague, TEST_SECRET)
    )
    assert r.status_code == 200
    assert r.json()["assignee_id"] is None


async def test_admin_cannot_assign_to_a_deactivated_or_unknown_user(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    gone = await make_user(session, is_active=False)
    team = await make_project(session, members=(gone,))
    before = await db_snapshot(session)
    for assignee_id in (gone.id, gone.id + 1000):
        r = await client.post(
            API,
            json={"title": "x", "project_id": team.id, "assignee_id": assignee_id},
            headers=bearer(admin, TEST_SECRET),
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_assignee"
    assert await db_snapshot(session) == before


# --- listing: visibility, filters, sorting, pagination -------------------------------------


async def _ids(client, user, **params: Any) -> list[int]:
    r = await client.get(API, params=params, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]]


async def test_list_shows_the_tasks_of_my_projects_and_admins_see_all(client, session) -> None:
    me, other = await make_user(session), await make_user(session)
    admin = await make_user(session, is_admin=True)
    team = await make_project(session, members=(me, other))
    mine = await make_task(session, me)
    shared = await make_task(session, other, project=team)
    theirs = await make_task(session, other)
    assert set(await _ids(client, me)) == {mine.id, shared.id}
    assert set(await _ids(client, other)) == {shared.id, theirs.id}
    assert set(await _ids(client, admin)) == {mine.id, shared.id, theirs.id}
    assert await _ids(client, me, project_id=team.id) == [shared.id]
    assert await _ids(client, me, project_id=admin.id + 999) == []


async def test_archived_projects_tasks_are_listed_only_when_asked_for_even_for_admins(
    client, session
) -> None:
    member, admin = await make_user(session), await make_user(session, is_admin=True)
    old_team = await make_project(session, members=(member,), archived=True)
    live = await make_task(session, member)
    shelved = await make_task(session, member, project=old_team)
    for user in (member, admin):
        assert await _ids(client, user) == [live.id], user.is_admin
        assert set(await _ids(client, user, include_archived="true")) == {live.id, shelved.id}


async def test_list_filters_by_each_field(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    bob = await make_user(session)
    a = await make_task(
        session,
        admin,
        title="Fix login bug",
        status="in_progress",
        priority=Priority.urgent,
        due_date=date(2030, 1, 10),
    )
    b = await make_task(
        session,
        admin,
        title="Write docs",
        description="explain the LOGIN flow",
        assignee_id=bob.id,
        priority=Priority.low,
        due_date=date(2030, 2, 10),
    )
    c = await make_task(session, admin, title="100% coverage", status="done")
    assert await _ids(client, admin, status="in_progress") == [a.id]
    assert await _ids(client, admin, status="done") == [c.id]
    assert await _ids(client, admin, assignee_id=bob.id) == [b.id]
    assert await _ids(client, admin, priority="urgent") == [a.id]
    assert await _ids(client, admin, priority="low") == [b.id]
    assert set(await _ids(client, admin, q="login")) == {a.id, b.id}
    assert await _ids(client, admin, q="100%") == [c.id]
    assert await _ids(client, admin, q="%") == [c.id]
    assert await _ids(client, admin, q="_") == []
    assert await _ids(client, admin, due_before="2030-01-10") == [a.id]
    assert await _ids(client, admin, due_after="2030-01-11") == [b.id]
    assert await _ids(
        client, admin, due_after="2030-01-01", due_before="2030-12-31", sort="due_date"
    ) == [a.id, b.id]
    assert await _ids(client, admin, status="in_progress", priority="low") == []


async def test_list_sorts_by_each_key(client, session) -> None:
    user = await make_user(session)
    t0 = utcnow() - timedelta(days=1)
    tasks = {
        "a": await make_task(
            session,
            user,
            title="Beta",
            priority=Priority.urgent,
            due_date=date(2030, 5, 1),
            created_at=t0,
            updated_at=t0 + timedelta(hours=5),
        ),
        "b": await make_task(
            session,
            user,
            title="Alpha",
            priority=Priority.low,
            due_date=None,
            created_at=t0 + timedelta(hours=1),
            updated_at=t0 + timedelta(hours=1),
        ),
        "c": await make_task(
            session,
            user,
            title="Gamma",
            priority=Priority.medium,
            due_date=date(2030, 1, 1),
            created_at=t0 + timedelta(hours=2),
            updated_at=t0 + timedelta(hours=2),
        ),
    }
    expected_orders = {
        "created_at": "abc",
        "-created_at": "cba",
        "updated_at": "bca",
        "-updated_at": "acb",
        "due_date": "cab",  # tasks without a due date come last
        "-due_date": "bac",
        "priority": "bca",
        "-priority": "acb",
        "title": "bac",
        "-title": "cab",
    }
    for sort, expected in expected_orders.items():
        assert await _ids(client, user, sort=sort) == [tasks[k].id for k in expected], sort
    assert await _ids(client, user) == await _ids(client, user, sort="-created_at")


async def test_cursor_pagination_visits_every_task_exactly_once_despite_ties(
    client, session
) -> None:
    user = await make_user(session)
    same_moment = utcnow() - timedelta(hours=1)
    for i in range(7):
        await make_task(
            session,
            user,
            title=f"T{i % 2}",
            priority=Priority.from_rank(i % 2),
            due_date=None if i % 3 else date(2030, 1, 1),
            created_at=same_moment if i < 5 else same_moment + timedelta(seconds=i),
            updated_at=same_moment,
        )
    for sort in (
        "-created_at",
        "created_at",
        "due_date",
        "-due_date",
        "-priority",
        "title",
        "-updated_at",
    ):
        whole = await _ids(client, user, sort=sort, limit=100)
        assert len(whole) == 7
        seen: list[int] = []
        cursor = None
        for _ in range(10):
            params = {"sort": sort, "limit": 2} | ({"cursor": cursor} if cursor else {})
            r = await client.get(API, params=params, headers=bearer(user, TEST_SECRET))
            assert r.status_code == 200, r.text
            page = r.json()
            assert len(page["items"]) <= 2
            seen += [t["id"] for t in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == whole, sort


async def test_paging_one_task_at_a_time_through_titles_of_every_length_misses_none(
    client, session
) -> None:
    user = await make_user(session)
    # Titles of 1 to 24 characters give cursors of many lengths (padding is left off them).
    for n in range(1, 25):
        await make_task(session, user, title="t" * n)
    whole = await _ids(client, user, sort="title", limit=100)
    seen: list[int] = []
    cursor = None
    for _ in range(30):
        params = {"sort": "title", "limit": 1} | ({"cursor": cursor} if cursor else {})
        r = await client.get(API, params=params, headers=bearer(user, TEST_SECRET))
        assert r.status_code == 200, (cursor, r.text)
        assert len(r.json()["items"]) == 1
        seen += [t["id"] for t in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    assert len(seen) == 24


async def test_a_cursor_time_is_read_as_utc_whatever_the_servers_zone(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    # Late on the calendar's last day in UTC: already "year 10000" east of UTC.
    raw = f'["9999-12-31T20:00:00+00:00", {task.id + 1}]'
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    r = await client.get(API, params={"cursor": cursor}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["items"]] == [task.id]


async def test_history_reads_in_time_order_even_when_stored_out_of_order(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, created_at=utcnow() - timedelta(days=3))
    created = (await session.execute(select(TaskStatusChange))).scalar_one()
    created.changed_at = utcnow() - timedelta(days=3)
    # Imported history: the later move was stored first.
    day = utcnow() - timedelta(days=1)
    session.add_all(
        [
            TaskStatusChange(task_id=task.id, from_status="in_progress", to_status="done",
                             changed_by_id=user.id, changed_at=day),
            TaskStatusChange(task_id=task.id, from_status="todo", to_status="in_progress",
                             changed_by_id=user.id, changed_at=day - timedelta(hours=5)),
        ]
    )  # fmt: skip
    await session.commit()
    r = await client.get(f"{API}/{task.id}/history", headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert [(c["from_status"], c["to_status"]) for c in r.json()] == [
        (None, "todo"),
        ("todo", "in_progress"),
        ("in_progress", "done"),
    ]


async def test_someone_in_no_project_is_told_to_ask_for_one_when_creating_a_task(
    client, session
) -> None:
    user = await make_user(session, home=False)
    before = await db_snapshot(session)
    r = await client.post(API, json={"title": "Homeless"}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["code"], err["message"], err["details"]) == (
        "project_required",
        "You are not a member of any project; ask a lead or an admin to add you.",
        [{"field": "project_id", "message": "Choose a project."}],
    )
    assert await db_snapshot(session) == before


async def test_a_task_without_a_project_goes_to_the_admins_own_project_first(
    client, session
) -> None:
    admin = await make_user(session, is_admin=True, home=False)
    member = await make_user(session, home=False)
    theirs = await make_project(session, members=(member,), name="Alpha")
    h = bearer(admin, TEST_SECRET)
    # In no project, an admin's task goes to the first project there is.
    r = await client.post(API, json={"title": "Anywhere"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["project_id"] == theirs.id
    ours = await make_project(session, members=(admin,), name="Zulu")
    r = await client.post(API, json={"title": "Mine"}, headers=h)
    assert r.json()["project_id"] == ours.id


async def test_a_cursor_may_name_any_row_id_a_column_can_hold_and_no_other(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="b")
    h = bearer(user, TEST_SECRET)

    def cursor(row_id: int) -> str:
        return base64.urlsafe_b64encode(f'["a", {row_id}]'.encode()).decode().rstrip("=")

    for row_id in (1, MAX_ROW_ID):
        r = await client.get(API, params={"sort": "-title", "cursor": cursor(row_id)}, headers=h)
        assert r.status_code == 200, (row_id, r.text)
        assert r.json()["items"] == []  # nothing sorts after "a" going down
        r = await client.get(API, params={"sort": "title", "cursor": cursor(row_id)}, headers=h)
        assert [t["id"] for t in r.json()["items"]] == [task.id]
    for row_id in (0, -1, MAX_ROW_ID + 1):
        r = await client.get(API, params={"sort": "title", "cursor": cursor(row_id)}, headers=h)
        assert r.status_code == 422, row_id
        err = r.json()["error"]
        assert (err["code"], err["message"]) == ("invalid_cursor", "The cursor is not valid.")


async def test_each_recorded_move_says_when_it_happened(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, created_at=utcnow() - timedelta(days=2))
    h = bearer(user, TEST_SECRET)
    before = utcnow()
    assert (await _move(client, h, task.id, "in_progress")).status_code == 200
    after = utcnow()
    r = await client.get(f"{API}/{task.id}/history", headers=h)
    moved = r.json()[-1]
    assert (moved["from_status"], moved["to_status"]) == ("todo", "in_progress")
    assert before <= datetime.fromisoformat(moved["changed_at"]) <= after


async def test_a_new_task_starts_its_history_with_its_creator_at_its_creation(
    client, session
) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post(API, json={"title": "Fresh"}, headers=h)
    task = r.json()
    # Untouched so far: created and updated at the same moment.
    assert task["created_at"] == task["updated_at"] == task["status_changed_at"]
    r = await client.get(f"{API}/{task['id']}/history", headers=h)
    assert [(c["from_status"], c["to_status"], c["changed_by_id"]) for c in r.json()] == [
        (None, "todo", user.id)
    ]
    assert r.json()[0]["changed_at"] == task["created_at"]


async def test_no_task_can_be_added_to_an_archived_project(client, session) -> None:
    user = await make_user(session)
    old = await make_project(session, members=(user,), archived=True)
    before = await db_snapshot(session)
    r = await client.post(
        API, json={"title": "Late", "project_id": old.id}, headers=bearer(user, TEST_SECRET)
    )
    assert r.status_code == 409
    err = r.json()["error"]
    assert (err["code"], err["message"]) == (
        "project_archived",
        f"Project {old.key} is archived and read-only.",
    )
    assert await db_snapshot(session) == before


async def test_last_page_has_no_next_cursor(client, session) -> None:
    user = await make_user(session)
    for _ in range(2):
        await make_task(session, user)
    r = await client.get(API, params={"limit": 2}, headers=bearer(user, TEST_SECRET))
    assert r.json()["next_cursor"] is None


async def test_list_rejects_bad_query_parameters_with_422(client, session) -> None:
    user = await make_user(session)
    await make_task(session, user)
    bad = [
        {"limit": 101},
        {"limit": 0},
        {"limit": "ten"},
        {"sort": "owner_id"},
        {"status": "blocked"},
        {"priority": "critical"},
        {"due_before": "tomorrow"},
        {"due_after": "2030-02-30"},
        {"q": "x" * 201},
    ]
    for params in bad:
        r = await client.get(API, params=params, headers=bearer(user, TEST_SECRET))
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"]["code"] == "validation_error"


async def test_tampered_cursor_is_422_invalid_cursor(client, session) -> None:
    user = await make_user(session)
    await make_task(session, user)
    raws = {
        "-created_at": [
            "not json",
            "[17, 1]",
            '{"a": 1, "b": 2}',
            '["2030-01-01T00:00:00+00:00"]',
            "[1, 2, 3]",
            '["2030-01-01T00:00:00", 1]',  # no time zone
            '["2030-01-01T00:00:00+00:00", 99999999999]',  # id beyond the column
            '["2030-01-01T00:00:00+00:00", "x"]',
        ],
        "priority": ["[70000, 1]", '["high", 1]'],
        "due_date": ['["2030-01-01T10:00:00", 1]', '["soon", 1]'],
        "title": ["[1, 1]"],
    }
    for sort, raw_cursors in raws.items():
        for raw in raw_cursors:
            cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
            r = await client.get(
                API, params={"cursor": cursor, "sort": sort}, headers=bearer(user, TEST_SECRET)
            )
            assert r.status_code == 422, (sort, raw, r.text)
            assert r.json()["error"]["code"] == "invalid_cursor"
    r = await client.get(API, params={"cursor": "!!!"}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422


async def test_a_task_row_counts_only_its_own_entries(client, session) -> None:
    """Sanity check that listing reports the stored total, not a recount across tasks."""
    user = await make_user(session)
    one, two = await make_task(session, user), await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    for task, minutes in ((one, 10), (two, 25), (one, 5)):
        r = await client.post(f"{API}/{task.id}/time-entries", json={"minutes": minutes}, headers=h)
        assert r.status_code == 201
    totals = {
        t["id"]: t["total_minutes"] for t in (await client.get(API, headers=h)).json()["items"]
    }
    assert totals == {one.id: 15, two.id: 25}
    await session.commit()
    rows = await session.execute(select(TimeEntry.task_id, TimeEntry.minutes))
    assert sorted(tuple(r) for r in rows) == sorted([(one.id, 10), (two.id, 25), (one.id, 5)])
    assert await count_rows(session, TaskStatusChange.__tablename__) == 2


async def test_an_owner_cannot_delete_a_task_with_other_peoples_time(client, session) -> None:
    owner = await make_user(session)
    helper = await make_user(session)
    admin = await make_user(session, is_admin=True)
    task = await make_task(session, owner, assignee_id=helper.id)
    await make_entry(session, task, helper, minutes=90)
    before = await db_snapshot(session)
    r = await client.delete(f"{API}/{task.id}", headers=bearer(owner, TEST_SECRET))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "task_has_others_time"
    assert await db_snapshot(session) == before
    r = await client.delete(f"{API}/{task.id}", headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 204


async def test_cursors_at_the_edges_of_the_calendar_are_422(client, session) -> None:
    user = await make_user(session)
    for raw in ('["0001-01-01T00:00:00+05:00", 1]', '["9999-12-31T23:59:59-05:00", 1]'):
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        r = await client.get(API, params={"cursor": cursor}, headers=bearer(user, TEST_SECRET))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_cursor"


async def test_tasks_of_several_projects_page_together_in_order_without_repeats(
    client, session
) -> None:
    me, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(me, colleague))
    base = utcnow()
    mine = [
        await make_task(session, me, title=f"mine {i}", created_at=base - timedelta(minutes=2 * i))
        for i in range(3)
    ]
    shared = [
        await make_task(
            session,
            colleague,
            project=team,
            title=f"shared {i}",
            created_at=base - timedelta(minutes=2 * i + 1),
        )
        for i in range(3)
    ]
    await make_task(session, colleague, title="not in my projects")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(API, params=params, headers=bearer(me, TEST_SECRET))).json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [t.id for pair in zip(mine, shared, strict=True) for t in pair]
