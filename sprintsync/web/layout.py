"""What the base layout shows on every full page besides the page itself.

The header's running timer belongs to the timesheet domain, which sits above this toolkit.
The app registers the provider at assembly time (`set_layout_provider`), so `web/` imports
no domain, and pages load the layout through one call (`load_layout`) before rendering;
`render()` itself never queries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.web.render import hx_target

# (session, signed-in user) -> the layout's variables, e.g. {"timer": ...}.
LayoutProvider = Callable[[AsyncSession, Any], Awaitable[Mapping[str, Any]]]


def set_layout_provider(app: FastAPI, provider: LayoutProvider) -> None:
    app.state.layout_provider = provider


async def load_layout(request: Request, session: AsyncSession, user: Any) -> dict[str, Any]:
    """The layout's variables for a whole page; nothing for an HTMX fragment."""
    provider: LayoutProvider | None = getattr(request.app.state, "layout_provider", None)
    if provider is None or hx_target(request) is not None:
        return {}
    return dict(await provider(session, user))
