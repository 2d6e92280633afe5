"""Request and response shapes for projects and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from sprintsync.projects.models import Role
from sprintsync.users.schemas import RowId

# The cookie that remembers the last project board opened, for the header's switcher.
LAST_PROJECT_COOKIE = "last_project"

KEY_PATTERN = r"^[A-Z]{2,10}$"
ProjectKey = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=KEY_PATTERN),
    Field(description="2-10 capital letters, e.g. API; prefixes every task key (API-42)"),
]
ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ProjectDescription = Annotated[str, Field(max_length=2_000)]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: ProjectKey
    name: ProjectName
    description: ProjectDescription = ""


class ProjectUpdate(BaseModel):
    """Rename, describe, archive or restore; the key never changes (task keys use it)."""

    model_config = ConfigDict(extra="forbid")

    name: ProjectName | None = None
    description: ProjectDescription | None = None
    archived: bool | None = None

    @field_validator("name", "description", "archived")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    description: str
    archived: bool
    created_at: datetime
    role: Role | None = Field(
        default=None, description="Your role in it; null when you see it as an admin only"
    )


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: RowId
    role: Role = Role.member


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class MemberRead(BaseModel):
    user_id: int
    display_name: str
    email: str
    is_active: bool
    role: Role
    joined_at: datetime


class MemberRemoved(BaseModel):
    user_id: int
    unassigned_tasks: int = Field(description="Their open tasks in the project, now unassigned")
