"""Best-fit assignee: `/api/v1/ai/assignees` and the task panel's "Suggest assignee", on both
databases; lexical offline, embeddings through the real SDKs against the fake server, and
lexical again with a reason code when the provider fails."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update

from sprintsync.ai.models import TaskEmbedding
from sprintsync.projects.models import Project
from sprintsync.tasks.models import Task
from sprintsync.users.models import User
from tests.ai.conftest import NETWORK_PROVIDERS, use_network
from tests.ai.fake_llm import FakeLLM, Reply
from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_project, make_task, make_user

ASSIGNEES = "/api/v1/ai/assignees"


@dataclass
class Team:
    project: Project
    ana: User
    ben: User
    cleo: User
    task: Task


async def _done(session, project, who: User, title: str, description: str = "") -> Task:
    return await make_task(
        session,
        who,
        project=project,
        title=title,
        description=description,
        status="done",
        assignee_id=who.id,
        total_minutes=120,
    )


@pytest.fixture
async def team(session) -> Team:
    ana = await make_user(session, display_name="Ana Auth")
    ben = await make_user(session, display_name="Ben Board")
    cleo = await make_user(session, display_name="Cleo Lead")
    project = await make_project(session, key="API", members=(ana, ben), leads=(cleo,))
    await _done(session, project, ana, "Fix login redirect loop on Safari")
    await _done(session, project, ana, "Session expiry logs users out too early")
    await _done(session, project, ana, "Rate limit login attempts per account")
    await _done(session, project, ana, "Add OAuth login with Google")
    await _done(session, project, ben, "Dark mode colours unreadable on the board")
    await _done(session, project, ben, "Make the task dialog keyboard accessible")
    await _done(session, project, ben, "Drag and drop cards on touch screens")
    await _done(session, project, cleo, "Nightly database backup to object storage")
    # Ana is busy: two open tasks with 6 h left between them.
    for title, estimate, logged in (
        ("Upgrade the password hashing", 240, 60),
        ("Audit log for admin actions", 180, 0),
    ):
        await make_task(
            session,
            ana,
            project=project,
            title=title,
            assignee_id=ana.id,
            estimate_minutes=estimate,
            total_minutes=logged,
        )
    task = await make_task(
        session,
        cleo,
        project=project,
        title="Login fails on Safari after the session expires",
        description="Users are sent back to the login page in a loop.",
        assignee_id=None,
    )
    return Team(project, ana, ben, cleo, task)


async def _rank(client, user: User, ref: str) -> dict:
    r = await client.get(ASSIGNEES, params={"task": ref}, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    return r.json()


async def test_members_with_similar_finished_work_rank_first_with_their_reason(
    client, team: Team
) -> None:
    data = await _rank(client, team.ben, team.task.key)
    assert (data["method"], data["fallback"], data["reason_code"]) == ("lexical", False, None)
    assert data["task_key"] == team.task.key
    names = [c["display_name"] for c in data["candidates"]]
    assert names[0] == "Ana Auth"
    assert set(names) == {"Ana Auth", "Ben Board", "Cleo Lead"}
    ana = data["candidates"][0]
    assert ana["similar_tasks"] >= 2
    assert ana["examples"][0]["key"].startswith("API-")
    assert (ana["open_tasks"], ana["remaining_minutes"]) == (2, 360)
    assert ana["reason"].startswith(f"Finished {ana['similar_tasks']} similar tasks, e.g. API-")
    assert ana["reason"].endswith("; 2 open tasks (6 h left)")
    ben = next(c for c in data["candidates"] if c["display_name"] == "Ben Board")
    assert ben["reason"] == "No similar finished tasks; no open tasks"
    assert ben["score"] == 0


async def test_open_load_breaks_the_tie_between_equally_experienced_members(
    client, session
) -> None:
    busy = await make_user(session, display_name="Busy Bee")
    free = await make_user(session, display_name="Free Fox")
    project = await make_project(session, key="OPS", members=(busy, free))
    await _done(session, project, busy, "Rotate TLS certificates on the load balancer")
    await _done(session, project, free, "Rotate TLS certificates on the API gateway")
    for n in range(3):
        await make_task(
            session, busy, project=project, title=f"On-call follow-up {n}", assignee_id=busy.id
        )
    task = await make_task(
        session, busy, project=project, title="Rotate TLS certificates before expiry"
    )
    data = await _rank(client, free, task.key)
    first, second = data["candidates"]
    assert first["display_name"] == "Free Fox"
    assert second["display_name"] == "Busy Bee"
    # The task itself is Busy Bee's and open: it counts toward their load.
    assert second["reason"].endswith("; 4 open tasks")
    assert second["current"] is True
    assert first["score"] > second["score"] > 0


async def test_a_task_you_cannot_see_is_a_404(client, session, team: Team) -> None:
    outsider = await make_user(session)
    r = await client.get(
        ASSIGNEES, params={"task": team.task.key}, headers=bearer(outsider, TEST_SECRET)
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "task_not_found"
    assert "Ana" not in r.text
    r = await client.get(ASSIGNEES, params={"task": team.task.key})
    assert r.status_code == 401
    admin = await make_user(session, is_admin=True)
    data = await _rank(client, admin, str(team.task.id))
    assert data["candidates"][0]["display_name"] == "Ana Auth"


async def test_finished_work_in_projects_the_reader_cannot_see_does_not_count(
    client, session, team: Team
) -> None:
    hidden = await make_project(session, key="HID", members=(team.ben,))
    for n in range(3):
        await _done(session, hidden, team.ben, f"Login fails on Safari after session expires {n}")
    cleo_view = await _rank(client, team.cleo, team.task.key)
    ben = next(c for c in cleo_view["candidates"] if c["display_name"] == "Ben Board")
    assert ben["similar_tasks"] == 0
    ben_view = await _rank(client, team.ben, team.task.key)
    assert ben_view["candidates"][0]["display_name"] == "Ben Board"


@pytest.fixture(params=NETWORK_PROVIDERS)
def network(request: pytest.FixtureRequest, settings, llm: FakeLLM) -> str:
    use_network(settings, llm, request.param)
    return request.param


async def _stored(session) -> int:
    return await session.scalar(select(func.count()).select_from(TaskEmbedding))


async def test_embeddings_from_the_provider_rank_and_are_stored_once(
    network: str, client, session, team: Team, llm: FakeLLM
) -> None:
    data = await _rank(client, team.cleo, team.task.key)
    default = "text-embedding-3-small" if network == "openai" else "gemini-embedding-001"
    assert (data["method"], data["model"], data["fallback"]) == (
        "embeddings",
        f"{network}/{default}",
        False,
    )
    assert data["candidates"][0]["display_name"] == "Ana Auth"
    assert data["candidates"][0]["similar_tasks"] >= 1
    [call] = llm.calls(f"{network}-embed")
    texts = (
        call.body["input"]
        if network == "openai"
        else [r["content"]["parts"][0]["text"] for r in call.body["requests"]]
    )
    assert len(texts) == 9  # the task and the eight finished tasks
    assert texts[0].startswith("Login fails on Safari after the session expires\nUsers are sent")
    assert await _stored(session) == 9
    # Asked again: every vector is stored, so the provider is not called.
    again = await _rank(client, team.ben, team.task.key)
    assert again["candidates"] == data["candidates"]
    assert len(llm.calls(f"{network}-embed")) == 1
    # An edited task is embedded again, alone.
    await session.execute(
        update(Task).where(Task.id == team.task.id).values(title="Safari login loop")
    )
    await session.commit()
    await _rank(client, team.cleo, team.task.key)
    calls = llm.calls(f"{network}-embed")
    assert len(calls) == 2
    body = calls[1].body
    assert len(body["input"] if network == "openai" else body["requests"]) == 1
    assert await _stored(session) == 9


@pytest.mark.parametrize(("status", "code"), [(500, "unavailable"), (429, "rate_limited")])
async def test_a_failing_provider_falls_back_to_lexical_with_a_reason_code(
    network: str, client, session, team: Team, llm: FakeLLM, status: int, code: str
) -> None:
    llm.reply_embeddings(Reply(status=status, error_message="upstream broke: key sk-abc"))
    data = await _rank(client, team.cleo, team.task.key)
    assert (data["method"], data["fallback"], data["reason_code"]) == ("lexical", True, code)
    assert data["model"] is None
    assert data["candidates"][0]["display_name"] == "Ana Auth"
    assert "sk-abc" not in str(data)
    assert await _stored(session) == 0


@pytest.fixture
def fragile_openai(settings, llm: FakeLLM) -> None:
    use_network(settings, llm, "openai", breaker_failures=2, breaker_cooldown_seconds=60)


@pytest.fixture
def hanging_gemini(settings, llm: FakeLLM) -> None:
    use_network(settings, llm, "gemini", total_budget_seconds=0.5, timeout_seconds=5)


@pytest.fixture
def limited_openai(settings, llm: FakeLLM) -> None:
    use_network(settings, llm, "openai", rate_limit="1/minute")


async def test_over_the_users_ai_rate_limit_the_ranking_is_lexical(
    limited_openai: None, client, session, team: Team, llm: FakeLLM
) -> None:
    first = await _rank(client, team.cleo, team.task.key)
    assert first["method"] == "embeddings"
    # Stored vectors need no provider call, so they do not count against the limit.
    assert (await _rank(client, team.cleo, team.task.key))["method"] == "embeddings"
    await session.execute(
        update(Task).where(Task.id == team.task.id).values(title="Safari login loop")
    )
    await session.commit()
    data = await _rank(client, team.cleo, team.task.key)
    assert (data["method"], data["reason_code"]) == ("lexical", "user_rate_limited")
    assert len(llm.calls("openai-embed")) == 1
    # Another user has a limit of their own.
    assert (await _rank(client, team.ben, team.task.key))["method"] == "embeddings"


async def test_after_repeated_failures_the_provider_is_skipped(
    fragile_openai: None, client, team: Team, llm: FakeLLM
) -> None:
    llm.reply_embeddings(Reply(status=503), Reply(status=503))
    for _ in range(2):
        assert (await _rank(client, team.cleo, team.task.key))["reason_code"] == "unavailable"
    data = await _rank(client, team.cleo, team.task.key)
    assert (data["fallback"], data["reason_code"]) == (True, "circuit_open")
    assert len(llm.calls("openai-embed")) == 2


async def test_a_hanging_provider_costs_at_most_the_budget(
    hanging_gemini: None, client, team: Team, llm: FakeLLM
) -> None:
    llm.reply_embeddings(Reply(delay=3))
    data = await _rank(client, team.cleo, team.task.key)
    assert (data["fallback"], data["reason_code"]) == (True, "timeout")


async def test_the_panel_suggests_and_assigns_under_the_usual_rules(
    client, session, settings, team: Team
) -> None:
    headers = {
        **cookie_auth(client, team.ben, TEST_SECRET, settings.cookie_name),
        "HX-Request": "true",
    }
    r = await client.get(f"/tasks/{team.task.key}", headers=headers)
    assert f'hx-get="/tasks/{team.task.id}/assignees"' in r.text
    r = await client.get(f"/tasks/{team.task.key}/assignees", headers=headers)
    assert r.status_code == 200, r.text
    assert r.text.index("Ana Auth") < r.text.index("Ben Board")
    assert "2 open tasks (6 h left)" in r.text
    assert r.text.count("data-pick-assignee") == 3
    r = await client.post(
        f"/tasks/{team.task.id}/assignee", data={"assignee_id": team.ana.id}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["HX-Retarget"] == "#task-panel"
    assert "Ana Auth" in r.text
    await session.refresh(team.task)
    assert team.task.assignee_id == team.ana.id
    # The usual rule: only members of the task's project can be assigned.
    stranger = await make_user(session)
    r = await client.post(
        f"/tasks/{team.task.id}/assignee", data={"assignee_id": stranger.id}, headers=headers
    )
    assert r.status_code == 422
    await session.refresh(team.task)
    assert team.task.assignee_id == team.ana.id
    r = await client.post(
        f"/tasks/{team.task.id}/assignee", data={"assignee_id": "x"}, headers=headers
    )
    assert r.status_code == 422


async def test_the_panel_suggestions_are_404_for_an_invisible_task(
    client, session, settings, team: Team
) -> None:
    outsider = await make_user(session)
    headers = cookie_auth(client, outsider, TEST_SECRET, settings.cookie_name)
    r = await client.get(f"/tasks/{team.task.key}/assignees", headers=headers)
    assert r.status_code == 404
    assert "Ana" not in r.text
    r = await client.post(
        f"/tasks/{team.task.id}/assignee", data={"assignee_id": outsider.id}, headers=headers
    )
    assert r.status_code == 404
