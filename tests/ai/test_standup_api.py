"""`GET /api/v1/ai/standup` and the `/standup` page: who may see whose stand-up, the
statements a request costs, and a network provider that may only rephrase.

These run on the real clock: yesterday is the previous working day in the viewer's zone,
computed the same way here (`previous_working_day`) to place entries on it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sprintsync.ai.standup import service, text
from sprintsync.ai.standup.facts import previous_working_day
from sprintsync.ai.standup.schemas import StandupRephrase
from sprintsync.comments.models import Comment
from sprintsync.timeutil import day_start, today_for, user_zone
from sprintsync.users.models import User
from tests.ai.conftest import NETWORK_PROVIDERS, use_network
from tests.ai.fake_llm import FakeLLM
from tests.conftest import TEST_SECRET
from tests.factories import (
    bearer,
    cookie_auth,
    make_entry,
    make_project,
    make_task,
    make_user,
    today,
)
from tests.statements import count_statements

STANDUP = "/api/v1/ai/standup"
ZONE = "America/New_York"


async def _get(client, user: User | None, query: str = "") -> Any:
    headers = bearer(user, TEST_SECRET) if user is not None else {}
    return await client.get(f"{STANDUP}{query}", headers=headers)


@pytest.fixture
async def team(session) -> dict[str, Any]:
    """Ada and Bob share WEB; Cy is on his own; Root is an admin in no project."""
    ada = await make_user(session, display_name="Ada", time_zone=ZONE)
    bob = await make_user(session, display_name="Bob")
    cy = await make_user(session, display_name="Cy")
    root = await make_user(session, display_name="Root", is_admin=True, home=False)
    web = await make_project(session, key="WEB", name="Web", members=(ada, bob))
    await make_task(session, bob, project=web, title="Bob's open work")
    await make_task(session, cy, title="Cy's open work")
    return {"ada": ada, "bob": bob, "cy": cy, "root": root, "web": web}


@pytest.mark.parametrize(
    ("viewer", "query", "status"),
    [
        (None, "", 401),
        ("ada", "", 200),
        ("ada", "?user=me", 200),
        ("ada", "?user={ada}", 200),
        ("ada", "?user={bob}", 200),  # shares WEB
        ("ada", "?user={cy}", 404),  # shares nothing
        ("ada", "?user=2147483647", 404),
        ("ada", "?user=abc", 422),
        ("ada", "?project=WEB", 200),
        ("bob", "?project=WEB", 200),
        ("cy", "?project=WEB", 404),
        ("ada", "?project=NOPE", 404),
        ("ada", "?user=me&project=WEB", 422),
        ("root", "?user={cy}", 200),
        ("root", "?project=WEB", 200),
    ],
)
async def test_who_may_see_which_standup(client, team, viewer, query, status) -> None:
    ids = {name: team[name].id for name in ("ada", "bob", "cy")}
    r = await _get(client, team[viewer] if viewer else None, query.format(**ids))
    assert r.status_code == status, r.text
    if status == 404:
        assert r.json()["error"]["code"] in ("user_not_found", "project_not_found")


async def test_a_colleagues_standup_says_what_they_do_in_shared_projects(client, team) -> None:
    r = await _get(client, team["ada"], f"?user={team['bob'].id}")
    data = r.json()
    assert (data["scope"], data["subject"], data["timezone"]) == ("user", "Bob", ZONE)
    assert [p["task_title"] for p in data["plan"]] == ["Bob's open work"]
    assert data["text"] == text.render(service.StandupSummary.model_validate(data))
    assert (data["provider"], data["fallback"], data["reason"]) == ("offline", False, None)


async def test_the_standup_is_in_the_openapi_schema(client) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"][STANDUP]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"user", "project"}
    assert {"200", "401", "404", "422"} <= set(operation["responses"])


# --- following the time links ----------------------------------------------------------------


@pytest.fixture
async def logged(session) -> dict[str, Any]:
    """Yesterday's time in WEB (Ada and Bob members, Lea its lead) and OPS (Ada its lead, Bob
    a member), each entry with a note of its own; plus time the day before, never counted."""
    ada = await make_user(session, display_name="Ada", time_zone=ZONE)
    bob = await make_user(session, display_name="Bob", time_zone=ZONE)
    lea = await make_user(session, display_name="Lea", time_zone=ZONE)
    root = await make_user(session, display_name="Root", time_zone=ZONE, is_admin=True, home=False)
    web = await make_project(session, key="WEB", members=(ada, bob), leads=(lea,))
    ops = await make_project(session, key="OPS", members=(bob,), leads=(ada,))
    tasks = {
        "w1": await make_task(session, ada, project=web, title="Web one"),
        "w2": await make_task(session, bob, project=web, title="Web two"),
        "o1": await make_task(session, bob, project=ops, title="Ops one"),
    }
    people = {"ada": ada, "bob": bob, "lea": lea, "root": root}
    yesterday = previous_working_day(today_for(ada))
    noon = day_start(yesterday, user_zone(ada)) + timedelta(hours=12)
    entries = [  # person, task, minutes, days before yesterday
        ("ada", "w1", 60, 0),
        ("bob", "w1", 45, 0),
        ("bob", "w2", 10, 0),
        ("bob", "w2", 20, 0),
        ("bob", "o1", 25, 0),
        ("ada", "o1", 15, 0),
        ("bob", "w1", 50, 1),
    ]
    notes: dict[tuple[str, str], set[str]] = {}
    minutes_of: dict[str, int] = {}
    for n, (who, key, minutes, back) in enumerate(entries):
        start = noon - timedelta(days=back, minutes=n)
        note = f"note-{n:02d}"
        await make_entry(
            session,
            tasks[key],
            people[who],
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            minutes=minutes,
            note=note,
        )
        minutes_of[note] = minutes
        if not back:
            notes.setdefault((people[who].display_name, tasks[key].key), set()).add(note)
    return {**people, "tasks": tasks, "notes": notes, "minutes": minutes_of}


@pytest.mark.parametrize(
    ("figures", "viewer", "query", "linked", "totals"),
    [
        ("members", "ada", "?project=WEB", {("Ada", "w1"), ("Bob", "w1"), ("Bob", "w2")}, set()),
        ("members", "ada", "?user={bob}", {("Bob", "w1"), ("Bob", "w2"), ("Bob", "o1")}, set()),
        ("members", "lea", "?user={bob}", {("Bob", "w1"), ("Bob", "w2")}, set()),
        ("members", "bob", "?user=me", {("Bob", "w1"), ("Bob", "w2"), ("Bob", "o1")}, set()),
        ("leads", "ada", "?project=WEB", {("Ada", "w1")}, {"w1", "w2"}),
        ("leads", "ada", "?project=OPS", {("Ada", "o1"), ("Bob", "o1")}, set()),
        ("leads", "ada", "?user={bob}", {("Bob", "o1")}, set()),
        ("leads", "lea", "?project=WEB", {("Ada", "w1"), ("Bob", "w1"), ("Bob", "w2")}, set()),
        ("leads", "lea", "?user={bob}", {("Bob", "w1"), ("Bob", "w2")}, set()),
        ("leads", "root", "?user={bob}", {("Bob", "w1"), ("Bob", "w2"), ("Bob", "o1")}, set()),
    ],
)
async def test_each_time_link_lists_the_entries_its_figure_counts(
    app, client, settings, logged, figures, viewer, query, linked, totals
) -> None:
    app.state.settings.person_figures = figures
    user = logged[viewer]
    r = await _get(client, user, query.format(bob=logged["bob"].id))
    assert r.status_code == 200, r.text
    keys = {t.key: name for name, t in logged["tasks"].items()}
    lines = r.json()["time"]
    assert {(t["person"], keys[t["task_key"]]) for t in lines if t["person"]} == linked
    assert {keys[t["task_key"]] for t in lines if t["person"] is None} == totals
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    every_note = set().union(*logged["notes"].values())
    for line in lines:
        page = await client.get(line["url"])
        assert page.status_code == 200, line["url"]
        if line["person"] is None:  # a team total: the task's own time section
            assert line["url"] == f"/tasks/{line['task_key']}#time-section"
            continue
        assert line["url"].startswith("/reports/entries?"), line["url"]
        listed = {note for note in every_note if note in page.text}
        assert listed == logged["notes"][(line["person"], line["task_key"])], line["url"]
        assert sum(logged["minutes"][note] for note in listed) == line["minutes"]


# --- statements ---------------------------------------------------------------------------


async def _yesterday_activity(session, user: User, project, lines: int) -> None:
    """`lines` tasks, each with time, a status change and a comment on the previous
    working day in `user`'s zone, and each open and overdue."""
    yesterday = previous_working_day(today_for(user))
    noon = day_start(yesterday, user_zone(user)) + timedelta(hours=12)
    for n in range(lines):
        task = await make_task(
            session,
            user,
            project=project,
            title=f"Work {n}",
            status="in_progress",
            status_changed_at=noon - timedelta(days=10),
            due_date=today() - timedelta(days=5),
        )
        await make_entry(session, task, user, started_at=noon, ended_at=noon, minutes=30)
        session.add(Comment(task_id=task.id, author_id=user.id, body="On it", created_at=noon))
        await session.commit()


