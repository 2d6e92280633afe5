"""Shapes for AI assist: requests by `mode`, what a provider must return, and responses.

Three layers, kept apart on purpose:
- `*Request`: what a client sends (bounded, so no prompt can grow without limit);
- `*Draft`: what a provider returns; model output is untrusted, so every field is typed
  and length-capped and anything that does not fit is rejected (and the offline provider
  answers instead);
- `*Suggestion`: what the client gets: the draft plus facts the service knows for sure
  (titles, dates, counts) and who answered: `provider`, `model`, `fallback`, `reason`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from sprintsync.tasks.priority import Priority
from sprintsync.tasks.schemas import Minutes, TaskRefValue, Title
from sprintsync.timeutil import ZONE_NAME_MAX, zone

TITLE_MAX = 200
CONTEXT_MAX = 2000
DEFAULT_CAPACITY_MINUTES = 6 * 60
MIN_SUBTASKS = 3
MAX_SUBTASKS = 8
MAX_SUBTASK_MINUTES = 2400
MAX_ESTIMATE_MINUTES = 6000
# Fewer similar finished tasks than this, and an estimate says it is a rough guess.
MIN_SIMILAR_FOR_ESTIMATE = 3

Context = Annotated[str, StringConstraints(strip_whitespace=True, max_length=CONTEXT_MAX)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1200)]
DraftMinutes = Annotated[int, Field(ge=5, le=MAX_ESTIMATE_MINUTES)]


class TaskKind(StrEnum):
    bug = "bug"
    incident = "incident"
    security = "security"
    feature = "feature"
    research = "research"
    docs = "docs"
    chore = "chore"
    test = "test"
    ops = "ops"
    ui = "ui"
    data_migration = "data_migration"


class Confidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


# --- requests ------------------------------------------------------------------------------


class _TaskInput(BaseModel):
    """A task named by id (one you can see) or described by a title, plus optional context."""

    model_config = ConfigDict(extra="forbid")

    task_id: TaskRefValue | None = Field(
        default=None,
        description="Use this task's title and text: its id (42) or key (API-42)",
    )
    title: Title | None = None
    context: Context = Field(default="", description="Extra notes; treated as data only")

    @model_validator(mode="after")
    def _needs_a_task(self) -> _TaskInput:
        if self.task_id is None and not self.title:
            raise ValueError("give either task_id or title")
        return self


class DescriptionRequest(_TaskInput):
    mode: Literal["description"]


class BreakdownRequest(_TaskInput):
    mode: Literal["breakdown"]


class EstimateRequest(_TaskInput):
    mode: Literal["estimate"]


class DailyPlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["daily_plan"]
    capacity_minutes: int = Field(
        default=DEFAULT_CAPACITY_MINUTES,
        ge=15,
        le=16 * 60,
        description="Focus time you have today, before subtracting time already logged",
    )
    timezone: str | None = Field(
        default=None,
        max_length=ZONE_NAME_MAX,
        description=(
            "An IANA time zone (e.g. Europe/Berlin) where your today starts and ends; "
            "your profile's zone when left out"
        ),
        examples=["America/New_York"],
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)  # raises ValueError, which becomes a 422
        return value


SuggestRequest = Annotated[
    DescriptionRequest | DailyPlanRequest | BreakdownRequest | EstimateRequest,
    Field(discriminator="mode"),
]


# --- what a provider returns ---------------------------------------------------------------


class DescriptionDraft(BaseModel):
    kind: TaskKind
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]
    acceptance_criteria: list[Line] = Field(min_length=1, max_length=8)
    risks: list[Line] = Field(default_factory=list, max_length=6)
    open_questions: list[Line] = Field(default_factory=list, max_length=6)
    estimate_minutes: DraftMinutes
    priority: Priority


class PlanDraftItem(BaseModel):
    task_id: int
    minutes: int = Field(ge=5, le=16 * 60, description="Time box for today")
    reason: Line


class PlanDraftDeferral(BaseModel):
    task_id: int
    reason: Line


class PlanDraft(BaseModel):
    items: list[PlanDraftItem] = Field(max_length=20)
    deferred: list[PlanDraftDeferral] = Field(default_factory=list, max_length=60)
    summary: Paragraph = ""


class SubtaskDraft(BaseModel):
    title: Title
    estimate_minutes: Annotated[int, Field(ge=5, le=MAX_SUBTASK_MINUTES)]


class BreakdownDraft(BaseModel):
    subtasks: list[SubtaskDraft] = Field(min_length=MIN_SUBTASKS, max_length=MAX_SUBTASKS)
    notes: Paragraph = ""


class EstimateDraft(BaseModel):
    estimate_minutes: DraftMinutes
    confidence: Confidence
    rationale: Paragraph


# --- responses -----------------------------------------------------------------------------


class AIMeta(BaseModel):
    provider: str = Field(description="Who answered: offline, gemini or openai")
    model: str
    fallback: bool = Field(description="True when the configured provider failed")
    reason_code: str | None = Field(
        default=None,
        description=(
            "Why the fallback was used, as a stable code: timeout, rate_limited, unavailable, "
            "circuit_open, rejected, not_configured, refused, invalid_output or provider_error; "
            "null otherwise"
        ),
    )
    reason: str | None = Field(description="The same, as a sentence for people; null otherwise")
    cached: bool = False


class SimilarTask(BaseModel):
    task_id: int
    title: str
    actual_minutes: int
    similarity: float


class DescriptionSuggestion(AIMeta):
    mode: Literal["description"] = "description"
    task_id: int | None
    title: str
    kind: TaskKind
    summary: str
    acceptance_criteria: list[str]
    risks: list[str]
    open_questions: list[str]
    estimate_minutes: int
    priority: Priority
    similar_count: int = Field(description="Finished tasks the estimate was calibrated on")
    description: str = Field(description="The draft as Markdown, ready for the task's text")
    priority_reason: str = Field(default="", description="Why this priority is suggested")
    estimate_reason: str = Field(default="", description="What the suggested estimate rests on")
    similar: list[SimilarTask] = Field(
        default_factory=list, description="The similar finished tasks drawn on, with their time"
    )
    estimate_rough_reason: str | None = Field(
        default=None,
        description=(
            f"Set with fewer than {MIN_SIMILAR_FOR_ESTIMATE} similar finished tasks: the "
            "estimate is a rough guess, said plainly"
        ),
    )


class PlanItem(BaseModel):
    task_id: int
    key: str = Field(default="", description="The task's key; its page is /tasks/KEY")
    title: str
    status: str
    priority: Priority
    due_date: date | None
    minutes: int = Field(description="Time box for today")
    remaining_minutes: int | None = Field(description="Estimate minus logged; null if none")
    reason: str
    timer_running: bool = Field(default=False, description="Your timer is running on it")


class DeferredItem(BaseModel):
    task_id: int
    key: str = ""
    title: str
    reason: str


class PlanTimer(BaseModel):
    """Your running timer, as the plan sees it, and why it looks forgotten (if it does)."""

    entry_id: int
    task_id: int
    key: str
    title: str
    started_at: datetime
    forgotten: str | None = Field(
        description=(
            "Why it looks forgotten (it ran longer than the long-timer setting, or across "
            "midnight in your zone); null if it does not"
        )
    )


class DailyPlanSuggestion(AIMeta):
    mode: Literal["daily_plan"] = "daily_plan"
    date: date
    capacity_minutes: int
    logged_today_minutes: int
    available_minutes: int
    planned_minutes: int
    items: list[PlanItem]
    deferred: list[DeferredItem]
    summary: str
    running_timer: PlanTimer | None = Field(default=None, description="Your running timer")


class SubtaskSuggestion(BaseModel):
    title: str
    estimate_minutes: int


class BreakdownSuggestion(AIMeta):
    mode: Literal["breakdown"] = "breakdown"
    task_id: int | None
    title: str
    subtasks: list[SubtaskSuggestion]
    total_minutes: int
    notes: str


class EstimateSuggestion(AIMeta):
    mode: Literal["estimate"] = "estimate"
    task_id: int | None
    title: str
    estimate_minutes: int
    confidence: Confidence
    similar_count: int = Field(description="How many similar finished tasks were used")
    similar: list[SimilarTask]
    logged_minutes: int = Field(description="Time already logged on this task")
    rationale: str
    rough: bool = Field(
        default=False,
        description=f"True with fewer than {MIN_SIMILAR_FOR_ESTIMATE} similar finished tasks",
    )
    rough_reason: str | None = Field(
        default=None, description="The same, as a sentence for people; null otherwise"
    )


Suggestion = DescriptionSuggestion | DailyPlanSuggestion | BreakdownSuggestion | EstimateSuggestion
SuggestResponse = Annotated[Suggestion, Field(discriminator="mode")]


# --- accepting a breakdown -----------------------------------------------------------------


class SubtaskAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    estimate_minutes: Minutes | None = None
    priority: Priority | None = Field(default=None, description="Defaults to the parent's")


class BreakdownAccept(BaseModel):
    """The subtasks the user kept (and maybe edited); only these become tasks."""

    model_config = ConfigDict(extra="forbid")

    parent_task_id: TaskRefValue | None = Field(
        default=None, description="The parent task's id (42) or key (API-42)"
    )
    subtasks: list[SubtaskAccept] = Field(min_length=1, max_length=MAX_SUBTASKS)


# --- forgotten timers ----------------------------------------------------------------------


class TimerFixAction(StrEnum):
    stop_at_last_activity = "stop_at_last_activity"
    stop_now = "stop_now"
    discard = "discard"


class TimerFix(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: TimerFixAction = Field(
        description=(
            "stop_at_last_activity: end it at your latest action on its task since it "
            "started (else an hour after the start); stop_now; discard: delete it"
        )
    )


class TimerFixRead(BaseModel):
    action: TimerFixAction
    entry_id: int
    task_id: int
    discarded: bool
    ended_at: datetime | None = Field(description="Where it was stopped; null if discarded")
    minutes: int = Field(description="Minutes logged (0 if discarded)")
    basis: str = Field(description="What the end time rests on, for people")
