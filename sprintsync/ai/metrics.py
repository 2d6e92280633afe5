"""Prometheus metrics and the one log line per AI call (never with the API key)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter, Histogram

from sprintsync.observability import log

AI_CALLS = Counter(
    "sprintsync_ai_calls_total",
    "AI suggest calls by configured provider, mode and outcome "
    "(ok, fallback, cached, shared, error).",
    ["provider", "mode", "outcome"],
)
AI_LATENCY = Histogram(
    "sprintsync_ai_call_duration_seconds",
    "Time to answer an AI suggest call that was not cached, fallback included.",
    ["provider", "mode"],
    buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60),
)
AI_TOKENS = Counter(
    "sprintsync_ai_tokens_total",
    "Tokens the provider reported, by direction (input, output).",
    ["provider", "direction"],
)
AI_PROVIDER_ERRORS = Counter(
    "sprintsync_ai_provider_errors_total",
    "Failed provider attempts (each retry counts), by provider and error code.",
    ["provider", "code"],
)


@dataclass(slots=True)
class CallRecord:
    """Everything worth knowing about one call, for the metrics and the log line."""

    provider: str
    model: str
    mode: str
    user_id: int
    outcome: str = "ok"
    answered_by: str = ""
    # Why the fallback answered: the stable code, and the provider's own words (logged
    # only, never sent to the client).
    reason: str | None = None
    detail: str | None = None
    attempts: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None


def provider_failed(provider: str, code: str) -> None:
    AI_PROVIDER_ERRORS.labels(provider, code).inc()


def record(call: CallRecord, seconds: float) -> None:
    AI_CALLS.labels(call.provider, call.mode, call.outcome).inc()
    if call.outcome != "cached":
        AI_LATENCY.labels(call.provider, call.mode).observe(seconds)
    if call.input_tokens:
        AI_TOKENS.labels(call.provider, "input").inc(call.input_tokens)
    if call.output_tokens:
        AI_TOKENS.labels(call.provider, "output").inc(call.output_tokens)
    log.info(
        "ai_call",
        provider=call.provider,
        model=call.model,
        mode=call.mode,
        outcome=call.outcome,
        answered_by=call.answered_by or call.provider,
        reason=call.reason,
        detail=call.detail,
        attempts=call.attempts,
        input_tokens=call.input_tokens,
        output_tokens=call.output_tokens,
        user_id=call.user_id,
        latency_ms=round(seconds * 1000, 2),
    )
