"""Concurrent admin changes on PostgreSQL: the last-admin guard holds under a race."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user

pytestmark = pytest.mark.postgres_only


async def _active_admins(session) -> int:
    await session.commit()
    stmt = select(func.count()).where(User.is_admin.is_(True), User.is_active.is_(True))
    return await session.scalar(stmt)


async def test_two_admins_stepping_down_at_once_leave_one_admin(client, session) -> None:
    one, two = await make_user(session, is_admin=True), await make_user(session, is_admin=True)
    responses = await asyncio.gather(
        client.patch(f"/api/v1/users/{one.id}", json={"is_admin": False},
                     headers=bearer(one, TEST_SECRET)),
        client.patch(f"/api/v1/users/{two.id}", json={"is_admin": False},
                     headers=bearer(two, TEST_SECRET)),
    )  # fmt: skip
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert await _active_admins(session) == 1


async def test_two_admins_deactivating_each_other_at_once_leave_one_admin(client, session) -> None:
    one, two = await make_user(session, is_admin=True), await make_user(session, is_admin=True)
    responses = await asyncio.gather(
        client.post(f"/api/v1/users/{two.id}/deactivate", headers=bearer(one, TEST_SECRET)),
        client.post(f"/api/v1/users/{one.id}/deactivate", headers=bearer(two, TEST_SECRET)),
    )
    codes = sorted(r.status_code for r in responses)
    # The loser either hits the guard (409) or finds its own session ended (401).
    assert codes in ([200, 401], [200, 409]), [r.text for r in responses]
    assert await _active_admins(session) == 1
