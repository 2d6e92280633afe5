"""The status workflow, in one place: which moves are allowed from each status."""

from __future__ import annotations

from sprintsync.tasks.models import TaskStatus

ALLOWED: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.todo: frozenset({TaskStatus.in_progress}),
    TaskStatus.in_progress: frozenset({TaskStatus.todo, TaskStatus.done}),
    TaskStatus.done: frozenset({TaskStatus.in_progress}),
}


def allowed_targets(current: TaskStatus) -> list[str]:
    return sorted(s.value for s in ALLOWED[current])


def can_move(current: TaskStatus, target: TaskStatus) -> bool:
    return target in ALLOWED[current]
