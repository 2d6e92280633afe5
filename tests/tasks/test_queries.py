"""The task list serialised by PostgreSQL must equal the list serialised in Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from sprintsync.tasks import service
from sprintsync.tasks.schemas import PriorityName
from tests.factories import make_task, make_user

pytestmark = pytest.mark.postgres_only

SORTS = [
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_date",
    "-due_date",
    "priority",
    "-priority",
    "title",
    "-title",
]


async def _pages(session, user, sort, *, as_json, filters=service.TaskFilter()):
    pages, cursor = [], None
    while True:
        if as_json:
            body = orjson.loads(
                await service.list_tasks_json(
                    session, user=user, filters=filters, sort=sort, limit=2, cursor=cursor
                )
            )
        else:
            items, next_cursor = await service.list_tasks(
                session, user=user, filters=filters, sort=sort, limit=2, cursor=cursor
            )
            body = orjson.loads(
                orjson.dumps({"items": items, "next_cursor": next_cursor}, option=orjson.OPT_UTC_Z)
            )
        pages.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_database_json_equals_python_json_for_every_sort_and_page(session) -> None:
    user = await make_user(session)
    other = await make_user(session)
    base = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)  # whole seconds: no fraction written
    titles = ['Quote " and \\ backslash', "Ünïcode ✓ tåsk", "<b>tag</b>", "same", "same"]
    for i, title in enumerate(titles):
        await make_task(
            session,
            user,
            title=title,
            description=f"line 1\nline {i}\ttab",
            priority=i % 4,
            due_date=None if i % 2 else date(2026, 4, 1) + timedelta(days=i % 3),
            estimate_minutes=None if i == 2 else 30 * i,
            total_minutes=7 * i,
            created_at=base + timedelta(microseconds=123456 * i),
            updated_at=base + timedelta(minutes=i % 2),
            status_changed_at=base,
        )
    await make_task(session, other, title="not visible")
    for sort in SORTS:
        from_db = await _pages(session, user, sort, as_json=True)
        from_python = await _pages(session, user, sort, as_json=False)
        assert from_db == from_python, sort
        assert sum(len(p["items"]) for p in from_db) == len(titles)


async def test_database_json_applies_the_same_filters(session) -> None:
    user = await make_user(session)
    await make_task(session, user, title="Fix login bug", priority=3)
    await make_task(session, user, title="Write docs", priority=0)
    filters = service.TaskFilter(q="LOGIN", priority=PriorityName.urgent)
    from_db = await _pages(session, user, "-created_at", as_json=True, filters=filters)
    assert [t["title"] for p in from_db for t in p["items"]] == ["Fix login bug"]
    assert from_db == await _pages(session, user, "-created_at", as_json=False, filters=filters)
