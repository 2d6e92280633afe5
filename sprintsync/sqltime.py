"""Calendar arithmetic inside SQL, the same answer on PostgreSQL and SQLite.

Reports group UTC timestamps by a person's local day or week, and the database must do the
grouping (GROUP BY), never Python. PostgreSQL knows time zones (`timezone(zone, ts)`);
SQLite does not, so there the local day is `date(ts, '<offset> seconds')` with the offset
chosen by a CASE over the zone's UTC-offset changes inside the queried range (one branch
per DST change, usually none or two), computed here from the tz database. Both give the
calendar date of the local wall-clock time, so DST days (23 or 25 hours) come out right.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Float,
    Integer,
    SQLColumnExpression,
    String,
    case,
    cast,
    extract,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from sprintsync.db import UTCDateTime
from sprintsync.timeutil import offset_changes


def local_day(
    column: SQLColumnExpression[datetime],
    tz: ZoneInfo,
    *,
    dialect: str,
    start: datetime,
    end: datetime,
) -> ColumnElement[date]:
    """The local calendar date (in `tz`) of a UTC timestamp column known to lie in
    [start, end)."""
    if dialect == "postgresql":
        return cast(func.timezone(tz.key, column), Date)
    changes = offset_changes(tz, start, end)
    first_offset = changes[0][1]
    if len(changes) == 1:
        modifier: ColumnElement[str] = literal(_modifier(first_offset))
    else:
        # Branch k applies from change k on: compare against the next change's instant.
        whens = [
            (column < literal(at, UTCDateTime()), _modifier(changes[i][1]))
            for i, (at, _) in enumerate(changes[1:])
        ]
        modifier = case(*whens, else_=_modifier(changes[-1][1]))
    return type_coerce(func.date(column, modifier), Date())


def _modifier(offset_seconds: int) -> str:
    return f"{offset_seconds:+d} seconds"


def week_start_of(
    day: ColumnElement[date], *, week_start: int, dialect: str
) -> ColumnElement[date]:
    """The first day of the week that `day` (a date expression) falls in.

    `week_start` is ISO (1 = Monday ... 7 = Sunday). Both backends number Sunday 0, so the
    days back to the week's start are (dow + 14 - week_start) % 7.
    """
    if dialect == "postgresql":
        back = (cast(extract("dow", day), Integer) + (14 - week_start)) % 7
        return type_coerce(day - back, Date())
    back_sqlite = (cast(func.strftime("%w", day), Integer) + (14 - week_start)) % 7
    modifier = literal("-", String()) + cast(back_sqlite, String()) + literal(" days", String())
    return type_coerce(func.date(day, modifier), Date())


def seconds_between(
    earlier: ColumnElement[datetime], later: ColumnElement[datetime], *, dialect: str
) -> ColumnElement[float]:
    """`later - earlier` in seconds, as a float."""
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier), Float)
    return type_coerce((func.julianday(later) - func.julianday(earlier)) * 86400.0, Float())


def week_of(day: date, week_start: int) -> date:
    """The first day of the week `day` is in (Python twin of `week_start_of`)."""
    return day - timedelta(days=(day.isoweekday() - week_start) % 7)
