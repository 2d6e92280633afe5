"""What a suggestion costs the server: pooled connections, work on a cache hit, CPU on the loop.

A provider call can take seconds, so no connection may be held through it; a cached answer
must not redo the history read and the TF-IDF search; and a large search runs in a worker
thread, not on the event loop.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, update

from sprintsync.ai import facts as facts_module
from sprintsync.ai import similarity
from sprintsync.ai.providers import OfflineProvider
from sprintsync.ai.providers.base import Generation, Prompt
from sprintsync.tasks.models import Task
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_task, make_user

SUGGEST = "/api/v1/ai/suggest"


async def _finished(session, user, title: str, minutes: int) -> Task:
    return await make_task(session, user, title=title, status="done", total_minutes=minutes)


class SlowProbe:
    """A network-like provider that notes how many pooled connections are out while it waits."""

    name = "probe"
    model = "probe-1"

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.checked_out: list[int] = []
        self._offline = OfflineProvider()

    async def generate(self, prompt: Prompt, schema: type[Any]) -> Generation[Any]:
        self.checked_out.append(self.engine.pool.checkedout())
        await asyncio.sleep(0.05)  # a slow model; other requests would want the pool now
        answer = await self._offline.generate(prompt, schema)
        return Generation(output=answer.output, provider=self.name, model=self.model)

    async def aclose(self) -> None:
        return None


@pytest.fixture
def probe(app, engine) -> SlowProbe:
    probe = SlowProbe(engine)
    app.state.ai.provider = probe
    return probe


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "daily_plan", "capacity_minutes": 120},
        {"mode": "estimate", "title": "Fix login loop on Firefox"},
    ],
    ids=["daily_plan", "estimate"],
)
async def test_no_connection_is_held_while_the_provider_thinks(
    probe, client, session, engine, body
) -> None:
    user = await make_user(session)
    await _finished(session, user, "Fix login loop on Safari", 90)
    await make_task(session, user, title="Write release notes", estimate_minutes=60)
    idle = engine.pool.checkedout()
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    assert r.json()["provider"] == "probe"
    assert probe.checked_out == [idle], "the request kept a pooled connection during the call"


async def test_the_pages_hold_no_connection_while_the_provider_thinks(
    probe, client, session, engine, settings
) -> None:
    user = await make_user(session)
    await make_task(session, user, title="Write release notes", estimate_minutes=60)
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    idle = engine.pool.checkedout()
    plan = await client.get("/plan", headers={"HX-Request": "true"})
    assert plan.status_code == 200
    assert "Write release notes" in plan.text
    form = {"title": "Add CSV export to reports", "description": ""}
    draft = await client.post("/tasks/draft", data=form, headers={**csrf, "HX-Request": "true"})
    assert draft.status_code == 200
    assert "Drafted by probe" in draft.text
    assert probe.checked_out == [idle, idle]


# --- the cache is checked before the heavy work ---------------------------------------------


@pytest.fixture
def heavy_work(engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """Records history reads and similarity searches: the work a cache hit must skip."""
    seen: dict[str, list[Any]] = {"history": [], "search": []}
    search = similarity.nearest

    def counting_search(title: str, *args: Any, **kwargs: Any) -> Any:
        seen["search"].append((title, threading.get_ident()))
        return search(title, *args, **kwargs)

    def on_execute(conn, cursor, statement: str, *args: Any) -> None:
        # The history read is the one query ordered by when tasks were finished.
        if "status_changed_at DESC" in statement:
            seen["history"].append(statement)

    monkeypatch.setattr(similarity, "nearest", counting_search)
    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", on_execute)


async def test_a_cache_hit_skips_the_history_and_the_search(heavy_work, client, session) -> None:
    user = await make_user(session)
    await _finished(session, user, "Fix login loop on Safari", 90)
    h = bearer(user, TEST_SECRET)
    body = {"mode": "estimate", "title": "Fix login loop on Firefox"}
    first = (await client.post(SUGGEST, json=body, headers=h)).json()
    second = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["similar_count"] == 1
    assert len(heavy_work["history"]) == 1
    assert len(heavy_work["search"]) == 1


async def test_a_change_to_the_history_is_a_cache_miss(heavy_work, client, session) -> None:
    user = await make_user(session)
    safari = await make_task(
        session, user, title="Fix login loop on Safari", status="done", total_minutes=90
    )
    h = bearer(user, TEST_SECRET)
    body = {"mode": "estimate", "title": f"Fix login loop on Firefox {uuid.uuid4().hex[:6]}"}

    async def ask() -> dict[str, Any]:
        return (await client.post(SUGGEST, json=body, headers=h)).json()

    assert (await ask())["cached"] is False
    assert (await ask())["cached"] is True
    # Time logged on a finished task changes its total but not its `updated_at`.
    await session.execute(update(Task).where(Task.id == safari.id).values(total_minutes=150))
    await session.commit()
    data = await ask()
    assert data["cached"] is False
    assert data["similar"][0]["actual_minutes"] == 150
    await make_task(
        session, user, title="Fix login loop after reset", status="done", total_minutes=60
    )
    data = await ask()
    assert data["cached"] is False
    assert data["similar_count"] == 2


async def test_a_change_to_the_named_task_is_a_cache_miss(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Tidy the logging config", total_minutes=30)
    h = bearer(user, TEST_SECRET)
    body = {"mode": "estimate", "task_id": task.id}
    assert (await client.post(SUGGEST, json=body, headers=h)).json()["logged_minutes"] == 30
    assert (await client.post(SUGGEST, json=body, headers=h)).json()["cached"] is True
    await session.execute(update(Task).where(Task.id == task.id).values(total_minutes=75))
    await session.commit()
    data = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert (data["cached"], data["logged_minutes"]) == (False, 75)


async def test_a_large_history_is_searched_off_the_event_loop(
    heavy_work, client, session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts_module, "INLINE_SIMILARITY_LIMIT", 1, raising=False)
    user = await make_user(session)
    for title in ("Fix login loop on Safari", "Fix login loop after reset"):
        await make_task(session, user, title=title, status="done", total_minutes=60)
    body = {"mode": "estimate", "title": "Fix login loop on Firefox"}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.json()["similar_count"] == 2
    [(_, thread)] = heavy_work["search"]
    assert thread != threading.get_ident()