@pytest.mark.parametrize(
    ("query", "budget"), [("?user=me", 8), ("?user={other}", 9), ("?project={key}", 9)]
)
async def test_a_standup_costs_the_same_statements_for_one_line_or_many(
    client, session, engine, monkeypatch, query, budget
) -> None:
    counts = []
    for lines in (1, 6):
        viewer = await make_user(session, time_zone=ZONE)
        other = await make_user(session)
        project = await make_project(session, members=(viewer, other))
        await _yesterday_activity(session, viewer, project, lines)
        await _yesterday_activity(session, other, project, lines)
        h = bearer(viewer, TEST_SECRET)
        url = STANDUP + query.format(other=other.id, key=project.key)
        with count_statements(engine, monkeypatch) as statements:
            r = await client.get(url, headers=h)
        assert r.status_code == 200, r.text
        data = r.json()
        assert len(data["time"]) >= lines
        assert len(data["comments"]) >= lines
        assert len(data["blockers"]) >= lines
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # The signed-in user (no auth cache in tests); the colleague, or the project and its
    # members; yesterday's time, status changes and comments; the open work (a project:
    # blockers and each member's top items); the person's time today (two reads); and the
    # projects' in-progress history.
    assert counts[0] == budget, counts


# --- a network provider may only rephrase ----------------------------------------------------


