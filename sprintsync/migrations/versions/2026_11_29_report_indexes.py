"""Indexes for reports: entries by start time, status changes by time, finished tasks.

Revision ID: 0201
Revises: 0200
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0201"
down_revision: str | None = "0200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Covering: top users and time per day read only these columns of the entries in range.
    op.create_index(
        "ix_time_entries_started_cover",
        "time_entries",
        ["started_at", "user_id", "task_id", "minutes"],
    )
    op.create_index(
        "ix_task_status_changes_changed", "task_status_changes", ["changed_at", "task_id"]
    )
    op.create_index("ix_tasks_status_changed", "tasks", ["status", "status_changed_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_status_changed", table_name="tasks")
    op.drop_index("ix_task_status_changes_changed", table_name="task_status_changes")
    op.drop_index("ix_time_entries_started_cover", table_name="time_entries")
