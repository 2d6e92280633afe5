"""Duplicate warning: open tasks in the same project that look like the one being written.

The same TF-IDF similarity as the estimates (ai/similarity.py), over the project's open
tasks the user can see. A score alone warns too often: two titles that share only "add" and
"export" ("Add PDF export to invoices", "Add CSV export to the timesheet report") score
about 0.35. So a task warns when it is very close (score >= `STRONG`), or reasonably close
(>= `CLOSE`) and shares at least two distinctive title words, not counting the verbs every
title starts with. Tuned on realistic pairs in tests/ai/test_duplicates.py, both ways.
"""

from __future__ import annotations

import functools

import anyio
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai import similarity
from sprintsync.projects import service as projects
from sprintsync.tasks.models import Task, TaskStatus
from sprintsync.tasks.scope import TaskScope
from sprintsync.users.models import User

STRONG = 0.6
CLOSE = 0.3
MIN_SHARED_WORDS = 2
MAX_WARNINGS = 3
# Open tasks searched: the project's most recent ones. Enough for a team's backlog.
OPEN_LIMIT = 500
# Above this many, TF-IDF goes to a worker thread (as in ai/facts.py).
INLINE_LIMIT = 100
TITLE_MAX = 200
TEXT_MAX = 2000
# Words too common in titles to say two tasks are about the same thing.
_GENERIC = frozenset(
    similarity.tokenize(
        "add fix update improve make support implement create remove change allow show use "
        "should need needs issue bug task page error handle check new better"
    )
)


class SimilarTask(BaseModel):
    id: int
    key: str
    title: str
    status: str
    score: float


class SimilarTasks(BaseModel):
    project_id: int
    project_key: str
    tasks: list[SimilarTask]


def looks_alike(title: str, other: str, score: float) -> bool:
    """Whether `other` (scoring `score` against `title`) is close enough to warn about."""
    if score >= STRONG:
        return True
    shared = (set(similarity.tokenize(title)) & set(similarity.tokenize(other))) - _GENERIC
    return score >= CLOSE and len(shared) >= MIN_SHARED_WORDS


async def similar_open_tasks(
    session: AsyncSession,
    *,
    user: User,
    project: str | int,
    title: str,
    description: str = "",
    exclude: int | None = None,
) -> SimilarTasks:
    """Open tasks in `project` (404 unless visible) that look like `title`, closest first."""
    view = await projects.get_project(session, user=user, ref=project)
    found = SimilarTasks(project_id=view.project.id, project_key=view.project.key, tasks=[])
    title = title.strip()[:TITLE_MAX]
    if not similarity.tokenize(title):
        return found
    conditions = [
        TaskScope.for_user(user).condition(),
        Task.project_id == view.project.id,
        Task.status != TaskStatus.done.value,
    ]
    if exclude is not None:
        conditions.append(Task.id != exclude)
    stmt = (
        select(
            Task.id,
            Task.key,
            Task.title,
            Task.status,
            func.substr(Task.description, 1, similarity.TEXT_CHARS).label("text"),
        )
        .where(*conditions)
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(OPEN_LIMIT)
    )
    rows = {r.id: r for r in (await session.execute(stmt)).all()}
    candidates = [
        similarity.Finished(id=r.id, title=r.title, minutes=0, text=r.text or "")
        for r in rows.values()
    ]
    search = functools.partial(
        similarity.nearest,
        title,
        candidates,
        text=description[:TEXT_MAX],
        k=MAX_WARNINGS * 3,
        min_similarity=CLOSE,
    )
    matches = await anyio.to_thread.run_sync(search) if len(rows) > INLINE_LIMIT else search()
    for match in matches:
        if not looks_alike(title, match.task.title, match.similarity):
            continue
        row = rows[match.task.id]
        found.tasks.append(
            SimilarTask(
                id=row.id, key=row.key, title=row.title, status=row.status, score=match.similarity
            )
        )
        if len(found.tasks) == MAX_WARNINGS:
            break
    return found
