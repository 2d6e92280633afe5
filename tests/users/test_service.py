"""Unit tests of `users.service`: unique emails, admin rules and the last-admin guard."""

from __future__ import annotations

import pytest

from sprintsync.errors import Conflict, Forbidden, NotFound
from sprintsync.users import service
from sprintsync.users.schemas import UserUpdate
from tests.factories import make_user


async def test_emails_are_unique_whatever_their_case(session) -> None:
    await service.create_user(
        session,
        email="Dup@Example.com",
        display_name="a",
        password="long-enough",
        password_hash_fast=True,
    )
    await session.commit()
    with pytest.raises(Conflict) as caught:
        await service.create_user(
            session,
            email="dup@EXAMPLE.com ",
            display_name="b",
            password="long-enough",
            password_hash_fast=True,
        )
    assert caught.value.code == "email_taken"
    assert (await service.get_by_email(session, " DUP@example.COM")).display_name == "a"


async def test_deactivating_a_user_bumps_their_token_version(session) -> None:
    admin = await make_user(session, is_admin=True)
    user = await make_user(session)
    updated = await service.deactivate_user(session, actor=admin, user_id=user.id)
    assert (updated.is_active, updated.token_version) == (False, 1)


async def test_non_admins_cannot_deactivate_anyone(session) -> None:
    me, other = await make_user(session), await make_user(session)
    with pytest.raises(Forbidden):
        await service.deactivate_user(session, actor=me, user_id=other.id)


async def test_non_admins_see_only_themselves(session) -> None:
    me, other = await make_user(session), await make_user(session)
    assert (await service.get_user(session, actor=me, user_id=me.id)).id == me.id
    with pytest.raises(NotFound):
        await service.get_user(session, actor=me, user_id=other.id)


@pytest.mark.parametrize("change", [UserUpdate(is_admin=False), UserUpdate(is_active=False)])
async def test_the_last_active_admin_is_kept(session, change: UserUpdate) -> None:
    admin = await make_user(session, is_admin=True)
    with pytest.raises(Conflict) as caught:
        await service.update_user(session, actor=admin, user_id=admin.id, changes=change)
    assert caught.value.code == "last_admin"
    assert (admin.is_admin, admin.is_active) == (True, True)


async def test_demoting_one_of_two_admins_is_allowed(session) -> None:
    admin, other = (
        await make_user(session, is_admin=True),
        await make_user(session, is_admin=True),
    )
    demoted = await service.update_user(
        session, actor=admin, user_id=other.id, changes=UserUpdate(is_admin=False)
    )
    await session.commit()
    assert demoted.is_admin is False
    with pytest.raises(Conflict):
        await service.update_user(
            session, actor=admin, user_id=admin.id, changes=UserUpdate(is_active=False)
        )


async def test_only_admins_may_change_accounts_even_their_own(session) -> None:
    user = await make_user(session)
    with pytest.raises(Forbidden) as caught:
        await service.update_user(
            session, actor=user, user_id=user.id, changes=UserUpdate(is_admin=True)
        )
    assert caught.value.code == "admin_required"
