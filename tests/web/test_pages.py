"""The HTML pages over real HTTP (no browser): auth redirects, CSRF, escaping, fragments.

These run on both backends; the browser tests cover what needs JavaScript.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from sprintsync.tasks.models import Task
from sprintsync.timesheet.models import TimeEntry
from sprintsync.web.csrf import ANON_COOKIE
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, cookie_auth, make_task, make_user

HTMX = {"HX-Request": "true"}


def _login_cookie(client, user, settings) -> str:
    """Authenticate `client` by cookie; the CSRF token that forms must carry."""
    return cookie_auth(client, user, TEST_SECRET, settings.cookie_name)["X-CSRF-Token"]


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def test_anonymous_page_visit_redirects_to_log_in_with_next(client) -> None:
    r = await client.get("/tasks?status=todo")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/tasks%3Fstatus%3Dtodo"


async def test_htmx_request_without_session_is_sent_to_log_in(client) -> None:
    headers = {**HTMX, "HX-Current-URL": "http://test/tasks?q=x"}
    r = await client.get("/tasks/new", headers=headers)
    assert r.status_code == 401
    assert r.headers["hx-redirect"] == "/login?next=/tasks%3Fq%3Dx"


async def test_log_in_form_sets_the_session_and_returns_to_next(client, session) -> None:
    user = await make_user(session)
    page = await client.get("/login?next=/tasks")
    token = _csrf_from(page.text)
    form = {"email": user.email, "password": PASSWORD, "next": "/tasks", "csrf_token": token}
    r = await client.post("/login", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == "/tasks"
    assert "httponly" in r.headers["set-cookie"].lower()
    board = await client.get("/tasks")
    assert board.status_code == 200
    assert user.display_name in board.text


async def test_log_in_never_redirects_off_site(client, session) -> None:
    user = await make_user(session)
    token = _csrf_from((await client.get("/login")).text)
    form = {"email": user.email, "password": PASSWORD, "next": "//evil.example/x"}
    r = await client.post("/login", data={**form, "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/"


async def test_wrong_password_shows_the_form_again(client, session) -> None:
    user = await make_user(session)
    token = _csrf_from((await client.get("/login")).text)
    r = await client.post(
        "/login", data={"email": user.email, "password": "nope-nope", "csrf_token": token}
    )
    assert r.status_code == 401
    assert "Incorrect email or password." in r.text
    assert f'value="{user.email}"' in r.text


async def test_log_in_without_the_form_token_is_refused(client, session) -> None:
    user = await make_user(session)
    await client.get("/login")  # sets the anonymous CSRF cookie
    assert ANON_COOKIE in client.cookies
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 403
    assert "form has expired" in r.text


async def test_sign_up_shows_field_errors(client) -> None:
    token = _csrf_from((await client.get("/signup")).text)
    form = {"email": "not-an-email", "display_name": "", "password": "short"}
    r = await client.post("/signup", data={**form, "csrf_token": token})
    assert r.status_code == 422
    for field in ("email", "display_name", "password"):
        assert f'data-field-error="{field}"' in r.text


async def test_forged_post_without_csrf_token_is_refused(client, session, settings) -> None:
    user = await make_user(session)
    _login_cookie(client, user, settings)
    r = await client.post("/tasks", data={"title": "Forged"})
    assert r.status_code == 403
    assert "CSRF" in r.text
    r = await client.post("/tasks", data={"title": "Forged"}, headers=HTMX)
    assert r.status_code == 403
    assert "CSRF" in r.headers["hx-trigger"]
    assert (await session.execute(select(Task))).first() is None


async def test_plain_form_post_with_its_token_works_without_javascript(
    client, session, settings
) -> None:
    user = await make_user(session)
    token = _login_cookie(client, user, settings)
    r = await client.post("/tasks", data={"title": "No JS needed", "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    task = (await session.execute(select(Task))).scalar_one()
    assert task.title == "No JS needed"
    assert task.assignee_id == user.id


async def test_htmx_create_with_errors_returns_the_form_block(client, session, settings) -> None:
    user = await make_user(session)
    token = _login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post("/tasks", data={"title": "", "estimate_hours": "lots"}, headers=headers)
    assert r.status_code == 422
    assert r.text.lstrip().startswith('<form id="task-form"')
    assert 'data-field-error="title"' in r.text
    assert 'data-field-error="estimate_hours"' in r.text
    ok = await client.post(
        "/tasks", data={"title": "Ship it", "estimate_hours": "1.5"}, headers=headers
    )
    assert ok.status_code == 200
    assert "close-modal" in ok.headers["hx-trigger"]
    task = (await session.execute(select(Task))).scalar_one()
    assert task.estimate_minutes == 90


async def test_titles_are_escaped_everywhere(client, session, settings) -> None:
    user = await make_user(session, display_name="<b>Mallory</b>")
    task = await make_task(session, user, title="<script>alert(1)</script>")
    _login_cookie(client, user, settings)
    for url in ("/", "/tasks", f"/tasks/{task.id}"):
        html = (await client.get(url)).text
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<b>Mallory</b>" not in html, url


async def test_pages_have_strict_security_headers(client, session, settings) -> None:
    user = await make_user(session)
    _login_cookie(client, user, settings)
    r = await client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text
    assert " style=" not in r.text
    assert " onclick" not in r.text


async def test_htmx_request_gets_only_the_targeted_block(client, session, settings) -> None:
    user = await make_user(session)
    await make_task(session, user, title="Fragment me")
    _login_cookie(client, user, settings)
    full = await client.get("/tasks")
    assert full.text.startswith("<!doctype html>")
    part = await client.get("/tasks", headers={**HTMX, "HX-Target": "results"})
    assert part.text.lstrip().startswith('<section id="results"')
    assert "<html" not in part.text
    assert "Fragment me" in part.text


async def test_search_pushes_a_clean_bookmarkable_url(client, session, settings) -> None:
    user = await make_user(session)
    _login_cookie(client, user, settings)
    headers = {**HTMX, "HX-Target": "results", "HX-Trigger": "search"}
    r = await client.get("/tasks?q=report&status=&priority=&sort=-created_at", headers=headers)
    assert r.headers["hx-push-url"] == "/tasks?q=report"


async def test_refused_move_answers_409_with_a_toast(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user, status="done")
    token = _login_cookie(client, user, settings)
    r = await client.post(
        f"/tasks/{task.id}/status",
        data={"status": "todo", "view": "card"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert r.status_code == 409
    assert "cannot move from done to todo" in r.headers["hx-trigger"]
    assert r.headers["hx-reswap"] == "none"


async def test_other_peoples_tasks_are_a_friendly_404(client, session, settings) -> None:
    owner = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, owner)
    _login_cookie(client, other, settings)
    r = await client.get(f"/tasks/{task.id}")
    assert r.status_code == 404
    assert "couldn&#39;t find that page" in r.text or "couldn't find that page" in r.text
    assert r.headers["content-type"].startswith("text/html")


async def test_admin_pages_are_for_admins_only(client, session, settings) -> None:
    user = await make_user(session)
    _login_cookie(client, user, settings)
    r = await client.get("/admin/users")
    assert r.status_code == 403
    assert "for administrators" in r.text


async def test_manual_time_entry_keeps_the_task_total(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    token = _login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    bad = await client.post(f"/tasks/{task.id}/entries", data={"minutes": ""}, headers=headers)
    assert bad.status_code == 422
    assert 'data-field-error="minutes"' in bad.text
    r = await client.post(
        f"/tasks/{task.id}/entries", data={"minutes": "45", "note": "pairing"}, headers=headers
    )
    assert r.status_code == 200
    assert "Logged <strong" in r.text
    entry = (await session.execute(select(TimeEntry))).scalar_one()
    await session.refresh(task)
    assert entry.minutes == 45
    assert task.total_minutes == 45


async def test_timer_start_swaps_the_header_widget(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Timed work")
    token = _login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post(f"/tasks/{task.id}/timer/start", headers=headers)
    assert r.status_code == 200
    assert 'id="timer" hx-swap-oob="true"' in r.text
    assert "data-elapsed" in r.text
    assert "timer-changed" in r.headers["hx-trigger"]
    page = await client.get("/tasks")
    assert "data-running-timer" in page.text
    assert "Timed work" in page.text
    actions = await client.get(f"/tasks/{task.id}/actions", headers=HTMX)
    assert actions.text.lstrip().startswith('<div id="task-actions"')
    assert "Stop timer" in actions.text
    stop = await client.post("/timer/stop", headers=headers)
    assert stop.status_code == 200
    assert "data-running-timer" not in stop.text


async def test_docs_are_served_from_local_files(client) -> None:
    for url in ("/docs", "/redoc"):
        r = await client.get(url)
        assert r.status_code == 200
        assert "cdn." not in r.text
        assert "fonts.googleapis" not in r.text
        assert "/static/vendor/" in r.text


async def test_delete_from_the_panel_removes_the_task(client, session, settings) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    token = _login_cookie(client, owner, settings)
    r = await client.post(f"/tasks/{task.id}/delete", headers={**HTMX, "X-CSRF-Token": token})
    assert r.status_code == 200
    assert "close-modal" in r.headers["hx-trigger"]
    assert "tasks-changed" in r.headers["hx-trigger"]
    assert (await session.execute(select(Task))).first() is None


async def test_admin_grants_rights_and_deactivates(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    person = await make_user(session, display_name="Pat")
    token = _login_cookie(client, admin, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    url = f"/admin/users/{person.id}"
    r = await client.post(f"{url}/admin", data={"value": "true"}, headers=headers)
    assert r.status_code == 200
    assert "Remove admin" in r.text
    assert "Pat is now an administrator" in r.headers["hx-trigger"]
    r = await client.post(f"{url}/active", data={"value": "false"}, headers=headers)
    assert r.status_code == 200
    assert "Reactivate" in r.text
    await session.refresh(person)
    assert person.is_admin
    assert not person.is_active


async def test_the_last_active_admin_cannot_step_down(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    token = _login_cookie(client, admin, settings)
    r = await client.post(
        f"/admin/users/{admin.id}/admin",
        data={"value": "false"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert r.status_code == 409
    assert "last active administrator" in r.headers["hx-trigger"]
    await session.refresh(admin)
    assert admin.is_admin


async def test_timer_form_without_javascript_returns_to_the_page(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    token = _login_cookie(client, user, settings)
    back = {"Referer": "http://test/tasks?status=todo"}
    r = await client.post(f"/tasks/{task.id}/timer/start", data={"csrf_token": token}, headers=back)
    assert r.status_code == 303
    assert r.headers["location"] == "/tasks?status=todo"
    offsite = {"Referer": "http://evil.example/phish"}
    r = await client.post("/timer/stop", data={"csrf_token": token}, headers=offsite)
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    entry = (await session.execute(select(TimeEntry))).scalar_one()
    assert entry.ended_at is not None
