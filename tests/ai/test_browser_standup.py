"""The stand-up page in Chromium: open it from the nav, switch to a project, copy as text.

Uses the live server and browser from tests/web/conftest.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect

from sprintsync.ai.standup.facts import previous_working_day
from sprintsync.timeutil import day_start, today_for, user_zone
from tests.factories import make_entry, make_project, make_task, make_user, today
from tests.web.conftest import (  # noqa: F401 (pytest fixtures, used by name)
    CSP_LISTENER,
    DESKTOP,
    PageErrors,
    browser,
    live_server,
    open_page,
    page_errors,
)
from tests.web.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def test_the_standup_page_switches_to_a_project_and_copies_as_markdown(
    open_page,  # noqa: F811
    live_server,  # noqa: F811
    session,
) -> None:
    ada = await make_user(
        session, email="standup@example.com", display_name="Ada", time_zone="Europe/Berlin"
    )
    bob = await make_user(session, display_name="Bob")
    web = await make_project(session, key="WEB", name="Website", members=(ada, bob))
    login = await make_task(session, ada, project=web, title="Fix login", status="in_progress")
    await make_task(session, bob, project=web, title="Write docs", due_date=today() - timedelta(2))
    yesterday = previous_working_day(today_for(ada))
    start = day_start(yesterday, user_zone(ada)) + timedelta(hours=10)
    await make_entry(session, login, ada, started_at=start, ended_at=start, minutes=95)

    page = await open_page()
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    await log_in(page, ada.email)
    await page.click("nav >> text=Stand-up")
    await expect(page).to_have_url(f"{live_server}/standup")
    standup = page.locator("[data-standup]")
    await expect(standup.locator("h2")).to_have_text(
        "Stand-up: Ada, " + today_for(ada).strftime("%a %Y-%m-%d")
    )
    await expect(standup.locator("a", has_text="1 h 35 min")).to_have_attribute(
        "href", f"/reports/entries?from={yesterday}&to={yesterday}&user={ada.id}&task={login.id}"
    )
    await expect(standup.locator(f'a[href="/tasks/{login.key}"]').first).to_be_visible()

    await page.select_option("#standup-project", "WEB")
    await page.click("form[aria-label='Stand-up for a project'] button[type=submit]")
    await expect(page).to_have_url(f"{live_server}/standup?project=WEB")
    await expect(standup).to_contain_text("Bob:")
    await expect(standup).to_contain_text("overdue by 2 days")

    await page.click("[data-copy-standup]")
    await expect(page.locator("[data-standup-copied]")).to_have_text("Copied as Markdown.")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("## Stand-up: WEB Website")
    assert "- Bob: [WEB-2](/tasks/WEB-2) Write docs" in copied

    # Following a claim's link opens what is behind it.
    await standup.locator(f'a[href="/tasks/{login.key}"]').first.click()
    await expect(page).to_have_url(f"{live_server}/tasks/{login.key}")
