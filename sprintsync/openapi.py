"""Shared OpenAPI documentation of the error envelope for every route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
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


def document_password_change(schema: dict[str, Any], *, exempt: Collection[str]) -> dict[str, Any]:
    """Every authenticated operation but those in `exempt` answers 403
    `password_change_required` to a user whose password an administrator reset: add that
    where a route's own `responses=` leaves 403 out (its reads, mostly)."""
    forbidden = {
        "description": _DESCRIPTIONS[403] + "; `password_change_required` after a reset",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for name, path in schema.get("paths", {}).items():
        if name in exempt:
            continue
        for operation in path.values():
            if isinstance(operation, dict) and operation.get("security"):
                operation.setdefault("responses", {}).setdefault("403", forbidden)
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


# OpenAPI links: which value of one operation's answer names the row another operation acts
# on. They document the API's workflows (shown in /docs) and drive schemathesis's stateful
# tests, which chain the calls: create a task (or list them), then read, edit, time, comment
# on and delete that task. (source operationId, status) -> {link name: Link}.


@dataclass(frozen=True)
class Link:
    target: str  # operationId
    parameters: dict[str, str]  # path parameter -> runtime expression
    body: dict[str, str] | None = None  # request body fields the link fills


def _task_links(task: str) -> dict[str, Link]:
    one = {"task_ref": task}
    return {
        "GetTask": Link("get_task_api_v1_tasks__task_ref__get", one),
        "UpdateTask": Link("update_task_api_v1_tasks__task_ref__patch", one),
        "DeleteTask": Link("delete_task_api_v1_tasks__task_ref__delete", one),
        "ChangeStatus": Link("change_status_api_v1_tasks__task_ref__status_post", one),
        "StatusHistory": Link("status_history_api_v1_tasks__task_ref__history_get", one),
        "StartTimer": Link("start_timer_api_v1_tasks__task_ref__timer_start_post", one),
        "AddEntry": Link("add_entry_api_v1_tasks__task_ref__time_entries_post", one),
        "ListEntries": Link("list_task_entries_api_v1_tasks__task_ref__time_entries_get", one),
        "AddComment": Link("add_comment_api_v1_tasks__task_id__comments_post", {"task_id": task}),
        "ListComments": Link(
            "list_comments_api_v1_tasks__task_id__comments_get", {"task_id": task}
        ),
        "Activity": Link("task_activity_api_v1_tasks__task_id__activity_get", {"task_id": task}),
        "CycleTime": Link(
            "task_cycle_time_api_v1_stats_cycle_time_tasks__task_id__get", {"task_id": task}
        ),
    }


def _entry_links(entry: str) -> dict[str, Link]:
    one = {"entry_id": entry}
    return {
        "UpdateEntry": Link("update_entry_api_v1_time_entries__entry_id__patch", one),
        "DeleteEntry": Link("delete_entry_api_v1_time_entries__entry_id__delete", one),
    }


def _project_links(key: str, project_id: str) -> dict[str, Link]:
    one = {"project_ref": key}
    return {
        "GetProject": Link("get_project_api_v1_projects__project_ref__get", one),
        "UpdateProject": Link("update_project_api_v1_projects__project_ref__patch", one),
        "ListMembers": Link("list_members_api_v1_projects__project_ref__members_get", one),
        "AddMember": Link("add_member_api_v1_projects__project_ref__members_post", one),
        # A task in that project: the chain that reaches every task link.
        "CreateTask": Link("create_task_api_v1_tasks_post", {}, {"project_id": project_id}),
    }


_TIMER_ENTRY = "$response.body#/entry/id"
_TIMER_LINKS = {
    "StopTimer": Link("stop_timer_api_v1_timer_stop_post", {}),
    "GetTimer": Link("get_timer_api_v1_timer_get", {}),
    "FixTimer": Link("fix_timer_api_v1_ai_timers__entry_id__fix_post", {"entry_id": _TIMER_ENTRY}),
    "UpdateEntry": Link(
        "update_entry_api_v1_time_entries__entry_id__patch", {"entry_id": _TIMER_ENTRY}
    ),
}
_COMMENT = {"comment_id": "$response.body#/id"}
_COMMENT_LINKS = {
    "GetComment": Link("get_comment_api_v1_comments__comment_id__get", _COMMENT),
    "EditComment": Link("edit_comment_api_v1_comments__comment_id__patch", _COMMENT),
    "DeleteComment": Link("delete_comment_api_v1_comments__comment_id__delete", _COMMENT),
}
# A member just added: change their role or remove them again, in the same project.
_MEMBER = {"project_ref": "$request.path.project_ref", "user_id": "$response.body#/user_id"}
_MEMBER_LINKS = {
    "ChangeRole": Link(
        "change_role_api_v1_projects__project_ref__members__user_id__patch", _MEMBER
    ),
    "RemoveMember": Link(
        "remove_member_api_v1_projects__project_ref__members__user_id__delete", _MEMBER
    ),
}
_USER = {"user_id": "$response.body#/id"}
_USER_LINKS = {
    "GetUser": Link("get_user_api_v1_users__user_id__get", _USER),
    "UpdateUser": Link("update_user_api_v1_users__user_id__patch", _USER),
    "Deactivate": Link("deactivate_user_api_v1_users__user_id__deactivate_post", _USER),
    "ResetPassword": Link("reset_password_api_v1_users__user_id__password_post", _USER),
}
_ONE = "$response.body#/id"
_FIRST = "$response.body#/items/0/id"
LINKS: dict[tuple[str, str], dict[str, Link]] = {
    ("create_task_api_v1_tasks_post", "201"): _task_links(_ONE),
    ("get_task_api_v1_tasks__task_ref__get", "200"): _task_links(_ONE),
    ("update_task_api_v1_tasks__task_ref__patch", "200"): _task_links(_ONE),
    ("list_tasks_api_v1_tasks_get", "200"): _task_links(_FIRST),
    ("add_entry_api_v1_tasks__task_ref__time_entries_post", "201"): _entry_links(_ONE),
    ("update_entry_api_v1_time_entries__entry_id__patch", "200"): _entry_links(_ONE),
    # Your latest entry, and the task it is on.
    ("list_entries_api_v1_time_entries_get", "200"): _entry_links(_FIRST)
    | _task_links("$response.body#/items/0/task_id"),
    ("start_timer_api_v1_tasks__task_ref__timer_start_post", "200"): _TIMER_LINKS,
    ("add_comment_api_v1_tasks__task_id__comments_post", "201"): _COMMENT_LINKS,
    ("edit_comment_api_v1_comments__comment_id__patch", "200"): _COMMENT_LINKS,
    ("create_project_api_v1_projects_post", "201"): _project_links("$response.body#/key", _ONE),
    ("list_projects_api_v1_projects_get", "200"): _project_links(
        "$response.body#/0/key", "$response.body#/0/id"
    ),
    ("add_member_api_v1_projects__project_ref__members_post", "201"): _MEMBER_LINKS,
    ("create_user_api_v1_users_post", "201"): _USER_LINKS,
    ("create_invitation_api_v1_invitations_post", "201"): {
        "Revoke": Link(
            "revoke_invitation_api_v1_invitations__invitation_id__delete",
            {"invitation_id": _ONE},
        ),
    },
}


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """Add `LINKS` to the responses they start from (see tests/test_openapi_links.py)."""
    operations = {
        operation.get("operationId"): operation
        for path in schema.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict)
    }
    for (source, status), links in LINKS.items():
        response = operations[source]["responses"][status]
        response["links"] = {
            name: {"operationId": link.target, "parameters": link.parameters}
            | ({"requestBody": link.body} if link.body else {})
            for name, link in links.items()
        }
    return schema
