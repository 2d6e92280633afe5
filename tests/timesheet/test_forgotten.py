"""When a running timer looks forgotten (`forgotten_reason`), and the header's flag for it.

The instants are worked out by hand: midnight is the user's, not UTC's, and a day with a
clock change is measured in real hours, not wall-clock ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from sprintsync.app import create_app
from sprintsync.db import utcnow
from sprintsync.timesheet.service import forgotten_reason
from tests.factories import make_running_timer, make_task, make_user
from tests.pages import login_cookie
from tests.statements import count_statements
from tests.tasks.test_statements import PAGE_BUDGET

NEW_YORK = ZoneInfo("America/New_York")  # UTC-5 in January
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+5:30, no clock changes
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1, UTC+2 from 2026-03-29 02:00


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_timer_across_the_users_midnight_is_flagged_though_utc_saw_no_midnight() -> None:
    # 23:30 on Wed 14 Jan in New York is 04:30 UTC on the 15th; an hour later it is 00:30
    # on the 15th in New York, still the 15th in UTC.
    started, now = utc(2026, 1, 15, 4, 30), utc(2026, 1, 15, 5, 30)
    why = forgotten_reason(started, now=now, tz=NEW_YORK, limit_hours=10)
    assert why == "Running since Wed 23:30, across midnight."
    assert forgotten_reason(started, now=now, tz=UTC, limit_hours=10) is None


def test_kolkata_midnight_falls_at_half_past_six_in_the_evening_utc() -> None:
    # 18:00 UTC is 23:30 in Kolkata; 19:00 UTC is 00:30 the next day there.
    started = utc(2026, 1, 14, 18, 0)
    assert (
        forgotten_reason(started, now=utc(2026, 1, 14, 18, 29), tz=KOLKATA, limit_hours=10) is None
    )
    why = forgotten_reason(started, now=utc(2026, 1, 14, 18, 31), tz=KOLKATA, limit_hours=10)
    assert why == "Running since Wed 23:30, across midnight."


def test_a_long_timer_is_flagged_at_the_limit_and_not_a_minute_before() -> None:
    # Started 00:30 in New York (05:30 UTC), so it never crosses that midnight today.
    started = utc(2026, 1, 15, 5, 30)
    assert (
        forgotten_reason(started, now=utc(2026, 1, 15, 15, 29), tz=NEW_YORK, limit_hours=10) is None
    )
    why = forgotten_reason(started, now=utc(2026, 1, 15, 15, 30), tz=NEW_YORK, limit_hours=10)
    assert why == "Running for 10.0 h, longer than 10 h."


def test_a_clock_change_night_counts_real_hours() -> None:
    # Sun 29 Mar 00:30 in Berlin is Sat 23:30 UTC; Sun 10:00 there is 08:00 UTC (clocks went
    # forward at 02:00), so 8.5 real hours ran although the wall clock moved 9.5.
    started, now = utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 8, 0)
    assert forgotten_reason(started, now=now, tz=BERLIN, limit_hours=9) is None
    assert forgotten_reason(started, now=now, tz=BERLIN, limit_hours=8.5) == (
        "Running for 8.5 h, longer than 8.5 h."
    )
    # In UTC the same timer did cross midnight.
    assert forgotten_reason(started, now=now, tz=UTC, limit_hours=9) == (
        "Running since Sat 23:30, across midnight."
    )


async def test_the_header_flags_a_long_timer_and_offers_the_fixes(
    client, session, settings
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Left running")
    entry = await make_running_timer(session, task, user, minutes_ago=11 * 60)
    login_cookie(client, user, settings)
    page = (await client.get("/tasks")).text
    assert "data-forgotten-timer" in page
    assert "Running for 11.0 h, longer than 10 h." in page
    for action in ("stop_at_last_activity", "stop_now", "discard"):
        assert f'data-timer-fix="{action}"' in page
    assert f'action="/timers/{entry.id}/fix"' in page


async def test_the_header_follows_the_long_timer_setting(settings, engine, session) -> None:
    app = create_app(settings.model_copy(update={"long_timer_hours": 12}), engine=engine)
    # A zone where it is now 15:xx, so the timer started today there: only the limit counts.
    offset = (15 - utcnow().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = f"Etc/GMT{-offset:+d}"  # the tz database's Etc signs are inverted
    user = await make_user(session, time_zone=zone)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=11 * 60)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        login_cookie(client, user, settings)
        page = (await client.get("/tasks")).text
    assert "data-running-timer" in page
    assert "data-forgotten-timer" not in page


async def test_a_fresh_timer_is_not_flagged(client, session, settings) -> None:
    user = await make_user(session, time_zone="UTC")
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=0)
    login_cookie(client, user, settings)
    page = (await client.get("/tasks")).text
    assert "data-running-timer" in page
    assert "data-forgotten-timer" not in page


async def test_the_flag_costs_the_header_no_extra_statement(
    client, engine, monkeypatch, session, settings
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=11 * 60)
    login_cookie(client, user, settings)
    assert (await client.get("/")).status_code == 200  # the user cache is warm now
    with count_statements(engine, monkeypatch) as statements:
        page = (await client.get("/")).text
    assert "data-forgotten-timer" in page
    header = [s for s in statements if "time_entries" in s and "notifications" in s]
    assert len(header) == 1, statements
    assert len(statements) <= PAGE_BUDGET, statements
