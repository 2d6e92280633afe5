"""The "no future day" check sits at the user's own midnight, not the server's or UTC's.

The clock is pinned to 2026-03-10 10:30 UTC: already 2026-03-11 00:30 in Kiritimati
(UTC+14) and still 2026-03-09 23:30 in Pago Pago (UTC-11).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sprintsync import timeutil
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_entry, make_task, make_user

API = "/api/v1"
FUTURE_DETAILS = [{"field": "date", "message": "Must not be in the future."}]


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeutil, "now_utc", lambda: datetime(2026, 3, 10, 10, 30, tzinfo=UTC))


def _refused_as_future(r) -> None:
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "future_date"
    assert error["message"] == "Time cannot be logged for a future day."
    assert error["details"] == FUTURE_DETAILS


@pytest.mark.parametrize(
    ("zone", "local_today"),
    [("Pacific/Kiritimati", date(2026, 3, 11)), ("Pacific/Pago_Pago", date(2026, 3, 9))],
)
async def test_logging_time_is_allowed_up_to_the_users_own_today_and_not_a_day_later(
    client, session, zone: str, local_today: date
) -> None:
    user = await make_user(session, time_zone=zone)
    task = await make_task(session, user)
    h = bearer(user, TEST_SECRET)
    url = f"{API}/tasks/{task.id}/time-entries"
    r = await client.post(url, json={"minutes": 5, "date": local_today.isoformat()}, headers=h)
    assert r.status_code == 201, r.text
    tomorrow = date.fromordinal(local_today.toordinal() + 1)
    _refused_as_future(
        await client.post(url, json={"minutes": 5, "date": tomorrow.isoformat()}, headers=h)
    )


async def test_a_manual_entry_without_a_date_lands_on_the_users_local_today(
    client, session
) -> None:
    user = await make_user(session, time_zone="Pacific/Kiritimati")
    task = await make_task(session, user)
    r = await client.post(
        f"{API}/tasks/{task.id}/time-entries",
        json={"minutes": 5},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 201, r.text
    # Local midnight of 2026-03-11 in UTC+14 is 10:00 UTC the day before.
    started = datetime.fromisoformat(r.json()["started_at"])
    assert started == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


async def test_moving_an_entry_to_the_users_today_is_allowed_and_to_tomorrow_refused(
    client, session
) -> None:
    user = await make_user(session, time_zone="Pacific/Pago_Pago")
    task = await make_task(session, user)
    entry = await make_entry(
        session,
        task,
        user,
        started_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        ended_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        minutes=60,
    )
    h = bearer(user, TEST_SECRET)
    url = f"{API}/time-entries/{entry.id}"
    # UTC's today (2026-03-10) is still tomorrow in Pago Pago.
    _refused_as_future(await client.patch(url, json={"date": "2026-03-10"}, headers=h))
    r = await client.patch(url, json={"date": "2026-03-09"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["minutes"] == 60
