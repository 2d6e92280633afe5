"""A task's activity feed: every source merged in time order, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from sprintsync.comments.models import Comment
from sprintsync.db import utcnow
from sprintsync.tasks.models import TaskFieldChange, TaskStatusChange
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_entry, make_project, make_task, make_user
from tests.statements import count_statements


async def test_feed_merges_every_source_newest_last(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    dev = await make_user(session)
    team = await make_project(session, members=(admin, dev))
    headers = bearer(admin, TEST_SECRET)
    body = {"title": "Feed", "project_id": team.id}
    task = (await client.post("/api/v1/tasks", json=body, headers=headers)).json()
    await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"assignee_id": dev.id, "estimate_minutes": 90},
        headers=headers,
    )
    await client.post(
        f"/api/v1/tasks/{task['id']}/status", json={"status": "in_progress"}, headers=headers
    )
    await client.post(
        f"/api/v1/tasks/{task['id']}/time-entries",
        json={"minutes": 45, "note": "pairing", "date": utcnow().date().isoformat()},
        headers=bearer(dev, TEST_SECRET),
    )
    await client.post(
        f"/api/v1/tasks/{task['id']}/comments", json={"body": "Done soon"}, headers=headers
    )
    r = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=bearer(dev, TEST_SECRET))
    assert r.status_code == 200, r.text
    items = r.json()
    kinds = [i["kind"] for i in items]
    # A manual entry sits at the start of the day it was for, which may precede the rest.
    assert next(k for k in kinds if k != "time") == "created"
    assert kinds[-1] == "comment"
    assert set(kinds) == {"created", "assignee", "estimate", "status", "time", "comment"}
    assignee = next(i for i in items if i["kind"] == "assignee")
    assert (assignee["old"], assignee["new"]) == (admin.id, dev.id)
    assert assignee["actor_name"] == admin.display_name
    estimate = next(i for i in items if i["kind"] == "estimate")
    assert (estimate["old"], estimate["new"]) == (None, 90)
    time = next(i for i in items if i["kind"] == "time")
    assert (time["actor_id"], time["minutes"], time["note"]) == (dev.id, 45, "pairing")
    assert items[-1]["comment"]["body_html"] == "<p>Done soon</p>\n"
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)


async def _add_history(session, task, user, n: int) -> None:
    start = utcnow() - timedelta(hours=1)
    for i in range(n):
        at = start + timedelta(minutes=i)
        session.add(
            TaskStatusChange(
                task_id=task.id,
                from_status="todo",
                to_status="in_progress",
                changed_by_id=user.id,
                changed_at=at,
            )
        )
        session.add(
            TaskFieldChange(
                task_id=task.id,
                field="estimate_minutes",
                old_value=i,
                new_value=i + 1,
                changed_by_id=user.id,
                changed_at=at,
            )
        )
        session.add(Comment(task_id=task.id, author_id=user.id, body=f"Comment {i}", created_at=at))
    await session.commit()
    for _ in range(n):
        await make_entry(session, task, user)


async def test_feed_costs_the_same_queries_for_one_item_or_many(
    client, session, engine, monkeypatch
) -> None:
    owner = await make_user(session)
    headers = bearer(owner, TEST_SECRET)
    small = await make_task(session, owner)
    large = await make_task(session, owner)
    await _add_history(session, small, owner, 1)
    await _add_history(session, large, owner, 15)
    with count_statements(engine, monkeypatch) as few:
        assert (
            await client.get(f"/api/v1/tasks/{small.id}/activity", headers=headers)
        ).status_code == 200
    with count_statements(engine, monkeypatch) as many:
        r = await client.get(f"/api/v1/tasks/{large.id}/activity", headers=headers)
    assert len(r.json()) == 1 + 15 * 4
    assert len(many) == len(few) <= 10, many
