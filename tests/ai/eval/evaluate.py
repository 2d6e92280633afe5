"""The offline assist's quality, measured on labelled data a lead would agree with.

Four numbers, each beside what it must beat:
- kind accuracy: the detector's label (a kind, or "vague" for a title too thin to scope)
  against the hand label (`LABELS.md` says how titles are labelled). The detector is a
  linear model (`sprintsync/ai/kind_model.py`) fitted on the training sets (dev, holdout,
  fresh, blind, blind2, train_a, train_b; `train.py`); the held-out sets blind3 and blind4
  were written and labelled by two writers who never read the detector, its rules or the
  other sets, and are never trained on: they are the honest figure, only ever scored in
  aggregate (their misses are never printed), and no training title shares half its words
  with one of them;
- priority accuracy: the suggested priority against the hand label, on the same sets;
- estimate error: median absolute percentage error under leave-one-out over the history
  (each finished task estimated from all the others), beside the baseline of always
  answering the others' median;
- breakdown consistency: the share of breakdowns whose subtasks add up to the total they
  state, over every title and a spread of given estimates.

`python -m tests.ai.eval` prints the table, `--misses` adds the training sets' misses,
`--by-kind` the kind accuracy per hand label on every set (counts only); `make eval` does
all three. `test_eval.py` holds the thresholds in `make test`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sprintsync.ai import estimator, kind_model, kinds, similarity, writer
from sprintsync.ai.facts import Neighbour, TaskFacts, to_neighbours

HERE = Path(__file__).parent
# Estimates a user might have typed, awkward ones included: breakdowns must add up anyway.
GIVEN_ESTIMATES = (None, 20, 50, 95, 130, 425, 1000, 5000)


@dataclass(frozen=True, slots=True)
class Labelled:
    kind: str
    priority: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Done:
    id: int
    minutes: int
    title: str
    description: str


@dataclass(slots=True)
class Score:
    right: int = 0
    total: int = 0
    # Kept out of the repr so a failing assertion cannot print a holdout set's titles.
    misses: list[str] = field(default_factory=list, repr=False)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(miss)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0


def _rows(name: str) -> list[list[str]]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    rows = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            cells = line.split("\t")
            rows.append([c.replace("\\n", "\n").strip() for c in cells] + [""] * (4 - len(cells)))
    return rows


def titles(name: str) -> list[Labelled]:
    return [Labelled(kind=k, priority=p, title=t, description=d) for k, p, t, d, *_ in _rows(name)]


def history() -> list[Done]:
    return [
        Done(id=i, minutes=int(m), title=t, description=d)
        for i, (m, t, d, *_) in enumerate(_rows("history.tsv"), start=1)
    ]


def label(title: str, description: str) -> str:
    """What the detector calls a title: its kind, or "vague" when it cannot be scoped."""
    if kind_model.is_vague(title, description):
        return "vague"
    return kind_model.detect_kind(title, description).value


def kind_score(items: list[Labelled]) -> Score:
    score = Score()
    for item in items:
        got = label(item.title, item.description)
        score.add(got == item.kind, f"{item.title!r}: want {item.kind}, got {got}")
    return score


def kind_score_by_label(items: list[Labelled]) -> dict[str, Score]:
    """Kind accuracy for each hand label (its recall), so a weak kind shows in counts alone."""
    return {
        kind: kind_score([item for item in items if item.kind == kind])
        for kind in sorted(label_counts(items))
    }


def priority_score(items: list[Labelled]) -> Score:
    score = Score()
    for item in items:
        kind = kind_model.detect_kind(item.title, item.description)
        got = kinds.priority_for(kind, item.title, item.description).value
        score.add(got == item.priority, f"{item.title!r}: want {item.priority}, got {got}")
    return score


def _facts(
    item: Labelled | Done, neighbours: list[Neighbour], size: int, **kw: object
) -> TaskFacts:
    fields: dict[str, object] = {
        "task_id": None,
        "title": item.title,
        "context": item.description,
        "estimate_minutes": None,
        "logged_minutes": 0,
        "priority": None,
        "neighbours": neighbours,
        "history_size": size,
    }
    fields.update(kw)
    return TaskFacts.model_validate(fields)


@dataclass(frozen=True, slots=True)
class EstimateError:
    mdape: float
    baseline: float
    count: int

    @property
    def improvement(self) -> float:
        """How much smaller the error is than the baseline's, as a share of the baseline."""
        return 1 - self.mdape / self.baseline


