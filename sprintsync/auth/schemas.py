"""Request and response shapes for sign-up, log-in and one's own profile."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from sprintsync.users.schemas import (
    DisplayName,
    Email,
    Password,
    StrictModel,
    TimeZoneName,
    UserRead,
)


class SignupRequest(StrictModel):
    email: Email
    display_name: DisplayName
    password: Password
    invitation: str | None = Field(
        default=None, max_length=100, description="The token of an invitation link"
    )
    time_zone: TimeZoneName | None = Field(
        default=None, description="The browser's IANA zone; the team default if absent"
    )


class LoginRequest(StrictModel):
    email: Email
    password: str = Field(min_length=1, max_length=128)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    csrf_token: str = Field(description="Send as X-CSRF-Token on unsafe cookie requests.")
    user: UserRead


class ProfileUpdate(StrictModel):
    display_name: DisplayName | None = None
    time_zone: TimeZoneName | None = None
    current_password: str | None = Field(default=None, max_length=128)
    new_password: Password | None = None

    @model_validator(mode="after")
    def _password_change_needs_current(self) -> ProfileUpdate:
        if self.new_password is not None and not self.current_password:
            raise PydanticCustomError(
                "current_password_required", "current_password is required to set a new password"
            )
        return self
