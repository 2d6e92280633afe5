"""Account care in Chromium: an admin resets a password, the user is made to change it; an
invitation link signs a new person up."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from sprintsync.projects.models import ProjectMember
from sprintsync.users.models import User
from tests.factories import make_project, make_user
from tests.web.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["postgres"], indirect=True)]


async def test_admin_resets_a_password_and_the_user_must_change_it(
    open_page, page_errors, session, live_server
) -> None:
    page_errors.allow(422)  # the temporary password offered again as the new one
    admin = await make_user(session, is_admin=True, display_name="Grace Admin")
    person = await make_user(session, display_name="Linus Locked")
    page = await open_page()
    await log_in(page, admin.email)
    await page.goto("/admin/users")
    await page.locator(f"#user-{person.id} [data-edit-link]").click()
    await expect(page.locator("h1")).to_contain_text("Linus Locked")
    await page.fill("[data-reset-password] #password", "temporary-pass-7")
    await page.click("[data-reset-password] button[type=submit]")
    await expect(page.locator("[data-notice]")).to_contain_text("Password reset")
    await expect(page.locator("[data-must-change]")).to_be_visible()

    other = await open_page()
    await other.goto("/login")
    await other.fill("#email", person.email)
    await other.fill("#password", "temporary-pass-7")
    await other.click("form[action='/login'] button[type=submit]")
    # Sent to choose a new password, whatever page was asked for.
    await expect(other).to_have_url(f"{live_server}/password")
    await expect(other.locator("[data-notice]")).to_contain_text("An administrator reset")
    await other.goto("/tasks")
    await expect(other).to_have_url(f"{live_server}/password?next=/tasks")
    await other.fill("#current_password", "temporary-pass-7")
    await other.fill("#new_password", "temporary-pass-7")
    await other.click("[data-change-password] button[type=submit]")
    await expect(other.locator("[data-field-error='new_password']")).to_be_visible()
    await other.fill("#current_password", "temporary-pass-7")
    await other.fill("#new_password", "my-own-choice-8")
    await other.click("[data-change-password] button[type=submit]")
    await expect(other).to_have_url(f"{live_server}/tasks")
    await expect(other.locator("#user-name")).to_have_text("Linus Locked")


async def test_an_invitation_link_signs_a_new_person_up(open_page, session, live_server) -> None:
    lead = await make_user(session, display_name="Lena Lead")
    project = await make_project(session, leads=(lead,), name="Apollo")
    page = await open_page()
    await log_in(page, lead.email)
    await page.goto(f"/invitations?project_id={project.id}")
    await page.fill("#email", "newbie@example.com")
    await page.click("[data-create-invitation] button[type=submit]")
    link = await page.locator("[data-invitation-link]").input_value()
    assert link.startswith(f"{live_server}/join/")

    newcomer = await open_page()
    await newcomer.goto(link)
    banner = newcomer.locator("[data-invitation-banner]")
    await expect(banner).to_contain_text("Lena Lead invited you to SprintSync to join Apollo")
    await expect(newcomer.locator("#email")).to_have_value("newbie@example.com")
    await newcomer.fill("#display_name", "Nia Newbie")
    await newcomer.fill("#password", "fresh-start-11")
    await newcomer.click("form[action='/signup'] button[type=submit]")
    await expect(newcomer).to_have_url(f"{live_server}/")
    await expect(newcomer.locator("#user-name")).to_have_text("Nia Newbie")

    new_id = await session.scalar(select(User.id).where(User.email == "newbie@example.com"))
    role = await session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == new_id
        )
    )
    assert role == "member"
    await page.goto("/invitations")
    await expect(page.locator("[data-invitation][data-status='used']")).to_contain_text(
        "newbie@example.com"
    )
