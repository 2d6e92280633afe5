"""Turning a provider's draft into the client's response, checked against the facts.

A draft is untrusted even when it fits its schema: a plan may name a task that is not open
or overrun the capacity. Those raise `InvalidOutput`, so the service falls back. Whatever
the facts know for sure (titles, statuses, dates, how many similar tasks there were)
comes from the facts, never from the model. When a fallback answered, the client gets the
failure's fixed code and sentence, never the provider's message.
"""

from __future__ import annotations

from typing import Any

from sprintsync.ai import estimator, kind_model, kinds, writer
from sprintsync.ai.facts import PlanFacts, TaskFacts
from sprintsync.ai.planner import remaining
from sprintsync.ai.providers.base import Generation, InvalidOutput, ProviderError
from sprintsync.ai.schemas import (
    MIN_SIMILAR_FOR_ESTIMATE,
    BreakdownDraft,
    BreakdownSuggestion,
    Confidence,
    DailyPlanSuggestion,
    DeferredItem,
    DescriptionDraft,
    DescriptionSuggestion,
    EstimateDraft,
    EstimateSuggestion,
    PlanDraft,
    PlanItem,
    PlanTimer,
    SimilarTask,
    SubtaskSuggestion,
    Suggestion,
)
from sprintsync.tasks.models import TaskStatus


def _meta(generation: Generation[Any], failure: ProviderError | None) -> dict[str, Any]:
    return {
        "provider": generation.provider,
        "model": generation.model,
        "fallback": failure is not None,
        "reason_code": failure.code if failure else None,
        "reason": failure.summary if failure else None,
    }


def build_response(
    facts: TaskFacts | PlanFacts, generation: Generation[Any], failure: ProviderError | None
) -> Suggestion:
    """The client's response: the draft, checked against the facts and completed by them.

    `failure` is why the offline provider answered instead of the configured one, if so.
    """
    draft, meta = generation.output, _meta(generation, failure)
    if isinstance(facts, PlanFacts):
        return _plan_response(facts, draft, meta)
    if isinstance(draft, DescriptionDraft):
        priority_reason, estimate_reason = _reasons(facts, draft, generation.provider)
        return DescriptionSuggestion(
            **meta,
            task_id=facts.task_id,
            title=facts.title,
            **draft.model_dump(),
            similar_count=len(facts.neighbours),
            description=writer.render_markdown(draft),
            priority_reason=priority_reason,
            estimate_reason=estimate_reason,
            similar=_similar(facts),
            estimate_rough_reason=rough_reason(len(facts.neighbours)),
        )
    if isinstance(draft, BreakdownDraft):
        subtasks = [
            SubtaskSuggestion(title=s.title, estimate_minutes=s.estimate_minutes)
            for s in draft.subtasks
        ]
        return BreakdownSuggestion(
            **meta,
            task_id=facts.task_id,
            title=facts.title,
            subtasks=subtasks,
            total_minutes=sum(s.estimate_minutes for s in subtasks),
            notes=draft.notes,
        )
    if not isinstance(draft, EstimateDraft):
        raise TypeError(f"no response for a {type(draft).__name__}")
    # Without a single similar task nothing backs a confident number, whoever claims one.
    confidence = draft.confidence if facts.neighbours else Confidence.low
    rough = rough_reason(len(facts.neighbours))
    return EstimateSuggestion(
        **meta,
        task_id=facts.task_id,
        title=facts.title,
        estimate_minutes=draft.estimate_minutes,
        confidence=confidence,
        similar_count=len(facts.neighbours),
        similar=_similar(facts),
        logged_minutes=facts.logged_minutes,
        rationale=draft.rationale,
        rough=rough is not None,
        rough_reason=rough,
    )


def rough_reason(similar: int) -> str | None:
    """Why an estimate is only a rough guess (too little history), or None."""
    if similar >= MIN_SIMILAR_FOR_ESTIMATE:
        return None
    if similar == 0:
        return "No similar finished tasks to go on — treat this as a rough guess."
    tasks = "task" if similar == 1 else "tasks"
    return f"Only {similar} similar finished {tasks} — treat this as a rough guess."


def _similar(facts: TaskFacts) -> list[SimilarTask]:
    return [
        SimilarTask(
            task_id=n.task_id,
            title=n.title,
            actual_minutes=n.actual_minutes,
            similarity=n.similarity,
        )
        for n in facts.neighbours
    ]


def _reasons(facts: TaskFacts, draft: DescriptionDraft, provider: str) -> tuple[str, str]:
    """Why the draft suggests its priority and estimate, from the facts where they agree."""
    own = kinds.own_text(facts.context).text
    kind = kind_model.detect_kind(facts.title, own)
    priority, priority_reason = kinds.priority_with_reason(kind, facts.title, own)
    offline = estimator.estimate(facts, kind)
    if draft.priority is not priority:
        priority_reason = f"Suggested by the {provider} model from the title and text."
    estimate_reason = offline.rationale
    if draft.estimate_minutes != offline.minutes:
        estimate_reason = (
            f"Suggested by the {provider} model; {len(facts.neighbours)} similar finished "
            "tasks were given to it."
        )
    return priority_reason, estimate_reason


def _plan_response(facts: PlanFacts, draft: PlanDraft, meta: dict[str, Any]) -> DailyPlanSuggestion:
    """Check a plan against the open tasks and the capacity; InvalidOutput if it breaks them."""
    tasks = {t.id: t for t in facts.tasks if t.status != TaskStatus.done.value}
    seen: set[int] = set()
    for task_id in [i.task_id for i in draft.items] + [d.task_id for d in draft.deferred]:
        if task_id not in tasks:
            raise InvalidOutput(f"the plan names task {task_id}, which is not an open task")
        if task_id in seen:
            raise InvalidOutput(f"the plan names task {task_id} twice")
        seen.add(task_id)
    available = max(0, facts.capacity_minutes - facts.logged_today_minutes)
    planned = sum(i.minutes for i in draft.items)
    if planned > available:
        raise InvalidOutput(f"the plan needs {planned} min but only {available} are available")
    # Finishing beats starting: in-progress work first, whatever order the model chose.
    ordered = sorted(draft.items, key=lambda i: tasks[i.task_id].status != "in_progress")
    timer = facts.timer
    running_task = timer.task_id if timer else None
    items = []
    for item in ordered:
        task = tasks[item.task_id]
        items.append(
            PlanItem(
                task_id=task.id,
                key=task.key,
                title=task.title,
                status=task.status,
                priority=task.priority,
                due_date=task.due_date,
                minutes=item.minutes,
                remaining_minutes=remaining(task),
                reason=item.reason,
                timer_running=task.id == running_task,
            )
        )
    deferred = [
        DeferredItem(
            task_id=d.task_id,
            key=tasks[d.task_id].key,
            title=tasks[d.task_id].title,
            reason=d.reason,
        )
        for d in draft.deferred
    ]
    deferred += [
        DeferredItem(task_id=t.id, key=t.key, title=t.title, reason="Not in today's plan")
        for t in tasks.values()
        if t.id not in seen
    ]
    return DailyPlanSuggestion(
        **meta,
        date=facts.today,
        capacity_minutes=facts.capacity_minutes,
        logged_today_minutes=facts.logged_today_minutes,
        available_minutes=available,
        planned_minutes=planned,
        items=items,
        deferred=deferred,
        summary=draft.summary,
        running_timer=PlanTimer(**timer.model_dump()) if timer else None,
    )
