"""Timestamps as the viewer reads them: in their own time zone, named.

Stored times are UTC. A person with a `time_zone` (an IANA name) sees times in it; anyone
else, or a zone this server's tz database lacks, sees UTC. The zone's abbreviation is shown,
so a time is never ambiguous.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import pass_context
from jinja2.runtime import Context

DEFAULT_FORMAT = "%b %-d, %H:%M"


@lru_cache(maxsize=256)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def viewer_zone(user: object) -> tzinfo:
    name = getattr(user, "time_zone", None)
    return _zone(name) if isinstance(name, str) and name else UTC


@pass_context
def local_time(context: Context, moment: datetime, fmt: str = DEFAULT_FORMAT) -> str:
    """`moment` in the signed-in viewer's zone, e.g. "Nov 29, 09:15 CET"."""
    local = moment.astimezone(viewer_zone(context.get("user")))
    return f"{local.strftime(fmt)} {local.tzname() or ''}".rstrip()
