"""Request and response shapes for accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from sprintsync.security.passwords import password_problem
from sprintsync.timeutil import valid_zone_name

Email = Annotated[EmailStr, AfterValidator(lambda v: v.lower()), Field(max_length=320)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


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
    is_admin: bool = False
    time_zone: TimeZoneName | None = Field(
        default=None, description="IANA time zone; the team default if absent"
    )


class UserUpdate(StrictModel):
    display_name: DisplayName | None = None
    email: Email | None = None
    is_admin: bool | None = None
    is_active: bool | None = None


class PasswordReset(StrictModel):
    """A temporary password set by an admin; the user must replace it at the next log-in."""

    password: Password


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    limit: int
    offset: int
