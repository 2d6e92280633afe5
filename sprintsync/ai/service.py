"""AI assist: one entry point per action, whichever provider is configured.

`suggest` is the whole flow: a per-user rate limit; facts read under the visibility rules
(another user's task is a 404); the response cache; the configured provider under a time
limit, retried once with backoff on 429/5xx; its answer checked against the facts; and,
when anything goes wrong, the offline provider's answer with `fallback: true` and the
reason. A provider can make a suggestion worse, never make the request fail.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from limits.aio.storage import Storage
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai import metrics, prompts
from sprintsync.ai.cache import ResponseCache, cache_key
from sprintsync.ai.facts import PlanFacts, TaskFacts, plan_facts, task_facts
from sprintsync.ai.providers import OfflineProvider, make_provider
from sprintsync.ai.providers.base import (
    Generation,
    InvalidOutput,
    Prompt,
    Provider,
    ProviderError,
    ProviderTimeout,
)
from sprintsync.ai.responses import build_response
from sprintsync.ai.schemas import (
    DEFAULT_CAPACITY_MINUTES,
    BreakdownAccept,
    BreakdownDraft,
    DailyPlanRequest,
    DailyPlanSuggestion,
    DescriptionDraft,
    DescriptionRequest,
    DescriptionSuggestion,
    EstimateDraft,
    PlanDraft,
    Suggestion,
    SuggestRequest,
    SuggestResponse,
)
from sprintsync.config import AISettings, Settings
from sprintsync.errors import Invalid
from sprintsync.observability import log
from sprintsync.ratelimit import Limiter
from sprintsync.tasks.models import Priority, Task
from sprintsync.tasks.schemas import PriorityName, TaskCreate
from sprintsync.tasks.service import create_task, get_task
from sprintsync.users.models import User

# A server asking us to wait longer than this gets the offline answer instead: a user
# waiting for a suggestion is better served now than in a minute.
MAX_RETRY_AFTER_SECONDS = 5.0
_DRAFTS: dict[str, type[Any]] = {
    "description": DescriptionDraft,
    "daily_plan": PlanDraft,
    "breakdown": BreakdownDraft,
    "estimate": EstimateDraft,
}
_RESPONSE: TypeAdapter[Suggestion] = TypeAdapter(SuggestResponse)


@dataclass(slots=True)
class Assistant:
    """The configured provider, the offline fallback, the cache and the rate limit."""

    settings: AISettings
    provider: Provider
    offline: OfflineProvider
    cache: ResponseCache
    limiter: Limiter

    async def aclose(self) -> None:
        await self.provider.aclose()
        await self.cache.aclose()


def build_assistant(settings: Settings, storage: Storage) -> Assistant:
    """One per app. `storage` is the app's rate-limit storage (Redis when configured)."""
    return Assistant(
        settings=settings.ai,
        provider=make_provider(settings.ai),
        offline=OfflineProvider(),
        cache=ResponseCache(settings.ai.cache_ttl_seconds, settings.redis_url),
        limiter=Limiter(storage, "ai-suggest", settings.ai.rate_limit),
    )


# --- entry points ------------------------------------------------------------------------


async def suggest(
    session: AsyncSession, *, user: User, assistant: Assistant, request: SuggestRequest
) -> Suggestion:
    """Answer one `/ai/suggest` request; raises 429 (rate limit) or 404 (unseen task)."""
    await assistant.limiter.consume(
        str(user.id), "Too many AI requests; wait a moment and try again."
    )
    facts, prompt = await _prepare(session, user=user, request=request)
    provider = assistant.provider
    call = metrics.CallRecord(
        provider=provider.name, model=provider.model, mode=request.mode, user_id=user.id
    )
    start = time.perf_counter()
    key = cache_key(
        mode=request.mode,
        facts=facts.model_dump(mode="json"),
        provider=provider.name,
        model=provider.model,
    )
    cached = _from_cache(await assistant.cache.get(key))
    if cached is not None:
        call.outcome = "cached"
        metrics.record(call, time.perf_counter() - start)
        return cached

    try:
        response, reason = await _answer(assistant, prompt, facts, call)
    except Exception:
        # Only a bug in our own offline path gets here; count it, then let it be a 500.
        call.outcome = "error"
        metrics.record(call, time.perf_counter() - start)
        raise
    call.outcome = "fallback" if reason else "ok"
    call.reason = reason
    if reason is None:
        await assistant.cache.set(key, response.model_dump_json().encode())
    metrics.record(call, time.perf_counter() - start)
    return response


async def draft_description(
    session: AsyncSession,
    *,
    user: User,
    assistant: Assistant,
    title: str | None = None,
    context: str = "",
    task_id: int | None = None,
) -> DescriptionSuggestion:
    """For "Draft with AI": a description, estimate and priority for a title or a task.

    Raises `Invalid` (422, with per-field details) for a missing or over-long title/context.
    """
    with _as_invalid():
        request = DescriptionRequest(
            mode="description", title=title, context=context, task_id=task_id
        )
    result = await suggest(session, user=user, assistant=assistant, request=request)
    assert isinstance(result, DescriptionSuggestion)
    return result


async def plan_my_day(
    session: AsyncSession,
    *,
    user: User,
    assistant: Assistant,
    capacity_minutes: int = DEFAULT_CAPACITY_MINUTES,
) -> DailyPlanSuggestion:
    """For "Plan my day": today's plan from the user's open tasks and time logged today.

    Raises `Invalid` (422) when the capacity is outside 15 minutes to 16 hours.
    """
    with _as_invalid():
        request = DailyPlanRequest(mode="daily_plan", capacity_minutes=capacity_minutes)
    result = await suggest(session, user=user, assistant=assistant, request=request)
    assert isinstance(result, DailyPlanSuggestion)
    return result


