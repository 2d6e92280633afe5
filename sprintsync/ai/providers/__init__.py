"""AI providers behind one protocol, chosen by `SPRINTSYNC_AI__PROVIDER`."""

from __future__ import annotations

from pathlib import Path

from sprintsync.ai.providers.base import Provider
from sprintsync.ai.providers.gemini import GeminiProvider
from sprintsync.ai.providers.offline import OfflineProvider
from sprintsync.ai.providers.openai_compat import OpenAICompatProvider
from sprintsync.ai.providers.recorded import RecordedProvider
from sprintsync.config import AISettings


def make_provider(settings: AISettings) -> Provider:
    """The configured provider, recording or replaying its answers when asked to."""
    provider = _network_provider(settings)
    if provider is None:
        return OfflineProvider()
    if settings.record_mode == "off":
        return provider
    return RecordedProvider(provider, Path(settings.record_dir), settings.record_mode)


def _network_provider(settings: AISettings) -> Provider | None:
    if settings.provider == "gemini":
        return GeminiProvider(settings)
    if settings.provider == "openai":
        return OpenAICompatProvider(settings)
    return None


__all__ = [
    "GeminiProvider",
    "OfflineProvider",
    "OpenAICompatProvider",
    "RecordedProvider",
    "make_provider",
]
