"""A first end-to-end pass over the task API (the full suite lives beside it)."""

from __future__ import annotations

from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user


async def test_owner_creates_moves_and_lists_a_task(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post("/api/v1/tasks", json={"title": "  Write docs  "}, headers=h)
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["title"] == "Write docs" and task["status"] == "todo"
    r = await client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "done"}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_transition"
    assert r.json()["error"]["details"]["allowed"] == ["in_progress"]
    r = await client.post(
        f"/api/v1/tasks/{task['id']}/status", json={"status": "in_progress"}, headers=h
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = await client.post(
        f"/api/v1/tasks/{task['id']}/time-entries", json={"minutes": 30}, headers=h
    )
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/tasks", headers=h)
    assert r.status_code == 200
    assert [t["total_minutes"] for t in r.json()["items"]] == [30]
