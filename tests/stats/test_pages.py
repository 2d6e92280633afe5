"""The reports page and the entries behind its figures, through real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sprintsync.web.assets import static_url
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_entry, make_project, make_task, make_user

MARCH = {"period": "custom", "from": "2025-03-03", "to": "2025-03-09"}


async def test_reports_show_tables_with_links_to_the_entries(client, session, settings) -> None:
    admin = await make_user(session, is_admin=True, display_name="Ada")
    task = await make_task(session, admin, title="Parser", status="done", estimate_minutes=60)
    start = datetime(2025, 3, 4, 15, tzinfo=UTC)
    await make_entry(
        session,
        task,
        admin,
        started_at=start,
        ended_at=start + timedelta(minutes=75),
        minutes=75,
        source="timer",
    )
    cookie_auth(client, admin, TEST_SECRET, settings.cookie_name)
    r = await client.get("/reports", params=MARCH)
    assert r.status_code == 200
    page = r.text
    for kind in ("per-day", "top-users"):
        assert f'data-chart="{kind}"' in page
        assert f'data-table="{kind}"' in page
    # No status history in the range: those charts say so rather than draw bare axes.
    for kind in ("cycle-time", "accuracy", "throughput"):
        assert f'data-empty="{kind}"' in page
    link = f"/reports/entries?from=2025-03-04&amp;to=2025-03-04&amp;user={admin.id}"
    assert f'href="{link}">1h 15m</a>' in page
    assert static_url("js/reports.js") in page
    assert static_url("vendor/chart.umd.min.js") in page
    entries = await client.get(link.replace("&amp;", "&"))
    assert entries.status_code == 200
    assert "Parser" in entries.text
    assert "1h 15m" in entries.text


async def test_reports_need_a_login_and_a_sane_range(client, session, settings) -> None:
    r = await client.get("/reports")
    assert r.status_code in (303, 401)
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    assert (await client.get("/reports")).status_code == 200
    bad = {"period": "custom", "from": "2025-03-09", "to": "2025-03-01"}
    assert (await client.get("/reports", params=bad)).status_code == 422


async def test_reports_filter_by_the_viewers_projects_and_show_task_keys(
    client, session, settings
) -> None:
    ann = await make_user(session, display_name="Ann")
    api = await make_project(session, key="APX", name="Api", members=(ann,))
    web = await make_project(session, key="WBX", name="Web", members=(ann,))
    hidden = await make_project(session, key="HID", name="Hidden")
    start = datetime(2025, 3, 4, 15, tzinfo=UTC)
    for project, minutes in ((api, 30), (web, 50)):
        task = await make_task(session, ann, project=project, title=f"Work {minutes}")
        await make_entry(
            session,
            task,
            ann,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            minutes=minutes,
            source="timer",
        )
    cookie_auth(client, ann, TEST_SECRET, settings.cookie_name)
    page = (await client.get("/reports", params=MARCH)).text
    assert 'name="project"' in page
    assert '<option value="APX"' in page
    assert '<option value="WBX"' in page
    assert "HID" not in page
    assert ">1h 20m<" in page
    only = (await client.get("/reports", params={**MARCH, "project": "APX"})).text
    assert '<option value="APX" selected' in only
    assert ">30m<" in only
    assert "1h 20m" not in only
    assert "project=" in only  # the charts and the CSV link fetch the same project
    assert (await client.get("/reports", params={"project": hidden.key})).status_code == 404
    entries = await client.get("/reports/entries", params={**MARCH, "project": "APX"})
    assert "APX-1" in entries.text
    assert "Work 30" in entries.text
    assert "Work 50" not in entries.text


async def test_a_new_users_reports_say_nothing_is_logged_instead_of_empty_charts(
    client, session, settings
) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    r = await client.get("/reports")
    assert r.status_code == 200
    page = r.text
    assert "<canvas" not in page
    for kind in ("per-day", "top-users", "cycle-time", "accuracy", "throughput"):
        assert f'data-empty="{kind}"' in page
    assert page.count("Nothing logged in this range yet") == 2
    assert 'href="/timesheet">your timesheet</a>' in page
    assert "No task was finished in this range yet" in page


async def test_only_the_charts_without_figures_show_the_empty_state(
    client, session, settings
) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Parser")  # logged, never finished
    start = datetime(2025, 3, 4, 15, tzinfo=UTC)
    end = start + timedelta(minutes=30)
    await make_entry(session, task, user, started_at=start, ended_at=end, minutes=30)
    cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    page = (await client.get("/reports", params=MARCH)).text
    assert 'data-chart="per-day"' in page
    assert 'data-chart="top-users"' in page
    assert "Nothing logged in this range yet" not in page
    assert 'data-empty="accuracy"' in page
    assert 'data-empty="throughput"' in page
    assert 'data-chart="throughput"' not in page
