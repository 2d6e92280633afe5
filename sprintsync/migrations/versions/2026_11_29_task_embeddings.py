"""Task embeddings for best-fit assignee suggestions (a JSON float array per task and model).

pgvector is not assumed: the stock PostgreSQL here has no `vector` extension, so the
vector is stored as JSON on both databases (see sprintsync/ai/models.py).

Revision ID: 0360
Revises: 0350
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0360"
down_revision: str | None = "0350"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_embeddings",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.JSON(), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_embeddings_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "model", name=op.f("pk_task_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("task_embeddings")
