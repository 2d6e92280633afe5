"""Request and response shapes for tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.convertors import Convertor, register_url_convertor

from sprintsync.tasks.models import TaskStatus
from sprintsync.tasks.priority import Priority
from sprintsync.timeutil import CalendarDate
from sprintsync.users.schemas import RowId

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=10_000)]
# Strict: `false` or "30" are not a number of minutes.
Minutes = Annotated[int, Field(ge=0, le=100_000, strict=True)]


# A task named in a request body: its id (42) or its key ("API-42").
TaskRefValue = RowId | Annotated[str, StringConstraints(strip_whitespace=True, max_length=24)]


class TaskRefConvertor(Convertor[str]):
    """`{name:taskref}` in page routes: a task id (42) or key (API-42), nothing else, so
    /tasks/new and friends still reach their own routes."""

    regex = r"[0-9]{1,10}|[A-Za-z]{2,10}-[0-9]{1,9}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("taskref", TaskRefConvertor())

# A path parameter naming a task by id (42) or key (API-42); both name the same task.
TaskRef = Annotated[str, Path(description="The task's id (42) or key (API-42)")]

# Least to most urgent, for choices in forms and filters.
PRIORITY_NAMES = [p.value for p in Priority]
STATUS_LABELS = {"todo": "Todo", "in_progress": "In progress", "done": "Done"}


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    priority: Priority = Priority.medium
    estimate_minutes: Minutes | None = None
    due_date: CalendarDate | None = None
    project_id: RowId | None = Field(
        default=None, description="Defaults to your first project (by name)"
    )
    assignee_id: RowId | None = Field(
        default=None,
        description="A member of the project, or null for nobody; defaults to you",
    )
    parent_id: RowId | None = Field(
        default=None,
        description="Make it a subtask of this task: it takes the parent's project and,"
        " unless given, its assignee; a subtask cannot have subtasks",
    )


def _not_nullable(schema: dict[str, Any]) -> None:
    """Document a field that refuses null (see `TaskUpdate._not_null`) without null.

    The type stays `X | None` so that an omitted field reads as None and errors keep their
    plain location; only the published schema drops the null alternative and default.
    """
    schema.pop("default", None)
    others = [s for s in schema.pop("anyOf", []) if s != {"type": "null"}]
    if len(others) == 1:
        schema.update(others[0])


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Omit a field to keep it; null is refused (by `_not_null`), so the schema does not offer it.
    title: Title | None = Field(default=None, json_schema_extra=_not_nullable)
    description: Description | None = Field(default=None, json_schema_extra=_not_nullable)
    priority: Priority | None = Field(default=None, json_schema_extra=_not_nullable)
    estimate_minutes: Minutes | None = None
    due_date: CalendarDate | None = None
    assignee_id: RowId | None = Field(
        default=None, description="A member of the task's project; null unassigns"
    )

    @field_validator("title", "priority", "description")
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
    key: str = Field(description="The task's human key, e.g. API-42; accepted wherever an id is")
    project_id: int
    number: int
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    estimate_minutes: int | None
    due_date: date | None
    owner_id: int
    assignee_id: int | None
    parent_id: int | None = Field(default=None, description="The parent task, for a subtask")
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
