"""Stored embeddings of tasks, so a task's text is sent to the provider once per version.

PostgreSQL's pgvector extension is not available on every server this app runs on (it is
absent from the stock Debian packages), so the vector is a plain JSON array of floats and
cosine similarity is computed in Python over the bounded candidate set (a project's
members' recent finished work). `text_hash` says which version of the title and
description the vector was made from; an edited task is embedded again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sprintsync.db import Base, UTCDateTime, utcnow


class TaskEmbedding(Base):
    __tablename__ = "task_embeddings"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    # "provider/model": vectors of different models are not comparable.
    model: Mapped[str] = mapped_column(String(120), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(32))
    vector: Mapped[list[float]] = mapped_column(JSON)
    dimensions: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
