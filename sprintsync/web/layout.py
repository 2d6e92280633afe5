"""What the base layout shows on every full page besides the page itself.

The header's running timer and unread count belong to domains above this toolkit. Each
registers a `LayoutPart` at assembly time (`set_layout_parts` in `app.py`): the columns it
needs, as scalar subqueries, and how to read them back. `load_layout` asks for all parts'
columns in one statement, however many parts there are; `render()` itself never queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.web.render import hx_target


@dataclass(frozen=True, slots=True)
class LayoutPart:
    """One domain's share of the layout: labelled scalar columns for the signed-in user, and
    the template variables made from the row they come back in."""

    columns: Callable[[Any], Sequence[ColumnElement[Any]]]
    values: Callable[[Row[Any]], Mapping[str, Any]]


def set_layout_parts(app: FastAPI, *parts: LayoutPart) -> None:
    app.state.layout_parts = parts


async def load_layout(request: Request, session: AsyncSession, user: Any) -> dict[str, Any]:
    """The layout's variables for a whole page, in one statement; nothing for a fragment."""
    parts: Sequence[LayoutPart] = getattr(request.app.state, "layout_parts", ())
    if not parts or hx_target(request) is not None:
        return {}
    stmt = select(*(column for part in parts for column in part.columns(user)))
    row = (await session.execute(stmt)).one()
    layout: dict[str, Any] = {}
    for part in parts:
        layout.update(part.values(row))
    return layout
