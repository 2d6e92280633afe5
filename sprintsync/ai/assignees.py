"""Best-fit assignee: rank a task's project members by their similar finished work and load.

For each active member of the task's project: how like this task the finished tasks
assigned to them are (the sum of their three closest, so one lucky match does not beat a
steady record), divided by their current open load (open tasks and remaining estimate,
over the tasks the user can see). Every candidate comes with the reason in words.

Similarity is lexical (TF-IDF, ai/similarity.py) offline. With a network provider that
offers embeddings it is the cosine of the provider's vectors, stored per task and model in
`task_embeddings` so each version of a task's text is sent once; when the provider fails,
the ranking is lexical with `fallback` and the error's fixed `reason_code`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import anyio
from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai import metrics, similarity
from sprintsync.ai.embeddings import Embeddings, cosine
from sprintsync.ai.models import TaskEmbedding
from sprintsync.ai.providers.base import ProviderError
from sprintsync.db import utcnow
from sprintsync.observability import log
from sprintsync.projects import service as projects
from sprintsync.ratelimit import Limiter
from sprintsync.tasks.models import Task, TaskStatus
from sprintsync.tasks.scope import TaskScope
from sprintsync.tasks.service import get_task
from sprintsync.users.models import User

HISTORY_LIMIT = 500
# Below these a finished task is not "similar": TF-IDF cosine, and embedding cosine (which
# runs higher: unrelated engineering titles often score 0.2-0.3 with real embedding models).
# Lower than the estimates' cut-off: one distinctive word in common ("login", "session")
# already says something about who knows the area, and the sum of the top three rewards
# a steady record over one close match.
LEXICAL_MIN = 0.12
EMBEDDING_MIN = 0.4
TOP = 3
EXAMPLES = 2
# How much one open task, and one 20-hour block of remaining estimate, divide a score by.
PER_OPEN_TASK = 0.2
REMAINING_BLOCK_MINUTES = 20 * 60
INLINE_LIMIT = 100


class TaskLink(BaseModel):
    id: int
    key: str
    title: str


class AssigneeCandidate(BaseModel):
    user_id: int
    display_name: str
    score: float
    similar_tasks: int
    examples: list[TaskLink]
    open_tasks: int
    remaining_minutes: int
    current: bool
    reason: str


class AssigneeRanking(BaseModel):
    task_id: int
    task_key: str
    method: Literal["embeddings", "lexical"]
    model: str | None
    fallback: bool
    reason_code: str | None
    candidates: list[AssigneeCandidate]


@dataclass(frozen=True, slots=True)
class _Done:
    id: int
    key: str
    title: str
    text: str
    assignee_id: int


def _text(title: str, description: str) -> str:
    return f"{title}\n{description[: similarity.TEXT_CHARS]}".strip()


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class UserRateLimited(ProviderError):
    """The user's share of AI requests (`SPRINTSYNC_AI__RATE_LIMIT`) is used up for now."""

    code = "user_rate_limited"
    summary = "You made many AI requests just now; this ranking uses matching words instead."


async def rank_assignees(
    session: AsyncSession,
    *,
    user: User,
    embeddings: Embeddings,
    ref: int | str,
    limiter: Limiter | None = None,
) -> AssigneeRanking:
    """The task's project members, best fit first (404 unless the task is visible).

    A call that needs the provider (vectors not yet stored) counts toward the user's AI
    rate limit, `limiter`; over it, the ranking is lexical (`user_rate_limited`).
    """
    task = await get_task(session, user=user, ref=ref)
    members = await projects.active_members(session, project_id=task.project_id)
    ids = [m.id for m in members]
    scope = TaskScope.for_user(user).condition()
    history = await _finished_by(session, scope=scope, member_ids=ids, exclude=task.id)
    load = await _open_load(session, scope=scope, member_ids=ids)
    query = _text(task.title, task.description)
    method: Literal["embeddings", "lexical"] = "lexical"
    reason_code = None
    scores: dict[int, float] | None = None
    if embeddings.model_id is not None and history:
        try:
            scores = await _embedding_scores(
                session, embeddings, task, query, history, _allowance(limiter, user)
            )
            method = "embeddings"
        except ProviderError as exc:
            reason_code = exc.code
            if not isinstance(exc, UserRateLimited):
                metrics.provider_failed(embeddings.provider_name, exc.code)
            log.warning("ai_embeddings_failed", reason_code=exc.code, detail=exc.message[:160])
    if scores is None:
        scores = await _lexical_scores(task.title, task.description, history)
    candidates = [
        _candidate(m, task.assignee_id, history, scores, load.get(m.id, (0, 0))) for m in members
    ]
    candidates.sort(
        key=lambda c: (-c.score, c.open_tasks, c.remaining_minutes, c.display_name.lower())
    )
    return AssigneeRanking(
        task_id=task.id,
        task_key=task.key,
        method=method,
        model=embeddings.model_id if method == "embeddings" else None,
        fallback=reason_code is not None,
        reason_code=reason_code,
        candidates=candidates,
    )


