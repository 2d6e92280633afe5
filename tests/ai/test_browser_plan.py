""" "Plan my day" in Chromium: sign-up takes the browser's time zone and the plan follows it.

Uses the live server and browser from tests/web/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from sprintsync.db import make_sessionmaker
from sprintsync.users.models import User
from tests.web.conftest import (  # noqa: F401 (pytest fixtures, used by name)
    CSP_LISTENER,
    DESKTOP,
    PageErrors,
    browser,
    live_server,
    page_errors,
)

ZONE = "Pacific/Kiritimati"  # UTC+14: a day ahead of UTC for most of the UTC day


@pytest.fixture
async def page_in_kiritimati(
    browser,  # noqa: F811
    live_server,  # noqa: F811
    page_errors: PageErrors,  # noqa: F811
) -> AsyncIterator:
    context = await browser.new_context(base_url=live_server, viewport=DESKTOP, timezone_id=ZONE)
    await context.add_init_script(CSP_LISTENER)
    context.set_default_timeout(10_000)
    page = await context.new_page()
    page_errors.attach(page)
    yield page
    await context.close()


async def test_sign_up_takes_the_browsers_time_zone_and_the_plan_follows_it(
    page_in_kiritimati, engine: AsyncEngine
) -> None:
    page = page_in_kiritimati
    await page.goto("/signup")
    await page.fill("#display_name", "Tabiteuea Planner")
    await page.fill("#email", "planner@example.com")
    await page.fill("#password", "plan-the-local-day")
    await page.click("form[action='/signup'] button[type=submit]")
    await page.wait_for_url("**/")
    async with make_sessionmaker(engine)() as session:
        stored = await session.scalar(
            select(User.time_zone).where(User.email == "planner@example.com")
        )
    assert stored == ZONE
    await page.click("[data-plan-button]")
    await expect(page.locator("[data-plan]")).to_contain_text("Your plan for today")
