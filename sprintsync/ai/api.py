"""JSON routes for AI assist: thin wrappers over `ai.service`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from sprintsync.ai import assignees, duplicates, service, timers
from sprintsync.ai.deps import AssistantDep, EmbeddingsDep
from sprintsync.ai.schemas import (
    BreakdownAccept,
    SuggestRequest,
    SuggestResponse,
    TimerFix,
    TimerFixRead,
)
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


@router.get(
    "/similar",
    response_model=duplicates.SimilarTasks,
    summary="Open tasks in a project that look like a task being written (duplicate warning)",
    description=(
        "Up to three open tasks of `project` (key or id) that the caller can see and whose "
        "title and description look like `title`/`description`, closest first, each with "
        "its `score`. Unrelated titles give an empty list. 404 for a project you cannot see."
    ),
    responses=errors(*AUTHED, 404),
)
async def similar_tasks(
    session: SessionDep,
    user: CurrentUser,
    project: Annotated[str, Query(min_length=1, max_length=20)],
    title: Annotated[str, Query(max_length=duplicates.TITLE_MAX)] = "",
    description: Annotated[str, Query(max_length=10_000)] = "",
) -> Any:
    return await duplicates.similar_open_tasks(
        session, user=user, project=project, title=title, description=description
    )


@router.get(
    "/assignees",
    response_model=assignees.AssigneeRanking,
    summary="Rank a task's project members as its assignee, with the reason for each",
    description=(
        "Members are ranked by how similar their finished tasks are to this one (embeddings "
        "from the configured provider where it offers them, lexical similarity otherwise) "
        "and by their open load. If the provider fails the ranking is lexical, with "
        "`fallback: true` and a `reason_code`. 404 for a task you cannot see."
    ),
    responses=errors(*AUTHED, 404),
)
async def suggest_assignees(
    session: SessionDep,
    user: CurrentUser,
    embeddings: EmbeddingsDep,
    assistant: AssistantDep,
    task: Annotated[str, Query(min_length=1, max_length=30, description="Task key or id")],
) -> Any:
    return await assignees.rank_assignees(
        session, user=user, embeddings=embeddings, ref=task, limiter=assistant.limiter
    )


@router.post(
    "/timers/{entry_id}/fix",
    response_model=TimerFixRead,
    summary="Fix a forgotten timer: stop it at your last activity, stop it now, or discard it",
    description=(
        "The timer is named by its time entry (`GET /api/v1/timer`), so a stale click cannot "
        "touch a timer started since. 404 for anyone else's entry, 409 if it has stopped."
    ),
    responses=errors(*AUTHED, 404, 409),
)
async def fix_timer(
    entry_id: int, body: TimerFix, session: SessionDep, user: CurrentUser
) -> TimerFixRead:
    fix = await timers.fix_timer(session, user=user, entry_id=entry_id, action=body.action)
    return timer_fix_read(fix)


def timer_fix_read(fix: timers.TimerFix) -> TimerFixRead:
    entry = fix.entry
    return TimerFixRead(
        action=fix.action,
        entry_id=fix.entry_id,
        task_id=fix.task_id,
        discarded=entry is None,
        ended_at=entry.ended_at if entry else None,
        minutes=entry.minutes if entry else 0,
        basis=fix.basis,
    )