async def _finished_by(
    session: AsyncSession, *, scope: object, member_ids: list[int], exclude: int
) -> list[_Done]:
    """The members' most recently finished tasks that the user can see."""
    if not member_ids:
        return []
    stmt = (
        select(
            Task.id,
            Task.key,
            Task.title,
            func.substr(Task.description, 1, similarity.TEXT_CHARS).label("text"),
            Task.assignee_id,
        )
        .where(
            scope,  # type: ignore[arg-type]
            Task.status == TaskStatus.done.value,
            Task.assignee_id.in_(member_ids),
            Task.id != exclude,
        )
        .order_by(Task.status_changed_at.desc(), Task.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return [
        _Done(r.id, r.key, r.title, r.text or "", r.assignee_id)
        for r in (await session.execute(stmt)).all()
    ]


async def _open_load(
    session: AsyncSession, *, scope: object, member_ids: list[int]
) -> dict[int, tuple[int, int]]:
    """Open tasks and remaining estimate (minutes) per member, over visible tasks."""
    if not member_ids:
        return {}
    remaining = case(
        (Task.estimate_minutes > Task.total_minutes, Task.estimate_minutes - Task.total_minutes),
        else_=0,
    )
    stmt = (
        select(Task.assignee_id, func.count(), func.coalesce(func.sum(remaining), 0))
        .where(
            scope,  # type: ignore[arg-type]
            Task.status != TaskStatus.done.value,
            Task.assignee_id.in_(member_ids),
        )
        .group_by(Task.assignee_id)
    )
    return {r[0]: (int(r[1]), int(r[2])) for r in (await session.execute(stmt)).all()}


async def _lexical_scores(title: str, description: str, history: list[_Done]) -> dict[int, float]:
    finished = [
        similarity.Finished(id=d.id, title=d.title, minutes=0, text=d.text) for d in history
    ]
    search = functools.partial(
        similarity.nearest,
        title,
        finished,
        text=description,
        k=len(finished),
        min_similarity=LEXICAL_MIN,
    )
    matches = await anyio.to_thread.run_sync(search) if len(finished) > INLINE_LIMIT else search()
    return {m.task.id: m.similarity for m in matches}


def _allowance(limiter: Limiter | None, user: User) -> Callable[[], Awaitable[bool]]:
    async def allowed() -> bool:
        return limiter is None or await limiter.acquire(str(user.id))

    return allowed


async def _embedding_scores(
    session: AsyncSession,
    embeddings: Embeddings,
    task: Task,
    query: str,
    history: list[_Done],
    allowed: Callable[[], Awaitable[bool]],
) -> dict[int, float]:
    """Cosine of each finished task's vector with the task's; missing vectors are fetched
    from the provider (with no database connection held meanwhile) and stored."""
    model = embeddings.model_id
    assert model is not None
    texts = {task.id: query} | {d.id: _text(d.title, d.text) for d in history}
    hashes = {tid: text_hash(t) for tid, t in texts.items()}
    stored_rows = await session.execute(
        select(TaskEmbedding.task_id, TaskEmbedding.text_hash, TaskEmbedding.vector).where(
            TaskEmbedding.model == model, TaskEmbedding.task_id.in_(list(texts))
        )
    )
    vectors = {r.task_id: r.vector for r in stored_rows if r.text_hash == hashes[r.task_id]}
    missing = [tid for tid in texts if tid not in vectors]
    if missing:
        if not await allowed():
            raise UserRateLimited("the user's AI rate limit is used up")
        await session.close()  # give the connection back while the provider answers
        fresh = await embeddings.embed([texts[tid] for tid in missing])
        vectors.update(zip(missing, fresh, strict=True))
        await _store(session, model, {tid: (hashes[tid], vectors[tid]) for tid in missing})
    target = vectors[task.id]
    scores = {}
    for done in history:
        score = round(cosine(target, vectors[done.id]), 3)
        if score >= EMBEDDING_MIN:
            scores[done.id] = score
    return scores


async def _store(
    session: AsyncSession, model: str, rows: dict[int, tuple[str, Sequence[float]]]
) -> None:
    """Insert or refresh vectors; two requests embedding the same task both succeed."""
    now = utcnow()
    values = [
        {
            "task_id": tid,
            "model": model,
            "text_hash": digest,
            "vector": list(vector),
            "dimensions": len(vector),
            "updated_at": now,
        }
        for tid, (digest, vector) in rows.items()
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(TaskEmbedding).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["task_id", "model"],
        set_={
            "text_hash": stmt.excluded.text_hash,
            "vector": stmt.excluded.vector,
            "dimensions": stmt.excluded.dimensions,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    await session.execute(stmt)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".removesuffix(".0") + " h"


def _candidate(
    member: User,
    current_id: int | None,
    history: list[_Done],
    scores: dict[int, float],
    load: tuple[int, int],
) -> AssigneeCandidate:
    theirs = sorted(
        ((scores[d.id], d) for d in history if d.assignee_id == member.id and d.id in scores),
        key=lambda pair: -pair[0],
    )
    expertise = sum(score for score, _ in theirs[:TOP])
    open_tasks, remaining = load
    divisor = 1 + PER_OPEN_TASK * open_tasks + remaining / REMAINING_BLOCK_MINUTES
    examples = [TaskLink(id=d.id, key=d.key, title=d.title) for _, d in theirs[:EXAMPLES]]
    if theirs:
        similar = f"Finished {_plural(len(theirs), 'similar task')}, e.g. {examples[0].key}"
    else:
        similar = "No similar finished tasks"
    if open_tasks:
        busy = _plural(open_tasks, "open task")
        if remaining:
            busy += f" ({_hours(remaining)} left)"
    else:
        busy = "no open tasks"
    return AssigneeCandidate(
        user_id=member.id,
        display_name=member.display_name,
        score=round(expertise / divisor, 3),
        similar_tasks=len(theirs),
        examples=examples,
        open_tasks=open_tasks,
        remaining_minutes=remaining,
        current=member.id == current_id,
        reason=f"{similar}; {busy}",
    )
