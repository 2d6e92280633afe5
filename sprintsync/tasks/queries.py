"""The task list as one parameterised SQL statement: the hottest read in the product.

Built as text so that `tasks.fastpath.fetch_dicts` can hand it straight to the driver; every
value is a bound parameter, and the pieces of SQL come only from the fixed fragments below.
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
class SqlWhere:
    """The WHERE fragments and bound values of one list request; `member_id` limits it to
    that user's own tasks."""

    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    member_id: int | None = None

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
    params["limit"] = limit + 1
    types = {**PARAM_TYPES, "after_value": CURSOR_TYPES[sort_field]}
    if query.member_id is None:
        return f"{_SELECT}{_where(where)} ORDER BY {order} LIMIT :limit", params, types
    # "Owned by or assigned to me" as one OR filter cannot follow an index in sort order, so
    # it would scan everyone's rows. Two index-ordered branches, each stopping after one
    # page, merged and cut to a page, read at most two pages whatever the table's size.
    params["user_id"] = query.member_id
    branches = " UNION ".join(
        f"SELECT * FROM ({_SELECT_KEYED.format(key=key)}"
        f"{_where([f'{column} = :user_id', *where])} ORDER BY {order} LIMIT :limit) AS {alias}"
        for column, alias in (("owner_id", "owned"), ("assignee_id", "assigned"))
    )
    direction_sql = f"sort_key {direction}, id {direction}"
    sql = f"SELECT {_COLUMN_LIST} FROM ({branches}) AS page ORDER BY {direction_sql} LIMIT :limit"
    return sql, params, types


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""
