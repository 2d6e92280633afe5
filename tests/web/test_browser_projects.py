"""Two people on one project board in Chromium: one assigns a task to the other, who sees it.

Runs against a live server (see conftest); each test fails on any console error, uncaught
exception or CSP violation in any page it opened.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.factories import make_project, make_task, make_user
from tests.web.conftest import DESKTOP, PHONE
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


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_the_project_switcher_opens_where_a_person_can_see_and_tap_it(
    open_page, session, size
) -> None:
    # The header's links scroll sideways on small screens; a list opened inside them was
    # clipped to nothing (a script could still scroll to it and click, a person could not).
    grace = await make_user(session, email="grace@example.com", display_name="Grace Hopper")
    await make_project(session, leads=(grace,), name="API Platform", key="API")
    page = await open_page(viewport=PHONE if size == "phone" else DESKTOP, dark=size == "phone")
    await log_in(page, grace.email)
    await page.click("[data-project-switcher] summary")
    link = page.locator('[data-project-link="API"]')
    await expect(link).to_be_visible()
    box = await link.bounding_box()
    assert box is not None
    # What is drawn at the middle of the link is the link itself, not what lies under it.
    hit = await page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('[data-project-link]')"
        "?.dataset.projectLink ?? null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == "API"
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await expect(page).to_have_url(re.compile(r"/projects/API$"))


async def test_the_header_links_stay_on_one_line_on_a_phone(open_page, session) -> None:
    grace = await make_user(session, email="grace@example.com", display_name="Grace Hopper")
    await make_project(session, leads=(grace,), name="API Platform", key="API")
    page = await open_page(viewport=PHONE)
    await log_in(page, grace.email)
    await page.goto("/projects/API")  # the switcher now names the board: "API Platform"
    await expect(page.locator("[data-current-project]")).to_have_text("API Platform")
    heights = await page.eval_on_selector_all(
        "nav[aria-label=Main] > *", "items => items.map(i => i.getBoundingClientRect().height)"
    )
    assert len(heights) >= 5
    # One line of small text plus the links' padding is 36 px; "My work" broken onto two
    # lines made every link 56 px tall.
    assert max(heights) <= 40, heights
