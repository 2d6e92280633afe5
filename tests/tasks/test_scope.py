"""The visibility rule is written once (tasks/scope.py) and every task read goes through it.

An owner/assignee/membership filter on tasks anywhere else would be a second copy of the
rule that could drift; this test fails when one appears.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sprintsync.config import REPO_ROOT

PACKAGE = REPO_ROOT / "sprintsync"
# Where the rule lives, and where project membership itself is managed.
ALLOWED = {
    PACKAGE / "tasks" / "scope.py",
    PACKAGE / "projects" / "service.py",
    PACKAGE / "projects" / "models.py",
}
# Hand-written SQL filtering tasks by their people or by membership.
SQL_FILTER = re.compile(
    r"(owner_id|assignee_id)\s*=\s*:(user_id|member_id|scope_user_id)|project_members",
    re.IGNORECASE,
)
# Names that stand for "the user making the request".
READER = {"user", "actor", "viewer", "current_user"}


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p not in ALLOWED and "migrations" not in p.parts]


def _is_column(node: ast.AST, owner: str, names: set[str]) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in names
        and isinstance(node.value, ast.Name)
        and node.value.id == owner
    )


def _mentions_reader(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id in READER for n in ast.walk(node))


def _violations(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_FILTER.search(node.value)
        ):
            found.append(f"{path}:{node.lineno}: SQL filter {node.value!r}")
        if isinstance(node, ast.Name) and node.id == "ProjectMember":
            found.append(f"{path}:{node.lineno}: membership filter (ProjectMember)")
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            people = any(_is_column(s, "Task", {"owner_id", "assignee_id"}) for s in sides)
            if people and any(_mentions_reader(s) for s in sides):
                found.append(f"{path}:{node.lineno}: task owner/assignee filter on the reader")
    return found


def test_task_visibility_is_decided_only_in_tasks_scope() -> None:
    problems = [v for path in _sources() for v in _violations(path)]
    assert problems == [], "\n".join(problems)


def test_the_guard_catches_the_old_rule(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "stmt = select(Task).where(or_(Task.owner_id == user.id, Task.assignee_id == user.id))\n"
        "sql = 'SELECT * FROM tasks WHERE owner_id = :user_id'\n"
        "sub = select(ProjectMember.project_id)\n",
        encoding="utf-8",
    )
    assert len(_violations(sample)) == 4
