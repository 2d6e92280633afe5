"""Request and response shapes for reports: periods, time per day, cycle time, accuracy."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

Period = Literal["week", "month", "custom"]
Grouping = Literal["user", "task", "project"]


class Range(BaseModel):
    """The days a figure covers, inclusive, in the requesting user's time zone."""

    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    time_zone: str
    week_start: int = Field(description="ISO weekday weeks start on: 1 = Monday ... 7 = Sunday")


class TopUser(BaseModel):
    user_id: int
    display_name: str
    minutes: int
    entries_url: str = Field(description="The time entries behind this figure")


class TopUsers(BaseModel):
    range: Range
    items: list[TopUser]


class DayTotal(BaseModel):
    day: dt.date
    key: int = Field(description="The user's, task's or project's id, by the grouping asked for")
    label: str
    minutes: int
    entries_url: str


class TimePerDay(BaseModel):
    range: Range
    group: Grouping
    items: list[DayTotal]


class StatusStays(BaseModel):
    status: str
    stays: int = Field(description="Stays in this status that ended in the range")
    mean_hours: float
    median_hours: float


class CycleTime(BaseModel):
    range: Range
    items: list[StatusStays]


class TaskStatusTime(BaseModel):
    status: str
    stays: int
    hours: float


class TaskCycleTime(BaseModel):
    task_id: int
    items: list[TaskStatusTime]


class Accuracy(BaseModel):
    user_id: int | None = Field(description="The assignee; null for everyone together")
    display_name: str
    tasks: int
    median_ratio: float = Field(description="Median of actual / estimated minutes")
    within_25_percent: float = Field(description="Share of tasks with 0.75 <= ratio <= 1.25")


class EstimateAccuracy(BaseModel):
    range: Range
    overall: Accuracy | None
    items: list[Accuracy]


class WeekCount(BaseModel):
    week: dt.date = Field(description="The week's first day")
    finished: int


class Throughput(BaseModel):
    range: Range
    items: list[WeekCount]
