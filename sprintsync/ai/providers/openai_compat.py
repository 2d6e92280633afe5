"""Any OpenAI-compatible chat server (OpenAI, Ollama, vLLM, llama.cpp) via the `openai` SDK.

Structured output is asked for with `response_format: json_schema`. Servers that reject it
get JSON mode (`json_object`) with the schema spelled out in the instructions instead, and
the provider remembers that for later calls. Either way the answer is validated here. The
SDK's retries are off (`max_retries=0`): the service owns retrying.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from sprintsync.ai.providers.base import (
    Generation,
    InvalidOutput,
    Prompt,
    ProviderError,
    ProviderNotConfigured,
    ProviderRefused,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    T,
    Usage,
    json_schema,
    parse_output,
    status_error,
)
from sprintsync.config import AISettings

NAME = "openai"
DEFAULT_MODEL = "gpt-4o-mini"
MAX_OUTPUT_TOKENS = 4096
# Local servers (Ollama, llama.cpp) ignore the key, but the SDK insists on having one.
LOCAL_PLACEHOLDER_KEY = "sprintsync-local"


class OpenAICompatProvider:
    name = NAME

    def __init__(self, settings: AISettings) -> None:
        # Imported and built at start-up, only when configured: import and TLS setup block
        # for a while, which no request should wait for.
        import openai

        self._openai = openai
        self.model = settings.model or DEFAULT_MODEL
        self.structured_output = True
        # OpenAI itself enforces strict schemas; other servers get the plain schema.
        self.strict = not settings.base_url
        # Reasoning models (o1, o3, o4, gpt-5…) take max_completion_tokens and refuse a
        # temperature; other servers may say so with a 400, which switches this on too.
        self.reasoning = is_reasoning_model(self.model)
        self._client: Any = None
        key = settings.api_key.get_secret_value()
        if key or settings.base_url:
            self._client = openai.AsyncOpenAI(
                api_key=key or LOCAL_PLACEHOLDER_KEY,
                base_url=settings.base_url or None,
                timeout=settings.timeout_seconds,
                max_retries=0,
            )

    def _get_client(self) -> Any:
        if self._client is None:
            raise ProviderNotConfigured("SPRINTSYNC_AI__API_KEY is not set for OpenAI")
        return self._client

    async def generate(self, prompt: Prompt, schema: type[T]) -> Generation[T]:
        shape = json_schema(schema)
        response: Any = None
        if self.structured_output:
            fmt = {
                "type": "json_schema",
                "json_schema": {
                    "name": schema.__name__,
                    "schema": strict_schema(shape) if self.strict else shape,
                    "strict": self.strict,
                },
            }
            # A 4xx may mean no json_schema support here: JSON mode below decides.
            with contextlib.suppress(ProviderRejected):
                response = await self._complete(prompt.system, prompt.user, fmt)
        if response is None:
            system = (
                f"{prompt.system}\n\nThe JSON object must follow this JSON Schema:\n"
                f"{json.dumps(shape, ensure_ascii=False)}"
            )
            response = await self._complete(system, prompt.user, {"type": "json_object"})
            self.structured_output = False
        return Generation(
            output=parse_output(_content(response), schema),
            provider=self.name,
            model=self.model,
            usage=_usage(response),
        )

    async def _complete(self, system: str, user: str, response_format: dict[str, Any]) -> Any:
        try:
            return await self._create(system, user, response_format)
        except ProviderRejected as exc:
            if self.reasoning or not _refuses_sampling_options(exc.message):
                raise
            self.reasoning = True
            return await self._create(system, user, response_format)

    async def _create(self, system: str, user: str, response_format: dict[str, Any]) -> Any:
        openai = self._openai
        client = self._get_client()
        options: dict[str, Any] = (
            {"max_completion_tokens": MAX_OUTPUT_TOKENS * 4}  # room to reason, then answer
            if self.reasoning
            else {"temperature": 0.2, "max_tokens": MAX_OUTPUT_TOKENS}
        )
        try:
            return await client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                response_format=response_format,
                **options,
            )
        except openai.APITimeoutError as exc:
            raise ProviderTimeout("no answer in time") from exc
        except openai.APIStatusError as exc:
            raise status_error(exc.status_code, _message(exc), exc.response.headers) from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable(f"connection failed: {exc}"[:300]) from exc
        except ProviderError:
            raise
        except openai.OpenAIError as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def is_reasoning_model(model: str) -> bool:
    """OpenAI's reasoning models: o1, o3, o4-mini, gpt-5 and their dated variants."""
    return re.match(r"^(?:o\d|gpt-5)", model.lower()) is not None


def _refuses_sampling_options(message: str) -> bool:
    """A 400 saying the model does not take `temperature` or `max_tokens`."""
    lower = message.lower()
    return ("temperature" in lower or "max_tokens" in lower) and (
        "unsupported" in lower or "not supported" in lower or "does not support" in lower
    )


# Keywords OpenAI's strict mode refuses; the answer is validated by Pydantic anyway.
_NOT_STRICT = frozenset(
    {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "format", "title"}
)


def strict_schema(node: Any) -> Any:
    """`node` as OpenAI's strict mode wants it: every property required, no extras."""
    if isinstance(node, list):
        return [strict_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_schema(v) for k, v in node.items() if k not in _NOT_STRICT}
    if out.get("type") == "object" and isinstance(out.get("properties"), dict):
        out["properties"] = {k: strict_schema(v) for k, v in node["properties"].items()}
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def _message(exc: Any) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
    return str(exc.message)[:300]


def _content(response: Any) -> str | None:
    if not response.choices:
        raise ProviderRefused("no choices in the answer")
    choice = response.choices[0]
    if getattr(choice.message, "refusal", None):
        raise ProviderRefused(f"the model refused: {choice.message.refusal}"[:300])
    if choice.finish_reason == "content_filter":
        raise ProviderRefused("answer withheld by the content filter")
    if choice.finish_reason == "length":
        raise InvalidOutput("the answer was cut off at the token limit")
    return choice.message.content


def _usage(response: Any) -> Usage:
    usage = response.usage
    if usage is None:
        return Usage()
    return Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens)
