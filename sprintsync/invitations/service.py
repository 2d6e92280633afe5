"""Invitation rules: who may invite, the single-use claim, expiry and revocation.

A link carries a random token; only its SHA-256 is stored. Using one is a conditional UPDATE
(still unused, not revoked, not expired), so two people racing with the same link cannot
both get in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, func, or_, select, true, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.config import Settings
from sprintsync.db import utcnow
from sprintsync.errors import Conflict, Invalid, NotFound
from sprintsync.invitations import membership
from sprintsync.invitations.models import Invitation
from sprintsync.invitations.schemas import InvitationCreate
from sprintsync.users import service as users
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID

# Long enough that guessing is hopeless; short enough for a link in a chat message.
TOKEN_BYTES = 24
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the sign-up page says about the link someone opened."""

    invitation: Invitation
    inviter_name: str
    project_name: str | None


def invitation_url(base_url: str, token: str) -> str:
    """The link to send: the sign-up page that uses the invitation."""
    return base_url.rstrip("/") + f"/join/{token}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invitation(
    session: AsyncSession, settings: Settings, *, actor: User, data: InvitationCreate
) -> IssuedInvitation:
    if settings.effective_signup_policy == "closed":
        raise Conflict(
            "Sign-up is closed, so an invitation could not be used; an administrator creates "
            "accounts instead.",
            code="signup_closed",
        )
    await membership.check_may_invite(session, actor=actor, project_id=data.project_id)
    if data.email is not None and await users.get_by_email(session, data.email) is not None:
        raise Conflict(
            "This person already has an account.",
            code="email_taken",
            details=[{"field": "email", "message": "This person already has an account."}],
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    days = data.expires_in_days or settings.invitation_days
    invitation = Invitation(
        token_hash=hash_token(token),
        email=data.email,
        project_id=data.project_id,
        role=data.role,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    await session.flush()
    return IssuedInvitation(invitation=invitation, token=token)


def _visible_to(actor: User, managed: set[int] | None) -> ColumnElement[bool]:
    """The filter for invitations `actor` may see: their own, and their projects' ones."""
    if managed is None:
        return true()
    conditions = [Invitation.created_by_id == actor.id]
    if managed:
        conditions.append(Invitation.project_id.in_(managed))
    return or_(*conditions)


async def list_invitations(
    session: AsyncSession, *, actor: User, project_id: int | None, limit: int, offset: int
) -> tuple[list[Invitation], int]:
    managed = await membership.managed_project_ids(session, actor=actor)
    if managed is not None and not managed:
        # Only people who may invite anyone have a list (admins, project leads).
        await membership.check_may_invite(session, actor=actor, project_id=None)
    stmt = select(Invitation).where(_visible_to(actor, managed))
    if project_id is not None:
        stmt = stmt.where(Invitation.project_id == project_id)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(Invitation.id.desc()).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def revoke_invitation(
    session: AsyncSession, *, actor: User, invitation_id: int
) -> Invitation:
    managed = await membership.managed_project_ids(session, actor=actor)
    invitation = None
    if 0 < invitation_id <= MAX_ROW_ID:
        stmt = select(Invitation).where(Invitation.id == invitation_id, _visible_to(actor, managed))
        invitation = (await session.execute(stmt)).scalar_one_or_none()
    if invitation is None:
        raise NotFound("Invitation not found.", code="invitation_not_found")
    if invitation.used_at is not None:
        raise Conflict("This invitation has already been used.", code="invitation_used")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        await session.flush()
    return invitation


async def _find(session: AsyncSession, token: str) -> Invitation | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    stmt = select(Invitation).where(Invitation.token_hash == hash_token(token))
    return (await session.execute(stmt)).scalar_one_or_none()


def _refuse_unusable(invitation: Invitation | None) -> Invitation:
    if invitation is None or invitation.status == "revoked":
        raise NotFound(
            "This invitation link is not valid. Ask whoever sent it for a new one.",
            code="invitation_not_found",
        )
    if invitation.status == "used":
        raise Conflict(
            "This invitation has already been used. Ask whoever sent it for a new one.",
            code="invitation_used",
        )
    if invitation.status == "expired":
        raise Conflict(
            "This invitation has expired. Ask whoever sent it for a new one.",
            code="invitation_expired",
        )
    return invitation


async def describe(session: AsyncSession, *, token: str) -> InvitationView:
    """The usable invitation behind `token`, with who sent it and where it leads."""
    invitation = _refuse_unusable(await _find(session, token))
    names = await users.display_names(session, [invitation.created_by_id])
    projects = (
        await membership.project_names(session, {invitation.project_id})
        if invitation.project_id is not None
        else {}
    )
    return InvitationView(
        invitation=invitation,
        inviter_name=names.get(invitation.created_by_id, "A teammate"),
        project_name=projects.get(invitation.project_id) if invitation.project_id else None,
    )


async def check_for_signup(session: AsyncSession, *, token: str, email: str) -> Invitation:
    """The invitation `email` may sign up with, or a refusal saying why not."""
    invitation = _refuse_unusable(await _find(session, token))
    if invitation.email is not None and invitation.email != email.strip().lower():
        raise Invalid(
            "This invitation is for a different email address.",
            code="invitation_email_mismatch",
            details=[
                {"field": "email", "message": "Use the email address the invitation was sent to."}
            ],
        )
    return invitation


async def accept(session: AsyncSession, *, invitation: Invitation, user: User) -> None:
    """Use the invitation up for `user` (at most once, whoever races) and join its project."""
    now = utcnow()
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE answers a cursor result, which knows how many rows it changed.
    if cast(CursorResult[Any], result).rowcount != 1:
        raise Conflict(
            "This invitation has already been used. Ask whoever sent it for a new one.",
            code="invitation_used",
        )
    await session.refresh(invitation)
    inviter = await session.get(User, invitation.created_by_id)
    await membership.join_project(
        session,
        inviter=inviter,
        project_id=invitation.project_id,
        user=user,
        role=invitation.role,
    )
