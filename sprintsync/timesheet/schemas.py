"""Request and response shapes for timers and time entries."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sprintsync.timesheet.models import EntrySource
from sprintsync.timeutil import CalendarDate

EntryMinutes = Annotated[int, Field(ge=1, le=1440, description="1 to 1440 minutes")]
Note = Annotated[str, Field(max_length=500)]


class ManualEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: EntryMinutes
    date: CalendarDate | None = Field(
        default=None, description="Day the work was done; today if absent"
    )
    note: Note = ""


class EntryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: EntryMinutes | None = None
    date: CalendarDate | None = None
    note: Note | None = None

    @field_validator("minutes", "date", "note")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class TimeEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_id: int
    user_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    minutes: int
    note: str
    source: EntrySource
    running: bool = False


class TimerRead(BaseModel):
    running: bool
    entry: TimeEntryRead | None
    elapsed_seconds: int = 0


class EntryPage(BaseModel):
    items: list[TimeEntryRead]
    total_minutes: int
    next_offset: int | None
