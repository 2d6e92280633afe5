"""Calendar days in a time zone, as the UTC instants that bound them.

Timestamps are stored in UTC; a "day" is a person's local day. Every query that asks
"what happened on day D" goes through `day_window`, so the AI planner and the timesheet
agree on where a day starts. Local midnights are computed per day rather than by adding
24 hours, so days with a DST change (23 or 25 hours long) come out right.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Annotated, Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BeforeValidator, Field

# The days anyone plans or logs work on. PostgreSQL would store 0001-01-01 or 9999-12-31
# as -infinity/infinity; dates outside this range are a 422, not a stored oddity.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_day_only(value: Any) -> Any:
    """Never a number: `to=0` must not mean 1970-01-01 (pydantic reads numbers as Unix
    times). Other strings go on to pydantic's own date parsing and its typed error."""
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        raise ValueError("Use a date like 2026-01-31 (YYYY-MM-DD).")
    return value


# A day to store (due dates, entry days): written as a date, and within the range above.
CalendarDate = Annotated[date, BeforeValidator(_iso_day_only), Field(ge=FIRST_DAY, le=LAST_DAY)]
# A day to filter by: written as a date; any day is fine, as nothing is stored.
DayFilter = Annotated[date, BeforeValidator(_iso_day_only)]

# Longest IANA zone name is ~32 characters; anything far longer is not a zone.
ZONE_NAME_MAX = 64
_UNKNOWN = "unknown time zone; use an IANA name such as Europe/Berlin"


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name` (e.g. "America/New_York"); ValueError if unknown."""
    if not name or len(name) > ZONE_NAME_MAX:
        raise ValueError(_UNKNOWN)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # ValueError: not a normalised relative key ("../x", "/etc/localtime");
        # OSError: a directory or unreadable file under the tz database.
        raise ValueError(_UNKNOWN) from exc


@runtime_checkable
class HasTimeZone(Protocol):
    """Anything that names a person's zone (a User row, a cached snapshot of one)."""

    @property
    def time_zone(self) -> str: ...


def user_zone(user: HasTimeZone | None) -> ZoneInfo:
    """The zone a person's days are counted in: their own, or UTC if it cannot be loaded.

    Names are validated when stored; the fallback covers a server whose tz database lacks a
    zone a person chose elsewhere, where a UTC day is better than an error page.
    """
    name = (user.time_zone if user is not None else None) or "UTC"
    try:
        return zone(name)
    except ValueError:
        return ZoneInfo("UTC")


def now_utc() -> datetime:
    """The current instant (tests pin the clock by replacing this function)."""
    return datetime.now(UTC)


def today_for(user: HasTimeZone | None) -> date:
    """The calendar date it is now where `user` is."""
    return local_date(now_utc(), user_zone(user))


def valid_zone_name(name: str) -> str:
    """`name` if it is a known IANA zone, else ValueError (for pydantic validators)."""
    zone(name)
    return name


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this server knows, sorted (the profile page offers them)."""
    return tuple(sorted(available_timezones()))


def local_date(moment: datetime, tz: tzinfo = UTC) -> date:
    """The calendar date `moment` (timezone-aware) falls on in `tz`."""
    return moment.astimezone(tz).date()


def day_start(day: date, tz: tzinfo = UTC) -> datetime:
    """The UTC instant at which `day` begins in `tz`."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def day_window(day: date, tz: tzinfo = UTC) -> tuple[datetime, datetime]:
    """`day` in `tz` as a half-open UTC range [start, end)."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


def offset_changes(tz: tzinfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """`tz`'s UTC offset (seconds) at `start`, then each (instant, new offset) it changes to
    before `end`. Found day by day, then to the second by bisection: transitions are rare."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)

    def offset(at: datetime) -> int:
        delta = at.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    changes = [(start, offset(start))]
    lo = start
    while lo < end:
        hi = min(lo + timedelta(days=1), end)
        if offset(hi) != offset(lo):
            a, b = lo, hi  # offset(a) is the old one, offset(b) the new one
            while b - a > timedelta(seconds=1):
                mid = a + (b - a) / 2
                a, b = (mid, b) if offset(mid) == offset(a) else (a, mid)
            changes.append((b.replace(microsecond=0), offset(b)))
        lo = hi
    return changes
