"""JSON routes for tasks: thin wrappers over `tasks.service`."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Response, status

from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors, query_model, query_parameters
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks import service
from sprintsync.tasks.filters import PAGE_ONLY, TaskFilter
from sprintsync.tasks.schemas import (
    StatusChange,
    StatusChangeRead,
    TaskCreate,
    TaskPage,
    TaskRead,
    TaskRef,
    TaskUpdate,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.get(
    "",
    response_model=TaskPage,
    summary="List the tasks of your projects (admins: all), newest first",
    responses=errors(*AUTHED),
    openapi_extra=query_parameters(TaskFilter),
)
async def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    filters: Annotated[TaskFilter, Depends(query_model(TaskFilter, ignore=PAGE_ONLY))],
) -> Response:
    items, next_cursor = await service.list_tasks(session, user=user, filters=filters)
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
    responses=errors(*AUTHED, 404, 409),
)
async def create_task(body: TaskCreate, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.task_dict(await service.create_task(session, user=user, data=body))


@router.get(
    "/{task_ref}", response_model=TaskRead, summary="Get a task", responses=errors(401, 404)
)
async def get_task(task_ref: TaskRef, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.task_dict(await service.get_task(session, user=user, ref=task_ref))


@router.patch(
    "/{task_ref}",
    response_model=TaskRead,
    summary="Edit a task's fields (not its status)",
    responses=errors(*AUTHED, 404, 409),
)
async def update_task(
    task_ref: TaskRef, body: TaskUpdate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    task = await service.update_task(session, user=user, ref=task_ref, changes=body)
    return service.task_dict(task)


@router.delete(
    "/{task_ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a task (its creator, a project lead or an admin)",
    responses=errors(*AUTHED, 404, 409),
)
async def delete_task(task_ref: TaskRef, session: SessionDep, user: CurrentUser) -> Response:
    await service.delete_task(session, user=user, ref=task_ref)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{task_ref}/status",
    response_model=TaskRead,
    summary="Move a task to another status; 409 invalid_transition if not allowed",
    responses=errors(*AUTHED, 404, 409),
)
async def change_status(
    task_ref: TaskRef, body: StatusChange, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    task = await service.change_status(session, user=user, ref=task_ref, to=body.status)
    return service.task_dict(task)


@router.get(
    "/{task_ref}/history",
    response_model=list[StatusChangeRead],
    summary="The task's status changes, oldest first",
    responses=errors(401, 404),
)
async def status_history(task_ref: TaskRef, session: SessionDep, user: CurrentUser) -> list[Any]:
    return await service.status_history(session, user=user, ref=task_ref)
