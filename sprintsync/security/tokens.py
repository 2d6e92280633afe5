"""JWT access tokens (HS256): issued at log-in, verified on every request."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
# User ids are 32-bit INTEGER columns.
MAX_USER_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    version: int
    expires_at: float  # POSIX seconds


def create_access_token(*, user_id: int, version: int, secret: str, expires_minutes: int) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(user_id),
        "ver": version,
        "iat": now,
        "exp": now + timedelta(minutes=expires_minutes),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


# A client sends the same token on every request; verifying it once per process saves
# PyJWT's ~60 us per request. Entries are only ever valid tokens, kept until they expire.
_VERIFIED: dict[tuple[str, str], tuple[TokenClaims, float]] = {}
_VERIFIED_MAX = 10_000


def decode_access_token(token: str, *, secret: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token we signed; None for anything else."""
    cached = _VERIFIED.get((secret, token))
    if cached is not None and cached[1] > time.time():
        return cached[0]
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "ver"]},
        )
        claims = TokenClaims(
            user_id=int(payload["sub"]),
            version=int(payload["ver"]),
            expires_at=float(payload["exp"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if not 0 < claims.user_id <= MAX_USER_ID:
        return None  # names no row; the database driver would refuse the number
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = (claims, claims.expires_at)
    return claims


# The share of a session's lifetime left below which using it renews it.
RENEW_WHEN_LEFT = 0.5


def needs_renewal(claims: TokenClaims, *, lifetime_minutes: int, now: float | None = None) -> bool:
    """A session in the second half of its lifetime is renewed when used (sliding sessions):
    an active user is never logged out mid-work, while an idle one still expires."""
    remaining = claims.expires_at - (time.time() if now is None else now)
    return remaining < lifetime_minutes * 60 * RENEW_WHEN_LEFT
