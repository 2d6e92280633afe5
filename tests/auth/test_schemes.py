"""Only `Authorization: Bearer <token>` carries a token: a valid JWT under any other scheme
is refused, so a client that sends the wrong scheme learns it at once."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_SECRET
from tests.factories import make_user, token_for

ME = "/api/v1/auth/me"


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT", "Bearer:", "Bearerx"])
async def test_a_valid_token_under_another_scheme_is_401(client, session, scheme: str) -> None:
    user = await make_user(session)
    token = token_for(user, TEST_SECRET)

    r = await client.get(ME, headers={"Authorization": f"{scheme} {token}"})

    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


async def test_a_bare_token_without_a_scheme_is_401(client, session) -> None:
    user = await make_user(session)
    r = await client.get(ME, headers={"Authorization": token_for(user, TEST_SECRET)})
    assert r.status_code == 401


async def test_the_same_token_as_bearer_is_accepted(client, session) -> None:
    user = await make_user(session)
    r = await client.get(ME, headers={"Authorization": f"Bearer {token_for(user, TEST_SECRET)}"})
    assert r.status_code == 200
    assert r.json()["id"] == user.id
