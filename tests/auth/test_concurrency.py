"""Concurrent sign-ups on PostgreSQL: one account per email, the rest get 409."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import count_rows

pytestmark = pytest.mark.postgres_only


async def test_concurrent_signups_with_one_email_create_one_account(client, session) -> None:
    bodies = [
        {"email": f"{'SAME' if i % 2 else 'same'}@example.com", "display_name": f"n{i}",
         "password": "long-enough"}
        for i in range(6)
    ]  # fmt: skip
    responses = await asyncio.gather(*(client.post("/api/v1/auth/signup", json=b) for b in bodies))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 5, [r.text for r in responses]
    assert all(
        r.json()["error"]["code"] == "email_taken" for r in responses if r.status_code == 409
    )
    await session.commit()
    assert await count_rows(session, "users") == 1
