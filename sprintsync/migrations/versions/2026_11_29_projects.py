"""Projects with members; every task belongs to one and carries a key from its sequence.

Existing tasks move into a `General` project (key from SPRINTSYNC_DEFAULT_PROJECT_KEY) that
every existing user joins, numbered in creation order. Assignees become optional, so that a
member who leaves a project can leave their open tasks unassigned.

Revision ID: 0100
Revises: 0201
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sprintsync.config import get_settings
from sprintsync.db import UTCDateTime, utcnow

revision: str = "0100"
down_revision: str | None = "0201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENERAL = "General"


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("task_counter", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("task_counter >= 0", name=op.f("ck_projects_task_counter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_index("uq_projects_key", "projects", ["key"], unique=True)
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('member', 'lead')", name=op.f("ck_project_members_role")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_members_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_project_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_members")),
    )
    op.create_index("ix_project_members_user", "project_members", ["user_id", "project_id"])

    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("key", sa.String(length=21), nullable=True))
        batch.alter_column("assignee_id", existing_type=sa.Integer(), nullable=True)
    _move_into_general()
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("project_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("key", existing_type=sa.String(length=21), nullable=False)
        batch.create_foreign_key(
            "fk_tasks_project_id_projects", "projects", ["project_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("uq_tasks_key", ["key"], unique=True)
        batch.create_index("uq_tasks_project_number", ["project_id", "number"], unique=True)
        batch.create_index("ix_tasks_project_created", ["project_id", "created_at", "id"])
        # Nothing lists by owner any more: a member's list reads by project.
        batch.drop_index("ix_tasks_owner_created")


def _move_into_general() -> None:
    """One `General` project holding every task (numbered by age) and every user."""
    key = get_settings().default_project_key
    bind = op.get_bind()
    projects = sa.table(
        "projects",
        sa.column("id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("name", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("archived", sa.Boolean()),
        sa.column("task_counter", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
    )
    task_count = bind.execute(sa.text("SELECT COUNT(*) FROM tasks")).scalar_one()
    project_id = bind.execute(
        projects.insert()
        .values(
            key=key,
            name=GENERAL,
            description="Everyone's work from before projects existed.",
            archived=False,
            task_counter=task_count,
            created_at=utcnow(),
        )
        .returning(projects.c.id)
    ).scalar_one()
    bind.execute(
        sa.text(
            "INSERT INTO project_members (project_id, user_id, role, created_at)"
            " SELECT :project_id, id, 'member', created_at FROM users"
        ),
        {"project_id": project_id},
    )
    bind.execute(
        sa.text(
            "UPDATE tasks SET project_id = :project_id, number = numbered.n,"
            " key = :prefix || CAST(numbered.n AS VARCHAR(12))"
            " FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS n FROM tasks)"
            " AS numbered WHERE numbered.id = tasks.id"
        ),
        {"project_id": project_id, "prefix": f"{key}-"},
    )


def downgrade() -> None:
    # Tasks left unassigned go back to their creator: the old schema needs an assignee.
    op.execute("UPDATE tasks SET assignee_id = owner_id WHERE assignee_id IS NULL")
    with op.batch_alter_table("tasks") as batch:
        batch.create_index("ix_tasks_owner_created", ["owner_id", "created_at", "id"])
        batch.drop_index("ix_tasks_project_created")
        batch.drop_index("uq_tasks_project_number")
        batch.drop_index("uq_tasks_key")
        batch.drop_constraint("fk_tasks_project_id_projects", type_="foreignkey")
        batch.drop_column("key")
        batch.drop_column("number")
        batch.drop_column("project_id")
        batch.alter_column("assignee_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_project_members_user", table_name="project_members")
    op.drop_table("project_members")
    op.drop_index("uq_projects_key", table_name="projects")
    op.drop_table("projects")
