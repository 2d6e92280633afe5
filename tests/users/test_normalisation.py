"""Names without bidi tricks, NFC-normalised; emails stored with ASCII (punycode) domains."""

from __future__ import annotations

from sqlalchemy import select

from sprintsync.users.models import User
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_user

SIGNUP = "/api/v1/auth/signup"


async def test_sign_up_strips_bidi_controls_and_normalises_the_name(client, session) -> None:
    r = await client.post(
        SIGNUP,
        json={
            "email": "grace@example.com",
            "display_name": "\u202eGrace\u200f Cafe\u0301\u2066",
            "password": "analytical-engine",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["user"]["display_name"] == "Grace Caf\u00e9"


async def test_a_name_of_only_invisible_characters_is_refused(client, session) -> None:
    user = await make_user(session)
    r = await client.patch(
        "/api/v1/auth/me",
        json={"display_name": "\u202e\u200b\u2066"},
        headers=bearer(user, TEST_SECRET),
    )
    assert r.status_code == 422, r.text


async def test_an_internationalised_email_domain_is_stored_as_punycode(client, session) -> None:
    body = {"email": "Grace@B\u00fccher.Example", "display_name": "Grace"}
    r = await client.post(SIGNUP, json={**body, "password": "analytical-engine"})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["email"] == "grace@xn--bcher-kva.example"
    email = await session.scalar(select(User.email))
    assert email == "grace@xn--bcher-kva.example"
    # Either spelling logs in to the same account.
    for spelling in ("grace@b\u00fccher.example", "grace@xn--bcher-kva.example"):
        r = await client.post(
            "/api/v1/auth/login", json={"email": spelling, "password": "analytical-engine"}
        )
        assert r.status_code == 200, r.text
