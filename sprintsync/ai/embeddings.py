"""Text embeddings from the configured network provider, behind one small protocol.

OpenAI-compatible servers answer `embeddings.create`, Gemini `models.embed_content`; both
are called through their real SDKs with the SDK's own retries off. Failures raise the same
typed `ProviderError`s as `generate`, so the caller can fall back to lexical similarity
with a fixed reason code. `Embeddings` adds what every call needs around the provider: a
time budget and a circuit breaker (ai/resilience.py), so a provider that keeps failing is
skipped for a cool-down instead of costing every request its timeout.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sprintsync.ai.providers.base import (
    ProviderCircuitOpen,
    ProviderError,
    ProviderNotConfigured,
    ProviderTimeout,
    ProviderUnavailable,
    status_error,
)
from sprintsync.ai.resilience import CircuitBreaker
from sprintsync.config import AISettings

OPENAI_DEFAULT = "text-embedding-3-small"
GEMINI_DEFAULT = "gemini-embedding-001"
# Gemini's batch endpoint takes at most 100 texts; OpenAI's takes more, one size fits both.
BATCH = 100
# Failures that say the provider is unwell, as in ai/service.py.
_BREAKER_CODES = frozenset({"timeout", "unavailable", "rate_limited"})


class Embedder(Protocol):
    name: str
    model: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    async def aclose(self) -> None: ...


class OpenAIEmbedder:
    name = "openai"

    def __init__(self, settings: AISettings, model: str) -> None:
        import openai

        self._openai = openai
        self.model = model
        self._client: Any = None
        key = settings.api_key.get_secret_value()
        if key or settings.base_url:
            self._client = openai.AsyncOpenAI(
                api_key=key or "sprintsync-local",
                base_url=settings.base_url or None,
                timeout=settings.timeout_seconds,
                max_retries=0,
            )

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self._client is None:
            raise ProviderNotConfigured("no API key or server address for OpenAI embeddings")
        openai = self._openai
        try:
            response = await self._client.embeddings.create(model=self.model, input=list(texts))
        except openai.APITimeoutError as exc:
            raise ProviderTimeout("no embeddings in time") from exc
        except openai.APIStatusError as exc:
            raise status_error(
                exc.status_code, str(exc.message)[:300], exc.response.headers
            ) from exc
        except openai.OpenAIError as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        ordered = sorted(response.data, key=lambda item: item.index)
        return [list(item.embedding) for item in ordered]

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class GeminiEmbedder:
    name = "gemini"

    def __init__(self, settings: AISettings, model: str) -> None:
        from google import genai

        self._genai = genai
        self.model = model
        self._client: Any = None
        key = settings.api_key.get_secret_value()
        if key:
            options = genai.types.HttpOptions(
                api_version="v1beta",
                base_url=settings.base_url or None,
                timeout=int(settings.timeout_seconds * 1000),
            )
            self._client = genai.Client(api_key=key, http_options=options)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self._client is None:
            raise ProviderNotConfigured("SPRINTSYNC_AI__API_KEY is not set for Gemini")
        errors = self._genai.errors
        try:
            response = await self._client.aio.models.embed_content(
                model=self.model, contents=list(texts)
            )
        except errors.APIError as exc:
            headers = getattr(exc.response, "headers", None)
            raise status_error(exc.code or 500, exc.message or str(exc.status), headers) from exc
        except Exception as exc:  # transport errors come from the SDK's HTTP client
            if "timeout" in type(exc).__name__.lower():
                raise ProviderTimeout(f"no embeddings in time ({type(exc).__name__})") from exc
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        return [list(e.values or []) for e in response.embeddings or []]

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aio.aclose()
            self._client = None


def make_embedder(settings: AISettings) -> Embedder | None:
    """The configured provider's embedder; None offline or with `embedding_model=off`."""
    if settings.embedding_model == "off":
        return None
    if settings.provider == "openai":
        return OpenAIEmbedder(settings, settings.embedding_model or OPENAI_DEFAULT)
    if settings.provider == "gemini":
        return GeminiEmbedder(settings, settings.embedding_model or GEMINI_DEFAULT)
    return None


@dataclass(slots=True)
class Embeddings:
    """The app's embedder (or None), bounded in time and guarded by a circuit breaker."""

    embedder: Embedder | None
    budget_seconds: float
    breaker: CircuitBreaker

    @property
    def provider_name(self) -> str:
        return self.embedder.name if self.embedder is not None else "offline"

    @property
    def model_id(self) -> str | None:
        """What stored vectors are keyed by: "provider/model" (None: no embeddings)."""
        if self.embedder is None:
            return None
        return f"{self.embedder.name}/{self.embedder.model}"

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for `texts`, in order; raises a `ProviderError` on any failure."""
        if self.embedder is None:
            raise ProviderNotConfigured("no embedding provider")
        if not self.breaker.allow():
            raise ProviderCircuitOpen(f"skipped, {self.breaker.remaining:.0f} s of cool-down left")
        try:
            async with asyncio.timeout(self.budget_seconds):
                vectors: list[list[float]] = []
                for start in range(0, len(texts), BATCH):
                    vectors += await self.embedder.embed(texts[start : start + BATCH])
        except TimeoutError as exc:
            self.breaker.record_failure()
            raise ProviderTimeout(f"no embeddings within {self.budget_seconds:g} s") from exc
        except ProviderError as exc:
            if exc.code in _BREAKER_CODES:
                self.breaker.record_failure()
            else:  # a bad answer, not an unwell provider: a probe may try again later
                self.breaker.probing = False
            raise
        if len(vectors) != len(texts) or any(not v for v in vectors):
            raise ProviderUnavailable(f"{len(vectors)} vectors for {len(texts)} texts")
        self.breaker.record_success()
        return vectors

    async def aclose(self) -> None:
        if self.embedder is not None:
            await self.embedder.aclose()


def build_embeddings(settings: AISettings) -> Embeddings:
    return Embeddings(
        embedder=make_embedder(settings),
        budget_seconds=settings.total_budget_seconds,
        breaker=CircuitBreaker(
            threshold=settings.breaker_failures, cooldown=settings.breaker_cooldown_seconds
        ),
    )


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0 when either is all zeros or their sizes differ)."""
    if len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
