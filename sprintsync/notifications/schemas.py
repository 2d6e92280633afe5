"""Request and response shapes for notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sprintsync.notifications.kinds import Kind
from sprintsync.users.schemas import RowId


class NotificationRead(BaseModel):
    id: int
    kind: Kind
    task_id: int
    task_title: str
    actor_id: int | None
    actor_name: str | None
    comment_id: int | None
    detail: str | None = Field(description="moved: the status the task was moved to")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page")


class NotificationListParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unread: bool = False
    limit: int = Field(default=20, ge=1, le=50)
    before: RowId | None = None


class UnreadCount(BaseModel):
    unread: int = Field(description="Unread notifications, counted up to 100")


class MarkedRead(BaseModel):
    marked: int


class NotificationSettings(BaseModel):
    """The in-app switch for each kind; true means you are told."""

    model_config = ConfigDict(extra="forbid")

    assigned: bool = True
    mentioned: bool = True
    commented: bool = True
    moved: bool = True


class NotificationSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assigned: bool | None = None
    mentioned: bool | None = None
    commented: bool | None = None
    moved: bool | None = None
