"""Timestamps as the viewer reads them: in their own time zone, named.

Stored times are UTC. A person with a `time_zone` (an IANA name) sees times in it; anyone
else, or a zone this server's tz database lacks, sees UTC. The zone's abbreviation is shown,
so a time is never ambiguous.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from jinja2 import pass_context
from jinja2.runtime import Context

from sprintsync.timeutil import HasTimeZone, user_zone

DEFAULT_FORMAT = "%b %-d, %H:%M"


def viewer_zone(user: object) -> tzinfo:
    """The signed-in viewer's zone, through the one rule for it (`timeutil.user_zone`)."""
    return user_zone(user if isinstance(user, HasTimeZone) else None)


@pass_context
def local_time(context: Context, moment: datetime, fmt: str = DEFAULT_FORMAT) -> str:
    """`moment` in the signed-in viewer's zone, e.g. "Nov 29, 09:15 CET"."""
    local = moment.astimezone(viewer_zone(context.get("user")))
    return f"{local.strftime(fmt)} {local.tzname() or ''}".rstrip()
