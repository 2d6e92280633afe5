"""The duplicate warning and "Suggest assignee" in Chromium, as a person uses them.

Uses the live server and browser from tests/web/conftest.py.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Dialog, expect

from sprintsync.tasks.models import Task
from sprintsync.users.models import User
from tests.factories import make_project, make_task, make_user
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


async def _accept(dialog: Dialog) -> None:
    await dialog.accept()  # "Discard your unsaved changes?" when leaving the typed form


async def test_a_lookalike_title_warns_before_saving_and_can_be_opened_instead(
    open_page,  # noqa: F811
    session,
) -> None:
    user = await make_user(session, home=False, display_name="Dana Dev")
    project = await make_project(session, key="API", name="API", members=(user,))
    for title in (
        "Login redirect loop on Safari after session expires",
        "Add CSV export to the timesheet report",
        "Timer keeps running after logout",
    ):
        await make_task(session, user, project=project, title=title)
    page = await open_page()
    page.on("dialog", _accept)
    await log_in(page, user.email)

    await page.click("[data-shortcut=new-task]")
    await settled(page)
    warning = page.locator("[data-duplicate]")
    await page.fill("#task-title", "Add Slack integration for notifications")
    await settled(page)
    await expect(warning).to_have_count(0)
    await page.fill("#task-title", "Timer still running after the user logs out")
    await expect(warning).to_have_count(1)
    await expect(warning).to_contain_text("Looks like API-3 Timer keeps running after logout")
    await expect(warning).to_contain_text("(open, todo)")
    # Saving still works: it is a warning, not a block.
    await page.click("#task-form button[type=submit]")
    await expect(page.locator("#modal")).to_be_hidden()
    await expect(toast(page)).to_contain_text("Created")

    # Or open the lookalike instead: the dialog shows that task.
    await page.click("[data-shortcut=new-task]")
    await settled(page)
    await page.fill("#task-title", "Export the timesheet as CSV")
    await expect(warning).to_contain_text("API-2 Add CSV export to the timesheet report")
    await warning.get_by_role("link").click()
    await expect(page.locator("#modal [data-task-heading]")).to_have_text(
        "Add CSV export to the timesheet report"
    )


async def _team_and_task(session) -> tuple[User, User, Task]:
    """Ana (login work done), Ben (board work done) and Cleo, the lead, with an unassigned
    Safari login task; Ana also has one open task."""
    ana = await make_user(session, home=False, display_name="Ana Auth")
    ben = await make_user(session, home=False, display_name="Ben Board")
    cleo = await make_user(session, home=False, display_name="Cleo Lead")
    project = await make_project(session, key="API", members=(ana, ben), leads=(cleo,))
    for who, title in (
        (ana, "Fix login redirect loop on Safari"),
        (ana, "Session expiry logs users out too early"),
        (ben, "Dark mode colours unreadable on the board"),
    ):
        await make_task(
            session, who, project=project, title=title, status="done", assignee_id=who.id
        )
    await make_task(
        session, ana, project=project, title="Audit log for admin actions", estimate_minutes=180
    )
    task = await make_task(
        session,
        cleo,
        project=project,
        title="Login fails on Safari after the session expires",
        assignee_id=None,
    )
    return ana, cleo, task


async def test_suggest_assignee_ranks_the_team_and_assigns_the_pick(
    open_page,  # noqa: F811
    session,
) -> None:
    _, cleo, task = await _team_and_task(session)
    page = await open_page()
    await log_in(page, cleo.email)
    await page.goto(f"/tasks/{task.key}")
    await page.click("[data-suggest-assignee]")
    first = page.locator("[data-candidate]").first
    await expect(first).to_contain_text("Ana Auth")
    await expect(first.locator("[data-reason]")).to_contain_text(
        "Finished 2 similar tasks, e.g. API-1; 1 open task (3 h left)"
    )
    await expect(page.locator("[data-candidate]")).to_have_count(3)
    await first.locator("[data-pick-assignee]").click()
    await expect(toast(page)).to_contain_text("Assignee changed")
    await expect(page.locator("[data-assignee]")).to_contain_text("Ana Auth")
    await expect(page.locator("[data-suggest-assignee]")).to_be_visible()


async def test_suggest_assignee_in_the_edit_form_fills_the_select_until_saved(
    open_page,  # noqa: F811
    session,
) -> None:
    ana, cleo, task = await _team_and_task(session)
    page = await open_page()
    page.on("dialog", _accept)
    await log_in(page, cleo.email)
    await page.goto(f"/tasks/{task.key}")
    select = page.locator("#task-assignee")
    picks = page.locator("#form-assignee-suggestions [data-candidate]")

    # Choosing a suggestion fills the select; Cancel (after "Discard your unsaved changes?")
    # puts it back, and nothing was saved.
    await page.click("[data-edit-task]")
    await expect(select).to_have_value("none")
    await page.click("[data-suggest-in-form]")
    await expect(picks).to_have_count(3)
    await expect(picks.first).to_contain_text("Ana Auth")
    await expect(picks.first.locator("[data-reason]")).to_contain_text("Finished 2 similar tasks")
    await picks.first.locator("[data-fill-assignee]").click()
    await expect(select).to_have_value(str(ana.id))
    await expect(select).to_be_focused()
    await page.click("[data-cancel-edit]")
    await expect(page.locator("[data-task-view]")).to_be_visible()
    await expect(page.locator("[data-assignee]")).not_to_contain_text("Ana Auth")
    await expect(select).to_have_value("none")
    await session.refresh(task)
    assert task.assignee_id is None

    # Choose again and save: now the task is Ana's.
    await page.click("[data-edit-task]")
    await picks.first.locator("[data-fill-assignee]").click()
    await expect(select).to_have_value(str(ana.id))
    await page.click("#task-form button[type=submit]")
    await expect(toast(page)).to_contain_text("Changes saved")
    await expect(page.locator("[data-assignee]")).to_contain_text("Ana Auth")
    await session.refresh(task)
    assert task.assignee_id == ana.id
