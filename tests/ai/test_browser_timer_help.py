"""AI assist in Chromium: a forgotten timer fixed from the plan, plan items opened and timed,
and a task's estimate and breakdown taken from its page. Live server from tests/web/conftest."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from sprintsync.tasks.models import Task
from tests.factories import make_running_timer, make_task, make_user
from tests.web.conftest import (  # noqa: F401 (pytest fixtures, used by name)
    browser,
    live_server,
    open_page,
    page_errors,
)
from tests.web.helpers import log_in, settled, toast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def test_a_forgotten_timer_is_fixed_from_the_plan_and_plan_items_start_timers(
    open_page,  # noqa: F811
    session,
) -> None:
    user = await make_user(session, time_zone="Asia/Kolkata")
    left = await make_task(session, user, title="Ship the importer", estimate_minutes=120)
    docs = await make_task(session, user, title="Review the docs", estimate_minutes=60)
    await make_running_timer(session, left, user, minutes_ago=11 * 60)
    page = await open_page()
    await log_in(page, user.email)

    # The header says the timer looks forgotten, with the reason and the fixes.
    await page.click("[data-forgotten-timer] summary")
    await expect(page.locator("[data-forgotten-reason]")).to_contain_text(
        "Running for 11.0 h, longer than 10 h."
    )
    await page.click("[data-forgotten-timer] summary")

    await page.click("[data-plan-button]")
    plan = page.locator("[data-plan]")
    await expect(plan).to_contain_text("Your plan for today")
    banner = plan.locator("[data-plan-forgotten-timer]")
    await expect(banner).to_contain_text("Ship the importer")
    await expect(plan.locator("li", has_text="Ship the importer")).to_contain_text("Timer running")
    await expect(
        plan.locator("[data-plan-task-link]", has_text="Review the docs")
    ).to_have_attribute("href", f"/tasks/{docs.key}")

    # No activity on the task since it started: stopped an hour after the start.
    await banner.locator("[data-timer-fix='stop_at_last_activity']").click()
    await expect(toast(page)).to_contain_text("logged 1h.")
    await expect(page.locator("[data-running-timer]")).to_have_count(0)
    await expect(plan.locator("[data-plan-forgotten-timer]")).to_have_count(0)
    await expect(plan.locator("[data-plan-timer-running]")).to_have_count(0)
    await settled(page)

    # Start a plan item's timer: the header shows it and the plan marks the item.
    await plan.locator("li", has_text="Review the docs").locator("[data-plan-start]").click()
    await expect(page.locator("[data-running-timer]")).to_contain_text("Review the docs")
    await expect(plan.locator("li", has_text="Review the docs")).to_contain_text("Timer running")
    await settled(page)

    # The item opens its task.
    await plan.locator("[data-plan-task-link]", has_text="Ship the importer").click()
    await expect(page.locator("#modal [data-task-heading]")).to_have_text("Ship the importer")


async def test_estimate_and_breakdown_from_the_task_page(
    open_page,  # noqa: F811
    session,
) -> None:
    user = await make_user(session)
    await make_task(
        session, user, title="Fix login loop on Safari", status="done", total_minutes=90
    )
    task = await make_task(session, user, title="Fix login loop on Firefox")
    page = await open_page()
    await log_in(page, user.email)
    await page.goto(f"/tasks/{task.key}")

    await page.click("[data-ai-estimate]")
    result = page.locator("[data-ai-estimate-result]")
    await expect(result).to_contain_text("Suggested estimate: 1h 30m")
    await expect(result.locator("[data-estimate-rough]")).to_have_text(
        "Only 1 similar finished task — treat this as a rough guess."
    )
    await expect(result).to_contain_text("Fix login loop on Safari took 1h 30m")
    await page.click("[data-use-estimate]")
    await expect(toast(page)).to_contain_text("Estimate set to 1h 30m.")
    await expect(page.locator("[data-task-view]")).to_contain_text("1h 30m")
    await settled(page)

    await page.click("[data-ai-breakdown]")
    rows = page.locator("[data-subtask-row]")
    await expect(rows.first).to_be_visible()
    count = await rows.count()
    assert count >= 3
    await rows.last.locator("input[type=checkbox]").uncheck()
    await rows.first.locator("input[name=title]").fill("Reproduce the loop on Firefox 130")
    await page.click("[data-create-subtasks]")
    await expect(toast(page)).to_contain_text(f"Created {count - 1} subtasks.")
    subtasks = page.locator("[data-subtasks]")
    await expect(subtasks).to_contain_text(f"0/{count - 1} done")
    await expect(subtasks).to_contain_text("Reproduce the loop on Firefox 130")
    children = (
        await session.execute(select(Task.title).where(Task.parent_id == task.id))
    ).scalars()
    assert "Reproduce the loop on Firefox 130" in set(children)
