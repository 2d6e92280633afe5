"""One error hierarchy: services raise these, one handler renders them as JSON or HTML."""

from __future__ import annotations

from typing import Any

# The machine code each HTTP status carries unless an error names a more precise one
# (`task_not_found`, `invalid_transition`): the one table for services and the framework's
# own errors (unknown path, wrong method) alike.
CODE_FOR_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


class AppError(Exception):
    """An error a client can act on: HTTP status, stable machine code, human message."""

    status_code: int = 400
    code: str = CODE_FOR_STATUS[400]
    message: str = "Bad request."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class Invalid(AppError):
    status_code = 422
    code = CODE_FOR_STATUS[422]
    message = "The request is not valid."


class Unauthorized(AppError):
    status_code = 401
    code = CODE_FOR_STATUS[401]
    message = "Authentication required."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AppError):
    status_code = 403
    code = CODE_FOR_STATUS[403]
    message = "You are not allowed to do that."


class NotFound(AppError):
    status_code = 404
    code = CODE_FOR_STATUS[404]
    message = "Not found."


class Conflict(AppError):
    status_code = 409
    code = CODE_FOR_STATUS[409]
    message = "The request conflicts with the current state."


class PayloadTooLarge(AppError):
    status_code = 413
    code = CODE_FOR_STATUS[413]
    message = "The request body is too large."


class TooManyRequests(AppError):
    status_code = 429
    code = CODE_FOR_STATUS[429]
    message = "Too many requests; try again later."

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        kwargs.setdefault("details", {"retry_after": max(1, retry_after)})
        super().__init__(message, **kwargs)


def error_body(code: str, message: str, details: Any, request_id: str | None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "details": details},
        "request_id": request_id,
    }
