"""Comments over the JSON API: writing, editing, deleting, mentions and safe Markdown."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.comments.models import Comment, CommentMention
from sprintsync.notifications.models import Notification
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_task, make_user


async def _notifications(session) -> list[tuple[int, str]]:
    await session.commit()
    rows = await session.execute(select(Notification.user_id, Notification.kind))
    return sorted(tuple(r) for r in rows)


async def test_assignee_comments_and_the_owner_is_told(client, session) -> None:
    owner = await make_user(session)
    assignee = await make_user(session)
    task = await make_task(session, owner, assignee_id=assignee.id)
    r = await client.post(
        f"/api/v1/tasks/{task.id}/comments",
        json={"body": "Looks **good**"},
        headers=bearer(assignee, TEST_SECRET),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["author_id"] == assignee.id
    assert body["author_name"] == assignee.display_name
    assert body["body_html"] == "<p>Looks <strong>good</strong></p>\n"
    assert body["edited_at"] is None
    assert await _notifications(session) == [(owner.id, "commented")]


async def test_mention_of_someone_who_sees_the_task_links_and_notifies_once(
    client, session
) -> None:
    owner = await make_user(session, email="olga@example.com")
    assignee = await make_user(session, email="amir@example.com")
    stranger = await make_user(session, email="sam@example.com")
    task = await make_task(session, owner, assignee_id=assignee.id)
    r = await client.post(
        f"/api/v1/tasks/{task.id}/comments",
        json={"body": "@amir please look; @sam too; @nobody. `@amir` in code stays text"},
        headers=bearer(owner, TEST_SECRET),
    )
    assert r.status_code == 201
    body = r.json()
    assert body["mentions"] == [assignee.id]
    assert f'<a href="/tasks?assignee={assignee.id}" class="mention"' in body["body_html"]
    assert "@sam" in body["body_html"]
    assert f"assignee={stranger.id}" not in body["body_html"]
    assert "<code>@amir</code>" in body["body_html"]
    # Mentioned instead of "commented": one notification each, none for the author.
    assert await _notifications(session) == [(assignee.id, "mentioned")]


async def test_hostile_markdown_renders_inert(client, session) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(1)> "
        "[click](javascript:alert(1)) <a href='https://evil.example' onclick='x()'>a</a>"
    )
    r = await client.post(
        f"/api/v1/tasks/{task.id}/comments",
        json={"body": hostile},
        headers=bearer(owner, TEST_SECRET),
    )
    html = r.json()["body_html"]
    assert "<script" not in html
    assert "<img" not in html
    assert "<a " not in html
    assert "javascript:" not in html.replace("[click](javascript:alert(1))", "")
    assert "&lt;script&gt;" in html


async def test_author_edits_and_the_comment_is_marked_edited(client, session) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    headers = bearer(owner, TEST_SECRET)
    created = (
        await client.post(f"/api/v1/tasks/{task.id}/comments", json={"body": "v1"}, headers=headers)
    ).json()
    r = await client.patch(
        f"/api/v1/comments/{created['id']}", json={"body": "v2"}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["body"] == "v2"
    assert r.json()["edited_at"] is not None
    listed = (await client.get(f"/api/v1/tasks/{task.id}/comments", headers=headers)).json()
    assert [c["body"] for c in listed] == ["v2"]


async def test_edit_that_adds_a_mention_tells_only_the_newly_mentioned(client, session) -> None:
    owner = await make_user(session, email="owen@example.com")
    assignee = await make_user(session, email="ana@example.com")
    task = await make_task(session, owner, assignee_id=assignee.id)
    headers = bearer(owner, TEST_SECRET)
    created = (
        await client.post(
            f"/api/v1/tasks/{task.id}/comments", json={"body": "hi @ana"}, headers=headers
        )
    ).json()
    await client.patch(
        f"/api/v1/comments/{created['id']}", json={"body": "hi @ana, again"}, headers=headers
    )
    assert await _notifications(session) == [(assignee.id, "mentioned")]


async def test_deleting_a_comment_removes_its_mentions_and_notifications(client, session) -> None:
    owner = await make_user(session, email="oona@example.com")
    assignee = await make_user(session, email="abe@example.com")
    task = await make_task(session, owner, assignee_id=assignee.id)
    headers = bearer(owner, TEST_SECRET)
    created = (
        await client.post(
            f"/api/v1/tasks/{task.id}/comments", json={"body": "@abe look"}, headers=headers
        )
    ).json()
    r = await client.delete(f"/api/v1/comments/{created['id']}", headers=headers)
    assert r.status_code == 204
    await session.commit()
    for model in (Comment, CommentMention, Notification):
        assert (await session.execute(select(model))).first() is None


async def test_blank_or_oversized_comment_is_refused_with_the_envelope(client, session) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    headers = bearer(owner, TEST_SECRET)
    for body in ("   ", "x" * 10_001):
        r = await client.post(
            f"/api/v1/tasks/{task.id}/comments", json={"body": body}, headers=headers
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"


async def test_openapi_documents_comment_activity_and_notification_routes(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    envelope = "#/components/schemas/ErrorResponse"
    routes = {
        ("/api/v1/tasks/{task_id}/comments", "get"): ("200", "401", "404"),
        ("/api/v1/tasks/{task_id}/comments", "post"): ("201", "401", "403", "404", "422"),
        ("/api/v1/comments/{comment_id}", "get"): ("200", "401", "404"),
        ("/api/v1/comments/{comment_id}", "patch"): ("200", "401", "403", "404", "422"),
        ("/api/v1/comments/{comment_id}", "delete"): ("204", "401", "403", "404"),
        ("/api/v1/tasks/{task_id}/activity", "get"): ("200", "401", "404"),
        ("/api/v1/notifications", "get"): ("200", "401", "422"),
        ("/api/v1/notifications/unread-count", "get"): ("200", "401"),
        ("/api/v1/notifications/{notification_id}/read", "post"): ("200", "401", "404"),
        ("/api/v1/notifications/read-all", "post"): ("200", "401"),
        ("/api/v1/notifications/settings", "get"): ("200", "401"),
        ("/api/v1/notifications/settings", "patch"): ("200", "401", "422"),
    }
    for (path, method), statuses in routes.items():
        operation = spec["paths"][path][method]
        for status in statuses:
            assert status in operation["responses"], (path, method, status)
            if status.startswith("4"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema["$ref"] == envelope, (path, method, status)
    params = {p["name"] for p in spec["paths"]["/api/v1/notifications"]["get"]["parameters"]}
    assert params == {"unread", "limit", "before"}
