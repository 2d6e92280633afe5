"""The offline assist's quality, measured on labelled data a lead would agree with.

Four numbers, each beside what it must beat:
- kind accuracy: the detector's label (a kind, or "vague" for a title too thin to scope)
  against the hand label, separately for the titles the word lists were tuned on (dev)
  and for titles written beforehand and never tuned on (holdout);
- priority accuracy: the suggested priority against the hand label;
- estimate error: median absolute percentage error under leave-one-out over the history
  (each finished task estimated from all the others), beside the baseline of always
  answering the others' median;
- breakdown consistency: the share of breakdowns whose subtasks add up to the total they
  state, over every title and a spread of given estimates.

`python -m tests.ai.eval` (or `make eval`) prints the table; `test_eval.py` holds the
thresholds in `make test`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sprintsync.ai import estimator, kinds, similarity, writer
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
    misses: list[str] = field(default_factory=list)

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
    if kinds.is_vague(title, description):
        return "vague"
    return kinds.detect_kind(title, description).value


def kind_score(items: list[Labelled]) -> Score:
    score = Score()
    for item in items:
        got = label(item.title, item.description)
        score.add(got == item.kind, f"{item.title!r}: want {item.kind}, got {got}")
    return score


def priority_score(items: list[Labelled]) -> Score:
    score = Score()
    for item in items:
        kind = kinds.detect_kind(item.title, item.description)
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
        kind = kinds.detect_kind(item.title, item.description)
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
            stated = writer.total_minutes(facts, kinds.detect_kind(item.title, item.description))
            added = sum(s.estimate_minutes for s in draft.subtasks)
            score.add(added == stated, f"{item.title!r} at {given}: {added} != {stated}")
    return score


@dataclass(frozen=True, slots=True)
class Report:
    kind_dev: Score
    kind_holdout: Score
    priority_dev: Score
    priority_holdout: Score
    estimate: EstimateError
    breakdown: Score


def run() -> Report:
    dev, holdout = titles("titles_dev.tsv"), titles("titles_holdout.tsv")
    return Report(
        kind_dev=kind_score(dev),
        kind_holdout=kind_score(holdout),
        priority_dev=priority_score(dev),
        priority_holdout=priority_score(holdout),
        estimate=estimate_error(history()),
        breakdown=breakdown_score(dev + holdout),
    )


def _pct(value: float) -> str:
    return f"{100 * value:5.1f} %"


def render(report: Report, *, misses: bool = False) -> str:
    est = report.estimate
    rows = [
        ("kind accuracy (dev, tuned on)", report.kind_dev, "≥ 90 %"),
        ("kind accuracy (holdout)", report.kind_holdout, "≥ 90 %"),
        ("priority accuracy (dev)", report.priority_dev, ""),
        ("priority accuracy (holdout)", report.priority_holdout, ""),
        ("breakdowns that add up", report.breakdown, "100 %"),
    ]
    lines = [f"{'measure':38} {'value':>8} {'n':>5}  target"]
    for name, score, target in rows:
        lines.append(f"{name:38} {_pct(score.rate):>8} {score.total:>5}  {target}")
    lines += [
        f"{'estimate MdAPE, leave-one-out':38} {_pct(est.mdape):>8} {est.count:>5}",
        f"{'baseline MdAPE (history median)':38} {_pct(est.baseline):>8} {est.count:>5}",
        f"{'estimate error below baseline by':38} {_pct(est.improvement):>8} {'':>5}  ≥ 25 %",
    ]
    if misses:
        for name, score, _ in rows:
            if score.misses:
                lines += ["", f"{name}, misses:"] + [f"  {m}" for m in score.misses]
    return "\n".join(lines)


def label_counts(items: list[Labelled]) -> Counter[str]:
    return Counter(item.kind for item in items)
