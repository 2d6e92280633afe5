"""The task list as one parameterised SQL statement: the hottest read in the product.

Built as text so that `tasks.fastpath.fetch_dicts` can hand it straight to the driver; every
value is a bound parameter, and the pieces of SQL come only from the fixed fragments below
and from `TaskScope` (tasks/scope.py), which says which projects' tasks the reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, SmallInteger, String, column

from sprintsync.db import UTCDateTime
from sprintsync.tasks.models import Task
from sprintsync.tasks.scope import TaskScope

FAR_FUTURE = date(9999, 12, 31)
COLUMNS = list(Task.__table__.c)
# The list's rows as the driver returns them on every backend (asyncpg applies no column
# types): priority stays its stored rank, which the cursor carries and `list_tasks` turns
# into a `Priority` once per row.
RAW_COLUMNS = [column(c.name, SmallInteger()) if c.name == "priority" else c for c in COLUMNS]
_COLUMN_LIST = ", ".join(c.name for c in COLUMNS)
_SELECT = f"SELECT {_COLUMN_LIST} FROM tasks"
_SELECT_KEYED = f"SELECT {_COLUMN_LIST}, {{key}} AS sort_key FROM tasks"
SORT_SQL = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    # Tasks without a due date sort last, and keyset pagination needs a non-null key.
    "due_date": "COALESCE(due_date, :far_future)",
    "priority": "priority",
    "title": "title",
}
PARAM_TYPES: dict[str, Any] = {
    "scope_user_id": Integer(),
    "project_id": Integer(),
    "status": String(),
    "assignee_id": Integer(),
    "priority": SmallInteger(),
    "pattern": String(),
    "task_key": String(),
    "due_before": Date(),
    "due_after": Date(),
    "far_future": Date(),
    "after_id": Integer(),
    "limit": Integer(),
}
CURSOR_TYPES: dict[str, Any] = {
    "created_at": UTCDateTime(),
    "updated_at": UTCDateTime(),
    "due_date": Date(),
    "priority": SmallInteger(),
    "title": String(),
}


@dataclass
class SqlWhere:
    """The WHERE fragments and bound values of one list request, and whose tasks it may
    return (`scope`)."""

    scope: TaskScope
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    project_id: int | None = None
    include_archived: bool = False

    def add(self, sql: str, **params: Any) -> None:
        self.where.append(sql)
        self.params.update(params)


def build_list_sql(
    query: SqlWhere,
    *,
    sort_field: str,
    descending: bool,
    after: tuple[Any, int] | None,
    limit: int,
    lateral: bool,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The SELECT, its parameters and their types, for one page ordered by (key, id).

    `lateral` (PostgreSQL) reads a member's projects one at a time, see below; without it
    (SQLite) the projects in scope are one IN filter.
    """
    key = SORT_SQL[sort_field]
    params = dict(query.params)
    where = list(query.where)
    if sort_field == "due_date":
        params["far_future"] = FAR_FUTURE
    if after is not None:
        op = "<" if descending else ">"
        where.append(f"({key}, id) {op} (:after_value, :after_id)")
        params["after_value"], params["after_id"] = after
    direction = "DESC" if descending else "ASC"
    order = f"{key} {direction}, id {direction}"
    params["limit"] = limit + 1
    types = {**PARAM_TYPES, "after_value": CURSOR_TYPES[sort_field]}
    # A chosen project is shown even when archived; otherwise archived projects are hidden.
    include_archived = query.include_archived or query.project_id is not None
    projects, scope_params = query.scope.projects_sql(include_archived=include_archived)
    params.update(scope_params)
    if query.project_id is not None:
        where.insert(0, "project_id = :project_id")
        params["project_id"] = query.project_id
    if query.scope.unrestricted and include_archived:
        return f"{_SELECT}{_where(where)} ORDER BY {order} LIMIT :limit", params, types
    if not lateral or query.scope.unrestricted or query.project_id is not None:
        # Admins' pages and single-project pages follow an index in sort order and check
        # each row's project against a small hashed set.
        in_scope = [f"project_id IN ({projects})", *where]
        return f"{_SELECT}{_where(in_scope)} ORDER BY {order} LIMIT :limit", params, types
    # "Any of my projects, newest first" as one IN filter cannot follow an index in sort
    # order, so it would sort every row of those projects. Instead each project is read in
    # index order (project_id, created_at, id) and stops after one page; the pages are merged
    # and cut to one: at most one page per project, whatever the projects' sizes.
    branch = f"{_SELECT_KEYED.format(key=key)}{_where(['project_id = scope.pid', *where])}"
    sql = (
        f"SELECT {_COLUMN_LIST} FROM ({projects}) AS scope CROSS JOIN LATERAL"
        f" ({branch} ORDER BY {order} LIMIT :limit) AS page"
        f" ORDER BY sort_key {direction}, id {direction} LIMIT :limit"
    )
    return sql, params, types


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""
