"""Database plumbing: the hand-written read path survives a database that dropped connections."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from sprintsync.app import create_app
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_task, make_user

pytestmark = pytest.mark.postgres_only


async def test_task_list_recovers_when_the_database_drops_every_connection(
    settings, session
) -> None:
    import asyncio

    import httpx
    from sqlalchemy.ext.asyncio import create_async_engine

    # Its own small, labelled pool, so that killing its connections harms no other test.
    engine = create_async_engine(
        settings.database_url,
        pool_size=3,
        max_overflow=0,
        connect_args={"server_settings": {"application_name": "doomed-pool"}},
    )
    app = create_app(settings.model_copy(update={"auth_cache_seconds": 30.0}), engine=engine)
    user = await make_user(session)
    await make_task(session, user, title="survives restarts")
    h = bearer(user, TEST_SECRET)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            warm = await asyncio.gather(*(c.get("/api/v1/tasks", headers=h) for _ in range(6)))
            assert {r.status_code for r in warm} == {200}
            url = make_url(settings.database_url)
            admin = await asyncpg.connect(
                host=url.host, port=url.port or 5432, user=url.username, database="postgres"
            )
            try:
                killed = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'doomed-pool'",
                )
            finally:
                await admin.close()
            assert killed >= 1
            for _ in range(3):
                r = await c.get("/api/v1/tasks", headers=h)
                assert r.status_code == 200, r.text
                assert [t["title"] for t in r.json()["items"]] == ["survives restarts"]
    finally:
        await engine.dispose()
