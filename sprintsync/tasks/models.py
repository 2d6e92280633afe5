"""Tasks, their status history, and the time logged on them.

Time entries live here because a task's own rules read them (deleting a task others logged
time on, the task panel); the timesheet domain, above tasks, owns the timer and entry rules.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sprintsync.db import Base, UTCDateTime, utcnow
from sprintsync.projects.models import Project
from sprintsync.tasks.priority import Priority, PriorityType


class TaskStatus(enum.StrEnum):
    todo = "todo"
    in_progress = "in_progress"
    done = "done"


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('todo', 'in_progress', 'done')", name="status"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
        CheckConstraint("total_minutes >= 0", name="total_minutes"),
        CheckConstraint("estimate_minutes IS NULL OR estimate_minutes >= 0", name="estimate"),
        Index("ix_tasks_owner_status", "owner_id", "status"),
        Index("ix_tasks_assignee_status", "assignee_id", "status"),
        Index("ix_tasks_created_at", "created_at", "id"),
        # A member's list reads each of their projects in this order (see tasks/queries.py).
        Index("ix_tasks_project_created", "project_id", "created_at", "id"),
        Index("ix_tasks_assignee_created", "assignee_id", "created_at", "id"),
        # Reports: tasks finished in a range.
        Index("ix_tasks_status_changed", "status", "status_changed_at"),
        Index("uq_tasks_key", "key", unique=True),
        Index("uq_tasks_project_number", "project_id", "number", unique=True),
        # A parent's subtasks (the panel's children, the planner's "has open subtasks").
        Index("ix_tasks_parent", "parent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # The task's number in its project's sequence and its human key ("API-42"); neither
    # ever changes (project keys are fixed), so the key is stored, not joined for.
    number: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(21))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.todo.value)
    priority: Mapped[Priority] = mapped_column(PriorityType, default=Priority.medium)
    estimate_minutes: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # None when nobody is assigned (e.g. the assignee left the project).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    total_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # The task this one is a subtask of (one level deep). SET NULL, not CASCADE: deleting a
    # parent must not silently delete its subtasks and the time logged on them; they stay,
    # as ordinary tasks.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded only when asked for (joinedload in the task panel's one query), never lazily.
    history: Mapped[list[TaskStatusChange]] = relationship(
        lazy="raise",
        order_by="(TaskStatusChange.changed_at, TaskStatusChange.id)",
        viewonly=True,
    )
    # The panel reads the project's members in the same statement (whom it may assign to).
    project: Mapped[Project] = relationship(lazy="raise", viewonly=True)
    # The panel shows a parent's subtasks and a subtask's parent, read in its one statement;
    # both are in the task's own project, so whoever sees the task sees them.
    children: Mapped[list[Task]] = relationship(
        lazy="raise", viewonly=True, order_by="Task.id", foreign_keys="Task.parent_id"
    )
    parent: Mapped[Task | None] = relationship(
        lazy="raise", viewonly=True, remote_side="Task.id", foreign_keys="Task.parent_id"
    )


class TaskStatusChange(Base):
    __tablename__ = "task_status_changes"
    __table_args__ = (
        Index("ix_task_status_changes_task", "task_id", "changed_at"),
        # Reports: status changes in a range (cycle time, throughput).
        Index("ix_task_status_changes_changed", "changed_at", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EntrySource(enum.StrEnum):
    timer = "timer"
    manual = "manual"


class TimeEntry(Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        CheckConstraint("minutes >= 0", name="minutes"),
        CheckConstraint("source IN ('timer', 'manual')", name="source"),
        Index("ix_time_entries_user_started", "user_id", "started_at"),
        Index("ix_time_entries_task", "task_id"),
        # Reports over everyone's entries in a range read only these columns (covering).
        Index("ix_time_entries_started_cover", "started_at", "user_id", "task_id", "minutes"),
        # The database, not only the code, guarantees one running timer per user.
        Index(
            "uq_time_entries_running_timer",
            "user_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(8), default=EntrySource.manual.value)


class TaskFieldChange(Base):
    """A change to a task's assignee or estimate, for the task's activity feed."""

    __tablename__ = "task_field_changes"
    __table_args__ = (
        CheckConstraint("field IN ('assignee_id', 'estimate_minutes')", name="field"),
        Index("ix_task_field_changes_task", "task_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[int | None] = mapped_column(Integer)
    new_value: Mapped[int | None] = mapped_column(Integer)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
