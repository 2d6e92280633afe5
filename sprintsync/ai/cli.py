"""`sprintsync ai check`: say which AI provider is configured and whether it answers.

The command itself is declared in `sprintsync.cli`, which passes the settings in.
"""

from __future__ import annotations

import asyncio

import typer
from limits.aio.storage import MemoryStorage

from sprintsync.ai.providers.base import ProviderError
from sprintsync.ai.service import Assistant, build_assistant, check
from sprintsync.config import Settings


def check_provider(settings: Settings) -> None:
    """Say which provider is configured and make one round trip to it; exit 1 if it fails."""
    ai = settings.ai
    assistant = build_assistant(settings, MemoryStorage())
    provider = assistant.provider
    typer.echo(f"Provider: {provider.name} (model {provider.model})")
    if ai.provider != "offline":
        typer.echo(f"Base URL: {ai.base_url or 'the provider default'}")
        # Whether a key is set, never the key.
        typer.echo(f"API key: {'set' if ai.api_key.get_secret_value() else 'not set'}")
        typer.echo(f"Timeout: {ai.timeout_seconds:g} s")
    try:
        summary = asyncio.run(_round_trip(assistant))
    except ProviderError as exc:
        typer.secho(f"FAILED: {exc.reason}", err=True, fg="red")
        raise typer.Exit(1) from exc
    typer.secho(f"OK: {summary}", fg="green")


async def _round_trip(assistant: Assistant) -> str:
    try:
        result, seconds = await check(assistant)
    finally:
        await assistant.aclose()
    text = f"{result.provider} answered in {seconds * 1000:.0f} ms"
    usage = result.usage
    if usage.input_tokens is not None:
        text += f" ({usage.input_tokens} tokens in, {usage.output_tokens} out)"
    return text
