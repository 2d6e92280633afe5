"""Subtasks: a nullable parent link on tasks.

Revision ID: 0350
Revises: 0801
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0350"
down_revision: str | None = "0801"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode so SQLite gets the foreign key too (it cannot ALTER one in).
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_tasks_parent_id_tasks", "tasks", ["parent_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_tasks_parent", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_parent")
        batch.drop_constraint("fk_tasks_parent_id_tasks", type_="foreignkey")
        batch.drop_column("parent_id")