def estimate_error(done: list[Done]) -> EstimateError:
    """Leave-one-out: each finished task estimated from all the others."""
    ours, base = [], []
    for item in done:
        others = [d for d in done if d.id != item.id]
        pool = [
            similarity.Finished(id=d.id, title=d.title, minutes=d.minutes, text=d.description)
            for d in others
        ]
        matches = similarity.nearest(item.title, pool, text=item.description)
        facts = _facts(item, to_neighbours(matches), len(others))
        kind = kind_model.detect_kind(item.title, item.description)
        guess = estimator.estimate(facts, kind).minutes
        median = statistics.median(d.minutes for d in others)
        ours.append(abs(guess - item.minutes) / item.minutes)
        base.append(abs(median - item.minutes) / item.minutes)
    return EstimateError(statistics.median(ours), statistics.median(base), len(done))


def breakdown_score(items: list[Labelled]) -> Score:
    """Breakdowns whose subtasks add up to the total they state, for every given estimate."""
    score = Score()
    for item in items:
        for given in GIVEN_ESTIMATES:
            facts = _facts(item, [], 0, estimate_minutes=given)
            draft = writer.break_down(facts)
            kind = kind_model.detect_kind(item.title, item.description)
            stated = writer.total_minutes(facts, kind)
            added = sum(s.estimate_minutes for s in draft.subtasks)
            score.add(added == stated, f"{item.title!r} at {given}: {added} != {stated}")
    return score


# The labelled sets by name: the model is fitted on all but the held-out ones, which are
# scored in aggregate only and whose misses are never shown, so they stay honest checks.
SETS = {
    "dev": "titles_dev.tsv",
    "holdout": "titles_holdout.tsv",
    "fresh": "titles_fresh.tsv",
    "blind": "titles_blind.tsv",
    "blind2": "titles_blind2.tsv",
    "train_a": "titles_train_a.tsv",
    "train_b": "titles_train_b.tsv",
    "blind3": "titles_blind3.tsv",
    "blind4": "titles_blind4.tsv",
}
HELD_OUT = ("blind3", "blind4")
TRAINED_ON = tuple(name for name in SETS if name not in HELD_OUT)


@dataclass(frozen=True, slots=True)
class Report:
    kind: dict[str, Score]
    priority: dict[str, Score]
    estimate: EstimateError
    breakdown: Score


def run() -> Report:
    sets = {name: titles(file) for name, file in SETS.items()}
    return Report(
        kind={name: kind_score(items) for name, items in sets.items()},
        priority={name: priority_score(items) for name, items in sets.items()},
        estimate=estimate_error(history()),
        breakdown=breakdown_score([item for items in sets.values() for item in items]),
    )


def _pct(value: float) -> str:
    return f"{100 * value:5.1f} %"


def render_by_kind() -> str:
    """Right / total per hand label and set: counts only, so no unseen title is shown."""
    scores = {name: kind_score_by_label(titles(file)) for name, file in SETS.items()}
    names = list(SETS)
    lines = [f"{'kind accuracy by hand label':34}" + "".join(f"{n:>9}" for n in names)]
    for kind in sorted({k for by_kind in scores.values() for k in by_kind}):
        cells = []
        for name in names:
            score = scores[name].get(kind)
            cells.append(f"{f'{score.right}/{score.total}' if score else '-':>9}")
        lines.append(f"{kind:34}" + "".join(cells))
    return "\n".join(lines)


def render(report: Report, *, misses: bool = False) -> str:
    est = report.estimate
    names = list(SETS)
    head = "".join(f"{name:>9}" for name in names)
    lines = [f"{'measure':34}{head}  target"]
    for measure, scores, target in (
        ("kind accuracy", report.kind, "≥ 90 %"),
        ("priority accuracy", report.priority, ""),
    ):
        cells = "".join(f"{_pct(scores[name].rate):>9}" for name in names)
        lines.append(f"{measure:34}{cells}  {target}".rstrip())
    sizes = "".join(f"{report.kind[name].total:>9}" for name in names)
    lines += [
        f"{'titles':34}{sizes}",
        f"{'':34}kinds fitted on every set but {' and '.join(HELD_OUT)}",
        "",
        f"{'breakdowns that add up':34}{_pct(report.breakdown.rate):>9}"
        f"  of {report.breakdown.total}, target 100 %",
        f"{'estimate MdAPE, leave-one-out':34}{_pct(est.mdape):>9}  over {est.count} tasks",
        f"{'baseline MdAPE (history median)':34}{_pct(est.baseline):>9}",
        f"{'estimate error below baseline by':34}{_pct(est.improvement):>9}  target ≥ 25 %",
    ]
    if misses:
        for name in TRAINED_ON:
            if report.kind[name].misses:
                lines += ["", f"kind misses on {name}:"]
                lines += [f"  {m}" for m in report.kind[name].misses]
        # The priority rules were tuned looking at dev only.
        if report.priority["dev"].misses:
            lines += ["", "priority misses on dev:"]
            lines += [f"  {m}" for m in report.priority["dev"].misses]
    return "\n".join(lines)


def label_counts(items: list[Labelled]) -> Counter[str]:
    return Counter(item.kind for item in items)
