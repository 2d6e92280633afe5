"""Estimates calibrated on the team's own history, and honest about how sure they are.

With similar finished tasks: the similarity-weighted median of the minutes they actually
took (a median, so one task that ran for a week does not drag every estimate up). With
none: the typical size of that kind of task, scaled by how many parts the title names,
at low confidence, and the rationale says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sprintsync.ai import kinds
from sprintsync.ai.facts import Neighbour, TaskFacts
from sprintsync.ai.schemas import MAX_ESTIMATE_MINUTES, Confidence, TaskKind

# Typical sizes when there is no history, in minutes: a starting point, not a promise.
KIND_MINUTES: dict[TaskKind, int] = {
    TaskKind.bug: 120,
    TaskKind.feature: 240,
    TaskKind.research: 180,
    TaskKind.docs: 90,
    TaskKind.chore: 90,
    TaskKind.test: 120,
    TaskKind.ops: 120,
    TaskKind.incident: 180,
    TaskKind.security: 180,
    TaskKind.ui: 180,
    TaskKind.data_migration: 360,
}


@dataclass(frozen=True, slots=True)
class Estimate:
    minutes: int
    confidence: Confidence
    similar_count: int
    rationale: str


def nice_minutes(minutes: float) -> int:
    """Round to what people write down: quarter hours up to 4 h, then half and whole hours."""
    if minutes <= 240:
        step = 15
    elif minutes <= 480:
        step = 30
    else:
        step = 60
    return max(15, round(minutes / step) * step)


def fmt(minutes: int) -> str:
    """`95` → "1 h 35 min"."""
    hours, mins = divmod(max(0, int(minutes)), 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def weighted_median(neighbours: list[Neighbour]) -> float:
    """The similarity-weighted median of the neighbours' actual minutes.

    When the weight splits exactly in half between two neighbours, the more similar one
    (the closer neighbour) decides, not whichever happens to be smaller.
    """
    ordered = sorted(neighbours, key=lambda n: n.actual_minutes)
    half = sum(n.similarity for n in ordered) / 2
    running = 0.0
    for i, n in enumerate(ordered):
        running += n.similarity
        if math.isclose(running, half) and i + 1 < len(ordered):
            closer = max(n, ordered[i + 1], key=lambda m: m.similarity)
            return float(closer.actual_minutes)
        if running >= half:
            return float(n.actual_minutes)
    return float(ordered[-1].actual_minutes)


def confidence_for(neighbours: list[Neighbour]) -> Confidence:
    if not neighbours:
        return Confidence.low
    top = neighbours[0].similarity
    minutes = [n.actual_minutes for n in neighbours]
    spread = max(minutes) / max(1, min(minutes))
    if len(neighbours) >= 3 and top >= 0.5 and spread <= 3:
        return Confidence.high
    if len(neighbours) >= 2 or top >= 0.6:
        return Confidence.medium
    return Confidence.low


def baseline_minutes(kind: TaskKind, facts: TaskFacts) -> int:
    """A kind's typical size, scaled by how many separate things the task asks for."""
    count = max(1, len(kinds.parts(facts.title)))
    scale = min(2.5, 1 + 0.5 * (count - 1))
    if len(kinds.bullet_points(kinds.own_text(facts.context).text)) >= 3:
        scale *= 1.25
    return nice_minutes(KIND_MINUTES[kind] * scale)


def estimate(facts: TaskFacts, kind: TaskKind) -> Estimate:
    neighbours = facts.neighbours
    if neighbours:
        minutes = nice_minutes(weighted_median(neighbours))
        examples = "; ".join(f"“{n.title}” took {fmt(n.actual_minutes)}" for n in neighbours[:3])
        plural = "task" if len(neighbours) == 1 else "tasks"
        rationale = (
            f"Based on {len(neighbours)} similar finished {plural} from your history "
            f"({examples}): the similarity-weighted median is {fmt(minutes)}."
        )
    else:
        minutes = baseline_minutes(kind, facts)
        searched = (
            f"none of the {facts.history_size} finished tasks with logged time is similar"
            if facts.history_size
            else "there are no finished tasks with logged time yet"
        )
        rationale = (
            f"No similar finished tasks to calibrate on ({searched}), so this is the typical "
            f"size of a {kind.value} task. Log time on finished tasks to sharpen estimates."
        )
    if facts.logged_minutes:
        rationale += f" {fmt(facts.logged_minutes)} is already logged on this task."
    return Estimate(
        minutes=min(minutes, MAX_ESTIMATE_MINUTES),
        confidence=confidence_for(neighbours),
        similar_count=len(neighbours),
        rationale=rationale,
    )
