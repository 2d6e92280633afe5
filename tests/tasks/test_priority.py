"""Priority is one type (tasks/priority.py): the ORM, the API, the pages and the list's raw
rows all use `Priority`, and turning a stored rank into a name happens only there.

A second int<->name table anywhere else would be a copy that could drift; the guard below
fails when one appears.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from sprintsync.config import REPO_ROOT
from sprintsync.tasks.models import Task
from sprintsync.tasks.priority import MAX_RANK, Priority
from tests.factories import make_task, make_user

PACKAGE = REPO_ROOT / "sprintsync"
HOME = PACKAGE / "tasks" / "priority.py"
NAMES = {p.value for p in Priority}
# Hand-written SQL spelling a rank as a name: CASE priority WHEN 3 THEN 'urgent' ...
SQL_CONVERSION = re.compile(r"WHEN\s+\d+\s+THEN\s+'(low|medium|high|urgent)'", re.IGNORECASE)


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p != HOME and "migrations" not in p.parts]


def _is_priority(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "Priority"


def _name_constant(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in NAMES


def _int_constant(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _table_of_names_and_ints(node: ast.AST) -> bool:
    """A literal table of priority names: {"low": 0, ...}, {0: "low", ...}, ("low", ...)."""
    if isinstance(node, ast.Dict):
        pairs = list(zip(node.keys, node.values, strict=True))
        return any(
            (_name_constant(k) and _int_constant(v)) or (_int_constant(k) and _name_constant(v))
            for k, v in pairs
        )
    if isinstance(node, ast.Tuple | ast.List):  # ("low", "medium", ...)[rank]
        return sum(_name_constant(e) for e in node.elts) >= 2
    if isinstance(node, ast.ClassDef):  # a second enum: low = 0, medium = 1, ...
        return any(
            isinstance(s, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id in NAMES for t in s.targets)
            and _int_constant(s.value)
            for s in node.body
        )
    return False


def _violation(node: ast.AST) -> str | None:
    checks = (
        (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_CONVERSION.search(node.value) is not None,
            "SQL spelling a priority rank as a name",
        ),
        (
            isinstance(node, ast.Subscript) and _is_priority(node.value),
            "Priority[...] (look members up by value, or use Priority.from_rank)",
        ),
        (
            isinstance(node, ast.Attribute)
            and node.attr == "name"
            and any(_is_priority(n) for n in ast.walk(node.value)),
            "Priority .name (the member is the name; .rank is the stored value)",
        ),
        (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "enumerate"
            and any(_is_priority(a) for a in node.args),
            "enumerate(Priority) (ranks come from Priority.rank)",
        ),
        (
            isinstance(node, ast.DictComp) and any(_is_priority(g.iter) for g in node.generators),
            "a table built from Priority (use the enum itself)",
        ),
        (_table_of_names_and_ints(node), "a literal table of priority names and integers"),
    )
    return next((problem for found, problem in checks if found), None)


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (problem := _violation(node)) is not None:
            found.append(f"{path}:{getattr(node, 'lineno', '?')}: {problem}")
    return found


def test_priority_conversions_live_only_in_the_priority_module() -> None:
    problems = [v for path in _sources() for v in _violations(path)]
    assert problems == [], "\n".join(problems)


def test_the_guard_catches_the_old_conversions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "_PRIORITY_NAMES = {p.value: p.name for p in Priority}\n"
        "rank = Priority[name].value\n"
        "name = PriorityName(Priority(task.priority).name)\n"
        "RANKS = {'low': 0, 'medium': 1, 'high': 2, 'urgent': 3}\n"
        "sql = \"CASE priority WHEN 3 THEN 'urgent' ELSE 'low' END\"\n"
        "class Level(IntEnum):\n    low = 0\n    high = 1\n"
        "label = ('low', 'medium', 'high', 'urgent')[task.priority]\n",
        encoding="utf-8",
    )
    assert len(_violations(sample)) == 7


def test_ranks_and_names_round_trip_in_order() -> None:
    assert [p.rank for p in Priority] == list(range(MAX_RANK + 1))
    assert [Priority.from_rank(p.rank) for p in Priority] == list(Priority)
    assert Priority.urgent.label == "Urgent"
    with pytest.raises(IndexError):
        Priority.from_rank(-1)


async def test_the_column_reads_and_writes_the_enum_and_stores_the_rank(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user, priority=Priority.urgent)
    stored = await session.scalar(
        text("SELECT priority FROM tasks WHERE id = :id"), {"id": task.id}
    )
    assert stored == 3
    read = await session.scalar(select(Task.priority).where(Task.id == task.id))
    assert read is Priority.urgent
    by_rank = await session.scalar(select(Task.id).where(Task.priority == Priority.urgent))
    assert by_rank == task.id
