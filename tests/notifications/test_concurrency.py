"""Concurrent switch changes on PostgreSQL: two saves at once both succeed, one row each."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from sprintsync.notifications.models import NotificationSetting
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user

pytestmark = pytest.mark.postgres_only


async def test_two_tabs_saving_the_same_switch_at_once_both_succeed(client, session) -> None:
    user = await make_user(session)
    headers = bearer(user, TEST_SECRET)
    for _ in range(5):
        responses = await asyncio.gather(
            *(
                client.patch(
                    "/api/v1/notifications/settings", json={"moved": value}, headers=headers
                )
                for value in (False, True, False, True)
            )
        )
        assert [r.status_code for r in responses] == [200] * 4
    await session.commit()
    rows = (await session.execute(select(NotificationSetting))).scalars().all()
    assert [(r.kind, r.channel) for r in rows] == [("moved", "in_app")]
