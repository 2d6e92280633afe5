"""JSON routes for tasks: thin wrappers over `tasks.service`."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Response, status

from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors, query_model, query_parameters
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks import service
from sprintsync.tasks.schemas import (
    StatusChange,
    StatusChangeRead,
    TaskCreate,
    TaskListParams,
    TaskPage,
    TaskRead,
    TaskUpdate,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.get(
    "",
    response_model=TaskPage,
    summary="List tasks you own or are assigned (admins: all)",
    responses=errors(*AUTHED),
    openapi_extra=query_parameters(TaskListParams),
)
async def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[TaskListParams, Depends(query_model(TaskListParams))],
) -> Response:
    filters = service.TaskFilter(
        status=params.status,
        assignee_id=params.assignee_id,
        priority=params.priority,
        q=params.q,
        due_before=params.due_before,
        due_after=params.due_after,
    )
    items, next_cursor = await service.list_tasks(
        session,
        user=user,
        filters=filters,
        sort=params.sort,
        limit=params.limit,
        cursor=params.cursor,
    )
    # The rows are already in TaskRead's shape; serialising them directly skips a second
    # validation pass on the hottest route (the schema still documents the reply).
    # OPT_UTC_Z writes UTC as "Z", as pydantic does on every other route.
    body = orjson.dumps({"items": items, "next_cursor": next_cursor}, option=orjson.OPT_UTC_Z)
    return Response(body, media_type="application/json")


@router.post(
    "",
    response_model=TaskRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a task",
    responses=errors(*AUTHED),
)
async def create_task(body: TaskCreate, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.task_dict(await service.create_task(session, user=user, data=body))


@router.get("/{task_id}", response_model=TaskRead, summary="Get a task", responses=errors(401, 404))
async def get_task(task_id: int, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.task_dict(await service.get_task(session, user=user, task_id=task_id))


@router.patch(
    "/{task_id}",
    response_model=TaskRead,
    summary="Edit a task's fields (not its status)",
    responses=errors(*AUTHED, 404),
)
async def update_task(
    task_id: int, body: TaskUpdate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    task = await service.update_task(session, user=user, task_id=task_id, changes=body)
    return service.task_dict(task)


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a task (its creator or an admin)",
    responses=errors(*AUTHED, 404, 409),
)
async def delete_task(task_id: int, session: SessionDep, user: CurrentUser) -> Response:
    await service.delete_task(session, user=user, task_id=task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{task_id}/status",
    response_model=TaskRead,
    summary="Move a task to another status; 409 invalid_transition if not allowed",
    responses=errors(*AUTHED, 404, 409),
)
async def change_status(
    task_id: int, body: StatusChange, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    task = await service.change_status(session, user=user, task_id=task_id, to=body.status)
    return service.task_dict(task)


@router.get(
    "/{task_id}/history",
    response_model=list[StatusChangeRead],
    summary="The task's status changes, oldest first",
    responses=errors(401, 404),
)
async def status_history(task_id: int, session: SessionDep, user: CurrentUser) -> list[Any]:
    return await service.status_history(session, user=user, task_id=task_id)
