"""Each person's time zone: where it comes from, how it is changed, and what follows it.

The clock is pinned to 2025-03-11 03:55 UTC: 20:55 on 2025-03-10 in Los Angeles (PDT,
UTC-7, two days after the spring DST change), while UTC has already reached the 11th.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from sprintsync import timeutil
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User
from sprintsync.web.assets import static_url
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, bearer, cookie_auth, make_task, make_user

LA = "America/Los_Angeles"
NOW = datetime(2025, 3, 11, 3, 55, tzinfo=UTC)
LA_TODAY = date(2025, 3, 10)


@pytest.fixture
def evening_in_los_angeles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeutil, "now_utc", lambda: NOW)


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def _stored_zone(session, email: str) -> str | None:
    await session.commit()
    return await session.scalar(select(User.time_zone).where(User.email == email))


async def test_sign_up_through_the_api_keeps_the_given_zone(client, session) -> None:
    body = {"email": "la@example.com", "display_name": "Lee", "password": PASSWORD}
    r = await client.post("/api/v1/auth/signup", json={**body, "time_zone": LA})
    assert r.status_code == 201
    assert r.json()["user"]["time_zone"] == LA
    assert await _stored_zone(session, "la@example.com") == LA


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../etc/passwd", "utc", "x" * 80])
async def test_sign_up_with_an_unknown_zone_is_a_422_and_creates_nobody(
    client, session, name
) -> None:
    body = {"email": "bad@example.com", "display_name": "B", "password": PASSWORD}
    r = await client.post("/api/v1/auth/signup", json={**body, "time_zone": name})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"].endswith("time_zone")
    assert await _stored_zone(session, "bad@example.com") is None


async def test_without_a_zone_new_accounts_get_the_team_default(app, client, session) -> None:
    app.state.settings.default_time_zone = "Europe/Berlin"
    body = {"email": "d@example.com", "display_name": "D", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/signup", json=body)).status_code == 201
    admin = await make_user(session, is_admin=True)
    made = {"email": "made@example.com", "display_name": "M", "password": PASSWORD}
    r = await client.post("/api/v1/users", json=made, headers=bearer(admin, TEST_SECRET))
    assert r.status_code == 201
    assert r.json()["time_zone"] == "Europe/Berlin"
    assert await _stored_zone(session, "d@example.com") == "Europe/Berlin"


async def test_the_sign_up_form_takes_the_browsers_zone_and_ignores_an_unknown_one(
    client, session
) -> None:
    page = (await client.get("/signup")).text
    assert 'name="time_zone"' in page
    assert static_url("js/timezone.js") in page
    form = {"display_name": "Ana", "password": PASSWORD, "csrf_token": _csrf_from(page)}
    r = await client.post("/signup", data={**form, "email": "ana@example.com", "time_zone": LA})
    assert r.status_code == 303
    assert await _stored_zone(session, "ana@example.com") == LA
    client.cookies.clear()
    page = (await client.get("/signup")).text
    form["csrf_token"] = _csrf_from(page)
    data = {**form, "email": "bo@example.com", "time_zone": "Not/A_Zone"}
    assert (await client.post("/signup", data=data)).status_code == 303
    assert await _stored_zone(session, "bo@example.com") == "UTC"


async def test_the_profile_changes_the_zone_and_refuses_an_unknown_one(
    client, session, settings
) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    r = await client.patch("/api/v1/auth/me", json={"time_zone": "Asia/Tokyo"}, headers=h)
    assert r.status_code == 200
    assert r.json()["time_zone"] == "Asia/Tokyo"
    r = await client.patch("/api/v1/auth/me", json={"time_zone": "Asia/Nowhere"}, headers=h)
    assert r.status_code == 422
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    page = (await client.get("/profile")).text
    assert 'value="Asia/Tokyo"' in page
    assert '<option value="America/Los_Angeles">' in page
    form = {"display_name": user.display_name, "time_zone": "Not/A_Zone"}
    r = await client.post("/profile", data=form, headers={**csrf, "HX-Request": "true"})
    assert r.status_code == 422
    assert 'data-field-error="time_zone"' in r.text
    form["time_zone"] = LA
    r = await client.post("/profile", data=form, headers={**csrf, "HX-Request": "true"})
    assert r.status_code == 200
    assert await _stored_zone(session, user.email) == LA


async def test_due_labels_count_from_the_users_own_today(
    evening_in_los_angeles, client, session, settings
) -> None:
    in_la = await make_user(session, time_zone=LA)
    in_utc = await make_user(session)
    for person in (in_la, in_utc):
        await make_task(session, person, title="Ship it", due_date=LA_TODAY)
    # The filter menu says "Due today" too; the label is the second occurrence.
    cookie_auth(client, in_la, TEST_SECRET, settings.cookie_name)
    page = (await client.get("/tasks")).text
    assert page.count("Due today") == 2
    assert "Overdue 1d" not in page
    cookie_auth(client, in_utc, TEST_SECRET, settings.cookie_name)
    page = (await client.get("/tasks")).text
    assert page.count("Due today") == 1
    assert "Overdue 1d" in page


async def test_the_due_today_filter_uses_the_users_day(
    evening_in_los_angeles, client, session, settings
) -> None:
    user = await make_user(session, time_zone=LA)
    await make_task(session, user, title="Today there", due_date=LA_TODAY)
    await make_task(session, user, title="Tomorrow there", due_date=date(2025, 3, 11))
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    page = (await client.get("/tasks", params={"due": "today"})).text
    assert "Today there" in page
    assert "Tomorrow there" not in page


async def test_a_manual_entry_defaults_to_the_users_day_from_its_local_midnight(
    evening_in_los_angeles, client, session
) -> None:
    user = await make_user(session, time_zone=LA)
    task = await make_task(session, user)
    url = f"/api/v1/tasks/{task.id}/time-entries"
    r = await client.post(url, json={"minutes": 30}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 201, r.text
    # 2025-03-10 00:00 PDT; the day before (DST day) started at 08:00 UTC, an hour later.
    assert r.json()["started_at"].startswith("2025-03-10T07:00:00")
    r = await client.post(
        url, json={"minutes": 30, "date": "2025-03-09"}, headers=bearer(user, TEST_SECRET)
    )
    assert r.json()["started_at"].startswith("2025-03-09T08:00:00")


async def test_tomorrow_in_utc_is_still_the_future_in_los_angeles(
    evening_in_los_angeles, client, session
) -> None:
    in_la = await make_user(session, time_zone=LA)
    in_utc = await make_user(session)
    body = {"minutes": 15, "date": "2025-03-11"}
    for person, expected in ((in_la, 422), (in_utc, 201)):
        task = await make_task(session, person)
        url = f"/api/v1/tasks/{task.id}/time-entries"
        r = await client.post(url, json=body, headers=bearer(person, TEST_SECRET))
        assert r.status_code == expected, r.text
    await session.commit()
    assert len((await session.execute(select(TimeEntry))).all()) == 1
