"""Two people working on one task in Chromium: task URLs, edit mode, comments, notifications.

Runs against a live server (see conftest); each test fails on any console error, uncaught
exception or CSP violation in any page it opened.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from sprintsync.notifications.models import Notification
from tests.factories import add_member, home_project, make_task, make_user
from tests.web.helpers import card, log_in, settled

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def _open_task_from_board(page: Page, title: str) -> None:
    await card(page, title).locator("[data-task-title]").click()
    await expect(page.locator("#modal [data-task-panel]")).to_be_visible()
    await expect(page.locator("#modal [data-comment-form]")).to_be_visible()
    await settled(page)


async def test_one_assigns_and_mentions_the_other_reads_opens_and_replies(
    open_page, session, live_server
) -> None:
    lead = await make_user(session, email="ada@example.com", display_name="Ada Lead", is_admin=True)
    bea = await make_user(session, email="bea@example.com", display_name="Bea Builder")
    task = await make_task(session, lead, title="Ship the release notes")
    await add_member(session, await home_project(session, lead), bea)

    ada = await open_page()
    await log_in(ada, lead.email)
    await _open_task_from_board(ada, "Ship the release notes")
    # Read-only first; Edit shows the form, which assigns Bea.
    await expect(ada.locator("#task-form")).to_be_hidden()
    await ada.click("[data-edit-task]")
    await ada.select_option("#task-assignee", label="Bea Builder")
    await ada.click("#task-form button[type=submit]")
    await expect(ada.locator("#modal [data-assignee]")).to_contain_text("Bea Builder")
    await expect(ada.locator("#task-form")).to_be_hidden()
    await ada.fill("#comment-body", "@bea please review **before Friday**")
    await ada.click("[data-comment-form] button[type=submit]")
    comment = ada.locator("[data-comment]").last
    await expect(comment.locator("a.mention")).to_have_text("@bea")
    await expect(comment.locator("strong")).to_have_text("before Friday")

    bea = await open_page()
    await log_in(bea, "bea@example.com")
    await expect(bea.locator("#notification-badge [data-unread-count]")).to_have_text("2")
    await bea.click("#notification-badge")
    await expect(bea).to_have_url(f"{live_server}/notifications")
    mention = bea.locator('[data-notification][data-kind="mentioned"]')
    await expect(mention).to_contain_text("Ada Lead")
    await expect(mention).to_contain_text("mentioned you on")
    await expect(bea.locator('[data-notification][data-kind="assigned"]')).to_be_visible()
    await mention.locator("[data-open-notification]").click()
    await expect(bea).to_have_url(f"{live_server}/tasks/{task.key}")
    await expect(bea.locator("#main [data-task-panel] [data-task-heading]")).to_have_text(
        "Ship the release notes"
    )
    # Opening the mention read it, and the assignment of the same task too.
    await expect(bea.locator("#notification-badge [data-unread-count]")).to_have_count(0)
    await bea.fill("#comment-body", "On it, @ada.")
    await bea.click("[data-comment-form] button[type=submit]")
    await expect(bea.locator("[data-comment]").last).to_contain_text("On it")

    # Ada hears of the reply on the board; opening the task shows it and reads it.
    await ada.goto("/")
    await expect(ada.locator("#notification-badge [data-unread-count]")).to_have_text("1")
    await ada.goto(f"/tasks/{task.key}")
    await expect(ada.locator("[data-comment]").last).to_contain_text("On it")
    await expect(ada.locator("#notification-badge [data-unread-count]")).to_have_count(0)


async def test_opening_a_task_directly_reads_it_and_its_keys_link_to_visible_tasks(
    open_page, session, live_server
) -> None:
    lead = await make_user(session, email="cy@example.com", display_name="Cy Lead")
    reader = await make_user(session, email="di@example.com", display_name="Di Reader")
    stranger = await make_user(session)
    hidden = await make_task(session, stranger, title="Not yours")
    first = await make_task(session, lead, title="Lay the groundwork")
    task = await make_task(
        session,
        lead,
        title="Build on it",
        description=f"Needs {first.key} first; unrelated to {hidden.key}.",
    )
    await add_member(session, await home_project(session, lead), reader)
    for about in (task, first):
        session.add(Notification(user_id=reader.id, kind="assigned", task_id=about.id))
    await session.commit()

    page = await open_page()
    await log_in(page, reader.email)
    await expect(page.locator("#notification-badge [data-unread-count]")).to_have_text("2")
    # Not through the notification: straight to the task's address.
    await page.goto(f"/tasks/{task.key}")
    await expect(page.locator("#main [data-task-heading]")).to_have_text("Build on it")
    await expect(page.locator("#notification-badge [data-unread-count]")).to_have_text("1")
    description = page.locator("#main [data-description]")
    await expect(description.locator("a.task-ref")).to_have_count(1)
    await expect(description).to_contain_text(hidden.key)
    await description.locator("a.task-ref").click()
    await expect(page).to_have_url(f"{live_server}/tasks/{first.key}")
    await expect(page.locator("#main [data-task-heading]")).to_have_text("Lay the groundwork")
    await expect(page.locator("#notification-badge [data-unread-count]")).to_have_count(0)


async def test_task_urls_follow_back_and_forward(open_page, session, live_server) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Write the runbook")
    page = await open_page()
    await log_in(page, user.email)
    dialog = page.locator("#modal")

    await _open_task_from_board(page, "Write the runbook")
    await expect(page).to_have_url(f"{live_server}/tasks/{task.key}")
    await page.go_back()
    await expect(dialog).to_be_hidden()
    await expect(page).to_have_url(f"{live_server}/")
    await page.go_forward()
    await expect(dialog.locator("[data-task-heading]")).to_have_text("Write the runbook")
    await expect(page).to_have_url(f"{live_server}/tasks/{task.key}")
    await settled(page)
    await dialog.locator("[data-close-dialog]").click()
    await expect(dialog).to_be_hidden()
    await expect(page).to_have_url(f"{live_server}/")

    # Loaded directly: the full page, whose close button goes to the board.
    await page.goto(f"/tasks/{task.id}")
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#main [data-task-heading]")).to_have_text("Write the runbook")
    await page.locator("#main [data-close-dialog]").click()
    await expect(page).to_have_url(f"{live_server}/")


async def test_edit_mode_asks_before_esc_throws_edits_away(open_page, session) -> None:
    user = await make_user(session)
    await make_task(session, user, title="Tidy the backlog")
    page = await open_page()
    await log_in(page, user.email)
    await _open_task_from_board(page, "Tidy the backlog")
    panel = page.locator("#modal [data-task-panel]")
    await page.keyboard.press("e")
    await expect(page.locator("#task-title")).to_be_visible()
    await page.fill("#task-title", "Tidy the backlog, twice")

    questions: list[str] = []

    async def answer(dialog) -> None:
        questions.append(dialog.message)
        await (dialog.dismiss() if len(questions) == 1 else dialog.accept())

    page.on("dialog", answer)
    await page.keyboard.press("Escape")  # asked, and refused: still editing, text kept
    await expect(page.locator("#task-title")).to_have_value("Tidy the backlog, twice")
    await expect(page.locator("#modal")).to_be_visible()
    await page.keyboard.press("Escape")  # asked again, and accepted: back to read-only
    await expect(page.locator("#task-form")).to_be_hidden()
    assert questions == ["Discard your unsaved changes?"] * 2
    await expect(panel.locator("[data-task-heading]")).to_have_text("Tidy the backlog")
    await page.keyboard.press("Escape")  # nothing unsaved: closes without asking
    await expect(page.locator("#modal")).to_be_hidden()
    assert len(questions) == 2


async def test_hostile_markdown_renders_inert(open_page, page_errors, session) -> None:
    user = await make_user(session)
    hostile = (
        "**Steps** <img src=x onerror=alert(1)> <script>alert(2)</script> "
        "[click me](javascript:alert(3))"
    )
    task = await make_task(session, user, title="Hostile", description=hostile)
    page = await open_page()
    alerts: list[str] = []
    page.on("dialog", lambda d: alerts.append(d.message))
    await log_in(page, user.email)
    await page.goto(f"/tasks/{task.id}")
    description = page.locator("#main [data-description]")
    await expect(description.locator("strong")).to_have_text("Steps")
    await expect(description).to_contain_text("<img src=x onerror=alert(1)>")
    await expect(description.locator("img, script")).to_have_count(0)
    await expect(description.locator("a")).to_have_count(0)
    await page.fill("#comment-body", hostile)
    await page.click("[data-comment-form] button[type=submit]")
    body = page.locator("[data-comment-body]").last
    await expect(body).to_contain_text("<script>alert(2)</script>")
    await expect(body.locator("img, script, a")).to_have_count(0)
    # The list shows the description as plain text, not Markdown syntax or markup.
    await page.goto("/tasks")
    preview = page.locator("[data-row] [data-preview]")
    await expect(preview).to_have_text(re.compile(r"^Steps <img src=x"))
    assert alerts == []
