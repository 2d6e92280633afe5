"""Response shape of a task's activity feed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from sprintsync.comments.schemas import CommentRead


class ActivityRead(BaseModel):
    kind: Literal["created", "status", "assignee", "estimate", "time", "comment"]
    at: datetime
    actor_id: int | None
    actor_name: str | None
    old: str | int | None = Field(
        description="status: the old status; assignee: the old user id; estimate: minutes"
    )
    new: str | int | None = Field(description="As `old`, after the change")
    minutes: int | None = Field(description="time: the minutes logged")
    note: str | None = Field(description="time: the entry's note")
    comment: CommentRead | None
