"""JSON routes for AI assist: thin wrappers over `ai.service`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from sprintsync.ai import service
from sprintsync.ai.deps import AssistantDep
from sprintsync.ai.schemas import BreakdownAccept, SuggestRequest, SuggestResponse
from sprintsync.ai.standup import service as standup_service
from sprintsync.ai.standup.schemas import StandupRead
from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import CurrentUser
from sprintsync.tasks.schemas import TaskRead
from sprintsync.tasks.service import task_dict

router = APIRouter(prefix="/ai", tags=["ai"])
StandupPerson = Annotated[
    str | None, Query(alias="user", pattern=r"^(me|[0-9]{1,10})$", description="An id or `me`")
]
StandupProject = Annotated[str | None, Query(max_length=20, description="A project key or id")]


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


@router.get(
    "/standup",
    response_model=StandupRead,
    summary="Stand-up summary for a person or a project",
    description=(
        "Yesterday (the previous working day in your time zone: Friday on a Monday) with the "
        "time logged, status changes and comments; today (the person's plan, or each "
        "member's top items); blockers (overdue, or in progress longer than the project's "
        "median stay). Every claim in `text` is a Markdown link to its task, comment or "
        "entries. `user` is an id or `me` (the default) and must share a project with you; "
        "`project` is a key or id of one of your projects; anything else is a 404. A network "
        "provider may only rephrase the text and must keep every link, else the offline "
        "text comes back with `fallback: true` and a `reason`."
    ),
    responses=errors(*AUTHED, 404, 422, 429),
)
async def standup(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assistant: AssistantDep,
    person: StandupPerson = None,
    project: StandupProject = None,
) -> Any:
    return await standup_service.standup(
        session,
        viewer=user,
        settings=request.app.state.settings,
        assistant=assistant,
        person=person,
        project=project,
    )
