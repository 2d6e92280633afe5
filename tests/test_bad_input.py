"""Every malformed input gets a clean 4xx answer, never a 500 or a silently odd value."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from sprintsync.tasks.models import Task
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_entry, make_task, make_user

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("hours", ["inf", "-inf", "nan", "1e308", "1e400", "-1"])
async def test_task_form_with_an_absurd_estimate_is_a_field_error(
    client, session, settings, hours
) -> None:
    user = await make_user(session)
    headers = {**HTMX, **cookie_auth(client, user, TEST_SECRET, settings.cookie_name)}
    r = await client.post("/tasks", data={"title": "x", "estimate_hours": hours}, headers=headers)
    assert r.status_code == 422, r.text
    assert 'data-field-error="estimate_hours"' in r.text
    assert (await session.execute(select(Task))).first() is None


@pytest.mark.parametrize("task_id", ["\u00b2", "1\u00b2", "9" * 5000, "-1", "1.0"])
async def test_draft_with_a_malformed_task_id_is_422_not_500(
    client, session, settings, task_id
) -> None:
    user = await make_user(session)
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    r = await client.post("/tasks/draft", data={"title": "x", "task_id": task_id}, headers=headers)
    assert r.status_code == 422, r.text[:300]


@pytest.mark.parametrize("ref", ["%C2%B2", "1%C2%B2", "9" * 5000, "%D9%A3"])
async def test_a_task_or_project_ref_of_non_ascii_or_endless_digits_is_404(
    client, session, ref
) -> None:
    # "²" and "٣" pass str.isdigit(); int() refuses both, and strings over 4,300 digits.
    user = await make_user(session, is_admin=True)
    h = bearer(user, TEST_SECRET)
    answers = [
        await client.get(f"/api/v1/projects/{ref}", headers=h),
        await client.post(
            f"/api/v1/projects/{ref}/members", json={"user_id": user.id, "role": "lead"}, headers=h
        ),
        await client.get(f"/api/v1/tasks/{ref}", headers=h),
        await client.get(f"/tasks/new?project_id={ref}", headers=h),
    ]
    assert [r.status_code for r in answers] == [404, 404, 404, 200], [r.text for r in answers]


async def test_draft_with_a_too_big_task_id_is_404(client, session, settings) -> None:
    user = await make_user(session)
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    r = await client.post(
        "/tasks/draft", data={"title": "x", "task_id": "9999999999"}, headers=headers
    )
    assert r.status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1969-12-31", "2101-01-01"])
async def test_dates_outside_1970_to_2100_are_refused(client, session, day) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    checks = [
        await client.post("/api/v1/tasks", json={"title": "x", "due_date": day}, headers=h),
        await client.patch(f"/api/v1/tasks/{task.id}", json={"due_date": day}, headers=h),
        await client.post(
            f"/api/v1/tasks/{task.id}/time-entries", json={"minutes": 5, "date": day}, headers=h
        ),
    ]
    assert [r.status_code for r in checks] == [422] * len(checks), [r.text for r in checks]


@pytest.mark.parametrize("value", ["0", "20260101", "1e3", "2026-1-1"])
async def test_a_date_filter_must_be_written_as_a_date(client, session, value) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.get("/api/v1/time-entries", params={"to": value}, headers=h)
    assert r.status_code == 422, r.text
    r = await client.get("/api/v1/tasks", params={"due_before": value}, headers=h)
    assert r.status_code == 422, r.text


async def test_an_entry_date_must_be_a_date_not_a_number(client, session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_entry(session, task, user, minutes=5)
    r = await client.patch(
        f"/api/v1/time-entries/{entry.id}", json={"date": 0}, headers=bearer(user, TEST_SECRET)
    )
    assert r.status_code == 422, r.text


async def test_edge_dates_inside_the_range_are_accepted(client, session) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    for day in ("1970-01-01", "2100-12-31"):
        r = await client.post("/api/v1/tasks", json={"title": day, "due_date": day}, headers=h)
        assert r.status_code == 201, r.text
        assert r.json()["due_date"] == day


@pytest.mark.parametrize("sub", [str(2**31), str(2**63), "0", "-5", "1e3"])
async def test_a_signed_token_naming_an_impossible_user_id_is_401(client, sub) -> None:
    token = jwt.encode(
        {"sub": sub, "ver": 0, "iat": 1_700_000_000, "exp": 4_000_000_000},
        TEST_SECRET,
        algorithm="HS256",
    )
    r = await client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text


async def test_head_healthz_answers_like_get(client) -> None:
    r = await client.head("/healthz")
    assert r.status_code == 200
    assert r.content == b""


async def test_the_schema_documents_400_for_bodies_and_409_for_task_delete(client) -> None:
    schema = (await client.get("/openapi.json")).json()
    with_body = [
        (path, method)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "requestBody" in op
    ]
    assert with_body
    for path, method in with_body:
        assert "400" in schema["paths"][path][method]["responses"], (path, method)
    assert "409" in schema["paths"]["/api/v1/tasks/{task_ref}"]["delete"]["responses"]


async def test_booleans_and_minutes_are_strict(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    other = await make_user(session)
    h = bearer(admin, TEST_SECRET)
    for value in (0, 1, "true", "yes"):
        r = await client.patch(f"/api/v1/users/{other.id}", json={"is_active": value}, headers=h)
        assert r.status_code == 422, (value, r.text)
    for value in (False, True, "30", 30.5):
        r = await client.post(
            "/api/v1/tasks", json={"title": "x", "estimate_minutes": value}, headers=h
        )
        assert r.status_code == 422, (value, r.text)
        r = await client.post(
            "/api/v1/ai/breakdown/accept",
            json={"subtasks": [{"title": "x", "estimate_minutes": value}]},
            headers=h,
        )
        assert r.status_code == 422, (value, r.text)
    r = await client.patch(f"/api/v1/users/{other.id}", json={"is_active": False}, headers=h)
    assert r.status_code == 200, r.text


async def test_a_too_large_form_gets_an_html_page_and_the_api_the_envelope(
    client, settings
) -> None:
    big = "x" * (settings.max_body_bytes + 1)
    page = await client.post("/tasks", data={"title": big})
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    api = await client.post(
        "/api/v1/tasks", content=big, headers={"content-type": "application/json"}
    )
    assert api.status_code == 413
    assert api.json()["error"]["code"] == "payload_too_large"


async def test_fields_that_refuse_null_are_not_documented_as_nullable(client, session) -> None:
    """The schema and the code agree: null is refused with a clear message, and the
    schema does not offer it; fields where null means "clear" still document it."""
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["TaskUpdate"]
    props = schema["properties"]
    for field in ("title", "description", "priority"):
        assert "anyOf" not in props[field], (field, props[field])
        assert props[field].get("default", "absent") is not None, (field, props[field])
    for field in ("estimate_minutes", "due_date", "assignee_id"):
        assert {"type": "null"} in props[field]["anyOf"], (field, props[field])
    user = await make_user(session)
    task = await make_task(session, user)
    r = await client.patch(
        f"/api/v1/tasks/{task.id}", json={"priority": None}, headers=bearer(user, TEST_SECRET)
    )
    assert r.status_code == 422, r.text
    assert "may not be null" in r.text, r.text
