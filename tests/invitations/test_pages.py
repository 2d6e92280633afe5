"""Invitation and sign-up pages over real HTTP: create a link, open it, sign up with it."""

from __future__ import annotations

import re

import httpx
import pytest

from sprintsync.config import Settings
from tests.conftest import TEST_SECRET, count_rows
from tests.factories import cookie_auth, make_user


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def _create_link(client, session, settings, **form: str) -> str:
    admin = await make_user(session, is_admin=True)
    csrf = cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    r = await client.post("/invitations", data=form, headers=csrf)
    assert r.status_code == 200, r.text
    match = re.search(r'value="([^"]+)" data-invitation-link', r.text)
    assert match
    client.cookies.clear()
    return match.group(1)


async def test_an_invitation_link_opens_a_sign_up_form_that_uses_it(
    client, session, settings
) -> None:
    settings.signup_policy = "invite"
    link = await _create_link(client, session, settings, email="ada@example.com")
    path = link.removeprefix("http://test")
    page = await client.get(path)
    assert page.status_code == 200
    assert "invited you to SprintSync" in page.text
    assert 'value="ada@example.com"' in page.text
    token = path.rsplit("/", 1)[1]
    form = {"display_name": "Ada", "email": "ada@example.com", "password": "long-enough-1",
            "invitation": token, "csrf_token": _csrf_from(page.text)}  # fmt: skip
    r = await client.post("/signup", data=form)
    assert r.status_code == 303, r.text
    assert (await client.get("/")).status_code == 200
    client.cookies.clear()
    again = await client.get(path)
    assert "already been used" in again.text
    assert '<form method="post" action="/signup"' not in again.text


@pytest.mark.parametrize(
    ("policy", "message"),
    [("invite", "Sign-up is by invitation only."), ("closed", "Sign-up is closed.")],
)
async def test_the_sign_up_page_explains_the_policy(
    client, session, settings, policy, message
) -> None:
    settings.signup_policy = policy
    page = await client.get("/signup")
    assert page.status_code == 403
    assert message in page.text
    assert 'action="/signup"' not in page.text
    form = {"display_name": "X", "email": "x@example.com", "password": "long-enough-1",
            "csrf_token": _csrf_from((await client.get("/login")).text)}  # fmt: skip
    r = await client.post("/signup", data=form)
    assert r.status_code == 422
    assert message in r.text
    assert await count_rows(session, "users") == 0


async def test_a_failed_invited_sign_up_keeps_the_invitation_and_adds_no_one(
    client, session, settings
) -> None:
    link = await _create_link(client, session, settings, email="ada@example.com")
    token = link.rsplit("/", 1)[1]
    page = await client.get(f"/join/{token}")
    form = {"display_name": "Eve", "email": "eve@example.com", "password": "long-enough-1",
            "invitation": token, "csrf_token": _csrf_from(page.text)}  # fmt: skip
    r = await client.post("/signup", data=form)
    assert r.status_code == 422
    assert "Use the email address the invitation was sent to." in r.text
    assert await count_rows(session, "users") == 1
    assert "invited you" in (await client.get(f"/join/{token}")).text


async def test_members_cannot_open_the_invitations_page(client, session, settings) -> None:
    member = await make_user(session)
    cookie_auth(client, member, TEST_SECRET, settings.cookie_name)
    r = await client.get("/invitations")
    assert r.status_code == 403


@pytest.mark.parametrize(("policy", "offered"), [("open", True), ("invite", False)])
async def test_the_log_in_page_offers_sign_up_only_when_it_is_open(
    client: httpx.AsyncClient, settings: Settings, policy: str, offered: bool
) -> None:
    settings.signup_policy = policy
    page = await client.get("/login")
    assert ('href="/signup' in page.text) is offered
