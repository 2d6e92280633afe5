"""A daily plan for the user's own day: "today" and "logged today" in their time zone.

The clock is pinned to 2025-01-15 01:00 UTC, which is 2025-01-14 20:00 in New York (UTC-5):
still the 14th there, though UTC has moved on to the 15th.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sprintsync.ai import facts as facts_module
from sprintsync.timeutil import day_start, day_window, zone
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_entry, make_task, make_user

SUGGEST = "/api/v1/ai/suggest"
NOW = datetime(2025, 1, 15, 1, 0, tzinfo=UTC)
NEW_YORK_TODAY = date(2025, 1, 14)


def _at(day: int, hour: int) -> datetime:
    return datetime(2025, 1, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def evening_in_new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts_module, "utcnow", lambda: NOW)


async def _a_day_of_work(session) -> User:
    user = await make_user(session)
    task = await make_task(
        session, user, title="Finish login rework", estimate_minutes=600, due_date=NEW_YORK_TODAY
    )
    # Timer entries count by when they ran; manual ones by their date (stored at UTC midnight).
    for source, start, end, minutes in [
        ("timer", _at(14, 14), _at(14, 15), 60),  # 09:00-10:00 on the 14th in New York
        ("timer", _at(14, 3), _at(14, 4), 30),  # 22:00 on the 13th there: yesterday
        ("manual", _at(14, 0), _at(14, 0), 45),  # logged for the 14th
        ("manual", _at(15, 0), _at(15, 0), 20),  # logged for the 15th
    ]:
        await make_entry(
            session, task, user, source=source, started_at=start, ended_at=end, minutes=minutes
        )
    return user


async def test_the_plan_is_for_the_users_local_day(evening_in_new_york, client, session) -> None:
    user = await _a_day_of_work(session)
    h = bearer(user, TEST_SECRET)
    body = {"mode": "daily_plan", "capacity_minutes": 360, "timezone": "America/New_York"}
    plan = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert plan["date"] == "2025-01-14"
    assert plan["logged_today_minutes"] == 60 + 45
    assert plan["items"][0]["reason"].startswith("Due today")

    utc = (await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)).json()
    assert utc["date"] == "2025-01-15"
    assert utc["logged_today_minutes"] == 20
    assert utc["items"][0]["reason"].startswith("Overdue by 1 day")


async def test_without_a_timezone_the_plan_is_for_the_users_own_zone(
    evening_in_new_york, client, session
) -> None:
    user = await _a_day_of_work(session)
    user.time_zone = "America/New_York"
    await session.commit()
    h = bearer(user, TEST_SECRET)
    plan = (await client.post(SUGGEST, json={"mode": "daily_plan"}, headers=h)).json()
    assert (plan["date"], plan["logged_today_minutes"]) == ("2025-01-14", 60 + 45)
    body = {"mode": "daily_plan", "timezone": "UTC"}
    utc = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert (utc["date"], utc["logged_today_minutes"]) == ("2025-01-15", 20)


async def test_a_running_timer_counts_from_its_start_and_one_across_midnight_is_forgotten(
    evening_in_new_york, client, session
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, status="in_progress", estimate_minutes=600)
    body = {"mode": "daily_plan", "timezone": "America/New_York"}
    h = bearer(user, TEST_SECRET)
    # Started 18:00 on the 14th in New York (23:00 UTC): two hours of today by 20:00 there.
    entry = await make_entry(
        session, task, user, source="timer", started_at=_at(14, 23), ended_at=None
    )
    plan = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert plan["logged_today_minutes"] == 2 * 60
    assert plan["running_timer"]["forgotten"] is None
    await session.delete(entry)
    await session.commit()
    # Started 23:00 on the 13th in New York: 21 hours ago, across the local midnight, so it
    # looks forgotten and its hours do not use up today's capacity.
    await make_entry(session, task, user, source="timer", started_at=_at(14, 4), ended_at=None)
    plan = (await client.post(SUGGEST, json=body, headers=h)).json()
    assert plan["logged_today_minutes"] == 0
    assert plan["running_timer"]["forgotten"] == "Running for 21.0 h, longer than 10 h."


@pytest.mark.parametrize("zone_name", ["Mars/Olympus_Mons", "America", "../etc/passwd", "utc", ""])
async def test_an_unknown_time_zone_is_a_422(client, session, zone_name) -> None:
    user = await make_user(session)
    body = {"mode": "daily_plan", "timezone": zone_name}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"].endswith("timezone")


async def test_the_plan_page_uses_the_users_time_zone(
    evening_in_new_york, client, session, settings
) -> None:
    user = await _a_day_of_work(session)
    htmx = {"HX-Request": "true"}
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    utc = await client.get("/plan", headers=htmx)
    assert utc.status_code == 200
    assert "20m already logged today" in utc.text
    user.time_zone = "America/New_York"
    await session.commit()
    local = await client.get("/plan", headers=htmx)
    assert "1h 45m already logged today" in local.text


def test_days_are_split_at_local_midnight_even_across_dst() -> None:
    new_york = zone("America/New_York")
    assert day_start(date(2025, 1, 14), new_york) == _at(14, 5)
    assert day_start(date(2025, 1, 14)) == _at(14, 0)
    for day, hours in [(date(2025, 3, 9), 23), (date(2025, 11, 2), 25), (date(2025, 6, 1), 24)]:
        start, end = day_window(day, new_york)
        assert end - start == timedelta(hours=hours)
        assert start.astimezone(ZoneInfo("America/New_York")).hour == 0
