"""Account rules: creation, lookup, admin changes, the last-admin guard."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.db import like_pattern
from sprintsync.errors import Conflict, Forbidden, NotFound
from sprintsync.security.passwords import hash_password
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID, UserUpdate


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    password: str,
    is_admin: bool = False,
    password_hash_fast: bool = False,
    time_zone: str = "UTC",
) -> User:
    """A new active account; `time_zone` must be an IANA name (schemas validate it)."""
    email = email.strip().lower()
    if await get_by_email(session, email) is not None:
        raise Conflict("An account with this email already exists.", code="email_taken")
    user = User(
        email=email,
        display_name=display_name,
        password_hash=await hash_password(password, password_hash_fast=password_hash_fast),
        is_admin=is_admin,
        is_active=True,
        token_version=0,
        time_zone=time_zone,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same email won the race
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    return user


async def get_user(session: AsyncSession, *, actor: User, user_id: int) -> User:
    if not actor.is_admin and actor.id != user_id:
        raise NotFound("User not found.", code="user_not_found")
    user = await session.get(User, user_id) if 0 < user_id <= MAX_ROW_ID else None
    if user is None:
        raise NotFound("User not found.", code="user_not_found")
    return user


async def list_users(
    session: AsyncSession, *, q: str | None, limit: int, offset: int
) -> tuple[list[User], int]:
    stmt = select(User)
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(User.id).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def _active_admin_count(session: AsyncSession) -> int:
    """Active admins, their rows locked (in id order) until commit, so that two admins who
    step down at the same moment cannot both see the other one and leave nobody in charge."""
    stmt = (
        select(User.id)
        .where(User.is_admin.is_(True), User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    return len((await session.execute(stmt)).all())


async def update_user(
    session: AsyncSession, *, actor: User, user_id: int, changes: UserUpdate
) -> User:
    """Admin changes to an account; the last active admin cannot lock everyone out.

    Checks the actor's rights itself, whatever route calls it.
    """
    if not actor.is_admin:
        raise Forbidden("Administrators only.", code="admin_required")
    user = await get_user(session, actor=actor, user_id=user_id)
    data = changes.model_dump(exclude_unset=True)
    removes_admin = (data.get("is_admin") is False or data.get("is_active") is False) and (
        user.is_admin and user.is_active
    )
    if removes_admin and await _active_admin_count(session) <= 1:
        raise Conflict(
            "This is the last active administrator; promote someone else first.",
            code="last_admin",
        )
    # The email first: if it is taken, nothing else of the change has been applied.
    if data.get("email") is not None and data["email"] != user.email:
        await _change_email(session, user, data["email"])
    if data.get("display_name") is not None:
        user.display_name = data["display_name"]
    if data.get("is_admin") is not None:
        user.is_admin = data["is_admin"]
    if data.get("is_active") is not None:
        if data["is_active"] is False and user.is_active:
            user.token_version += 1  # sign the user out everywhere at once
        user.is_active = data["is_active"]
    await session.flush()
    return user


async def _change_email(session: AsyncSession, user: User, email: str) -> None:
    other = await get_by_email(session, email)
    if other is not None and other.id != user.id:
        raise Conflict("An account with this email already exists.", code="email_taken")
    user.email = email
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # another account took the email at the same moment
        raise Conflict("An account with this email already exists.", code="email_taken") from exc


async def reset_password(
    session: AsyncSession,
    *,
    actor: User,
    user_id: int,
    password: str,
    password_hash_fast: bool = False,
) -> User:
    """An admin sets a temporary password: the user's sessions end, and they must choose a
    new password before doing anything else."""
    if not actor.is_admin:
        raise Forbidden("Administrators only.", code="admin_required")
    user = await get_user(session, actor=actor, user_id=user_id)
    await set_password(
        session, user, password, temporary=True, password_hash_fast=password_hash_fast
    )
    return user


async def set_password(
    session: AsyncSession,
    user: User,
    password: str,
    *,
    temporary: bool,
    password_hash_fast: bool = False,
) -> None:
    """Replace the password and end every session; `temporary` forces a change at log-in."""
    user.password_hash = await hash_password(password, password_hash_fast=password_hash_fast)
    user.must_change_password = temporary
    user.token_version += 1
    await session.flush()


async def deactivate_user(session: AsyncSession, *, actor: User, user_id: int) -> User:
    return await update_user(
        session, actor=actor, user_id=user_id, changes=UserUpdate(is_active=False)
    )


async def display_names(
    session: AsyncSession, ids: Iterable[int], *, known: Iterable[User] = ()
) -> dict[int, str]:
    """Names for the given user ids: from `known` users where it has them, the rest in one
    primary-key lookup (none when `known` covers them all)."""
    names = {u.id: u.display_name for u in known}
    wanted = {i for i in ids if i is not None and i not in names}
    if wanted:
        rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
        names.update((row.id, row.display_name) for row in rows)
    return names
