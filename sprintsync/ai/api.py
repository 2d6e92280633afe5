"""JSON routes for AI assist: thin wrappers over `ai.service`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from sprintsync.ai import service
from sprintsync.ai.deps import AssistantDep
from sprintsync.ai.schemas import BreakdownAccept, SuggestRequest, SuggestResponse
from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks.schemas import TaskRead
from sprintsync.tasks.service import task_dict

router = APIRouter(prefix="/ai", tags=["ai"])


@router.post(
    "/suggest",
    response_model=SuggestResponse,
    summary="Draft a description, plan today, break a task down or estimate it",
    description=(
        "Pick the action with `mode`. The answer always comes back: if the configured "
        "provider fails, the offline planner answers with `fallback: true` and a `reason`."
    ),
    responses=errors(*AUTHED, 404, 429),
)
async def suggest(
    body: SuggestRequest, session: SessionDep, user: CurrentUser, assistant: AssistantDep
) -> Any:
    return await service.suggest(session, user=user, assistant=assistant, request=body)


@router.post(
    "/breakdown/accept",
    response_model=list[TaskRead],
    status_code=status.HTTP_201_CREATED,
    summary="Create the subtasks you accepted from a breakdown, as tasks",
    responses=errors(*AUTHED, 404),
)
async def accept_breakdown(
    body: BreakdownAccept, session: SessionDep, user: CurrentUser
) -> list[dict[str, Any]]:
    tasks = await service.accept_breakdown(session, user=user, body=body)
    return [task_dict(t) for t in tasks]
