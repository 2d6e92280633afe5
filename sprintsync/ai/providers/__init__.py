"""AI providers behind one protocol, chosen by `SPRINTSYNC_AI__PROVIDER`."""

from __future__ import annotations

from sprintsync.ai.providers.base import Provider
from sprintsync.ai.providers.gemini import GeminiProvider
from sprintsync.ai.providers.offline import OfflineProvider
from sprintsync.ai.providers.openai_compat import OpenAICompatProvider
from sprintsync.config import AISettings


def make_provider(settings: AISettings) -> Provider:
    """The configured provider. Network clients are built on first use, not here."""
    if settings.provider == "gemini":
        return GeminiProvider(settings)
    if settings.provider == "openai":
        return OpenAICompatProvider(settings)
    return OfflineProvider()


__all__ = ["GeminiProvider", "OfflineProvider", "OpenAICompatProvider", "make_provider"]
