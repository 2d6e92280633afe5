"""The task list as one parameterised SQL statement: the hottest read in the product.

Built as text so that `db.fetch_dicts` can hand it straight to the driver; every value is a
bound parameter, and the pieces of SQL come only from the fixed fragments below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, SmallInteger, String

from sprintsync.db import UTCDateTime
from sprintsync.tasks.models import Task

FAR_FUTURE = date(9999, 12, 31)
COLUMNS = list(Task.__table__.c)
_SELECT = "SELECT " + ", ".join(c.name for c in COLUMNS) + " FROM tasks"
SORT_SQL = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    # Tasks without a due date sort last, and keyset pagination needs a non-null key.
    "due_date": "COALESCE(due_date, :far_future)",
    "priority": "priority",
    "title": "title",
}
PARAM_TYPES: dict[str, Any] = {
    "user_id": Integer(),
    "status": String(),
    "assignee_id": Integer(),
    "priority": SmallInteger(),
    "pattern": String(),
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
class ListQuery:
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, sql: str, **params: Any) -> None:
        self.where.append(sql)
        self.params.update(params)


def build_list_sql(
    query: ListQuery,
    *,
    sort_field: str,
    descending: bool,
    after: tuple[Any, int] | None,
    limit: int,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The SELECT, its parameters and their types, for one page ordered by (key, id)."""
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
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    params["limit"] = limit + 1
    types = {**PARAM_TYPES, "after_value": CURSOR_TYPES[sort_field]}
    return f"{_SELECT}{where_sql} ORDER BY {order} LIMIT :limit", params, types
