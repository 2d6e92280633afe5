"""The provider protocol: one async `generate(prompt, schema)`, and the errors it may raise.

A provider turns a `Prompt` into an instance of the Pydantic `schema` it was asked for, or
raises a `ProviderError`. It never falls back by itself: retrying and falling back to the
offline provider are the service's job, so every provider stays small and testable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

# Cap on how much of an invalid output is quoted in an error, so logs stay small.
_QUOTE = 200


@dataclass(frozen=True, slots=True)
class Prompt:
    """What a provider is asked: instructions and data for a model, facts for the planner.

    `system` and `user` are the rendered text a language model reads; `facts` is the same
    input as a Pydantic object, which the offline provider reasons over directly.
    """

    mode: str
    system: str
    user: str
    facts: BaseModel


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Generation(Generic[T]):
    """A validated answer and who gave it."""

    output: T
    provider: str
    model: str
    usage: Usage = Usage()


class Provider(Protocol):
    """Anything that can answer a prompt with an instance of `schema`."""

    name: str
    model: str

    async def generate(self, prompt: Prompt, schema: type[T]) -> Generation[T]: ...

    async def aclose(self) -> None: ...


class ProviderError(Exception):
    """A provider could not give a valid answer.

    `code` and `summary` are fixed per class and are all a client is ever shown. The
    message is for the server's logs only: it may quote the upstream error or the model's
    output, which can echo internal URLs or parts of a key.

    `retryable` says whether one more try may help (rate limits, server errors, dropped
    connections); `retry_after` is the server's hint in seconds, when it gave one.
    """

    code = "provider_error"
    summary = "The AI provider failed."
    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"


class ProviderNotConfigured(ProviderError):
    code = "not_configured"
    summary = "The AI provider is not configured (no API key or server address)."


class ProviderTimeout(ProviderError):
    code = "timeout"
    summary = "The AI provider did not answer in time."


class ProviderRateLimited(ProviderError):
    code = "rate_limited"
    summary = "The AI provider is limiting requests right now."
    retryable = True


class ProviderUnavailable(ProviderError):
    """HTTP 5xx or a connection that failed or dropped."""

    code = "unavailable"
    summary = "The AI provider could not be reached or had a server error."
    retryable = True


class ProviderRejected(ProviderError):
    """HTTP 4xx other than 429: a bad key, an unknown model, a request the server refuses."""

    code = "rejected"
    summary = "The AI provider rejected the request; its settings may need checking."


class ProviderCircuitOpen(ProviderError):
    """Skipped without a call: the provider failed repeatedly and is cooling down."""

    code = "circuit_open"
    summary = "The AI provider failed repeatedly, so it is skipped for a short while."


class ProviderRefused(ProviderError):
    """The model declined to answer (safety filter, refusal, empty answer)."""

    code = "refused"
    summary = "The AI model declined to answer."


class InvalidOutput(ProviderError):
    """The answer was not JSON, or was JSON that does not fit the schema."""

    code = "invalid_output"
    summary = "The AI model's answer was not usable."


def parse_output(text: str | None, schema: type[T]) -> T:
    """Validate a model's raw text as `schema`; the text is untrusted, so any flaw raises."""
    if text is None or not text.strip():
        raise ProviderRefused("the model returned no content")
    try:
        return schema.model_validate_json(_strip_fence(text))
    except ValidationError as exc:
        kinds = sorted({err["type"] for err in exc.errors()})
        if kinds == ["json_invalid"]:
            raise InvalidOutput(f"not valid JSON: {text[:_QUOTE]!r}") from exc
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise InvalidOutput(
            f"JSON does not fit {schema.__name__}: {where}: {first['msg']}"
        ) from exc


def _strip_fence(text: str) -> str:
    """Some OpenAI-compatible servers wrap JSON in a Markdown code fence even in JSON mode."""
    body = text.strip()
    if body.startswith("```") and body.endswith("```"):
        body = body[3:-3]
        if body.startswith("json"):
            body = body[4:]
    return body.strip()


def status_error(status: int, message: str, headers: Any = None) -> ProviderError:
    """The typed error for an HTTP error status from a provider's API."""
    retry_after = _retry_after(headers)
    if status == 429:
        return ProviderRateLimited(f"HTTP 429: {message}", retry_after=retry_after)
    if status == 408 or status >= 500:
        return ProviderUnavailable(f"HTTP {status}: {message}", retry_after=retry_after)
    return ProviderRejected(f"HTTP {status}: {message}")


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:  # an HTTP date: rare from these APIs, and not worth parsing
        return None


@functools.cache
def json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """`schema` as a self-contained JSON Schema: references inlined, defaults dropped.

    Structured-output endpoints differ in how much JSON Schema they accept; a schema with
    no `$ref` and no `default` is understood by Gemini, OpenAI, Ollama and llama.cpp alike.
    """
    raw = schema.model_json_schema()
    defs = raw.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items() if k != "default"}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(raw)
