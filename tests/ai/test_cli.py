"""`sprintsync ai check` against the offline provider and the fake server."""

from __future__ import annotations

import pytest
from click.testing import Result
from typer.testing import CliRunner

from sprintsync.cli import app
from tests.ai.fake_llm import FakeLLM, Reply

DRAFT = {"estimate_minutes": 15, "confidence": "low", "rationale": "A ping."}


def _env(llm: FakeLLM, provider: str, **extra: str) -> dict[str, str]:
    env = {
        "SPRINTSYNC_AI__PROVIDER": provider,
        "SPRINTSYNC_AI__BASE_URL": llm.url if provider == "gemini" else f"{llm.url}/v1",
        "SPRINTSYNC_AI__API_KEY": "cli-key-not-secret",
        "SPRINTSYNC_AI__MODEL": "check-model",
        "SPRINTSYNC_AI__TIMEOUT_SECONDS": "5",
    }
    env.update(extra)
    return env


def _run(env: dict[str, str]) -> Result:
    return CliRunner().invoke(app, ["ai", "check"], env=env)


def test_offline_check_needs_no_network() -> None:
    result = _run({"SPRINTSYNC_AI__PROVIDER": "offline"})
    assert result.exit_code == 0, result.output
    assert "Provider: offline" in result.output
    assert "OK: offline answered" in result.output


@pytest.mark.parametrize("provider", ["gemini", "openai"])
def test_check_makes_one_round_trip_and_never_prints_the_key(llm: FakeLLM, provider) -> None:
    llm.reply_json(DRAFT)
    result = _run(_env(llm, provider))
    assert result.exit_code == 0, result.output
    assert f"Provider: {provider} (model check-model)" in result.output
    assert "API key: set" in result.output
    assert "cli-key-not-secret" not in result.output
    assert f"OK: {provider} answered" in result.output
    assert "120 tokens in" in result.output
    assert len(llm.calls(provider)) == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [(Reply(status=500), "unavailable"), (Reply(content="not json"), "invalid_output")],
)
def test_a_failed_round_trip_exits_non_zero(llm: FakeLLM, reply: Reply, reason: str) -> None:
    llm.reply(reply)
    result = _run(_env(llm, "gemini"))
    assert result.exit_code == 1
    assert f"FAILED: {reason}" in result.output
    assert len(llm.calls()) == 1, "the check does not retry or fall back"


def test_a_missing_key_is_reported(llm: FakeLLM) -> None:
    result = _run(_env(llm, "gemini", SPRINTSYNC_AI__API_KEY=""))
    assert result.exit_code == 1
    assert "API key: not set" in result.output
    assert "FAILED: not_configured" in result.output
