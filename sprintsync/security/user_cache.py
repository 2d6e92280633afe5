"""A short-lived, per-process cache of verified users for read-only requests.

Loading the user costs a database round trip on every request; for GET/HEAD the app trusts a
snapshot up to `ttl` seconds old. Writes always load the user afresh. Any change to a User
row made through the ORM in this process evicts it from every cache in the process when the
session commits (a session event, so the request's session dependency needs to know nothing
about caches); other worker processes see a deactivation or a "log out everywhere" within
`ttl` seconds for reads, at once for writes.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from sprintsync.security.models import User

_COLUMNS = [c.key for c in User.__table__.c]
_CHANGED = "changed_user_ids"
# Every cache alive in this process (one per app; tests make several).
_CACHES: weakref.WeakSet[UserCache] = weakref.WeakSet()


class UserCache:
    def __init__(self, ttl: float = 2.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[int, tuple[User, float]] = {}
        _CACHES.add(self)

    def get(self, user_id: int) -> User | None:
        entry = self._entries.get(user_id)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, user: User) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        # A detached copy: never attached to a session, so requests cannot share ORM state.
        snapshot = User(**{key: getattr(user, key) for key in _COLUMNS})
        self._entries[user.id] = (snapshot, time.monotonic() + self.ttl)

    def evict(self, user_id: int) -> None:
        self._entries.pop(user_id, None)


@event.listens_for(Session, "after_flush")
def _remember_changed_users(session: Session, _context: Any) -> None:
    changed = [o.id for o in (*session.dirty, *session.deleted) if isinstance(o, User)]
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "after_commit")
def _evict_committed_users(session: Session) -> None:
    for user_id in session.info.pop(_CHANGED, ()):
        for cache in _CACHES:
            cache.evict(user_id)
