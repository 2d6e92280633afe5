"""The timesheet and reports in Chromium: keyboard editing, charts in both themes, the CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from sprintsync.db import utcnow
from sprintsync.tasks.models import TaskStatusChange
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timeutil import today_for
from sprintsync.users.models import User
from tests.factories import make_entry, make_task, make_user
from tests.web.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


async def test_the_week_grid_is_edited_with_the_keyboard(open_page, session) -> None:
    user = await make_user(session, email="grid@example.com")
    task = await make_task(session, user, title="Keyboard work")
    monday = today_for(user) - timedelta(days=today_for(user).weekday() + 7)  # last week
    page = await open_page()
    await log_in(page, user.email)
    await page.goto(f"/timesheet?week={monday.isoformat()}")
    first = page.locator(f'[data-cell="{task.id}:{monday.isoformat()}"]')
    second = page.locator(f'[data-cell="{task.id}:{(monday + timedelta(days=1)).isoformat()}"]')
    total = page.locator(f"#row-total-{task.id}")
    await first.click()
    await page.keyboard.type("1:30")
    await page.keyboard.press("Tab")
    await expect(second).to_be_focused()
    await expect(total).to_have_text("1h 30m")
    await page.keyboard.type("90")
    await page.keyboard.press("Tab")
    await expect(total).to_have_text("3h")
    await expect(page.locator("[data-week-total]")).to_have_text("3h")
    await expect(page.locator(f"#day-head-{monday.isoformat()}")).not_to_have_attribute(
        "data-empty-day", ""
    )
    await session.commit()
    rows = (await session.execute(select(TimeEntry.source, TimeEntry.minutes))).all()
    assert sorted(rows) == [("manual", 90), ("manual", 90)]
    await page.reload()
    await expect(first).to_have_value("1:30")
    await first.fill("")
    await page.keyboard.press("Tab")
    await expect(total).to_have_text("1h 30m")


async def _a_week_of_work(session) -> User:
    admin = await make_user(session, email="charts@example.com", is_admin=True)
    other = await make_user(session, display_name="Ola")
    for person, minutes in ((admin, 95), (other, 40)):
        task = await make_task(session, person, status="done", estimate_minutes=60)
        start = utcnow() - timedelta(minutes=minutes + 5)
        await make_entry(
            session,
            task,
            person,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            minutes=minutes,
            source="timer",
        )
        # Its history, so cycle time and throughput have figures (else: an empty state).
        now = utcnow()
        for before, after, ago in (
            (None, "todo", 30),
            ("todo", "in_progress", 20),
            ("in_progress", "done", 10),
        ):
            session.add(
                TaskStatusChange(
                    task_id=task.id,
                    from_status=before,
                    to_status=after,
                    changed_by_id=person.id,
                    changed_at=now - timedelta(minutes=ago),
                )
            )
    await session.commit()
    return admin


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
async def test_charts_render_in_both_themes_without_csp_errors(open_page, session, dark) -> None:
    admin = await _a_week_of_work(session)
    page = await open_page(dark=dark)
    await log_in(page, admin.email)
    await page.goto("/reports")
    charts = page.locator("canvas[data-chart]")
    await expect(charts).to_have_count(5)
    # Datasets per chart: two people per day, one top list, mean and median, two ratios' bars
    # in one dataset, one throughput series.
    for i, datasets in enumerate(["2", "1", "2", "1", "1"]):
        await expect(charts.nth(i)).to_have_attribute("data-rendered", datasets)
    theme = "dark" if dark else "light"
    await expect(page.locator("html")).to_have_attribute("data-charts-theme", theme)
    box = await charts.first.bounding_box()
    assert box is not None
    assert box["height"] > 100


async def test_the_csv_downloads_and_parses(open_page, session, tmp_path: Path) -> None:
    admin = await _a_week_of_work(session)
    page = await open_page()
    await log_in(page, admin.email)
    await page.goto("/reports")
    async with page.expect_download() as info:
        await page.click("[data-csv-link]")
    download = await info.value
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    assert path.suffix == ".csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(int(r["minutes"]) for r in rows) == [40, 95]
    assert {r["hours"] for r in rows} == {"0.67", "1.58"}
