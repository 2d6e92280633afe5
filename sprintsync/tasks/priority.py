"""A task's priority: the one type for it, from the database column to the JSON and forms.

People, the API and the templates use its name ("high"); the database stores its rank, a
small integer, so that sorting by priority is sorting by urgency. Every conversion between
the two lives here (a test fails if one appears elsewhere): the ORM column (`PriorityType`)
reads and writes members, and the raw-driver list path turns ranks into members with
`BY_RANK`, a tuple lookup.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Dialect, SmallInteger, TypeDecorator


class Priority(StrEnum):
    """A task's priority, from least to most urgent."""

    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"

    @property
    def rank(self) -> int:
        """The stored value: 0 (low) to 3 (urgent)."""
        return _RANK[self]

    @property
    def label(self) -> str:
        """As shown to people: "High"."""
        return self.value.capitalize()

    @classmethod
    def from_rank(cls, rank: int) -> Priority:
        """The member stored as `rank` (IndexError for a rank that names none)."""
        if rank < 0:
            raise IndexError(rank)
        return BY_RANK[rank]


# Each member at its rank: the hot list path converts its rows' ranks with a bare index,
# cheaper than a dict lookup or a method call per row (`from_rank` is for everyone else).
BY_RANK: tuple[Priority, ...] = tuple(Priority)
_RANK: dict[Priority, int] = {p: i for i, p in enumerate(BY_RANK)}
# The highest rank; the table's CHECK constraint holds ranks to 0..MAX_RANK.
MAX_RANK = len(BY_RANK) - 1


class PriorityType(TypeDecorator[Priority]):
    """The column type: a `Priority` in Python, its rank (SMALLINT) in the database."""

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        # Priority(value) also accepts a name ("high"): form and API values arrive as text.
        return None if value is None else Priority(value).rank

    def process_result_value(self, value: Any, dialect: Dialect) -> Priority | None:
        return None if value is None else BY_RANK[value]