@pytest.fixture(params=NETWORK_PROVIDERS)
def network(request: pytest.FixtureRequest, settings, llm: FakeLLM) -> str:
    use_network(settings, llm, request.param)
    return request.param


async def _offline(session, settings, viewer: User) -> tuple[str, list[str]]:
    summary = await service.summary(session, viewer=viewer, settings=settings)
    return text.render(summary), text.required_links(summary)


async def _with_work(session, settings) -> tuple[User, str, list[str]]:
    ada = await make_user(session, display_name="Ada", time_zone=ZONE)
    await make_task(session, ada, title="Fix login", status="in_progress", estimate_minutes=90)
    await make_task(session, ada, title="Write docs", due_date=today() - timedelta(days=2))
    offline, links = await _offline(session, settings, ada)
    assert len(links) == 2
    return ada, offline, links


async def test_a_rephrasing_that_keeps_every_link_is_used(
    network, client, session, settings, llm
) -> None:
    ada, offline, links = await _with_work(session, settings)
    rephrased = offline.replace("### Today", "### Today, the plan").replace("- ", "* ")
    llm.reply_json(StandupRephrase(text=rephrased))
    data = (await _get(client, ada)).json()
    assert (data["provider"], data["fallback"], data["reason"]) == (network, False, None)
    assert data["text"] == rephrased
    assert data["links"] == links
    sent = str(llm.calls(network)[0].body)
    assert all(url in sent for url in links)  # the summary and its links went out


