"""Request and response shapes for accounts."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
)

from sprintsync.security.passwords import password_problem
from sprintsync.timeutil import valid_zone_name

# Bidirectional controls (U+202E turns "Grace" into "ecarG" on screen), other invisible
# format characters and control characters: none belongs in a name.
_HIDDEN = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\x00-\x1f\x7f-\x9f]")


def _clean_name(value: object) -> object:
    """NFC-normalised, with invisible and direction-changing characters removed."""
    if not isinstance(value, str):
        return value
    return _HIDDEN.sub("", unicodedata.normalize("NFC", value)).strip()


def _normal_email(email: str) -> str:
    """Lower case, with an internationalised domain in its ASCII (punycode) form, so that
    look-alike domains are visible as such (grace@bücher.example -> grace@xn--bcher-kva...)."""
    local, _, domain = email.lower().rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError("The email's domain is not a valid domain name.") from exc
    return f"{local}@{ascii_domain}"


Email = Annotated[EmailStr, AfterValidator(_normal_email), Field(max_length=320)]
# The constraints first, so that they apply to the string itself (errors of type
# string_too_short, which the pages explain); the cleaning runs before them regardless.
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    BeforeValidator(_clean_name),
]


def _guessable(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise ValueError(problem)
    return password


# A new password: 8-128 characters and not among the easily guessed (see password_problem).
Password = Annotated[str, Field(min_length=8, max_length=128), AfterValidator(_guessable)]
TimeZoneName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    AfterValidator(valid_zone_name),
    Field(description="IANA time zone, e.g. Europe/Berlin", examples=["America/Los_Angeles"]),
]

# Row ids are 32-bit INTEGER columns: a bigger number names no row, and the database
# drivers raise on it (a 500) instead of finding nothing. Services answer 404 for such
# ids; request fields that hold an id are bounded by `RowId`.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def parse_row_id(text: str) -> int | None:
    """The row id a path or query value spells in ASCII digits, or None if it names no row.

    `str.isdigit` alone lets "²" through to `int()` (a ValueError, so a 500), and `int()`
    refuses strings over 4,300 digits; ten digits hold every row id.
    """
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ROW_ID else None


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    must_change_password: bool = Field(
        default=False, description="An admin reset the password; it must be changed first."
    )
    time_zone: str
    created_at: datetime


class UserCreate(StrictModel):
    email: Email
    display_name: DisplayName
    password: Password
    is_admin: StrictBool = False
    time_zone: TimeZoneName | None = Field(
        default=None, description="IANA time zone; the team default if absent"
    )


class UserUpdate(StrictModel):
    display_name: DisplayName | None = None
    email: Email | None = None
    # Strict: 0, 1, "yes" are not booleans here (JSON true/false only).
    is_admin: StrictBool | None = None
    is_active: StrictBool | None = None


class PasswordReset(StrictModel):
    """A temporary password set by an admin; the user must replace it at the next log-in."""

    password: Password


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    limit: int
    offset: int
