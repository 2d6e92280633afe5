"""Google Gemini through the `google-genai` SDK's async client.

The answer is constrained to JSON by a response schema, and validated again here anyway.
The SDK's own retries stay off (no `retry_options`): the service retries once, with its
own backoff and time budget, so one setting bounds the whole call.
"""

from __future__ import annotations

import re
from typing import Any

from sprintsync.ai.providers.base import (
    Generation,
    InvalidOutput,
    Prompt,
    ProviderError,
    ProviderNotConfigured,
    ProviderRefused,
    ProviderTimeout,
    ProviderUnavailable,
    T,
    Usage,
    json_schema,
    parse_output,
    status_error,
)
from sprintsync.config import AISettings

NAME = "gemini"
DEFAULT_MODEL = "gemini-2.5-flash"
API_VERSION = "v1beta"
MAX_OUTPUT_TOKENS = 4096
_REFUSALS = frozenset(
    {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
)


def thinks(model: str) -> bool:
    """Whether the model thinks before answering (Gemini 2.5 and later) and takes a budget."""
    match = re.search(r"gemini-(\d+(?:\.\d+)?)", model)
    return match is not None and float(match.group(1)) >= 2.5


class GeminiProvider:
    name = NAME

    def __init__(self, settings: AISettings) -> None:
        # The SDK is imported and its client built here, at start-up, and only when Gemini
        # is configured: both take a noticeable, blocking while (import, TLS setup), which
        # must neither stall the event loop during a request nor eat its time budget.
        from google import genai

        self._genai = genai
        self.model = settings.model or DEFAULT_MODEL
        self.thinking_budget = settings.gemini_thinking_budget
        self._client: Any = None
        key = settings.api_key.get_secret_value()
        if key:
            options = genai.types.HttpOptions(
                api_version=API_VERSION,
                base_url=settings.base_url or None,
                timeout=int(settings.timeout_seconds * 1000),
            )
            self._client = genai.Client(api_key=key, http_options=options)

    def _get_client(self) -> Any:
        if self._client is None:
            raise ProviderNotConfigured("SPRINTSYNC_AI__API_KEY is not set for Gemini")
        return self._client

    async def generate(self, prompt: Prompt, schema: type[T]) -> Generation[T]:
        client = self._get_client()
        errors = self._genai.errors
        types = self._genai.types
        thinking = None
        output_tokens = MAX_OUTPUT_TOKENS
        if thinks(self.model):
            # Thinking tokens count against max_output_tokens: without room for both, a
            # long think cuts the JSON answer off mid-object.
            thinking = types.ThinkingConfig(thinking_budget=self.thinking_budget)
            output_tokens += max(self.thinking_budget, 0) or MAX_OUTPUT_TOKENS
        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_json_schema=json_schema(schema),
            temperature=0.2,
            max_output_tokens=output_tokens,
            thinking_config=thinking,
        )
        try:
            response = await client.aio.models.generate_content(
                model=self.model, contents=prompt.user, config=config
            )
        except errors.APIError as exc:
            headers = getattr(exc.response, "headers", None)
            raise status_error(exc.code or 500, exc.message or str(exc.status), headers) from exc
        except ProviderError:
            raise
        except Exception as exc:  # transport errors come from the SDK's HTTP client
            raise _transport_error(exc) from exc
        return Generation(
            output=parse_output(_text(response), schema),
            provider=self.name,
            model=self.model,
            usage=_usage(response),
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aio.aclose()
            self._client = None


def _transport_error(exc: Exception) -> ProviderError:
    if "timeout" in type(exc).__name__.lower():
        return ProviderTimeout(f"no answer in time ({type(exc).__name__})")
    return ProviderUnavailable(f"connection failed: {type(exc).__name__}: {exc}"[:300])


def _name(value: Any) -> str:
    return str(getattr(value, "name", value) or "")


def _text(response: Any) -> str:
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason:
        raise ProviderRefused(f"prompt blocked: {_name(feedback.block_reason)}")
    if not response.candidates:
        raise ProviderRefused("no candidates in the answer")
    candidate = response.candidates[0]
    finish = _name(candidate.finish_reason)
    if finish in _REFUSALS:
        raise ProviderRefused(f"answer withheld: {finish}")
    if finish == "MAX_TOKENS":
        raise InvalidOutput("the answer was cut off at the token limit")
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    return "".join(p.text for p in parts if p.text and not p.thought)


def _usage(response: Any) -> Usage:
    meta = response.usage_metadata
    if meta is None:
        return Usage()
    return Usage(input_tokens=meta.prompt_token_count, output_tokens=meta.candidates_token_count)
