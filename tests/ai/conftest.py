"""Fixtures for AI tests: the fake Gemini/OpenAI server and settings that point at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from sprintsync.app import create_app
from sprintsync.config import AISettings, Settings
from tests.ai.fake_llm import FakeLLM

NETWORK_PROVIDERS = ["gemini", "openai"]


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def llm(fake_llm_server: FakeLLM) -> Iterator[FakeLLM]:
    fake_llm_server.reset()
    yield fake_llm_server
    fake_llm_server.reset()


def network_ai_settings(llm: FakeLLM, provider: str, **overrides: object) -> AISettings:
    """AI settings for `provider` pointed at the fake server, with short test timings."""
    values: dict[str, object] = {
        "provider": provider,
        "base_url": llm.url if provider == "gemini" else f"{llm.url}/v1",
        "api_key": "test-key-not-secret",
        "model": f"{provider}-test-model",
        "timeout_seconds": 5.0,
        "retry_backoff_seconds": 0.01,
        "max_retries": 1,
    }
    values.update(overrides)
    return AISettings.model_validate(values)


def use_network(settings: Settings, llm: FakeLLM, provider: str, **overrides: object) -> None:
    """Point `settings` (before the app is built) at the fake server as `provider`."""
    settings.ai = network_ai_settings(llm, provider, **overrides)


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """The app, with its provider clients closed afterwards (tests do not run the lifespan)."""
    app = create_app(settings, engine=engine)
    yield app
    await app.state.ai.aclose()
    await app.state.embeddings.aclose()