async def accept_breakdown(
    session: AsyncSession, *, user: User, body: BreakdownAccept
) -> list[Task]:
    """Create the subtasks the user confirmed, as ordinary tasks; 404 for an unseen parent."""
    parent = None
    if body.parent_task_id is not None:
        parent = await get_task(session, user=user, task_id=body.parent_task_id)
    default_priority = (
        PriorityName(Priority(parent.priority).name) if parent else PriorityName.medium
    )
    created = []
    for sub in body.subtasks:
        data = TaskCreate(
            title=sub.title,
            description=f"Part of #{parent.id}: {parent.title}" if parent else "",
            priority=sub.priority or default_priority,
            estimate_minutes=sub.estimate_minutes,
            due_date=parent.due_date if parent else None,
        )
        created.append(await create_task(session, user=user, data=data))
    return created


async def check(assistant: Assistant) -> tuple[Generation[EstimateDraft], float]:
    """One real round trip to the configured provider, with no fallback; raises on failure."""
    facts = TaskFacts(
        task_id=None,
        title="Check that SprintSync can reach its AI provider",
        context="",
        estimate_minutes=None,
        logged_minutes=0,
        priority=None,
        neighbours=[],
        history_size=0,
    )
    prompt = prompts.task_prompt("estimate", facts)
    start = time.perf_counter()
    try:
        async with asyncio.timeout(assistant.settings.timeout_seconds):
            result = await assistant.provider.generate(prompt, EstimateDraft)
    except TimeoutError as exc:
        raise ProviderTimeout(f"no answer within {assistant.settings.timeout_seconds:g} s") from exc
    return result, time.perf_counter() - start


# --- the flow ----------------------------------------------------------------------------


@contextmanager
def _as_invalid() -> Iterator[None]:
    """Form input that fails a request schema becomes the app's 422, field by field."""
    try:
        yield
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]) or "request", "message": err["msg"]}
            for err in exc.errors()
        ]
        raise Invalid(details=details) from exc


async def _prepare(
    session: AsyncSession, *, user: User, request: SuggestRequest
) -> tuple[TaskFacts | PlanFacts, Prompt]:
    if isinstance(request, DailyPlanRequest):
        plan = await plan_facts(session, user=user, body=request)
        return plan, prompts.plan_prompt(plan)
    facts = await task_facts(
        session, user=user, task_id=request.task_id, title=request.title, context=request.context
    )
    return facts, prompts.task_prompt(request.mode, facts)


def _from_cache(raw: bytes | None) -> Suggestion | None:
    """A cached response, or None; an entry an older version wrote counts as a miss."""
    if raw is None:
        return None
    try:
        return _RESPONSE.validate_json(raw).model_copy(update={"cached": True})
    except ValidationError:
        return None


async def _answer(
    assistant: Assistant,
    prompt: Prompt,
    facts: TaskFacts | PlanFacts,
    call: metrics.CallRecord,
) -> tuple[Suggestion, str | None]:
    """The response and, when the offline provider had to answer, the reason."""
    provider = assistant.provider
    generation, reason = await _generate(assistant, prompt, call)
    try:
        response = build_response(facts, generation, reason)
    except InvalidOutput as exc:  # valid JSON that contradicts the facts (e.g. over capacity)
        metrics.provider_failed(provider.name, exc.code)
        generation = await assistant.offline.generate(prompt, _DRAFTS[prompt.mode])
        reason = f"{exc.code}: {provider.name}: {exc.message}"
        response = build_response(facts, generation, reason)
    call.answered_by = generation.provider
    return response, reason


def _backoff(attempt: int, error: ProviderError, base: float) -> float | None:
    """Seconds to wait before the next try, or None when waiting is not worth it."""
    if error.retry_after is not None:
        return error.retry_after if error.retry_after <= MAX_RETRY_AFTER_SECONDS else None
    # Jitter spreads out retries from many requests that failed together.
    return base * 2 ** (attempt - 1) * random.uniform(1.0, 1.5)  # noqa: S311


async def _generate(
    assistant: Assistant, prompt: Prompt, call: metrics.CallRecord
) -> tuple[Generation[Any], str | None]:
    """The configured provider's answer, or the offline one and the reason it was needed."""
    provider, settings = assistant.provider, assistant.settings
    schema = _DRAFTS[prompt.mode]
    if isinstance(provider, OfflineProvider):
        call.attempts = 1
        return await provider.generate(prompt, schema), None
    tries = 1 + settings.max_retries
    error: ProviderError = ProviderError("not attempted")
    for attempt in range(1, tries + 1):
        call.attempts = attempt
        try:
            async with asyncio.timeout(settings.timeout_seconds):
                generation = await provider.generate(prompt, schema)
        except TimeoutError:
            error = ProviderTimeout(f"no answer within {settings.timeout_seconds:g} s")
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # a provider bug must not fail the request either
            log.error("ai_provider_crashed", provider=provider.name, exc_info=exc)
            error = ProviderError(f"unexpected {type(exc).__name__}")
        else:
            call.input_tokens = generation.usage.input_tokens
            call.output_tokens = generation.usage.output_tokens
            return generation, None
        metrics.provider_failed(provider.name, error.code)
        delay = _backoff(attempt, error, settings.retry_backoff_seconds)
        if not error.retryable or attempt == tries or delay is None:
            break
        await asyncio.sleep(delay)
    reason = f"{error.code}: {provider.name}: {error.message}"
    return await assistant.offline.generate(prompt, schema), reason
