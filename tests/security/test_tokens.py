"""Access tokens on their own: which claims a token must carry, the user ids it may name,
that a token verified once still dies at its expiry, and when a session counts as half-used.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from sprintsync.security import tokens
from sprintsync.security.tokens import (
    MAX_USER_ID,
    TokenClaims,
    create_access_token,
    decode_access_token,
    needs_renewal,
)

SECRET = "token-tests-secret-key-that-is-long-enough-0123"


def _encode(**changes: Any) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": "7", "ver": 2, "iat": now, "exp": now + timedelta(hours=1)}
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, SECRET, "HS256")


def test_a_fresh_token_gives_back_its_user_version_and_expiry() -> None:
    before = time.time()
    token = create_access_token(user_id=42, version=3, secret=SECRET, expires_minutes=90)
    claims = decode_access_token(token, secret=SECRET)
    assert claims is not None
    assert (claims.user_id, claims.version) == (42, 3)
    assert before + 90 * 60 - 2 <= claims.expires_at <= time.time() + 90 * 60 + 1


def test_a_token_is_issued_now_in_utc_whatever_the_local_zone() -> None:
    token = create_access_token(user_id=1, version=0, secret=SECRET, expires_minutes=10)
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert abs(payload["iat"] - time.time()) < 5
    assert payload["exp"] - payload["iat"] == 10 * 60


@pytest.mark.parametrize("missing", ["sub", "ver", "iat", "exp"])
def test_a_token_without_any_one_required_claim_is_refused(missing: str) -> None:
    assert decode_access_token(_encode(**{missing: None}), secret=SECRET) is None


@pytest.mark.parametrize("changes", [{"ver": "two"}, {"ver": [2]}, {"sub": "seven"}])
def test_a_token_with_a_non_numeric_subject_or_version_is_refused(changes: dict) -> None:
    assert decode_access_token(_encode(**changes), secret=SECRET) is None


@pytest.mark.parametrize("user_id", [1, MAX_USER_ID])
def test_any_32_bit_positive_user_id_is_accepted(user_id: int) -> None:
    claims = decode_access_token(_encode(sub=str(user_id)), secret=SECRET)
    assert claims is not None
    assert claims.user_id == user_id


@pytest.mark.parametrize("user_id", [0, -1, MAX_USER_ID + 1, 2**63])
def test_a_user_id_no_row_can_have_is_refused(user_id: int) -> None:
    assert decode_access_token(_encode(sub=str(user_id)), secret=SECRET) is None


def test_a_token_verified_once_is_still_refused_after_it_expires() -> None:
    expires = int(time.time()) + 2
    token = _encode(exp=expires)
    assert decode_access_token(token, secret=SECRET) is not None
    assert decode_access_token(token, secret=SECRET) is not None  # the verified copy
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    assert decode_access_token(token, secret=SECRET) is None


def test_a_token_verified_under_one_key_is_refused_under_another() -> None:
    token = _encode()
    assert decode_access_token(token, secret=SECRET) is not None
    assert decode_access_token(token, secret=SECRET + "-rotated") is None


def test_the_verified_token_memory_stays_bounded() -> None:
    tokens._VERIFIED.clear()
    now = datetime.now(UTC)
    for user_id in range(1, tokens._VERIFIED_MAX + 2):
        token = jwt.encode(
            {"sub": str(user_id), "ver": 0, "iat": now, "exp": now + timedelta(hours=1)},
            SECRET,
            "HS256",
        )
        assert decode_access_token(token, secret=SECRET) is not None
    assert 0 < len(tokens._VERIFIED) <= tokens._VERIFIED_MAX


def _claims_expiring_at(at: float) -> TokenClaims:
    return TokenClaims(user_id=1, version=0, expires_at=at)


def test_a_session_is_renewed_only_once_less_than_half_of_its_life_is_left() -> None:
    now = 1_000_000.0
    lifetime = 60  # minutes; half of it is 1,800 seconds
    assert not needs_renewal(_claims_expiring_at(now + 3600), lifetime_minutes=lifetime, now=now)
    assert not needs_renewal(_claims_expiring_at(now + 1800), lifetime_minutes=lifetime, now=now)
    assert needs_renewal(_claims_expiring_at(now + 1799), lifetime_minutes=lifetime, now=now)
    assert needs_renewal(_claims_expiring_at(now + 1), lifetime_minutes=lifetime, now=now)


def test_renewal_is_judged_against_the_clock_when_no_time_is_given() -> None:
    soon = _claims_expiring_at(time.time() + 60)
    fresh = _claims_expiring_at(time.time() + 3500)
    assert needs_renewal(soon, lifetime_minutes=60)
    assert not needs_renewal(fresh, lifetime_minutes=60)
