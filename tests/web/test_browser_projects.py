"""Two people on one project board in Chromium: one assigns a task to the other, who sees it.

Runs against a live server (see conftest); each test fails on any console error, uncaught
exception or CSP violation in any page it opened.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.factories import make_project, make_task, make_user
from tests.web.helpers import card, log_in, settled

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def test_a_lead_assigns_a_colleague_who_sees_the_card_on_the_shared_board(
    open_page, session, live_server
) -> None:
    grace = await make_user(session, email="grace@example.com", display_name="Grace Hopper")
    linus = await make_user(session, email="linus@example.com", display_name="Linus Torvalds")
    team = await make_project(session, members=(linus,), leads=(grace,), name="API", key="API")
    task = await make_task(session, grace, project=team, title="Write the API changelog")

    lead = await open_page()
    await log_in(lead, grace.email)
    await lead.goto("/projects/API")
    await expect(lead.locator("h1[data-project-name]")).to_have_text("API")
    await expect(card(lead, "Write the API changelog")).to_contain_text("API-1")
    await card(lead, "Write the API changelog").locator("[data-task-title]").click()
    await expect(lead.locator("#modal [data-task-panel]")).to_be_visible()
    await settled(lead)
    await lead.click("[data-edit-task]")
    await lead.select_option("#task-assignee", label="Linus Torvalds")
    await lead.click("#task-form button[type=submit]")
    await expect(lead.locator("#modal [data-assignee]")).to_contain_text("Linus Torvalds")

    colleague = await open_page()
    await log_in(colleague, linus.email)
    # "My work" shows what is assigned to him; the switcher takes him to the team's board.
    await expect(card(colleague, "Write the API changelog")).to_be_visible()
    await colleague.click("[data-project-switcher] summary")
    await colleague.click('[data-project-link="API"]')
    await expect(colleague).to_have_url(f"{live_server}/projects/API")
    shared = card(colleague, "Write the API changelog")
    await expect(shared).to_contain_text("Linus Torvalds")
    await expect(shared).to_contain_text(task.key)
    # Filtering by someone else hides it; by him shows it again.
    await colleague.select_option("#board-assignee", label="Grace Hopper")
    await expect(shared).to_be_hidden()
    await colleague.select_option("#board-assignee", label="Linus Torvalds (me)")
    await expect(card(colleague, "Write the API changelog")).to_be_visible()
    # The switcher remembers the board he was last on.
    await colleague.goto("/")
    await expect(colleague.locator("[data-current-project]")).to_have_text("API")
