"""The "Draft with AI" form: suggestions beside the user's choices, never over them."""

from __future__ import annotations

import html
import re

from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_task, make_user

HX = {"HX-Request": "true"}


def _form(**fields: str) -> dict[str, str]:
    base = {"title": "", "description": "", "priority": "low", "estimate_hours": "2"}
    return {**base, **fields}


async def test_a_draft_keeps_the_users_text_priority_and_estimate(
    client, session, settings
) -> None:
    user = await make_user(session)
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    form = _form(title="Login crashes on Safari", description="Seen by two customers.")
    r = await client.post("/tasks/draft", data=form, headers={**csrf, **HX})
    assert r.status_code == 200
    page = html.unescape(r.text)
    textarea = re.search(r'id="task-description"[^>]*>([^<]*)</textarea>', page)
    assert textarea is not None
    assert textarea.group(1) == "Seen by two customers."
    assert re.search(r'<option value="low"\s+selected', page)
    assert 'value="2"' in page
    assert "Insert below my text" in page
    assert "Replace my text" in page
    assert "Suggested priority: <strong>High</strong>. It says “crashes”" in page


async def test_an_empty_description_takes_the_draft_and_similar_tasks_are_cited(
    client, session, settings
) -> None:
    user = await make_user(session)
    done = await make_task(
        session, user, title="Fix login crash on Firefox", status="done", total_minutes=150
    )
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    r = await client.post(
        "/tasks/draft", data=_form(title="Fix login crash on Safari"), headers={**csrf, **HX}
    )
    page = html.unescape(r.text)
    assert "## Acceptance criteria" in page
    assert "Insert below my text" not in page
    assert f'href="/tasks/{done.id}"' in page
    assert "took 2.5 h" in page


async def test_applying_a_suggestion_changes_only_that_field(client, session, settings) -> None:
    user = await make_user(session)
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    form = _form(title="Login crashes", description="Mine.", choice="insert", suggested="Draft.")
    r = await client.post("/tasks/draft/apply", data=form, headers={**csrf, **HX})
    assert "Mine.\n\nDraft.</textarea>" in html.unescape(r.text)
    form = _form(title="Login crashes", choice="priority", suggested="high")
    r = await client.post("/tasks/draft/apply", data=form, headers={**csrf, **HX})
    assert re.search(r'<option value="high"\s+selected', r.text)
    assert 'value="2"' in r.text
