"""The offline provider: deterministic answers computed from the user's own data.

It needs no key and no network, so it is the default provider and the fallback when a
network provider fails. It reads the prompt's facts, not its text: the planner schedules
the open tasks, the writer drafts by kind of task, the estimator uses the nearest
finished tasks.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sprintsync.ai import estimator, kind_model, planner, writer
from sprintsync.ai.facts import PlanFacts, TaskFacts
from sprintsync.ai.providers.base import Generation, Prompt, ProviderRejected, T
from sprintsync.ai.schemas import EstimateDraft
from sprintsync.ai.standup.schemas import StandupRephrase

NAME = "offline"
MODEL = "sprintsync-heuristics-1"


def _estimate(facts: TaskFacts) -> EstimateDraft:
    kind = kind_model.detect_kind(facts.title, facts.context)
    result = estimator.estimate(facts, kind)
    return EstimateDraft(
        estimate_minutes=result.minutes,
        confidence=result.confidence,
        rationale=result.rationale[:1200],
    )


class OfflineProvider:
    name = NAME
    model = MODEL

    async def generate(self, prompt: Prompt, schema: type[T]) -> Generation[T]:
        draft = self.answer(prompt.mode, prompt.facts)
        # Re-validate as the requested schema: the same contract a network answer meets.
        output = schema.model_validate(draft.model_dump())
        return Generation(output=output, provider=self.name, model=self.model)

    @staticmethod
    def answer(mode: str, facts: Any) -> BaseModel:
        if mode == "daily_plan" and isinstance(facts, PlanFacts):
            return planner.plan_day(facts)
        if mode == "standup":
            # The stand-up's offline text is already built from the data; "rephrasing"
            # it offline means keeping it as it is.
            return StandupRephrase(text=facts.text)
        if isinstance(facts, TaskFacts):
            if mode == "description":
                return writer.describe(facts)
            if mode == "breakdown":
                return writer.break_down(facts)
            if mode == "estimate":
                return _estimate(facts)
        raise ProviderRejected(f"the offline provider has no answer for mode {mode!r}")

    async def aclose(self) -> None:
        return None
