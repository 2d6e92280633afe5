"""AI assist: suggestions and accepting a breakdown, whichever provider is configured.

`suggest` is the whole flow: a per-user rate limit; the cheap inputs read under the
visibility rules (another user's task is a 404) and looked up in the response cache; on a
miss, the full facts; the configured provider under a time limit, retried once with
backoff on 429/5xx, with no database connection held while it thinks; its answer checked
against the facts; and, when anything goes wrong, the offline provider's answer with
`fallback: true` and a fixed reason (the provider's own error text goes to the log only).
A provider can make a suggestion worse, never make the request fail.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, overload

from limits.aio.storage import Storage
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai import metrics, prompts
from sprintsync.ai.cache import ResponseCache, cache_key
from sprintsync.ai.facts import (
    DEFAULT_LONG_TIMER_HOURS,
    HistoryVersion,
    PlanFacts,
    TaskFacts,
    TaskInput,
    finished_history,
    history_version,
    plan_facts,
    task_facts,
    task_input,
)
from sprintsync.ai.providers import OfflineProvider, make_provider
from sprintsync.ai.providers.base import (
    Generation,
    InvalidOutput,
    Prompt,
    Provider,
    ProviderCircuitOpen,
    ProviderError,
    ProviderTimeout,
)
from sprintsync.ai.resilience import CircuitBreaker, SharedCalls
from sprintsync.ai.responses import build_response
from sprintsync.ai.schemas import (
    BreakdownAccept,
    BreakdownDraft,
    BreakdownRequest,
    BreakdownSuggestion,
    DailyPlanRequest,
    DailyPlanSuggestion,
    DescriptionDraft,
    DescriptionRequest,
    DescriptionSuggestion,
    EstimateDraft,
    EstimateRequest,
    EstimateSuggestion,
    PlanDraft,
    Suggestion,
    SuggestRequest,
    SuggestResponse,
)
from sprintsync.ai.standup.schemas import StandupRephrase
from sprintsync.config import AISettings, Settings
from sprintsync.observability import log
from sprintsync.ratelimit import Limiter
from sprintsync.tasks.models import Task
from sprintsync.tasks.priority import Priority
from sprintsync.tasks.schemas import TaskCreate
from sprintsync.tasks.service import create_task, get_task
from sprintsync.users.models import User

# A server asking us to wait longer than this gets the offline answer instead: a user
# waiting for a suggestion is better served now than in a minute.
MAX_RETRY_AFTER_SECONDS = 5.0
# How much of a provider's error text the log line keeps.
MAX_DETAIL = 160
_DRAFTS: dict[str, type[Any]] = {
    "description": DescriptionDraft,
    "daily_plan": PlanDraft,
    "breakdown": BreakdownDraft,
    "estimate": EstimateDraft,
    "standup": StandupRephrase,
}
_RESPONSE: TypeAdapter[Suggestion] = TypeAdapter(SuggestResponse)
# Failures that say the provider itself is unwell (not that one answer was bad): these
# count toward opening the circuit breaker.
_BREAKER_CODES = frozenset({"timeout", "unavailable", "rate_limited"})


@dataclass(slots=True)
class Assistant:
    """The configured provider, the offline fallback, the cache and the rate limit."""

    settings: AISettings
    provider: Provider
    offline: OfflineProvider
    cache: ResponseCache
    limiter: Limiter
    breaker: CircuitBreaker
    shared: SharedCalls[Suggestion] = field(default_factory=SharedCalls)
    # The app's `long_timer_hours`: when the plan flags a running timer as forgotten.
    long_timer_hours: float = DEFAULT_LONG_TIMER_HOURS

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
        breaker=CircuitBreaker(
            threshold=settings.ai.breaker_failures, cooldown=settings.ai.breaker_cooldown_seconds
        ),
        long_timer_hours=settings.long_timer_hours,
    )


# --- entry points ------------------------------------------------------------------------


@overload
async def suggest(
    session: AsyncSession, *, user: User, assistant: Assistant, request: DescriptionRequest
) -> DescriptionSuggestion: ...


@overload
async def suggest(
    session: AsyncSession, *, user: User, assistant: Assistant, request: DailyPlanRequest
) -> DailyPlanSuggestion: ...


@overload
async def suggest(
    session: AsyncSession, *, user: User, assistant: Assistant, request: BreakdownRequest
) -> BreakdownSuggestion: ...


@overload
async def suggest(
    session: AsyncSession, *, user: User, assistant: Assistant, request: EstimateRequest
) -> EstimateSuggestion: ...


async def suggest(
    session: AsyncSession, *, user: User, assistant: Assistant, request: SuggestRequest
) -> Suggestion:
    """Answer one suggestion request; raises 429 (rate limit) or 404 (unseen task).

    The answer's type follows the request's mode. It reads only, and ends the session's
    transaction before calling the provider (see `_release_connection`), so call it before
    anything in the same request writes.
    """
    await assistant.limiter.consume(
        str(user.id), "Too many AI requests; wait a moment and try again."
    )
    provider = assistant.provider
    call = metrics.CallRecord(
        provider=provider.name, model=provider.model, mode=request.mode, user_id=user.id
    )
    start = time.perf_counter()
    inputs = await _cache_inputs(
        session, user=user, request=request, long_timer_hours=assistant.long_timer_hours
    )
    key = cache_key(
        mode=request.mode,
        facts=inputs.model_dump(mode="json"),
        provider=provider.name,
        model=provider.model,
    )
    cached = _from_cache(await assistant.cache.get(key))
    if cached is not None:
        call.outcome = "cached"
        metrics.record(call, time.perf_counter() - start)
        return cached

    async def answer() -> Suggestion:
        facts: TaskFacts | PlanFacts
        if isinstance(inputs, PlanFacts):
            await _release_connection(session)
            facts, prompt = inputs, prompts.plan_prompt(inputs)
        else:
            history = await finished_history(session, user=user, exclude=inputs.task.task_id)
            await _release_connection(session)
            facts = await task_facts(inputs.task, history)
            prompt = prompts.task_prompt(request.mode, facts)
        return await _answer(assistant, prompt, facts, call)

    try:
        # Identical requests in flight share one provider call (and one history read).
        response, shared = await assistant.shared.run(key, answer)
    except Exception:
        # Only a bug in our own offline path gets here; count it, then let it be a 500.
        call.outcome = "error"
        metrics.record(call, time.perf_counter() - start)
        raise
    if shared:
        await _release_connection(session)
        call.outcome = "shared"
    else:
        call.outcome = "fallback" if response.fallback else "ok"
        if not response.fallback:
            await assistant.cache.set(key, response.model_dump_json().encode())
    metrics.record(call, time.perf_counter() - start)
    return response


async def accept_breakdown(
    session: AsyncSession, *, user: User, body: BreakdownAccept
) -> list[Task]:
    """Create the subtasks the user confirmed: under the parent when one is given (its
    project and assignee; 404 for an unseen parent, 422 for a subtask), else as tasks."""
    parent = None
    if body.parent_task_id is not None:
        parent = await get_task(session, user=user, ref=body.parent_task_id)
    default_priority = parent.priority if parent else Priority.medium
    created = []
    for sub in body.subtasks:
        data = TaskCreate(
            title=sub.title,
            description=f"Part of {parent.key}: {parent.title}" if parent else "",
            parent_id=parent.id if parent else None,
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


class _TaskCacheInputs(BaseModel):
    task: TaskInput
    history: HistoryVersion


async def _cache_inputs(
    session: AsyncSession, *, user: User, request: SuggestRequest, long_timer_hours: float
) -> PlanFacts | _TaskCacheInputs:
    """What the response cache is keyed on, read cheaply: a hit needs nothing more.

    For a task: the task's own fields and a fingerprint of the finished history, not the
    history itself (hundreds of rows and a TF-IDF search). A daily plan's facts are a
    bounded handful of rows, so they are the key as they are.
    """
    if isinstance(request, DailyPlanRequest):
        return await plan_facts(session, user=user, body=request, long_timer_hours=long_timer_hours)
    task = await task_input(
        session, user=user, task_id=request.task_id, title=request.title, context=request.context
    )
    history = await history_version(session, user=user, exclude=task.task_id)
    return _TaskCacheInputs(task=task, history=history)


async def _release_connection(session: AsyncSession) -> None:
    """Give the request's pooled connection back before waiting on a provider.

    A provider call can take the whole timeout (15 s by default). Holding a connection,
    and for a POST an open transaction, through it would let a pool's worth of slow calls
    starve every other route. Everything the answer needs has been read by now and nothing
    was written, so ending the session loses nothing; if the caller reads again (a page
    rendering its form), the session simply checks out a connection again.
    """
    await session.close()


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
) -> Suggestion:
    """The response: the provider's, or the offline one with the reason it was needed."""
    generation, failure = await _generate(assistant, prompt, call)
    try:
        response = build_response(facts, generation, failure)
    except InvalidOutput as exc:  # valid JSON that contradicts the facts (e.g. over capacity)
        metrics.provider_failed(assistant.provider.name, exc.code)
        generation = await assistant.offline.generate(prompt, _DRAFTS[prompt.mode])
        failure = exc
        response = build_response(facts, generation, failure)
    call.answered_by = generation.provider
    if failure is not None:
        call.reason = failure.code
        call.detail = _log_detail(failure, assistant.settings)
    return response


