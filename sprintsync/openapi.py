"""Shared OpenAPI documentation of the error envelope for every route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


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


def document_malformed_bodies(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation that reads a body answers 400 for one that cannot be parsed
    (invalid JSON): add that to the published schema, which FastAPI leaves out."""
    bad_body = {
        "description": "Bad request: the body cannot be parsed (e.g. invalid JSON)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("400", bad_body)
    return schema


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra=` documenting a model's fields as query parameters."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    params = [
        {
            "name": name,
            "in": "query",
            "required": name in schema.get("required", []),
            "schema": {k: v for k, v in prop.items() if k != "description"},
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema["properties"].items()
    ]
    return {"parameters": params}


def query_model(
    model: type[M], *, ignore: Collection[str] = ()
) -> Callable[[Request], Awaitable[M]]:
    """A dependency validating the query string as one model in a single pass.

    FastAPI's per-field query handling costs more than the task list's own database work,
    so hot list routes parse their query with this and document it with `query_parameters`.
    Names in `ignore` are dropped first: fields of the model this route does not offer.
    """

    async def parse(request: Request) -> M:
        params = dict(request.query_params)
        for name in ignore:
            params.pop(name, None)
        try:
            return model.model_validate(params)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc

    return parse
