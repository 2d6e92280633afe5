"""Sign-up, log-in with throttling, sessions and one's own profile."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.auth.schemas import ProfileUpdate
from sprintsync.config import Settings
from sprintsync.errors import Forbidden, Invalid, TooManyRequests, Unauthorized
from sprintsync.invitations import service as invitations
from sprintsync.invitations.models import Invitation
from sprintsync.invitations.service import InvitationView
from sprintsync.projects import service as projects
from sprintsync.ratelimit import Limiter
from sprintsync.security.passwords import hash_password, verify_password
from sprintsync.security.tokens import create_access_token
from sprintsync.users import service as users
from sprintsync.users.models import User
from sprintsync.web.csrf import csrf_token_for

# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH: dict[bool, str] = {}


@dataclass(frozen=True, slots=True)
class SignupThrottle:
    """Sign-ups per client address and over all clients: each one costs an argon2 hash
    (about 64 MB and a core for a while), so a burst is refused before it is queued."""

    by_client: Limiter
    overall: Limiter

    async def take(self, client: str) -> None:
        """Count one sign-up attempt, or raise 429 with Retry-After."""
        message = "Too many sign-ups; try again later."
        await self.by_client.consume(client, message)
        if not await self.overall.acquire("all"):
            await self.by_client.refund(client)
            raise TooManyRequests(message, retry_after=await self.overall.retry_after("all"))


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    by_email: Limiter
    by_client: Limiter


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A signed-in user's access token, its CSRF companion and lifetime."""

    user: User
    token: str
    csrf_token: str
    expires_in: int


def start_session(user: User, settings: Settings) -> TokenGrant:
    secret = settings.secret_key.get_secret_value()
    token = create_access_token(
        user_id=user.id,
        version=user.token_version,
        secret=secret,
        expires_minutes=settings.access_token_expire_minutes,
    )
    return TokenGrant(
        user=user,
        token=token,
        csrf_token=csrf_token_for(token, secret=secret),
        expires_in=settings.access_token_expire_minutes * 60,
    )


async def signup(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    display_name: str,
    password: str,
    invitation: str | None = None,
    time_zone: str | None = None,
) -> TokenGrant:
    """Create an account as the sign-up policy allows; an invitation also joins its project."""
    invite = await check_signup_allowed(session, settings, email=email, invitation=invitation)
    user = await users.create_user(
        session,
        email=email,
        display_name=display_name,
        password=password,
        password_hash_fast=settings.password_hash_fast,
        time_zone=time_zone or settings.default_time_zone,
    )
    if invite is not None:
        await invitations.accept(session, invitation=invite, user=user)
    await projects.join_projects_by_name(session, user=user, names=settings.signup_projects)
    return start_session(user, settings)


async def check_signup_allowed(
    session: AsyncSession, settings: Settings, *, email: str, invitation: str | None
) -> Invitation | None:
    """The invitation to sign up with, or None under an open policy; else a refusal."""
    _refuse_by_policy(settings, invited=bool(invitation))
    if invitation:
        return await invitations.check_for_signup(session, token=invitation, email=email)
    return None


async def signup_offer(
    session: AsyncSession, settings: Settings, *, invitation: str | None
) -> InvitationView | None:
    """What the sign-up page offers: the invitation behind its link, None for an open
    sign-up, or (raised) the reason there is no form."""
    _refuse_by_policy(settings, invited=bool(invitation))
    if invitation:
        return await invitations.describe(session, token=invitation)
    return None


def _refuse_by_policy(settings: Settings, *, invited: bool) -> None:
    policy = settings.effective_signup_policy
    if policy == "closed":
        raise Forbidden(
            "Sign-up is closed. Ask an administrator to create an account for you.",
            code="signup_closed",
        )
    if policy == "invite" and not invited:
        raise Forbidden(
            "Sign-up is by invitation only. Ask a project lead or an administrator for an "
            "invitation link.",
            code="invitation_required",
        )


async def login(
    session: AsyncSession,
    settings: Settings,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    client: str,
) -> TokenGrant:
    email = email.strip().lower()
    # Count the attempt before checking it, so concurrent guesses cannot all slip through.
    await _count_attempt(throttle, email=email, client=client)
    user = await users.get_by_email(session, email)
    fast = settings.password_hash_fast
    if user is None:
        await verify_password(password, await _dummy_hash(fast), password_hash_fast=fast)
        ok = False
    else:
        ok = await verify_password(password, user.password_hash, password_hash_fast=fast)
    if not ok or user is None:
        raise Unauthorized("Incorrect email or password.", code="invalid_credentials")
    if not user.is_active:
        # Only someone who knows the password learns that the account exists but is off.
        raise Forbidden(
            "Your account has been deactivated. Ask an administrator to reactivate it.",
            code="account_deactivated",
        )
    # Only failures count: a successful log-in gives its attempts back.
    await throttle.by_email.clear(email)
    await throttle.by_client.refund(client)
    return start_session(user, settings)


async def _count_attempt(throttle: LoginThrottle, *, email: str, client: str | None) -> None:
    """Take one attempt from the email's and the client's budgets, or answer 429.

    Counting before the password is checked means concurrent guesses cannot all pass a
    check that none of them has yet counted against.
    """
    if not await throttle.by_email.acquire(email):
        wait = await throttle.by_email.retry_after(email)
    elif client is not None and not await throttle.by_client.acquire(client):
        await throttle.by_email.refund(email)
        wait = await throttle.by_client.retry_after(client)
    else:
        return
    raise TooManyRequests("Too many failed log-in attempts; try again later.", retry_after=wait)


async def logout_everywhere(session: AsyncSession, *, user: User) -> None:
    user.token_version += 1
    await session.flush()


async def update_profile(
    session: AsyncSession,
    settings: Settings,
    *,
    user: User,
    changes: ProfileUpdate,
    throttle: LoginThrottle,
) -> TokenGrant | None:
    """Apply profile changes; a password change returns a fresh session (older ones die).

    Checking the current password counts against the same per-email limit as logging in, so
    a stolen session cannot be used to guess it.
    """
    if changes.display_name is not None:
        user.display_name = changes.display_name
    if changes.time_zone is not None:
        user.time_zone = changes.time_zone
    new_session = None
    if changes.new_password is not None:
        fast = settings.password_hash_fast
        await _count_attempt(throttle, email=user.email, client=None)
        current = changes.current_password or ""
        if not await verify_password(current, user.password_hash, password_hash_fast=fast):
            raise Invalid(
                "The current password is not correct.",
                code="wrong_password",
                details=[{"field": "current_password", "message": "Incorrect password."}],
            )
        await throttle.by_email.clear(user.email)
        if user.must_change_password and changes.new_password == changes.current_password:
            raise Invalid(
                "Choose a new password, not the temporary one.",
                code="same_password",
                details=[{"field": "new_password", "message": "Choose a different password."}],
            )
        user.password_hash = await hash_password(changes.new_password, password_hash_fast=fast)
        user.must_change_password = False
        user.token_version += 1
        new_session = start_session(user, settings)
    await session.flush()
    return new_session


async def _dummy_hash(fast: bool) -> str:
    if fast not in _DUMMY_HASH:
        _DUMMY_HASH[fast] = await hash_password("not-a-real-password", password_hash_fast=fast)
    return _DUMMY_HASH[fast]
