"""The status workflow map: exactly the four moves issue 2 allows, nothing else."""

from __future__ import annotations

import itertools

import pytest

from sprintsync.tasks.models import TaskStatus
from sprintsync.tasks.transitions import allowed_targets, can_move

TODO, DOING, DONE = TaskStatus.todo, TaskStatus.in_progress, TaskStatus.done
ALLOWED_MOVES = {(TODO, DOING), (DOING, TODO), (DOING, DONE), (DONE, DOING)}


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(TaskStatus, TaskStatus)), ids=str
)
def test_only_the_four_workflow_moves_are_allowed(current: TaskStatus, target: TaskStatus) -> None:
    assert can_move(current, target) is ((current, target) in ALLOWED_MOVES)


@pytest.mark.parametrize(
    ("current", "expected"),
    [(TODO, ["in_progress"]), (DOING, ["done", "todo"]), (DONE, ["in_progress"])],
)
def test_allowed_targets_name_every_legal_next_status(
    current: TaskStatus, expected: list[str]
) -> None:
    assert allowed_targets(current) == expected
