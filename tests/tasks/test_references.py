"""Task keys in descriptions and comments link to the task only for readers who may see it."""

from __future__ import annotations

from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_task, make_user


async def test_comment_links_the_keys_of_tasks_the_reader_may_see_and_no_others(
    client, session
) -> None:
    reader = await make_user(session)
    stranger = await make_user(session)
    task = await make_task(session, reader)
    other = await make_task(session, reader, title="sibling")
    hidden = await make_task(session, stranger, title="secret")
    body = f"See {other.key}, {hidden.key} and `{other.key}`."
    r = await client.post(
        f"/api/v1/tasks/{task.id}/comments",
        json={"body": body},
        headers=bearer(reader, TEST_SECRET),
    )
    assert r.status_code == 201, r.text
    html = r.json()["body_html"]
    assert f'<a href="/tasks/{other.key}" class="task-ref"' in html
    assert f"/tasks/{hidden.key}" not in html
    assert hidden.key in html  # left as plain text
    assert f"<code>{other.key}</code>" in html  # code is never linked


async def test_admin_sees_every_key_linked(client, session) -> None:
    admin = await make_user(session, is_admin=True)
    stranger = await make_user(session)
    hidden = await make_task(session, stranger, title="secret")
    task = await make_task(session, admin)
    r = await client.post(
        f"/api/v1/tasks/{task.id}/comments",
        json={"body": f"Blocked by {hidden.key}"},
        headers=bearer(admin, TEST_SECRET),
    )
    assert f'<a href="/tasks/{hidden.key}" class="task-ref"' in r.json()["body_html"]


async def test_description_links_only_visible_keys_on_the_task_page(
    client, session, settings
) -> None:
    reader = await make_user(session)
    stranger = await make_user(session)
    other = await make_task(session, reader, title="sibling")
    hidden = await make_task(session, stranger, title="secret")
    task = await make_task(
        session, reader, description=f"Follows {other.key}; see {hidden.key} and API-99999."
    )
    headers = cookie_auth(client, reader, TEST_SECRET, settings.cookie_name)
    r = await client.get(f"/tasks/{task.id}", headers=headers)
    assert r.status_code == 200
    assert f'<a href="/tasks/{other.key}" class="task-ref"' in r.text
    assert f'href="/tasks/{hidden.key}"' not in r.text
    assert hidden.key in r.text
