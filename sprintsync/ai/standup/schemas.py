"""The stand-up as data: every line carries the link to what is behind it.

The offline text is rendered from these lines (`standup.text`); a network provider is sent
them and may only rephrase that text (`standup.service`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Scope = Literal["user", "project"]


class TimeLine(BaseModel):
    """Time logged on one task on the day: one person's, or the team's (`person` None)."""

    person_id: int | None
    person: str | None = Field(description="Whose time; null for a team total")
    task_key: str
    task_title: str
    minutes: int
    url: str = Field(description="The entries behind the figure")


class StatusLine(BaseModel):
    person_id: int | None
    person: str
    task_key: str
    task_title: str
    from_status: str
    to_status: str
    url: str


class CommentLine(BaseModel):
    person_id: int | None
    person: str
    task_key: str
    task_title: str
    comment_id: int
    excerpt: str
    url: str = Field(description="The comment on its task's page")


class TodayLine(BaseModel):
    person_id: int
    person: str
    task_key: str
    task_title: str
    minutes: int
    reason: str
    url: str


class BlockerLine(BaseModel):
    kind: Literal["overdue", "stuck"]
    person: str | None = Field(description="The assignee, if any")
    task_key: str
    task_title: str
    detail: str
    url: str


class UsualStay(BaseModel):
    """How long tasks usually stay in progress in a project: the threshold for "stuck"."""

    project_key: str
    hours: float
    basis: Literal["median", "fallback"]
    stays: int = Field(description="Finished in-progress stays the median is taken over")


class StandupSummary(BaseModel):
    """Everything the stand-up says, as data (also what a network provider is sent)."""

    scope: Scope
    subject: str = Field(description="The person's name, or the project's key and name")
    subject_id: int
    subject_key: str | None = None
    today: date
    yesterday: date = Field(description="The previous working day (Friday on a Monday)")
    timezone: str
    time: list[TimeLine]
    status_changes: list[StatusLine]
    comments: list[CommentLine]
    plan: list[TodayLine]
    deferred: int = Field(
        default=0, description="Open tasks the day's plan leaves for another day (a person's)"
    )
    blockers: list[BlockerLine]
    usual_stays: list[UsualStay]
    figures_hidden: bool = Field(
        description="Some people's time is not shown (SPRINTSYNC_PERSON_FIGURES=leads)"
    )


class StandupRead(StandupSummary):
    text: str = Field(description="The stand-up as Markdown, every claim a link")
    links: list[str] = Field(description="Every link the text must keep")
    provider: str
    model: str
    fallback: bool = Field(description="The network provider's text was not used")
    reason: str | None = Field(
        default=None,
        description=(
            "Why not: link_dropped, link_added, unknown_key, or the provider's error code"
        ),
    )


class StandupRephrase(BaseModel):
    """What a network provider answers: the same stand-up in its own words."""

    text: str = Field(max_length=20_000)
