"""The users domain's table: the account row.

It is defined in `security.models`, because request authentication (below the domains)
loads it on every request; the domains above import it from here.
"""

from sprintsync.security.models import User

__all__ = ["User"]
