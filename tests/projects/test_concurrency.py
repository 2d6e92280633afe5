"""Task keys under concurrent creation on PostgreSQL: every task gets its own number."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from sprintsync.projects.models import Project
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_project, make_user

pytestmark = pytest.mark.postgres_only


async def test_concurrent_creations_in_one_project_get_distinct_consecutive_keys(
    client, session
) -> None:
    people = [await make_user(session) for _ in range(4)]
    team = await make_project(session, members=tuple(people), key="RACE")
    creations = [
        client.post(
            "/api/v1/tasks",
            json={"title": f"t{i}", "project_id": team.id},
            headers=bearer(people[i % len(people)], TEST_SECRET),
        )
        for i in range(16)
    ]
    replies = await asyncio.gather(*creations)
    assert [r.status_code for r in replies] == [201] * 16
    keys = sorted((r.json()["key"] for r in replies), key=lambda k: int(k.split("-")[1]))
    assert keys == [f"RACE-{n}" for n in range(1, 17)]
    await session.commit()
    counter = await session.scalar(select(Project.task_counter).where(Project.id == team.id))
    assert counter == 16
