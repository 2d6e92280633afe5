"""One error envelope for every failure, and request bodies bounded in size.

`{"error": {"code", "message", "details"}, "request_id"}` for 400/401/403/404/409/413/422/
429/500; a refused request changes nothing; a crash never shows its stack trace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sprintsync.config import Settings
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import PASSWORD, bearer, db_snapshot, make_task, make_user


def assert_envelope(r: httpx.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["code"], str)
    assert body["error"]["code"]
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    if "x-request-id" in r.headers:
        assert body["request_id"] == r.headers["x-request-id"]
    if code is not None:
        assert body["error"]["code"] == code
    return body


async def test_400_for_a_body_that_cannot_be_parsed(client, session) -> None:
    r = await client.post(
        "/api/v1/auth/token",
        content=b"--nope\r\nthis is not multipart",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert_envelope(r, 400, "bad_request")


async def test_401_403_404_405_409_each_carry_the_envelope(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, status="done")
    h = bearer(user, TEST_SECRET)
    assert_envelope(await client.get("/api/v1/auth/me"), 401, "not_authenticated")
    assert_envelope(await client.get("/api/v1/users", headers=h), 403, "admin_required")
    assert_envelope(await client.get("/api/v1/tasks/424242", headers=h), 404, "task_not_found")
    assert_envelope(await client.get("/api/v1/no-such-route", headers=h), 404, "not_found")
    r = await client.put(f"/api/v1/tasks/{task.id}", json={}, headers=h)
    assert_envelope(r, 405, "method_not_allowed")
    r = await client.post(f"/api/v1/tasks/{task.id}/status", json={"status": "todo"}, headers=h)
    body = assert_envelope(r, 409, "invalid_transition")
    assert body["error"]["details"]["allowed"] == ["in_progress"]


async def test_422_lists_each_bad_field(client, session) -> None:
    user = await make_user(session)
    r = await client.post(
        "/api/v1/tasks",
        json={"title": "", "priority": "critical", "colour": "red"},
        headers=bearer(user, TEST_SECRET),
    )
    body = assert_envelope(r, 422, "validation_error")
    fields = {d["field"] for d in body["error"]["details"]}
    assert fields == {"title", "priority", "colour"}
    assert all(set(d) == {"field", "message", "type"} for d in body["error"]["details"])


async def test_422_for_malformed_json_and_for_a_non_object_body(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET) | {"Content-Type": "application/json"}
    for raw in (b'{"title": "x"', b"[]", b'"title"', b"null"):
        r = await client.post("/api/v1/tasks", content=raw, headers=h)
        assert_envelope(r, 422, "validation_error")


async def test_the_client_request_id_is_echoed_in_the_envelope(client, session) -> None:
    r = await client.get("/api/v1/auth/me", headers={"X-Request-ID": "req-abc-12345"})
    assert assert_envelope(r, 401)["request_id"] == "req-abc-12345"


async def test_429_carries_the_envelope_and_retry_after(settings, client, session) -> None:
    user = await make_user(session)
    login = {"email": user.email, "password": "wrong-password"}
    for _ in range(5):  # the default limit is 5 a minute per email
        assert (await client.post("/api/v1/auth/login", json=login)).status_code == 401
    login["password"] = PASSWORD
    r = await client.post("/api/v1/auth/login", json=login)
    body = assert_envelope(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) == body["error"]["details"]["retry_after"] >= 1


# --- 413: request bodies over the limit ------------------------------------------------------


@pytest.fixture
def settings(settings) -> Settings:
    settings.max_body_bytes = 2048  # set before the `app` fixture builds the app
    return settings


async def _chunks(payload: bytes, size: int = 512) -> AsyncIterator[bytes]:
    for i in range(0, len(payload), size):
        yield payload[i : i + size]


async def test_413_when_the_declared_length_is_over_the_limit(client, session) -> None:
    user = await make_user(session)
    before = await db_snapshot(session)
    r = await client.post(
        "/api/v1/tasks",
        json={"title": "big", "description": "x" * 5000},
        headers=bearer(user, TEST_SECRET),
    )
    body = assert_envelope(r, 413, "payload_too_large")
    assert body["error"]["details"] == {"max_bytes": 2048}
    assert await db_snapshot(session) == before


async def test_413_when_a_streamed_body_grows_over_the_limit(client, session) -> None:
    user = await make_user(session)
    before = await db_snapshot(session)
    payload = b'{"title": "big", "description": "' + b"x" * 5000 + b'"}'
    r = await client.post(
        "/api/v1/tasks",
        content=_chunks(payload),
        headers=bearer(user, TEST_SECRET) | {"Content-Type": "application/json"},
    )
    assert "content-length" not in r.request.headers
    assert_envelope(r, 413, "payload_too_large")
    assert await db_snapshot(session) == before


async def test_bodies_under_the_limit_pass_whether_declared_or_streamed(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post(
        "/api/v1/tasks", json={"title": "small", "description": "x" * 1500}, headers=h
    )
    assert r.status_code == 201
    payload = b'{"title": "streamed", "description": "' + b"y" * 1500 + b'"}'
    r = await client.post(
        "/api/v1/tasks", content=_chunks(payload), headers=h | {"Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["description"] == "y" * 1500


# --- 500: a crash is logged, never shown ----------------------------------------------------


async def test_500_hides_the_stack_trace_from_the_client_but_logs_it(app, session, capsys) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals: db password is hunter2")

    app.add_api_route("/api/v1/explode", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.get("/api/v1/explode", headers={"X-Request-ID": "boom-request-1"})
    body = assert_envelope(r, 500, "internal_error")
    assert body["request_id"] == "boom-request-1"
    assert r.headers["x-request-id"] == "boom-request-1"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert body["error"]["details"] is None
    assert "hunter2" not in r.text
    assert "Traceback" not in r.text
    assert "RuntimeError" not in r.text
    logged = capsys.readouterr().out
    assert "hunter2" in logged
    assert "Traceback" in logged
    assert "boom-request-1" in logged


# --- values the database cannot store -------------------------------------------------------


async def test_nul_characters_are_a_422_not_a_500(client, session, backend) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.post("/api/v1/tasks", json={"title": "a\u0000b"}, headers=h)
    if backend == "postgres":
        assert_envelope(r, 422, "invalid_value")
        assert await count_rows(session, "tasks") == 0
    else:  # SQLite stores NUL characters as they are
        assert r.status_code == 201
    r = await client.get("/api/v1/tasks", params={"q": "a\u0000b"}, headers=h)
    assert r.status_code == (422 if backend == "postgres" else 200)


async def test_a_405_lists_every_method_the_path_serves(client) -> None:
    r = await client.options("/api/v1/tasks")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    r = await client.put("/api/v1/tasks/1")
    assert r.headers["allow"] == "DELETE, GET, PATCH"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"title": "x"', "application/json"),
        (b"--nope\r\nthis is not multipart", "multipart/form-data; boundary=xyz"),
    ],
)
async def test_an_anonymous_malformed_body_is_401_not_a_parse_error(
    client, raw, content_type
) -> None:
    """Authentication comes before the body: a stranger learns nothing from parse errors."""
    r = await client.post("/api/v1/tasks", content=raw, headers={"Content-Type": content_type})
    assert_envelope(r, 401, "not_authenticated")
    r = await client.post(
        "/api/v1/tasks",
        content=raw,
        headers={"Content-Type": content_type, "Authorization": "Bearer not-a-token"},
    )
    assert_envelope(r, 401, "invalid_token")


async def test_a_query_string_with_20000_parameters_is_refused_before_routing(
    client, session
) -> None:
    user = await make_user(session)
    query = "&".join(["a"] * 20_000)  # 40 kB: within what httpx and servers accept
    r = await client.get(f"/api/v1/tasks?{query}", headers=bearer(user, TEST_SECRET))
    assert_envelope(r, 400, "bad_request")
    ok = await client.get("/api/v1/tasks?limit=5&sort=-priority", headers=bearer(user, TEST_SECRET))
    assert ok.status_code == 200, ok.text
