"""Reports and exports per project: the `project` filter (id or key, 404 when not one's own),
time per day per project, the export rule (mine; leads and admins a project's or anyone's)
and `person_figures=leads` counting a project's leads as privileged for that project."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_entry, make_project, make_task, make_user

API = "/api/v1/stats"
MARCH = {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}


def utc(day: int, hour: int) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


async def _log(session, task, user, day: int, minutes: int) -> None:
    start = utc(day, 12)
    await make_entry(
        session, task, user, started_at=start, ended_at=start, minutes=minutes, source="timer"
    )


@pytest.fixture
async def org(session) -> dict[str, Any]:
    """Lea leads API, where Max is a member; Max and Ann share WEB; Ann is in neither API."""
    lea = await make_user(session, display_name="Lea")
    max_ = await make_user(session, display_name="Max")
    ann = await make_user(session, display_name="Ann")
    admin = await make_user(session, is_admin=True, display_name="Admin")
    api = await make_project(session, key="API", name="Api", leads=(lea,), members=(max_,))
    web = await make_project(session, key="WEB", name="Web", members=(max_, ann))
    t_api = await make_task(session, lea, project=api, title="Endpoint", status="done")
    t_web = await make_task(session, ann, project=web, title="Page")
    await _log(session, t_api, lea, 3, 30)
    await _log(session, t_api, max_, 3, 45)
    await _log(session, t_web, max_, 4, 20)
    await _log(session, t_web, ann, 4, 10)
    return {
        "lea": lea,
        "max": max_,
        "ann": ann,
        "admin": admin,
        "api": api,
        "web": web,
        "t_api": t_api,
        "t_web": t_web,
    }


def _h(user) -> dict[str, str]:
    return bearer(user, TEST_SECRET)


async def _top(client, viewer, **params: Any) -> list[tuple[str, int]]:
    r = await client.get(f"{API}/top-users", params={**MARCH, **params}, headers=_h(viewer))
    assert r.status_code == 200, r.text
    return [(i["display_name"], i["minutes"]) for i in r.json()["items"]]


async def test_top_users_of_one_project_by_key_or_id(client, org) -> None:
    assert await _top(client, org["max"]) == [("Max", 65), ("Lea", 30), ("Ann", 10)]
    assert await _top(client, org["max"], project="api") == [("Max", 45), ("Lea", 30)]
    assert await _top(client, org["max"], project=org["web"].id) == [("Max", 20), ("Ann", 10)]
    assert await _top(client, org["admin"], project="WEB") == [("Max", 20), ("Ann", 10)]


@pytest.mark.parametrize(
    "path",
    [
        "top-users",
        "time-per-day",
        "cycle-time",
        "estimate-accuracy",
        "throughput",
        "entries",
        "entries.csv",
    ],
)
async def test_a_project_one_cannot_see_is_404_never_403(client, org, path) -> None:
    for ref in ("API", org["api"].id, "NOPE", "9999"):
        r = await client.get(
            f"{API}/{path}", params={**MARCH, "project": ref}, headers=_h(org["ann"])
        )
        assert r.status_code == 404, (ref, r.text)
        assert r.json()["error"]["code"] == "project_not_found"


async def test_time_per_day_per_project(client, org) -> None:
    r = await client.get(
        f"{API}/time-per-day", params={**MARCH, "group": "project"}, headers=_h(org["max"])
    )
    assert r.status_code == 200
    got = [(i["day"], i["key"], i["label"], i["minutes"]) for i in r.json()["items"]]
    assert got == [
        ("2025-03-03", org["api"].id, "Api", 75),
        ("2025-03-04", org["web"].id, "Web", 30),
    ]
    r = await client.get(
        f"{API}/time-per-day",
        params={**MARCH, "group": "project", "project": "WEB"},
        headers=_h(org["admin"]),
    )
    assert [i["minutes"] for i in r.json()["items"]] == [30]
    r = await client.get(
        f"{API}/time-per-day", params={**MARCH, "project": "API"}, headers=_h(org["max"])
    )
    assert "project=" in r.json()["items"][0]["entries_url"]


async def test_the_project_filter_limits_every_figure(client, org) -> None:
    h = _h(org["admin"])
    r = await client.get(f"{API}/throughput", params={**MARCH, "project": "WEB"}, headers=h)
    assert sum(w["finished"] for w in r.json()["items"]) == 0
    r = await client.get(f"{API}/estimate-accuracy", params={**MARCH, "project": "WEB"}, headers=h)
    assert r.json()["items"] == []


async def test_a_project_filter_costs_one_fixed_statement(client, engine, org) -> None:
    seen: list[str] = []

    def on_execute(*args: object) -> None:
        seen.append(str(args[2]))

    h = _h(org["max"])
    await client.get(f"{API}/top-users", params=MARCH, headers=h)  # warm the user cache
    for params in (MARCH, {**MARCH, "project": "API"}):
        seen.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
        try:
            r = await client.get(f"{API}/time-per-day", params=params, headers=h)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", on_execute)
        assert r.status_code == 200
        assert len(seen) <= (2 if "project" in params else 1) + 1


async def _export(client, viewer, **params: Any) -> list[tuple[str, int, str, str]]:
    r = await client.get(f"{API}/entries", params={**MARCH, **params}, headers=_h(viewer))
    assert r.status_code == 200, r.text
    return sorted((e["user"], e["minutes"], e["task_key"], e["project"]) for e in r.json()["items"])


async def test_members_export_their_own_leads_their_projects_admins_anyones(client, org) -> None:
    key = org["t_api"].key
    assert key.startswith("API-")
    web_key = org["t_web"].key
    # Max is a member of both: only his own entries, whoever else logged time.
    assert await _export(client, org["max"]) == [
        ("Max", 20, web_key, "Web"),
        ("Max", 45, key, "Api"),
    ]
    assert await _export(client, org["max"], user=org["lea"].id) == []
    # Lea leads API: everyone's there.
    assert await _export(client, org["lea"], project="API") == [
        ("Lea", 30, key, "Api"),
        ("Max", 45, key, "Api"),
    ]
    assert await _export(client, org["admin"], project="WEB") == [
        ("Ann", 10, web_key, "Web"),
        ("Max", 20, web_key, "Web"),
    ]
    assert len(await _export(client, org["admin"])) == 4
    r = await client.get(
        f"{API}/entries.csv", params={**MARCH, "project": "API"}, headers=_h(org["lea"])
    )
    text = r.content.decode("utf-8-sig")
    assert text.count(f"{key},Endpoint,Api") == 2


async def test_under_the_leads_setting_leads_see_their_projects_people(app, client, org) -> None:
    app.state.settings.person_figures = "leads"
    # Lea leads API (Max's 45 there) but not WEB, where she is no member anyway.
    assert await _top(client, org["lea"]) == [("Max", 45), ("Lea", 30)]
    # Max leads nothing: only his own figures.
    assert await _top(client, org["max"]) == [("Max", 65)]
    assert await _top(client, org["max"], project="API") == [("Max", 45)]
    assert await _top(client, org["admin"], project="API") == [("Max", 45), ("Lea", 30)]


_ENTRY_ROW = re.compile(
    r'<td class="px-3 py-1.5">([^<]*)</td>\s*<td class="px-3 py-1.5"><a[^>]*>([^<]*)</a></td>'
    r'\s*<td class="px-3 py-1.5 text-right tabular-nums">([^<]*)</td>'
)


async def _behind(client, settings, viewer, **filters: Any) -> Any:
    """The entries behind a figure on the reports page, as (person, task title, time)."""
    client.cookies.clear()
    cookie_auth(client, viewer, TEST_SECRET, settings.cookie_name)
    r = await client.get(
        "/reports/entries", params={"from": "2025-03-01", "to": "2025-03-31", **filters}
    )
    if r.status_code != 200:
        return r.status_code
    return sorted(
        (name, title.split(" ", 1)[1], time) for name, title, time in _ENTRY_ROW.findall(r.text)
    )


async def test_the_entries_behind_a_figure_follow_the_figures_rule_not_the_exports(
    client, settings, org
) -> None:
    lea, max_, ann, admin = org["lea"], org["max"], org["ann"], org["admin"]
    # Max (member of API and WEB) sees Lea's figure, so he sees the entries behind it...
    assert await _behind(client, settings, max_, user=lea.id) == [("Lea", "Endpoint", "30m")]
    assert await _behind(client, settings, max_, user=ann.id, project="WEB") == [
        ("Ann", "Page", "10m")
    ]
    page = (await client.get("/reports/entries", params={**MARCH, "user": lea.id})).text
    assert "The CSV holds only the entries you may export" in page
    # ... while his CSV export keeps the export rule: his own entries only.
    assert await _export(client, max_, user=lea.id) == []
    # Ann (WEB only) sees nothing of API: not Lea's entries, and the project and task are 404.
    assert await _behind(client, settings, ann, user=lea.id) == []
    assert await _behind(client, settings, ann, project="API") == 404
    assert await _behind(client, settings, ann, task=org["t_api"].id) == 404
    assert await _behind(client, settings, max_, task=org["t_web"].id) == [
        ("Ann", "Page", "10m"),
        ("Max", "Page", "20m"),
    ]
    # Lea leads API but is not in WEB: Max's API entries only.
    assert await _behind(client, settings, lea, user=max_.id) == [("Max", "Endpoint", "45m")]
    # An admin sees everyone's, and the CSV holds the same.
    assert await _behind(client, settings, admin, user=max_.id) == [
        ("Max", "Endpoint", "45m"),
        ("Max", "Page", "20m"),
    ]
    page = (await client.get("/reports/entries", params={**MARCH, "user": max_.id})).text
    assert "The CSV holds only" not in page


async def test_under_the_leads_setting_the_entries_behind_others_figures_are_for_leads(
    app, client, settings, org
) -> None:
    app.state.settings.person_figures = "leads"
    lea, max_, ann = org["lea"], org["max"], org["ann"]
    assert await _behind(client, settings, max_, user=lea.id) == []
    assert await _behind(client, settings, max_, project="WEB") == [("Max", "Page", "20m")]
    assert await _behind(client, settings, lea, user=max_.id) == [("Max", "Endpoint", "45m")]
    assert await _behind(client, settings, ann, project="API") == 404
    assert await _behind(client, settings, org["admin"], project="WEB") == [
        ("Ann", "Page", "10m"),
        ("Max", "Page", "20m"),
    ]