_REDACTIONS = (
    (re.compile(r"https?://\S+"), "[url]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    # Keys, tokens, request ids and anything else long and opaque.
    (re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}\b"), "[token]"),
    (re.compile(r"(?i)\b(bearer|key|token|secret|password)([=:\s]+)\S+"), r"\1\2[redacted]"),
)


def _log_detail(error: ProviderError, settings: AISettings) -> str:
    """What the log keeps of a provider's error: its code and a short redacted excerpt.

    Upstream error text can echo the prompt, internal URLs or parts of a key, so it is
    never logged verbatim: the excerpt (which starts with the HTTP status, when there was
    one) has the key, URLs, e-mail addresses and long opaque tokens replaced.
    """
    detail = error.message
    key = settings.api_key.get_secret_value()
    if key:
        detail = detail.replace(key, "[api key]")
    for pattern, replacement in _REDACTIONS:
        detail = pattern.sub(replacement, detail)
    excerpt = " ".join(detail.split())
    if len(excerpt) > MAX_DETAIL:
        excerpt = excerpt[:MAX_DETAIL].rsplit(" ", 1)[0] + " …"
    return f"{error.code}: {excerpt}"


def _backoff(attempt: int, error: ProviderError, base: float) -> float | None:
    """Seconds to wait before the next try, or None when waiting is not worth it."""
    if error.retry_after is not None:
        return error.retry_after if error.retry_after <= MAX_RETRY_AFTER_SECONDS else None
    # Jitter spreads out retries from many requests that failed together.
    return base * 2 ** (attempt - 1) * random.uniform(1.0, 1.5)  # noqa: S311


async def _generate(
    assistant: Assistant, prompt: Prompt, call: metrics.CallRecord
) -> tuple[Generation[Any], ProviderError | None]:
    """The configured provider's answer, or the offline one and the error that forced it.

    All attempts share one budget (`total_budget_seconds`): each try gets what is left of
    it, at most `timeout_seconds`, and no back-off outlasts it. A provider that keeps
    failing opens the circuit breaker, and is then skipped without a call.
    """
    provider, settings = assistant.provider, assistant.settings
    schema = _DRAFTS[prompt.mode]
    if isinstance(provider, OfflineProvider):
        call.attempts = 1
        return await provider.generate(prompt, schema), None
    breaker = assistant.breaker
    if not breaker.allow():
        call.attempts = 0
        error: ProviderError = ProviderCircuitOpen(
            f"skipped: {breaker.failures} failures in a row, "
            f"{breaker.remaining:.0f} s of cool-down left"
        )
        metrics.provider_failed(provider.name, error.code)
        return await assistant.offline.generate(prompt, schema), error
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.total_budget_seconds
    tries = 1 + settings.max_retries
    error = ProviderError("not attempted")
    for attempt in range(1, tries + 1):
        call.attempts = attempt
        limit = min(settings.timeout_seconds, deadline - loop.time())
        try:
            async with asyncio.timeout(limit):
                generation = await provider.generate(prompt, schema)
        except TimeoutError:
            error = ProviderTimeout(f"no answer within {limit:.3g} s")
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # a provider bug must not fail the request either
            log.error("ai_provider_crashed", provider=provider.name, exc_info=exc)
            error = ProviderError(f"unexpected {type(exc).__name__}")
        else:
            breaker.record_success()
            call.input_tokens = generation.usage.input_tokens
            call.output_tokens = generation.usage.output_tokens
            return generation, None
        metrics.provider_failed(provider.name, error.code)
        if error.code in _BREAKER_CODES:
            breaker.record_failure()
        delay = _backoff(attempt, error, settings.retry_backoff_seconds)
        left = deadline - loop.time()
        if not error.retryable or attempt == tries or delay is None or delay >= left:
            break
        await asyncio.sleep(delay)
    return await assistant.offline.generate(prompt, schema), error
