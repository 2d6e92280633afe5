"""Request and response shapes for invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sprintsync.users.schemas import Email, RowId, StrictModel

InvitationRole = Literal["member", "lead"]
InvitationStatus = Literal["pending", "used", "expired", "revoked"]


class InvitationCreate(StrictModel):
    project_id: RowId | None = Field(default=None, description="The project it joins")
    email: Email | None = Field(default=None, description="Only this email may use it")
    role: InvitationRole = "member"
    expires_in_days: int | None = Field(
        default=None, ge=1, le=90, description="Default: SPRINTSYNC_INVITATION_DAYS"
    )


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    project_id: int | None
    role: InvitationRole
    created_by_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_id: int | None
    revoked_at: datetime | None
    status: InvitationStatus


class InvitationCreated(InvitationRead):
    token: str = Field(description="Shown only now; the server keeps only its hash")
    url: str = Field(description="The sign-up link to send to the person")


class InvitationPage(BaseModel):
    items: list[InvitationRead]
    total: int
    limit: int
    offset: int