async def test_a_rephrasing_that_drops_a_link_falls_back_to_the_offline_text(
    network, client, session, settings, llm
) -> None:
    ada, offline, links = await _with_work(session, settings)
    key = links[0].removeprefix("/tasks/")
    dropped = offline.replace(f"[{key}]({links[0]})", key)
    llm.reply_json(StandupRephrase(text=dropped))
    data = (await _get(client, ada)).json()
    assert (data["provider"], data["fallback"], data["reason"]) == ("offline", True, "link_dropped")
    assert data["text"] == offline


@pytest.fixture
def openai_once(settings, llm: FakeLLM) -> str:
    use_network(settings, llm, "openai", max_retries=0)
    return "openai"


async def test_a_provider_failure_falls_back_with_its_code(
    openai_once, client, session, settings, llm
) -> None:
    ada, offline, _ = await _with_work(session, settings)
    llm.reply_json({"not": "the schema"})
    data = (await _get(client, ada)).json()
    assert (data["fallback"], data["reason"], data["text"]) == (True, "invalid_output", offline)


def test_the_rephrase_check_refuses_added_links_and_unknown_keys() -> None:
    offline = "- [API-1](/tasks/API-1) Fix login: see HQ-2\n"
    links = ["/tasks/API-1"]
    assert text.check_rephrase(offline, links, "Working on [API-1](/tasks/API-1).") is None
    assert text.check_rephrase(offline, links, "Working on API-1.") == "link_dropped"
    added = "[API-1](/tasks/API-1), see [this](https://example.com/x)"
    assert text.check_rephrase(offline, links, added) == "link_added"
    bare = "[API-1](/tasks/API-1), see https://example.com/x"
    assert text.check_rephrase(offline, links, bare) == "link_added"
    assert text.check_rephrase(offline, links, "[API-1](/tasks/API-1) and API-7") == "unknown_key"
    assert text.check_rephrase(offline, links, "[API-1](/tasks/API-1) after HQ-2") is None


def test_user_text_cannot_make_links_in_the_offline_text() -> None:
    assert text.escape("[click](https://evil.example) *now*") == (
        r"\[click\](https://evil.example) \*now\*"
    )


# --- the page -------------------------------------------------------------------------------


async def test_the_page_shows_the_standup_with_its_switcher_and_markdown(
    client, session, settings, team
) -> None:
    cookie_auth(client, team["ada"], TEST_SECRET, settings.cookie_name)
    r = await client.get("/standup")
    assert r.status_code == 200
    assert (
        'href="/standup" class="nav-link flex items-center gap-1.5" aria-current="page"' in r.text
    )
    assert f'<option value="{team["bob"].id}"' in r.text
    assert '<option value="WEB"' in r.text
    assert "data-copy-standup" in r.text
    assert "## Stand-up: Ada" in r.text
    r = await client.get("/standup?project=WEB")
    assert r.status_code == 200
    assert 'Bob: <a href="/tasks/' in r.text or "Bob:" in r.text
    assert (await client.get(f"/standup?user={team['cy'].id}")).status_code == 404


async def test_the_page_costs_a_fixed_number_of_statements(
    client, session, engine, monkeypatch, settings
) -> None:
    counts = []
    for lines in (1, 6):
        viewer = await make_user(session, time_zone=ZONE)
        other = await make_user(session)
        project = await make_project(session, members=(viewer, other))
        await _yesterday_activity(session, viewer, project, lines)
        await _yesterday_activity(session, other, project, lines)
        cookie_auth(client, viewer, TEST_SECRET, settings.cookie_name)
        with count_statements(engine, monkeypatch) as statements:
            r = await client.get(f"/standup?project={project.key}")
        assert r.status_code == 200
        counts.append(len(statements))
    # The API's nine, plus the layout's header and the switcher's people and projects.
    assert counts == [12, 12]


async def test_the_page_says_when_a_rephrasing_was_not_used(
    openai_once, client, session, settings, llm
) -> None:
    ada, _, links = await _with_work(session, settings)
    llm.reply_json(StandupRephrase(text="All good, nothing to report."))
    cookie_auth(client, ada, TEST_SECRET, settings.cookie_name)
    r = await client.get("/standup")
    assert r.status_code == 200
    assert "wording was not used (link_dropped)" in r.text
    assert all(f'href="{url}"' in r.text for url in links)
