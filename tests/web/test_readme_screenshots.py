"""The screenshots at the top of README.md, taken from the demo data `make run` seeds.

Every run saves them to test-artifacts/screenshots/readme/; `make screenshots` also writes
them to docs/screenshots/, the copies the README shows (commit those). To add a page, add one
`Shot` to `SHOTS` and its image to the README's gallery; tests/test_readme.py checks that
the two lists agree.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
from tests.web.conftest import DESKTOP, SCREENSHOTS
from tests.web.helpers import log_in

README_SHOTS = SCREENSHOTS.parents[1] / "docs" / "screenshots"
UPDATE = os.environ.get("SPRINTSYNC_UPDATE_README_SCREENSHOTS", "") not in ("", "0")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


@dataclass(frozen=True)
class Shot:
    name: str  # docs/screenshots/<name>.png
    path: str
    ready: str  # a selector that is visible once the page is worth showing
    follow: str | None = None  # then open the first link matching this, as a full page
    settle: bool = False  # let animations finish (charts)


SHOTS = (
    Shot("board", "/", "[data-card]"),
    Shot("task", "/tasks", "[data-task-panel]", follow="a[data-task-title]"),
    Shot("reports", "/reports", "canvas[data-chart]", settle=True),
)


async def _take(page: Page, shot: Shot) -> None:
    await page.goto(shot.path)
    if shot.follow is not None:
        href = await page.locator(shot.follow).first.get_attribute("href")
        assert href, shot
        await page.goto(href)
    await expect(page.locator(shot.ready).first).to_be_visible()
    # Whatever the page loads after it appears (counts, charts) is in the picture.
    await page.wait_for_load_state("networkidle")
    if shot.settle:
        await page.wait_for_timeout(1500)  # chart animations
    path = SCREENSHOTS / "readme" / f"{shot.name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path)
    if UPDATE:
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, README_SHOTS / path.name)


async def test_readme_screenshots_of_the_demo_data(open_page, session: AsyncSession) -> None:
    await seed_demo(session, password_hash_fast=True)
    await session.commit()
    page = await open_page(viewport=DESKTOP)
    engineer = next(u for u in DEMO_USERS if not u.is_admin)
    await log_in(page, engineer.email, DEMO_PASSWORD)
    for shot in SHOTS:
        await _take(page, shot)
