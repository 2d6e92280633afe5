"""The offline day planner: a greedy schedule of the user's open tasks into today's capacity.

Order: work in progress first (finishing beats starting), then by due date (overdue
first, no date last), then by priority. Each task needs its estimate minus the time
already logged; a task with no estimate gets a one-hour box, one already over its
estimate a short box to wrap up or re-estimate. A task that does not fit whole gets the
rest of the day if that is at least half an hour; everything else is deferred with the
reason. Done tasks are never planned.
"""

from __future__ import annotations

from datetime import date

from sprintsync.ai.estimator import fmt
from sprintsync.ai.facts import PlanFacts, PlanTask
from sprintsync.ai.schemas import PlanDraft, PlanDraftDeferral, PlanDraftItem
from sprintsync.tasks.models import TaskStatus

UNESTIMATED_BOX = 60
WRAP_UP_BOX = 30
MIN_PARTIAL_BOX = 30
MAX_ITEMS = 8


def order_key(task: PlanTask) -> tuple[int, date, int, int]:
    return (
        0 if task.status == TaskStatus.in_progress.value else 1,
        task.due_date or date.max,
        -task.priority.rank,
        task.id,
    )


def remaining(task: PlanTask) -> int | None:
    """Estimate minus time logged; None when the task has no estimate."""
    if task.estimate_minutes is None:
        return None
    return task.estimate_minutes - task.logged_minutes


def needed(task: PlanTask) -> int:
    """How long a box today should be to finish the task (as far as we know)."""
    left = remaining(task)
    if left is None:
        return UNESTIMATED_BOX
    if left <= 0:
        return WRAP_UP_BOX
    return -(-left // 5) * 5  # whole five minutes, rounded up


def _due(task: PlanTask, today: date) -> str | None:
    if task.due_date is None:
        return None
    days = (task.due_date - today).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days < -1 else ''}"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days <= 7:
        return f"due in {days} days"
    return f"due {task.due_date.isoformat()}"


def _time_note(task: PlanTask, box: int) -> str:
    left = remaining(task)
    if left is None:
        return f"no estimate yet, so a {fmt(box)} box to make progress"
    if left <= 0:
        return (
            f"already {fmt(task.logged_minutes)} logged against a {fmt(task.estimate_minutes or 0)}"
            f" estimate: {fmt(box)} to wrap up or re-estimate"
        )
    if box < left:
        return f"{fmt(box)} of the {fmt(left)} left; continue tomorrow"
    if task.logged_minutes:
        return f"{fmt(left)} left of {fmt(task.estimate_minutes or 0)}"
    return f"estimated {fmt(left)}"


def _reason(task: PlanTask, box: int, today: date) -> str:
    parts = []
    if task.status == TaskStatus.in_progress.value:
        parts.append("in progress")
    due = _due(task, today)
    if due:
        parts.append(due)
    if task.priority.rank >= 2 or not parts:
        parts.append(f"{task.priority.value} priority")
    parts.append(_time_note(task, box))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def plan_day(facts: PlanFacts) -> PlanDraft:
    available = max(0, facts.capacity_minutes - facts.logged_today_minutes)
    left = available
    items: list[PlanDraftItem] = []
    deferred: list[PlanDraftDeferral] = []
    open_tasks = sorted(
        (t for t in facts.tasks if t.status != TaskStatus.done.value), key=order_key
    )
    for task in open_tasks:
        need = needed(task)
        if len(items) == MAX_ITEMS:
            why = f"The plan already has {MAX_ITEMS} tasks; a shorter list keeps today focused"
        elif available == 0:
            why = (
                f"You have already logged {fmt(facts.logged_today_minutes)} today, which uses "
                f"your {fmt(facts.capacity_minutes)} capacity"
            )
        elif need <= left:
            items.append(
                PlanDraftItem(
                    task_id=task.id, minutes=need, reason=_reason(task, need, facts.today)
                )
            )
            left -= need
            continue
        elif left >= MIN_PARTIAL_BOX:
            box = left // 5 * 5
            items.append(
                PlanDraftItem(task_id=task.id, minutes=box, reason=_reason(task, box, facts.today))
            )
            left -= box
            continue
        elif left == 0:
            why = f"Needs {fmt(need)}; no time is left today after the tasks above"
        else:
            why = f"Needs {fmt(need)}; only {fmt(left)} is left today"
        deferred.append(PlanDraftDeferral(task_id=task.id, reason=why))
    planned = available - left
    return PlanDraft(
        items=items,
        deferred=deferred,
        summary=_summary(facts, items, deferred, available, planned),
    )


def _summary(
    facts: PlanFacts,
    items: list[PlanDraftItem],
    deferred: list[PlanDraftDeferral],
    available: int,
    planned: int,
) -> str:
    if not items and not deferred:
        return "Nothing open is assigned to you: a good day to pick up new work or help a teammate."
    if available == 0:
        return (
            f"You have already logged {fmt(facts.logged_today_minutes)} today, which meets your "
            f"{fmt(facts.capacity_minutes)} capacity; the rest can wait for tomorrow."
        )
    titles = {t.id: t.title for t in facts.tasks}
    count = f"{len(items)} task{'s' if len(items) != 1 else ''}"
    text = f"{count}, {fmt(planned)} planned of {fmt(available)} available"
    if facts.logged_today_minutes:
        text += f" ({fmt(facts.logged_today_minutes)} already logged today)"
    text += "."
    if items:
        text += f" Start with “{titles[items[0].task_id]}”."
    if deferred:
        text += f" {len(deferred)} deferred to another day."
    return text
