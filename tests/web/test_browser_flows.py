"""The web UI driven through Chromium the way a person uses it.

Runs against a live server (see conftest). Each test fails on any console error, uncaught
exception or CSP violation in any page it opened.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from sprintsync.security.tokens import create_access_token
from sprintsync.tasks.models import Task
from sprintsync.tasks.priority import Priority
from tests.conftest import TEST_SECRET
from tests.factories import make_project, make_task, make_user
from tests.web.helpers import card, column, drag, log_in, settled, toast

pytestmark = [
    pytest.mark.browser,
    # One backend keeps the browser suite short; the HTTP-level page tests run on both.
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def test_sign_up_plan_track_and_move_work(
    open_page, page_errors, live_server, session
) -> None:
    page_errors.allow(409)  # the refused move
    # New sign-ups join the projects SPRINTSYNC_SIGNUP_PROJECTS names (General by default).
    await make_project(session, name="General", key="SIGNUP")
    page = await open_page()
    await page.goto("/signup")
    await page.fill("#display_name", "Ada Lovelace")
    await page.fill("#email", "ada@example.com")
    await page.fill("#password", "analytical-engine")
    await page.click("form[action='/signup'] button[type=submit]")
    await expect(page).to_have_url(f"{live_server}/")
    await expect(column(page, "todo").locator("[data-empty]")).to_be_visible()

    # "n" opens the new-task dialog; the AI draft fills the description from the title.
    await page.keyboard.press("n")
    dialog = page.locator("#modal")
    await expect(dialog).to_be_visible()
    await settled(page)
    await expect(page.locator("#task-title")).to_be_focused()
    await page.fill("#task-title", "Fix login timeout on slow networks")
    await page.click("[data-ai-draft]")
    await expect(page.locator("[data-draft-note]")).to_contain_text("offline")
    await expect(page.locator("#task-description")).not_to_have_value("")
    # The estimate is a suggestion: taken only with "Use it".
    await expect(page.locator("#task-estimate")).to_have_value("")
    await page.click("[data-suggested-estimate] button")
    await settled(page)
    await expect(page.locator("#task-estimate")).not_to_have_value("")
    await page.click("#task-form button[type=submit]")
    await expect(dialog).to_be_hidden()
    await expect(toast(page)).to_contain_text("Created")
    task = card(page, "Fix login timeout")
    await expect(column(page, "todo").locator("[data-card]")).to_have_count(1)

    # Drag to In progress: the move is saved.
    await drag(page, task, "in_progress")
    await expect(toast(page)).to_contain_text("to In progress")
    await expect(column(page, "in_progress").locator("[data-card]")).to_have_count(1)
    await page.reload()
    await expect(column(page, "in_progress").locator("[data-card]")).to_have_count(1)

    # Start a timer from the card: the header shows it ticking; stop it from the header.
    await task.locator('[data-timer-button="start"]').click()
    running = page.locator("[data-running-timer]")
    await expect(running).to_contain_text("Fix login timeout")
    await expect(running.locator("[data-elapsed]")).to_have_text(re.compile(r"^0:00:0[1-9]$"))
    await expect(task.locator('[data-timer-button="stop"]')).to_be_visible()
    await page.click("[data-stop-timer]")
    await expect(running).to_have_count(0)
    await expect(toast(page)).to_contain_text("Logged")
    await expect(task.locator('[data-timer-button="start"]')).to_be_visible()

    # Done, then back to Todo: refused, the card snaps back and a toast says why.
    await drag(page, task, "done")
    await expect(column(page, "done").locator("[data-card]")).to_have_count(1)
    await drag(page, task, "todo")
    await expect(toast(page)).to_contain_text("cannot move from done to todo")
    await expect(column(page, "done").locator("[data-card]")).to_have_count(1)
    await expect(column(page, "todo").locator("[data-card]")).to_have_count(0)

    # Log time by hand in the task panel, then correct it.
    await task.locator("[data-task-title]").click()
    await expect(dialog).to_be_visible()
    await settled(page)
    await page.fill("#entry-minutes", "45")
    await page.fill("#entry-note", "Reproduced on 3G")
    await page.click("[data-manual-entry] button[type=submit]")
    await expect(page.locator("[data-time-summary]")).to_contain_text("Logged 45m")
    manual = page.locator("[data-entry]", has_text="Reproduced on 3G")
    await manual.get_by_role("button", name=re.compile("Edit entry")).click()
    await page.locator("[data-entry-form] input[name=minutes]").fill("30")
    await page.locator("[data-entry-form] button[type=submit]").click()
    await expect(page.locator("[data-time-summary]")).to_contain_text("Logged 30m")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(task.locator("[data-logged]")).to_contain_text("30m")


async def test_field_errors_show_next_to_the_field(open_page, page_errors, session) -> None:
    page_errors.allow(422)
    user = await make_user(session)
    page = await open_page()
    await log_in(page, user.email)
    await page.click("[data-shortcut=new-task]")
    await settled(page)
    await expect(page.locator("#task-title")).to_be_focused()
    await page.fill("#task-estimate", "-2")
    await page.click("#task-form button[type=submit]")
    await expect(page.locator('[data-field-error="title"]')).to_be_visible()
    await expect(page.locator('[data-field-error="estimate_hours"]')).to_contain_text("hours")
    await expect(page.locator("#task-title")).to_have_attribute("aria-invalid", "true")


async def test_titles_with_markup_render_as_text(open_page, session) -> None:
    user = await make_user(session)
    titles = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
    for title in titles:
        await make_task(session, user, title=title)
    page = await open_page()
    page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
    await log_in(page, user.email)
    for title in titles:
        await expect(card(page, title).locator("[data-task-title]")).to_have_text(title)
    await page.goto("/tasks")
    for title in titles:
        await expect(page.locator("[data-task-title]", has_text=title)).to_have_text(title)
    await page.locator("[data-task-title]", has_text="<img").click()
    await expect(page.locator("#modal-title")).to_have_text(titles[1])
    assert await page.locator("img[src=x]").count() == 0


async def test_post_without_csrf_token_is_refused(open_page, session) -> None:
    # page.request does not go through the page, so nothing is logged for the 403s.
    user = await make_user(session)
    page = await open_page()
    await log_in(page, user.email)
    forged = await page.request.post("/tasks", form={"title": "Forged"}, max_redirects=0)
    assert forged.status == 403
    assert "CSRF" in await forged.text()
    wrong = await page.request.post(
        "/tasks", form={"title": "Forged"}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status == 403
    anonymous = await page.context.browser.new_context(base_url=page.url)
    try:
        login = await anonymous.request.post(
            "/login", form={"email": user.email, "password": "x" * 10}, max_redirects=0
        )
        assert login.status == 403
    finally:
        await anonymous.close()
    titles = (await session.execute(select(Task.title))).scalars().all()
    assert "Forged" not in titles


async def test_admin_deactivates_a_user_who_is_then_logged_out(
    open_page, page_errors, session
) -> None:
    page_errors.allow(401, 403)  # Bob's expired session, then his refused log-in
    admin = await make_user(session, is_admin=True, display_name="Alice Admin")
    bob = await make_user(session, display_name="Bob Builder")
    await make_task(session, bob, title="Bob's chore")
    await make_task(session, admin, title="Alice's review")

    bob_page = await open_page()
    await log_in(bob_page, bob.email)
    await expect(card(bob_page, "Bob's chore")).to_be_visible()

    page = await open_page()
    await log_in(page, admin.email)
    await page.click("nav >> text=Users")
    await page.fill("#search", "bob")
    await expect(page).to_have_url(re.compile(r"/admin/users\?q=bob$"))
    rows = page.locator("[data-user-row]")
    await expect(rows).to_have_count(1)
    page.once("dialog", lambda d: d.accept())
    await rows.first.locator("[data-toggle-active]").click()
    await expect(rows.first.locator("[data-inactive]")).to_be_visible()
    await expect(toast(page)).to_contain_text("Bob Builder was deactivated")

    # Bob's next click lands on the log-in page, and he cannot log back in: with the right
    # password he is told why.
    await bob_page.click("nav >> text=Tasks")
    await expect(bob_page).to_have_url(re.compile(r"/login\?next=/tasks&expired=1$"))
    await expect(bob_page.locator("[data-notice]")).to_contain_text("expired")
    await bob_page.fill("#email", bob.email)
    await bob_page.fill("#password", "correct-horse-battery")
    await bob_page.click("form[action='/login'] button[type=submit]")
    await expect(bob_page.locator("[data-form-error]")).to_contain_text("deactivated")

    # The admin clears the search and sees everyone again before creating an account (the
    # list refreshes after the search's delay; a create racing it would be overwritten).
    await page.fill("#search", "")
    await expect(rows).to_have_count(2)
    await page.fill("#new-name", "Carol Coder")
    await page.fill("#new-email", "carol@example.com")
    await page.fill("#new-password", "a-long-password")
    await page.click("[data-create-user] button[type=submit]")
    await expect(toast(page)).to_contain_text("Created an account for Carol Coder")
    await expect(page.locator("[data-user-row][data-email='carol@example.com']")).to_be_visible()
    await page.click("nav >> text=All tasks")
    await expect(page.locator("[data-row]")).to_have_count(2)
    await page.select_option("#f-assignee", label="Bob Builder (deactivated)")
    await expect(page.locator("[data-row]")).to_have_count(1)
    await expect(page.locator("[data-row]")).to_contain_text("Bob's chore")
    await expect(page).to_have_url(re.compile(rf"assignee={bob.id}"))


async def test_list_filters_search_sort_and_pages(open_page, session, live_server) -> None:
    user = await make_user(session)
    for n in range(27):
        await make_task(session, user, title=f"Routine chore {n:02d}")
    await make_task(
        session, user, title="Quarterly report", status="in_progress", priority=Priority.urgent
    )
    page = await open_page()
    await log_in(page, user.email)
    await page.goto("/tasks")
    rows = page.locator("[data-row]")
    await expect(rows).to_have_count(25)
    await page.click("[data-load-more]")
    await expect(rows).to_have_count(28)

    await page.keyboard.press("/")
    await expect(page.locator("#search")).to_be_focused()
    await page.keyboard.type("quarterly")
    await expect(rows).to_have_count(1)
    await expect(page).to_have_url(f"{live_server}/tasks?q=quarterly")
    await page.select_option("#f-status", "done")
    await expect(page.locator("[data-empty-state]")).to_contain_text("No tasks match")
    await page.select_option("#f-status", "")
    await page.fill("#search", "")
    await page.select_option("#f-sort", "title")
    await expect(rows.first).to_contain_text("Quarterly report")
    # Bookmarkable: the address alone gives the same view.
    await page.goto("/tasks?q=chore+0&sort=-priority")
    await expect(rows).to_have_count(10)

    # Inline status change from the list.
    row = rows.filter(has_text="Routine chore 05")
    await row.locator("select[name=status]").select_option("in_progress")
    await expect(toast(page)).to_contain_text("to In progress")
    moved = page.locator("[data-row]", has_text="Routine chore 05").locator("select")
    await expect(moved).to_have_value("in_progress")


async def test_expired_session_goes_to_log_in_and_back(
    open_page, page_errors, session, live_server
) -> None:
    page_errors.allow(401)  # the HTMX request made without a session
    user = await make_user(session)
    page = await open_page()
    expired = create_access_token(
        user_id=user.id, version=0, secret=TEST_SECRET, expires_minutes=-5
    )
    await page.context.add_cookies(
        [{"name": "sprintsync_session", "value": expired, "url": live_server}]
    )
    await page.goto("/tasks?status=todo")
    await expect(page).to_have_url(re.compile(r"/login\?next=/tasks%3Fstatus%3Dtodo&expired=1$"))
    await expect(page.locator("[data-notice]")).to_contain_text("expired")
    await page.fill("#email", user.email)
    await page.fill("#password", "correct-horse-battery")
    await page.click("form[action='/login'] button[type=submit]")
    await expect(page).to_have_url(f"{live_server}/tasks?status=todo")

    # An HTMX request whose session has gone also ends on the log-in page.
    await page.context.clear_cookies()
    await page.keyboard.press("n")
    await expect(page).to_have_url(re.compile(r"/login\?next="))


async def test_shortcuts_profile_and_friendly_errors(open_page, page_errors, session) -> None:
    page_errors.allow(404, 422)  # the missing task; the wrong current password
    user = await make_user(session, display_name="Grace")
    page = await open_page()
    await log_in(page, user.email)
    await page.keyboard.press("?")
    await expect(page.locator("#shortcuts")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#shortcuts")).to_be_hidden()

    await page.goto("/profile")
    await page.fill("#display_name", "Grace Hopper")
    await page.click("#name-section button[type=submit]")
    await expect(toast(page)).to_contain_text("saved")
    await expect(page.locator("#user-name")).to_have_text("Grace Hopper")
    await page.fill("#current_password", "not-my-password")
    await page.fill("#new_password", "a-brand-new-password")
    await page.click("#password-section button[type=submit]")
    await expect(page.locator('[data-field-error="current_password"]')).to_be_visible()

    response = await page.goto("/tasks/987654")
    assert response is not None
    assert response.status == 404
    await expect(page.locator("h1")).to_have_text("We couldn't find that page")

    await page.goto("/profile")
    page.once("dialog", lambda d: d.accept())
    await page.click("text=Log out everywhere")
    await expect(page.locator("[data-notice]")).to_contain_text("every device")
