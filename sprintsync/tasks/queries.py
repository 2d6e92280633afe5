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
    "page": Integer(),
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
    as_json: bool = False,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The SELECT, its parameters and their types, for one page ordered by (key, id).

    With `as_json` (PostgreSQL only) the database returns the page already serialised, as
    one row: `items` (JSON text), `fetched` (rows read, page + 1 when there are more) and
    the last item's sort key and id for the next cursor. Decoding rows into Python objects
    and encoding them again costs more CPU than the rest of the request.
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
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    params["limit"] = limit + 1
    types = {**PARAM_TYPES, "after_value": CURSOR_TYPES[sort_field]}
    if not as_json:
        return f"{_SELECT}{where_sql} ORDER BY {order} LIMIT :limit", params, types
    params["page"] = limit
    page = (
        f"SELECT *, {key} AS sort_key, row_number() OVER (ORDER BY {order}) AS n"
        f" FROM tasks{where_sql} ORDER BY {order} LIMIT :limit"
    )
    sql = (
        f"SELECT COALESCE(json_agg({_JSON_OBJECT} ORDER BY n) FILTER (WHERE n <= :page),"
        " '[]')::text AS items, count(*) AS fetched,"
        " max(sort_key) FILTER (WHERE n = :page) AS last_key,"
        " max(id) FILTER (WHERE n = :page) AS last_id"
        f" FROM ({page}) AS page"
    )
    return sql, params, types


def _json_timestamp(column: str) -> str:
    """A timestamptz as the API writes it: ISO 8601 in UTC with "Z", microseconds if any."""
    utc = f"{column} AT TIME ZONE 'UTC'"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {column}) = {column} THEN ''"
        f" ELSE to_char({utc}, '.US') END || 'Z'"
    )


_JSON_VALUES = {
    "priority": "(ARRAY['low', 'medium', 'high', 'urgent'])[priority + 1]",
    "created_at": _json_timestamp("created_at"),
    "updated_at": _json_timestamp("updated_at"),
    "status_changed_at": _json_timestamp("status_changed_at"),
}
# One task as the API's JSON object, built by PostgreSQL (TaskRead's fields, in its order).
_JSON_OBJECT = (
    "json_build_object("
    + ", ".join(f"'{c.name}', {_JSON_VALUES.get(c.name, c.name)}" for c in COLUMNS)
    + ")"
)
