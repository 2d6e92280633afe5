"""Request and response shapes for tasks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sprintsync.tasks.models import Priority, TaskStatus
from sprintsync.timeutil import CalendarDate, DayFilter
from sprintsync.users.schemas import RowId

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=10_000)]
# Strict: `false` or "30" are not a number of minutes.
Minutes = Annotated[int, Field(ge=0, le=100_000, strict=True)]


class PriorityName(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"

    @property
    def rank(self) -> int:
        return Priority[self.value].value


PRIORITY_NAMES = [p.name for p in sorted(Priority)]
STATUS_LABELS = {"todo": "Todo", "in_progress": "In progress", "done": "Done"}


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    priority: PriorityName = PriorityName.medium
    estimate_minutes: Minutes | None = None
    due_date: CalendarDate | None = None
    assignee_id: RowId | None = Field(default=None, description="Admins only; defaults to you")


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None
    priority: PriorityName | None = None
    estimate_minutes: Minutes | None = None
    due_date: CalendarDate | None = None
    assignee_id: RowId | None = None

    @field_validator("title", "priority", "assignee_id", "description")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TaskStatus


class TaskRead(BaseModel):
    id: int
    title: str
    description: str
    status: TaskStatus
    priority: PriorityName
    estimate_minutes: int | None
    due_date: date | None
    owner_id: int
    assignee_id: int
    total_minutes: int
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: TaskStatus | None
    to_status: TaskStatus
    changed_by_id: int | None
    changed_at: datetime


SortKey = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_date",
    "-due_date",
    "priority",
    "-priority",
    "title",
    "-title",
]


class TaskListParams(BaseModel):
    """Query parameters of the task list, validated as one model."""

    status: TaskStatus | None = None
    assignee_id: RowId | None = None
    priority: PriorityName | None = None
    q: str | None = Field(default=None, max_length=200, description="Search title/description")
    due_before: DayFilter | None = None
    due_after: DayFilter | None = None
    sort: SortKey = "-created_at"
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=500)
