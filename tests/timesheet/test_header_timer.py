"""The header's running timer on every page: its elapsed time and the forgotten-timer flag
counted in the signed-in user's zone — never UTC's or the server's own.

The clock the timesheet reads is pinned, and the server's zone is set to Kolkata (UTC+5:30),
so a midnight in the wrong zone would show.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sprintsync.timesheet.service import forgotten_reason
from tests.factories import make_running_timer, make_task, make_user
from tests.pages import HTMX, login_cookie


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def server_in_kolkata() -> Iterator[None]:
    """The process's own zone is Asia/Kolkata for the test (naive local time is Kolkata's)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def pin_clock(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    monkeypatch.setattr("sprintsync.timesheet.service.utcnow", lambda: now)


def test_a_midnight_in_the_servers_zone_is_not_the_users(server_in_kolkata) -> None:
    # 17:00 to 18:40 UTC on Wed 14 Jan: still the 14th in UTC, but 00:10 on the 15th in Kolkata.
    why = forgotten_reason(
        utc(2026, 1, 14, 17), now=utc(2026, 1, 14, 18, 40), tz=UTC, limit_hours=10
    )
    assert why is None


async def header_with_timer(
    client, session, settings, monkeypatch, *, zone: str, started: datetime, now: datetime
) -> str:
    """The task list as a user in `zone` sees it at `now`, a timer running since `started`."""
    pin_clock(monkeypatch, now)
    user = await make_user(session, time_zone=zone)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, started_at=started)
    login_cookie(client, user, settings)
    return (await client.get("/tasks")).text


async def test_the_header_flags_a_timer_across_the_users_midnight_not_utcs_or_the_servers(
    client, session, settings, monkeypatch, server_in_kolkata
) -> None:
    # 04:30 to 05:30 UTC on Thu 15 Jan is 23:30 Wed to 00:30 Thu in New York; in UTC and in
    # Kolkata (10:00 to 11:00) it stays the same day.
    page = await header_with_timer(
        client,
        session,
        settings,
        monkeypatch,
        zone="America/New_York",
        started=utc(2026, 1, 15, 4, 30),
        now=utc(2026, 1, 15, 5, 30),
    )
    assert "data-forgotten-timer" in page
    assert "Running since Wed 23:30, across midnight." in page


async def test_a_zone_the_server_cannot_load_counts_utc_midnight_not_the_servers(
    client, session, settings, monkeypatch, server_in_kolkata
) -> None:
    # Stored before this server's tz database lost it: the header falls back to UTC days.
    # 23:30 Wed to 00:30 Thu UTC is 05:00 to 06:00 Thu in Kolkata, no midnight there.
    page = await header_with_timer(
        client,
        session,
        settings,
        monkeypatch,
        zone="Mars/Olympus_Mons",
        started=utc(2026, 1, 14, 23, 30),
        now=utc(2026, 1, 15, 0, 30),
    )
    assert "Running since Wed 23:30, across midnight." in page


async def test_a_timer_started_ahead_of_the_clock_shows_zero_not_a_negative_time(
    client, session, settings, monkeypatch
) -> None:
    # Another server's clock ran ten seconds ahead when it started this timer.
    now = utc(2026, 1, 15, 12)
    page = await header_with_timer(
        client,
        session,
        settings,
        monkeypatch,
        zone="UTC",
        started=now + timedelta(seconds=10),
        now=now,
    )
    assert 'data-elapsed="0">0:00:00<' in page
    assert "data-forgotten-timer" not in page


async def test_a_timer_just_started_shows_zero_seconds(
    client, session, settings, monkeypatch
) -> None:
    pin_clock(monkeypatch, utc(2026, 1, 15, 12))
    user = await make_user(session)
    task = await make_task(session, user, title="Fresh")
    token = login_cookie(client, user, settings)
    r = await client.post(f"/tasks/{task.id}/timer/start", headers={**HTMX, "X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    assert 'data-elapsed="0">0:00:00<' in r.text
