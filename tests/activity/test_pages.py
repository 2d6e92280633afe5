"""The task's activity section over real HTTP: the feed, commenting with and without HTMX."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.comments.models import Comment
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_task, make_user

HTMX = {"HX-Request": "true", "HX-Target": "activity"}


async def test_section_lists_history_and_comments(client, session, settings) -> None:
    owner = await make_user(session, display_name="Olga Owner")
    task = await make_task(session, owner)
    session.add(Comment(task_id=task.id, author_id=owner.id, body="**Plan** <b>x</b>"))
    await session.commit()
    cookie_auth(client, owner, TEST_SECRET, settings.cookie_name)
    r = await client.get(f"/tasks/{task.id}/activity", headers=HTMX)
    assert r.status_code == 200
    assert "<html" not in r.text
    assert 'data-event="created"' in r.text
    assert "created the task in Todo" in r.text
    assert "<strong>Plan</strong> &lt;b&gt;x&lt;/b&gt;" in r.text


async def test_comment_posted_with_htmx_comes_back_in_the_section(
    client, session, settings
) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    csrf = cookie_auth(client, owner, TEST_SECRET, settings.cookie_name)
    r = await client.post(
        f"/tasks/{task.id}/comments", data={"body": "First!"}, headers={**HTMX, **csrf}
    )
    assert r.status_code == 200
    assert "<p>First!</p>" in r.text
    blank = await client.post(
        f"/tasks/{task.id}/comments", data={"body": "  "}, headers={**HTMX, **csrf}
    )
    assert blank.status_code == 422
    assert 'data-field-error="body"' in blank.text
    assert "a comment can&#39;t be empty" in blank.text


async def test_comment_form_works_without_javascript(client, session, settings) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    csrf = cookie_auth(client, owner, TEST_SECRET, settings.cookie_name)
    r = await client.post(
        f"/tasks/{task.id}/comments", data={"body": "No JS", "csrf_token": csrf["X-CSRF-Token"]}
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/tasks/{task.id}#activity"
    comment = (await session.execute(select(Comment))).scalar_one()
    r = await client.post(
        f"/comments/{comment.id}/edit",
        data={"body": "Edited", "csrf_token": csrf["X-CSRF-Token"]},
    )
    assert r.status_code == 303
    section = await client.get(f"/tasks/{task.id}/activity", headers=HTMX)
    assert "<p>Edited</p>" in section.text
    assert "data-edited" in section.text


async def test_someone_who_cannot_see_the_task_gets_404(client, session, settings) -> None:
    owner = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, owner)
    csrf = cookie_auth(client, other, TEST_SECRET, settings.cookie_name)
    assert (await client.get(f"/tasks/{task.id}/activity", headers=HTMX)).status_code == 404
    r = await client.post(
        f"/tasks/{task.id}/comments", data={"body": "x"}, headers={**HTMX, **csrf}
    )
    assert r.status_code == 404
    assert (await session.execute(select(Comment))).first() is None
