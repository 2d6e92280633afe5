"""Shared OpenAPI documentation of the error envelope for every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated, or the session is no longer valid",
    403: "Not allowed (e.g. admin only, or missing CSRF token on a cookie request)",
    404: "Not found (including another user's resources)",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Validation error",
    429: "Rate limited; see Retry-After",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error envelope under each listed status."""
    return {c: {"model": ErrorResponse, "description": _DESCRIPTIONS[c]} for c in codes}


AUTHED = (401, 403, 422)
