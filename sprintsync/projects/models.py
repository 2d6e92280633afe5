"""Projects and their members."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sprintsync.db import Base, UTCDateTime, utcnow
from sprintsync.users.models import User


class Role(enum.StrEnum):
    member = "member"
    lead = "lead"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("task_counter >= 0", name="task_counter"),
        Index("uq_projects_key", "key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The prefix of every task key (API-42); fixed once the project exists.
    key: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last task number handed out; only ever grows, so a key is never issued twice.
    task_counter: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded only when asked for (joinedload), never lazily.
    members: Mapped[list[ProjectMember]] = relationship(lazy="raise", viewonly=True)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'lead')", name="role"),
        # "Which projects is this user in?" runs on every task read (tasks/scope.py).
        Index("ix_project_members_user", "user_id", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), default=Role.member.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise", viewonly=True)
