"""`/api/v1/ai/suggest` with Gemini or OpenAI configured, against the fake server.

Whatever the provider does (429, 500, hang, bad JSON, wrong shape, an impossible plan),
the request succeeds: with the provider's answer, or the offline one and the reason.
The reason a client sees is fixed per failure code; the provider's own words are logged.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from prometheus_client import REGISTRY

from sprintsync.ai.schemas import DescriptionDraft, PlanDraft
from sprintsync.tasks.models import Task
from sprintsync.users.models import User
from tests.ai.conftest import NETWORK_PROVIDERS, use_network
from tests.ai.fake_llm import FakeLLM, Reply
from tests.conftest import TEST_SECRET
from tests.factories import bearer, make_task, make_user

SUGGEST = "/api/v1/ai/suggest"
DESCRIBE = {"mode": "description", "title": "Add CSV export to the timesheet"}
DRAFT = DescriptionDraft.model_validate(
    {
        "kind": "feature",
        "summary": "Let finance export a month of hours as CSV.",
        "acceptance_criteria": ["A month downloads as one CSV file"],
        "risks": ["Large months may be slow"],
        "open_questions": [],
        "estimate_minutes": 180,
        "priority": "high",
    }
)


@pytest.fixture(params=NETWORK_PROVIDERS)
def network(request: pytest.FixtureRequest, settings, llm: FakeLLM) -> str:
    use_network(settings, llm, request.param)
    return request.param


@pytest.fixture(params=NETWORK_PROVIDERS)
def slow_network(request: pytest.FixtureRequest, settings, llm: FakeLLM) -> str:
    use_network(settings, llm, request.param, timeout_seconds=0.5)
    return request.param


@pytest.fixture
def gemini(settings, llm: FakeLLM) -> str:
    use_network(settings, llm, "gemini")
    settings.log_level = "INFO"
    return "gemini"


async def _describe(client, session, body: dict[str, Any] = DESCRIBE) -> dict[str, Any]:
    user = await make_user(session)
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    return r.json()


# --- every network provider ----------------------------------------------------------------


async def test_the_providers_answer_comes_back_saying_who_answered(
    network, client, session, llm
) -> None:
    llm.reply_json(DRAFT)
    data = await _describe(client, session)
    assert (data["provider"], data["model"]) == (network, f"{network}-test-model")
    assert (data["fallback"], data["reason"], data["cached"]) == (False, None, False)
    assert data["reason_code"] is None
    assert data["summary"] == DRAFT.summary
    assert data["priority"] == "high"
    assert "- [ ] A month downloads as one CSV file" in data["description"]
    assert len(llm.calls(network)) == 1


async def test_429_then_success_is_retried_once(network, client, session, llm) -> None:
    llm.reply(Reply(status=429))
    llm.reply_json(DRAFT)
    data = await _describe(client, session)
    assert (data["provider"], data["fallback"]) == (network, False)
    assert len(llm.calls(network)) == 2


async def test_500_falls_back_to_offline_with_the_reason(network, client, session, llm) -> None:
    llm.reply(Reply(status=500), Reply(status=500))
    data = await _describe(client, session)
    assert (data["provider"], data["fallback"]) == ("offline", True)
    assert data["reason_code"] == "unavailable"
    assert data["reason"] == "The AI provider could not be reached or had a server error."
    assert data["kind"] == "feature"
    assert data["acceptance_criteria"]
    assert len(llm.calls(network)) == 2, "one try and one retry, no more"


async def test_a_hang_past_the_timeout_falls_back(slow_network, client, session, llm) -> None:
    llm.reply(Reply(content=DRAFT.model_dump_json(), delay=5))
    data = await _describe(client, session)
    assert (data["provider"], data["fallback"]) == ("offline", True)
    assert (data["reason_code"], data["reason"]) == (
        "timeout",
        "The AI provider did not answer in time.",
    )
    # At most one: under heavy load the time can run out before the request even arrives.
    assert len(llm.calls(slow_network)) <= 1, "a timeout is not retried"


async def test_malformed_json_falls_back(network, client, session, llm) -> None:
    llm.reply(Reply(content='{"kind": "feature", "summary": '))
    data = await _describe(client, session)
    assert (data["fallback"], data["reason_code"]) == (True, "invalid_output")
    assert data["reason"] == "The AI model's answer was not usable."


async def test_json_that_fails_the_schema_falls_back(network, client, session, llm) -> None:
    llm.reply_json({**DRAFT.model_dump(mode="json"), "kind": "poem", "estimate_minutes": -1})
    data = await _describe(client, session)
    assert data["fallback"] is True
    assert data["provider"] == "offline"
    assert data["reason_code"] == "invalid_output"
    assert "DescriptionDraft" not in str(data), "schema details are for the log only"


SECRET_KEY = "test-key-not-secret"
INTERNAL_URL = "http://10.20.30.40:8080/internal/v1beta"


@pytest.fixture
def info_logs(settings) -> None:
    settings.log_level = "INFO"


async def test_the_providers_error_text_never_reaches_the_client(
    network, info_logs, client, session, llm, capsys
) -> None:
    upstream = f"upstream {INTERNAL_URL} refused key={SECRET_KEY}"
    llm.reply(Reply(status=500, error_message=upstream), Reply(status=500, error_message=upstream))
    user = await make_user(session)
    r = await client.post(SUGGEST, json=DESCRIBE, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200
    assert r.json()["reason_code"] == "unavailable"
    for leak in (SECRET_KEY, INTERNAL_URL, "10.20.30.40", "upstream", "HTTP 500"):
        assert leak not in r.text
    # The log line has the status, the code and a redacted excerpt, never the text verbatim.
    [line] = [orjson.loads(x) for x in capsys.readouterr().out.splitlines() if "ai_call" in x]
    assert line["reason"] == "unavailable"
    assert line["detail"].startswith("unavailable: HTTP 500")
    assert "[url]" in line["detail"]
    assert INTERNAL_URL not in line["detail"]
    assert SECRET_KEY not in str(line)


async def test_the_models_raw_output_never_reaches_the_client(
    network, client, session, llm
) -> None:
    llm.reply(Reply(content='{"kind": "feature", "summary": "INTERNAL-NOTE http://10.0.0.9/'))
    user = await make_user(session)
    r = await client.post(SUGGEST, json=DESCRIBE, headers=bearer(user, TEST_SECRET))
    assert (r.json()["fallback"], r.json()["reason_code"]) == (True, "invalid_output")
    assert "INTERNAL-NOTE" not in r.text
    assert "10.0.0.9" not in r.text


# --- retries, cache and metrics --------------------------------------------------------------


async def test_a_long_retry_after_falls_back_without_waiting(gemini, client, session, llm) -> None:
    llm.reply(Reply(status=429, headers={"Retry-After": "120"}))
    data = await _describe(client, session)
    assert (data["fallback"], data["reason_code"]) == (True, "rate_limited")
    assert len(llm.calls()) == 1


async def test_a_repeated_request_costs_no_provider_call(gemini, client, session, llm) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    llm.reply_json(DRAFT)
    first = (await client.post(SUGGEST, json=DESCRIBE, headers=h)).json()
    second = (await client.post(SUGGEST, json=DESCRIBE, headers=h)).json()
    assert len(llm.calls()) == 1
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["provider"] == "gemini"
    assert second["summary"] == DRAFT.summary
    # Different input, different key: the provider is asked again.
    llm.reply_json(DRAFT)
    other = {**DESCRIBE, "context": "Finance asked for it."}
    assert (await client.post(SUGGEST, json=other, headers=h)).json()["cached"] is False
    assert len(llm.calls()) == 2


async def test_fallback_answers_are_not_cached(gemini, client, session, llm) -> None:
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    llm.reply(Reply(status=503), Reply(status=503))
    llm.reply_json(DRAFT)
    first = (await client.post(SUGGEST, json=DESCRIBE, headers=h)).json()
    second = (await client.post(SUGGEST, json=DESCRIBE, headers=h)).json()
    assert (first["fallback"], second["fallback"], second["cached"]) == (True, False, False)
    assert len(llm.calls()) == 3


async def test_calls_are_counted_and_logged_without_the_key(
    gemini, client, session, llm, capsys
) -> None:
    def count(outcome: str) -> float:
        labels = {"provider": "gemini", "mode": "description", "outcome": outcome}
        return REGISTRY.get_sample_value("sprintsync_ai_calls_total", labels) or 0.0

    def tokens() -> float:
        labels = {"provider": "gemini", "direction": "input"}
        return REGISTRY.get_sample_value("sprintsync_ai_tokens_total", labels) or 0.0

    before = {o: count(o) for o in ("ok", "cached", "fallback")}
    tokens_before = tokens()
    user = await make_user(session)
    h = bearer(user, TEST_SECRET)
    llm.reply_json(DRAFT)
    await client.post(SUGGEST, json=DESCRIBE, headers=h)
    await client.post(SUGGEST, json=DESCRIBE, headers=h)
    llm.reply(Reply(status=500), Reply(status=500))
    await client.post(SUGGEST, json={**DESCRIBE, "title": "Something else"}, headers=h)
    assert {o: count(o) - before[o] for o in before} == {"ok": 1, "cached": 1, "fallback": 1}
    assert tokens() - tokens_before == 120

    lines = [
        orjson.loads(line) for line in capsys.readouterr().out.splitlines() if "ai_call" in line
    ]
    assert [line["outcome"] for line in lines] == ["ok", "cached", "fallback"]
    fallback = lines[2]
    assert (fallback["provider"], fallback["answered_by"], fallback["attempts"]) == (
        "gemini",
        "offline",
        2,
    )
    assert fallback["reason"].startswith("unavailable")
    assert fallback["user_id"] == user.id
    assert lines[0]["input_tokens"] == 120
    assert lines[0]["output_tokens"] == 45
    assert "test-key-not-secret" not in str(lines)


# --- answers are checked against the facts --------------------------------------------------


async def _plan_setup(session) -> tuple[User, Task, Task, Task, Task]:
    user = await make_user(session)
    started = await make_task(
        session,
        user,
        title="Finish login rework",
        status="in_progress",
        estimate_minutes=120,
        total_minutes=60,
    )
    todo = await make_task(session, user, title="Write release notes", estimate_minutes=60)
    later = await make_task(session, user, title="Refactor settings", estimate_minutes=240)
    done = await make_task(session, user, title="Shipped thing", status="done")
    return user, started, todo, later, done


def _plan(*items: tuple[int, int]) -> PlanDraft:
    return PlanDraft.model_validate(
        {
            "items": [{"task_id": t, "minutes": m, "reason": "Because."} for t, m in items],
            "deferred": [],
            "summary": "A focused day.",
        }
    )


async def test_a_providers_plan_is_completed_from_the_facts(gemini, client, session, llm) -> None:
    user, started, todo, later, _ = await _plan_setup(session)
    llm.reply_json(_plan((todo.id, 60), (started.id, 60)))
    body = {"mode": "daily_plan", "capacity_minutes": 180}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    plan = r.json()
    assert (plan["provider"], plan["fallback"]) == ("gemini", False)
    assert [i["task_id"] for i in plan["items"]] == [started.id, todo.id], "in progress first"
    assert [i["title"] for i in plan["items"]] == ["Finish login rework", "Write release notes"]
    assert plan["planned_minutes"] == 120
    assert [(d["task_id"], d["reason"]) for d in plan["deferred"]] == [
        (later.id, "Not in today's plan")
    ]
    sent = llm.calls()[0].body["contents"][0]["parts"][0]["text"]
    assert "<<<BEGIN OPEN_TASKS>>>" in sent
    assert "Shipped thing" not in sent


@pytest.mark.parametrize("problem", ["over_capacity", "unknown_task", "done_task"])
async def test_an_impossible_plan_falls_back(gemini, client, session, llm, problem) -> None:
    user, started, todo, _, done = await _plan_setup(session)
    bad = {
        "over_capacity": _plan((started.id, 60), (todo.id, 60)),
        "unknown_task": _plan((999_999, 30)),
        "done_task": _plan((done.id, 30)),
    }[problem]
    llm.reply_json(bad)
    body = {"mode": "daily_plan", "capacity_minutes": 90}
    r = await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))
    plan = r.json()
    assert (plan["provider"], plan["fallback"]) == ("offline", True)
    assert plan["reason_code"] == "invalid_output"
    assert "task" not in plan["reason"], "which rule the plan broke is for the log only"
    assert plan["planned_minutes"] <= 90
    assert done.id not in [i["task_id"] for i in plan["items"]]


async def test_an_estimate_is_calibrated_on_facts_not_on_the_models_word(
    gemini, client, session, llm
) -> None:
    user = await make_user(session)
    await make_task(
        session, user, title="Fix login loop on Safari", status="done", total_minutes=90
    )
    llm.reply_json({"estimate_minutes": 100, "confidence": "high", "rationale": "Like Safari."})
    body = {"mode": "estimate", "title": "Fix login loop on Firefox"}
    data = (await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))).json()
    assert (data["provider"], data["estimate_minutes"], data["similar_count"]) == ("gemini", 100, 1)
    sent = llm.calls()[0].body["contents"][0]["parts"][0]["text"]
    assert "Fix login loop on Safari" in sent
    assert '"actual_minutes": 90' in sent

    llm.reply_json({"estimate_minutes": 100, "confidence": "high", "rationale": "Trust me."})
    body = {"mode": "estimate", "title": "Migrate the billing system"}
    data = (await client.post(SUGGEST, json=body, headers=bearer(user, TEST_SECRET))).json()
    assert (data["similar_count"], data["confidence"]) == (0, "low")


async def test_a_breakdown_with_too_few_subtasks_falls_back(gemini, client, session, llm) -> None:
    llm.reply_json({"subtasks": [{"title": "Do it", "estimate_minutes": 60}], "notes": ""})
    data = await _describe(client, session, {"mode": "breakdown", "title": "Add dark mode"})
    assert data["fallback"] is True
    assert 3 <= len(data["subtasks"]) <= 8
