"""How the pages look and load: screenshots for a person to review, themes, no CDN, no errors.

Screenshots go to test-artifacts/screenshots/ (git-ignored): board, list and task form, in
light and dark, at desktop and phone width.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect

from sprintsync.db import utcnow
from sprintsync.tasks.priority import Priority
from tests.factories import make_entry, make_task, make_user, today
from tests.web.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.web.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def _demo_data(session) -> object:
    admin = await make_user(session, is_admin=True, display_name="Grace Hopper")
    teammate = await make_user(session, display_name="Linus Torvalds")
    rows = [
        ("Add retry to outgoing webhooks", "todo", Priority.high, 360, 5),
        ("Implement task search by description", "todo", Priority.low, 240, None),
        ("Review access rules for admin endpoints", "in_progress", Priority.urgent, 120, -2),
        ("Evaluate offline planner suggestions", "in_progress", Priority.medium, 480, 12),
        ("Add due-date reminders", "done", Priority.high, 90, None),
    ]
    for title, status, priority, estimate, due in rows:
        task = await make_task(
            session,
            admin,
            title=title,
            status=status,
            priority=priority,
            estimate_minutes=estimate,
            total_minutes=estimate // 2,
            due_date=today() + timedelta(days=due) if due is not None else None,
            description=f"{title}, with enough words to show how a description looks.",
        )
        worked = utcnow() - timedelta(days=3)
        await make_entry(
            session, task, admin, minutes=estimate // 2, started_at=worked, ended_at=worked
        )
    await make_task(session, teammate, title="Upgrade the CI runners", priority=Priority.medium)
    return admin


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
async def test_screenshots(open_page, session, dark: bool) -> None:
    admin = await _demo_data(session)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    theme = "dark" if dark else "light"
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = await open_page(viewport=viewport, dark=dark)
        await log_in(page, admin.email)
        assert await page.evaluate("document.documentElement.classList.contains('dark')") is dark
        await expect(page.locator("[data-card]")).to_have_count(5)
        await page.screenshot(path=SCREENSHOTS / f"board-{theme}-{size}.png", full_page=True)
        await page.click("[data-plan-button]")
        await expect(page.locator("[data-plan] ol li").first).to_be_visible()
        await page.screenshot(path=SCREENSHOTS / f"plan-{theme}-{size}.png", full_page=True)
        await page.goto("/tasks")
        await expect(page.locator("[data-row]")).to_have_count(6)
        await page.screenshot(path=SCREENSHOTS / f"list-{theme}-{size}.png", full_page=True)
        await page.click("[data-shortcut=new-task]")
        await expect(page.locator("#task-form")).to_be_visible()
        await page.screenshot(path=SCREENSHOTS / f"task-form-{theme}-{size}.png")
        await page.keyboard.press("Escape")
        await page.locator("[data-task-title]", has_text="Review access rules").click()
        await expect(page.locator("[data-task-panel]")).to_be_visible()
        await page.screenshot(path=SCREENSHOTS / f"task-panel-{theme}-{size}.png")


async def test_theme_toggle_is_remembered(open_page, session) -> None:
    user = await make_user(session)
    page = await open_page()
    await log_in(page, user.email)
    html = page.locator("html")
    await expect(html).not_to_have_class("dark")
    await page.click("[data-theme-toggle]")
    await expect(html).to_have_class("dark")
    await expect(page.locator("[data-theme-toggle]")).to_have_attribute("aria-pressed", "true")
    await page.reload()
    await expect(html).to_have_class("dark")


async def test_every_page_loads_only_its_own_assets(open_page, session, live_server) -> None:
    admin = await make_user(session, is_admin=True)
    await make_task(session, admin, title="Something to show")
    page = await open_page()
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((live_server, "data:", "blob:")) else foreign.append(r.url)
        ),
    )
    await log_in(page, admin.email)
    for path in ("/", "/tasks", "/tasks/new", "/profile", "/admin/users", "/signup"):
        response = await page.goto(path)
        assert response is not None, path
        assert response.ok, path
        await expect(page.locator("main")).to_be_visible()
    await page.goto("/docs")
    await expect(page.locator(".swagger-ui .info")).to_contain_text("SprintSync")
    await page.goto("/redoc")
    await expect(page.locator("redoc h1").first).to_contain_text("SprintSync")
    assert foreign == []
