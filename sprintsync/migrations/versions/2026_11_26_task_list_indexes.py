"""Indexes for "my tasks, newest first": owner and assignee, each with created_at.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tasks_owner_created", "tasks", ["owner_id", "created_at", "id"])
    op.create_index("ix_tasks_assignee_created", "tasks", ["assignee_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_assignee_created", table_name="tasks")
    op.drop_index("ix_tasks_owner_created", table_name="tasks")
