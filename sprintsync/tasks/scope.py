"""Who may see which task: the one place this rule is written.

Members of a project see all of its tasks (and their time); admins see every task; anyone
else gets 404. `TaskScope.for_user(user)` gives the rule as an ORM condition for SQLAlchemy
queries and as a SQL fragment for the hand-written task list (tasks/queries.py), so every
read — tasks, time, AI facts — applies the same rule. tests/tasks/test_scope.py fails if an
owner, assignee or membership filter on tasks appears anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, literal, or_, select

from sprintsync.config import Settings
from sprintsync.projects.models import Project, ProjectMember, Role
from sprintsync.tasks.models import Task
from sprintsync.users.models import User


@dataclass(frozen=True, slots=True)
class TaskScope:
    """The tasks one user may see: `user_id` None means all of them (an admin)."""

    user_id: int | None

    @classmethod
    def for_user(cls, user: User) -> TaskScope:
        return cls(user_id=None if user.is_admin else user.id)

    @property
    def unrestricted(self) -> bool:
        return self.user_id is None

    def project_ids(self) -> Select[int]:
        """The projects whose tasks are in scope (only meaningful when restricted)."""
        return select(ProjectMember.project_id).where(ProjectMember.user_id == self.user_id)

    def condition(self) -> ColumnElement[bool]:
        """The rule as a WHERE condition on `Task`."""
        if self.user_id is None:
            return literal(True)
        return Task.project_id.in_(self.project_ids())

    # The hand-written list reads the member's projects one by one, each in index order
    # (see tasks/queries.py); these give it the projects to read, as SQL and parameters.
    def projects_sql(self, *, include_archived: bool) -> tuple[str, dict[str, Any]]:
        """SELECT of the project ids in scope (one column, `pid`), with its parameters."""
        archived = "" if include_archived else " AND NOT p.archived"
        if self.user_id is None:
            where = "" if include_archived else " WHERE NOT p.archived"
            return f"SELECT p.id AS pid FROM projects p{where}", {}
        sql = (
            "SELECT m.project_id AS pid FROM project_members m"
            " JOIN projects p ON p.id = m.project_id"
            f" WHERE m.user_id = :scope_user_id{archived}"
        )
        return sql, {"scope_user_id": self.user_id}


def access_statement(
    user: User, task_condition: ColumnElement[bool]
) -> Select[Task, bool, str, str]:
    """A task in scope with its project's archived flag and the user's role in the project
    (None for an admin who is not a member): what deciding edits and deletes needs, in one
    query."""
    scope = TaskScope.for_user(user)
    return (
        select(Task, Project.archived, Project.key.label("project_key"), ProjectMember.role)
        .join(Project, Project.id == Task.project_id)
        .outerjoin(
            ProjectMember,
            and_(ProjectMember.project_id == Task.project_id, ProjectMember.user_id == user.id),
        )
        .where(task_condition, scope.condition())
    )


def led_project_ids(user: User) -> Select[int]:
    """The projects `user` leads (reports show a lead everyone's figures there)."""
    return select(ProjectMember.project_id).where(
        ProjectMember.user_id == user.id, ProjectMember.role == Role.lead.value
    )


def is_lead(role: str | None) -> bool:
    return role == Role.lead.value


@dataclass(frozen=True, slots=True)
class PersonFigures:
    """Whose time a user may see person by person (per-person figures and the entries behind
    them), within the tasks they see: everyone's (`only_person` None), or their own plus
    everyone's in the projects they lead. The reports, their entries page and the stand-up
    all ask this one rule, so a figure shown is a figure whose entries can be listed."""

    only_person: int | None
    lead_of: Select[int] | None = None

    @classmethod
    def for_user(
        cls, user: User, settings: Settings, *, export: bool = False, lead: bool = False
    ) -> PersonFigures:
        """Under `person_figures=leads` (always for an `export`) others' figures are limited,
        except for admins and for the lead of the one project being read (`lead`)."""
        restricted = (export or settings.person_figures == "leads") and not user.is_admin
        if not restricted or lead:
            return cls(only_person=None)
        return cls(only_person=user.id, lead_of=led_project_ids(user))

    def condition(
        self,
        person: SQLColumnExpression[int] | SQLColumnExpression[int | None],
        project: SQLColumnExpression[int] = Task.project_id,
    ) -> ColumnElement[bool]:
        """The rule on a row's person and project (`project` names the row's project)."""
        if self.only_person is None or self.lead_of is None:
            return literal(True)
        return or_(person == self.only_person, project.in_(self.lead_of))


def assigned_to(user: User, *, include_archived: bool = False) -> ColumnElement[bool]:
    """Tasks in `user`'s scope that are assigned to them ("My work"); archived projects'
    tasks only on request."""
    condition = and_(Task.assignee_id == user.id, TaskScope.for_user(user).condition())
    if include_archived:
        return condition
    active = select(Project.id).where(Project.archived.is_(False))
    return and_(condition, Task.project_id.in_(active))
