"""Invitations name a real project: a foreign key, so deleting a project deletes its links.

Revision ID: 0801
Revises: 0100
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0801"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Links made before projects existed name none; any other number names nothing real.
    op.execute(
        "DELETE FROM invitations WHERE project_id IS NOT NULL "
        "AND project_id NOT IN (SELECT id FROM projects)"
    )
    with op.batch_alter_table("invitations") as batch:
        batch.create_foreign_key(
            op.f("fk_invitations_project_id_projects"),
            "projects",
            ["project_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint(op.f("fk_invitations_project_id_projects"), type_="foreignkey")
