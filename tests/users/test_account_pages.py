"""The admin's account pages over real HTTP: edit name and email, reset a password."""

from __future__ import annotations

import html

from sqlalchemy import select

from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, cookie_auth, make_user


async def _row(session, user_id: int) -> User:
    await session.commit()
    row = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
    await session.refresh(row)
    return row


async def test_admin_edits_name_and_email_on_the_users_page(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    person = await make_user(session, display_name="Old Name")
    csrf = cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    listing = await client.get("/admin/users")
    assert f'href="/admin/users/{person.id}"' in listing.text
    page = await client.get(f"/admin/users/{person.id}")
    assert page.status_code == 200
    assert "Old Name" in page.text
    form = {"display_name": "New Name", "email": "New@Example.com"}
    r = await client.post(f"/admin/users/{person.id}", data=form, headers=csrf)
    assert r.status_code == 303
    assert r.headers["location"].endswith("?notice=saved")
    row = await _row(session, person.id)
    assert (row.display_name, row.email) == ("New Name", "new@example.com")
    assert "Details saved." in (await client.get(r.headers["location"])).text


async def test_bad_details_are_explained_next_to_the_field(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    person = await make_user(session, display_name="Kept")
    other = await make_user(session)
    csrf = cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    cases = {("", person.email): "Name can't be empty.",
             ("Changed", "nope"): "Email must be an email address, like name@example.com.",
             ("Changed", other.email): "An account with this email already exists."}  # fmt: skip
    for (name, email), message in cases.items():
        r = await client.post(
            f"/admin/users/{person.id}", data={"display_name": name, "email": email}, headers=csrf
        )
        assert r.status_code == 422, r.text
        assert message in html.unescape(r.text), r.text
    row = await _row(session, person.id)
    assert (row.display_name, row.email) == ("Kept", person.email)


async def test_admin_resets_a_password_from_the_page(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True)
    person = await make_user(session)
    csrf = cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    r = await client.post(
        f"/admin/users/{person.id}/password", data={"password": "short"}, headers=csrf
    )
    assert r.status_code == 422
    assert "Password must be at least 8 characters." in r.text
    r = await client.post(
        f"/admin/users/{person.id}/password", data={"password": "provisional-key-9"}, headers=csrf
    )
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "they must choose a new password" in page.text
    assert "must choose a new password at the next log-in" in page.text
    row = await _row(session, person.id)
    assert row.must_change_password
    assert row.token_version == 1


async def test_members_cannot_open_or_post_the_admin_pages(client, session, settings) -> None:
    member = await make_user(session)
    person = await make_user(session)
    csrf = cookie_auth(client, member, TEST_SECRET, settings.cookie_name)
    assert (await client.get(f"/admin/users/{person.id}")).status_code == 403
    r = await client.post(
        f"/admin/users/{person.id}/password", data={"password": "provisional-key-9"}, headers=csrf
    )
    assert r.status_code == 403
    assert not (await _row(session, person.id)).must_change_password


async def test_log_in_page_says_an_account_is_deactivated_only_with_the_password(
    client, session
) -> None:
    gone = await make_user(session, is_active=False)
    page = await client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    right = {"email": gone.email, "password": PASSWORD, "csrf_token": token}
    r = await client.post("/login", data=right)
    assert r.status_code == 403
    assert "Your account has been deactivated" in r.text
    r = await client.post("/login", data={**right, "password": "wrong-password"})
    assert r.status_code == 401
    assert "Incorrect email or password." in r.text
    assert "deactivated" not in r.text
