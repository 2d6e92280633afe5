"""`retry_on_conflict`: a deadlock or serialization failure redoes the unit of work."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from sprintsync.db import RETRY_ATTEMPTS, retry_on_conflict
from sprintsync.users.models import User
from tests.factories import make_user


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _db_error(sqlstate: str) -> DBAPIError:
    return DBAPIError("UPDATE ...", {}, _PgError(sqlstate))


@pytest.mark.parametrize("code", ["40P01", "40001"])
async def test_deadlocked_work_is_redone_and_its_first_attempt_undone(session, code) -> None:
    user = await make_user(session, display_name="before")
    attempts: list[int] = []

    @retry_on_conflict
    async def rename(s, *, user_id: int) -> str:
        row = await s.get(User, user_id)
        attempts.append(1)
        row.display_name = f"attempt {len(attempts)}"
        await s.flush()
        if len(attempts) < RETRY_ATTEMPTS:
            raise _db_error(code)
        return row.display_name

    assert await rename(session, user_id=user.id) == f"attempt {RETRY_ATTEMPTS}"
    assert len(attempts) == RETRY_ATTEMPTS
    await session.commit()
    name = await session.scalar(select(User.display_name).where(User.id == user.id))
    assert name == f"attempt {RETRY_ATTEMPTS}"


async def test_other_errors_and_exhausted_retries_are_raised(session) -> None:
    calls: list[str] = []

    @retry_on_conflict
    async def fail(_s, code: str) -> None:
        calls.append(code)
        raise _db_error(code)

    with pytest.raises(DBAPIError):
        await fail(session, "23505")
    assert calls == ["23505"]
    with pytest.raises(DBAPIError):
        await fail(session, "40P01")
    assert calls.count("40P01") == RETRY_ATTEMPTS
