"""Each user's IANA time zone; existing users get UTC.

Revision ID: 0200
Revises: 0700
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0200"
down_revision: str | None = "0700"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD/DROP COLUMN on both backends: SQLite's batch mode would rebuild the table
    # and lose the expression index on lower(email).
    op.add_column(
        "users",
        sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"),
    )


def downgrade() -> None:
    op.drop_column("users", "time_zone")
