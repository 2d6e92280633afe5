"""The notification pages over real HTTP: the list, opening, mark read, all read, switches."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.notifications.models import Notification, NotificationSetting
from sprintsync.tasks.models import Task
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_task, make_user

HTMX = {"HX-Request": "true"}


async def _notified(session: AsyncSession, count: int = 2) -> tuple[User, User]:
    actor = await make_user(session, display_name="Grace Hopper")
    reader = await make_user(session)
    for n in range(count):
        task = await make_task(session, actor, assignee_id=reader.id, title=f"Task <{n}>")
        session.add(
            Notification(user_id=reader.id, kind="assigned", task_id=task.id, actor_id=actor.id)
        )
    await session.commit()
    return actor, reader


async def test_list_shows_sentences_escaped_and_the_unread_count(client, session, settings) -> None:
    _actor, reader = await _notified(session)
    cookie_auth(client, reader, TEST_SECRET, settings.cookie_name)
    r = await client.get("/notifications")
    assert r.status_code == 200
    assert r.text.count("data-notification ") == 2
    assert "Grace Hopper</span>\n          assigned you" in r.text
    assert "“Task &lt;0&gt;”" in r.text
    assert "<0>" not in r.text
    assert "2 unread" in r.text
    badge = await client.get("/notifications/badge", headers=HTMX)
    assert 'data-unread="2"' in badge.text
    assert "<html" not in badge.text


async def test_opening_a_notification_reads_that_task_s_and_goes_to_it(
    client, session, settings
) -> None:
    actor, reader = await _notified(session, 2)
    first, other_task = (
        (await session.execute(select(Notification).order_by(Notification.id))).scalars().all()
    )
    same_task = Notification(
        user_id=reader.id, kind="mentioned", task_id=first.task_id, actor_id=actor.id
    )
    session.add(same_task)
    await session.commit()
    cookie_auth(client, reader, TEST_SECRET, settings.cookie_name)
    r = await client.get(f"/notifications/{first.id}/open")
    assert r.status_code == 303
    task = await session.get(Task, first.task_id)
    assert task is not None
    assert r.headers["location"] == f"/tasks/{task.key}"
    for row in (first, same_task, other_task):
        await session.refresh(row)
    assert first.read_at is not None
    assert same_task.read_at is not None
    assert other_task.read_at is None


@pytest.mark.parametrize("extra", [{}, {**HTMX, "HX-Target": "modal-body"}])
async def test_opening_a_task_directly_reads_its_notifications_only(
    client, session, settings, extra
) -> None:
    _actor, reader = await _notified(session, 2)
    first, other_task = (
        (await session.execute(select(Notification).order_by(Notification.id))).scalars().all()
    )
    task = await session.get(Task, first.task_id)
    assert task is not None
    cookie_auth(client, reader, TEST_SECRET, settings.cookie_name)
    r = await client.get(f"/tasks/{task.key}", headers=extra)
    assert r.status_code == 200
    if not extra:  # the header's count already leaves the opened task out
        assert 'data-unread="1"' in r.text
    for row in (first, other_task):
        await session.refresh(row)
    assert first.read_at is not None
    assert other_task.read_at is None


async def test_mark_read_and_mark_all_read_forms(client, session, settings) -> None:
    _actor, reader = await _notified(session, 3)
    csrf = cookie_auth(client, reader, TEST_SECRET, settings.cookie_name)
    first = (
        (await session.execute(select(Notification).order_by(Notification.id))).scalars().first()
    )
    r = await client.post(f"/notifications/{first.id}/read", headers={**HTMX, **csrf})
    assert r.status_code == 200
    assert "2 unread" in r.text
    assert "notifications-changed" in r.headers["hx-trigger"]
    r = await client.post("/notifications/read-all", headers={**HTMX, **csrf})
    assert "0 unread" in r.text
    assert "Marked 2 read." in r.headers["hx-trigger"]
    # Without JavaScript: the form posts and comes back to the list.
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', (await client.get("/notifications")).text
    )
    r = await client.post("/notifications/read-all", data={"csrf_token": token.group(1)})
    assert r.status_code == 303
    assert r.headers["location"] == "/notifications"


async def test_someone_elses_notification_cannot_be_opened(client, session, settings) -> None:
    await _notified(session, 1)
    other = await make_user(session)
    cookie_auth(client, other, TEST_SECRET, settings.cookie_name)
    notification = (await session.execute(select(Notification))).scalar_one()
    r = await client.get(f"/notifications/{notification.id}/open")
    assert r.status_code == 404
    await session.refresh(notification)
    assert notification.read_at is None


async def test_settings_form_switches_kinds_off(client, session, settings) -> None:
    reader = await make_user(session)
    csrf = cookie_auth(client, reader, TEST_SECRET, settings.cookie_name)
    r = await client.post(
        "/notifications/settings",
        data={"assigned": "on", "mentioned": "on"},
        headers={**HTMX, **csrf},
    )
    assert r.status_code == 204
    rows = (await session.execute(select(NotificationSetting))).scalars().all()
    assert {(s.kind, s.enabled) for s in rows} == {
        ("assigned", True),
        ("mentioned", True),
        ("commented", False),
        ("moved", False),
    }
    page = await client.get("/notifications")
    assert re.search(r'name="commented"\s+class', page.text)  # rendered without "checked"
