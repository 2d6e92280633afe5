"""The task pages over real HTTP (no browser): forms with and without JavaScript, HTMX
fragments, escaping, refusals as toasts and friendly pages.

These run on both backends; the browser tests cover what needs JavaScript.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from sprintsync.db import utcnow
from sprintsync.tasks.models import Task
from sprintsync.tasks.priority import Priority
from sprintsync.timesheet.models import TimeEntry
from tests.factories import make_entry, make_project, make_task, make_user
from tests.pages import HTMX, login_cookie


async def test_forged_post_without_csrf_token_is_refused(client, session, settings) -> None:
    user = await make_user(session)
    login_cookie(client, user, settings)
    r = await client.post("/tasks", data={"title": "Forged"})
    assert r.status_code == 403
    assert "CSRF" in r.text
    r = await client.post("/tasks", data={"title": "Forged"}, headers=HTMX)
    assert r.status_code == 403
    assert "CSRF" in r.headers["hx-trigger"]
    assert (await session.execute(select(Task))).first() is None


async def test_plain_form_post_with_its_token_works_without_javascript(
    client, session, settings
) -> None:
    user = await make_user(session)
    token = login_cookie(client, user, settings)
    r = await client.post("/tasks", data={"title": "No JS needed", "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    task = (await session.execute(select(Task))).scalar_one()
    assert task.title == "No JS needed"
    assert task.assignee_id == user.id


async def test_htmx_create_with_errors_returns_the_form_block(client, session, settings) -> None:
    user = await make_user(session)
    token = login_cookie(client, user, settings)
    headers = {**HTMX, "X-CSRF-Token": token}
    r = await client.post("/tasks", data={"title": "", "estimate_hours": "lots"}, headers=headers)
    assert r.status_code == 422
    assert r.text.lstrip().startswith('<form id="task-form"')
    assert 'data-field-error="title"' in r.text
    assert 'data-field-error="estimate_hours"' in r.text
    ok = await client.post(
        "/tasks", data={"title": "Ship it", "estimate_hours": "1.5"}, headers=headers
    )
    assert ok.status_code == 200
    assert "close-modal" in ok.headers["hx-trigger"]
    task = (await session.execute(select(Task))).scalar_one()
    assert task.estimate_minutes == 90


async def test_titles_are_escaped_everywhere(client, session, settings) -> None:
    user = await make_user(session, display_name="<b>Mallory</b>")
    task = await make_task(session, user, title="<script>alert(1)</script>")
    login_cookie(client, user, settings)
    for url in ("/", "/tasks", f"/tasks/{task.id}"):
        html = (await client.get(url)).text
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<b>Mallory</b>" not in html, url


async def test_htmx_request_gets_only_the_targeted_block(client, session, settings) -> None:
    user = await make_user(session)
    await make_task(session, user, title="Fragment me")
    login_cookie(client, user, settings)
    full = await client.get("/tasks")
    assert full.text.startswith("<!doctype html>")
    part = await client.get("/tasks", headers={**HTMX, "HX-Target": "results"})
    assert part.text.lstrip().startswith('<section id="results"')
    assert "<html" not in part.text
    assert "Fragment me" in part.text


async def test_search_pushes_a_clean_bookmarkable_url(client, session, settings) -> None:
    user = await make_user(session)
    login_cookie(client, user, settings)
    headers = {**HTMX, "HX-Target": "results", "HX-Trigger": "search"}
    r = await client.get("/tasks?q=report&status=&priority=&sort=-created_at", headers=headers)
    assert r.headers["hx-push-url"] == "/tasks?q=report"


async def test_refused_move_answers_409_with_a_toast(client, session, settings) -> None:
    user = await make_user(session)
    task = await make_task(session, user, status="done")
    token = login_cookie(client, user, settings)
    r = await client.post(
        f"/tasks/{task.id}/status",
        data={"status": "todo", "view": "card"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert r.status_code == 409
    assert "cannot move from done to todo" in r.headers["hx-trigger"]
    assert r.headers["hx-reswap"] == "none"


async def test_other_peoples_tasks_are_a_friendly_404(client, session, settings) -> None:
    owner = await make_user(session)
    other = await make_user(session)
    task = await make_task(session, owner)
    login_cookie(client, other, settings)
    r = await client.get(f"/tasks/{task.id}")
    assert r.status_code == 404
    assert "couldn&#39;t find that page" in r.text or "couldn't find that page" in r.text
    assert r.headers["content-type"].startswith("text/html")


async def test_delete_from_the_panel_removes_the_task(client, session, settings) -> None:
    owner = await make_user(session)
    task = await make_task(session, owner)
    token = login_cookie(client, owner, settings)
    r = await client.post(f"/tasks/{task.id}/delete", headers={**HTMX, "X-CSRF-Token": token})
    assert r.status_code == 200
    assert "close-modal" in r.headers["hx-trigger"]
    assert "tasks-changed" in r.headers["hx-trigger"]
    assert (await session.execute(select(Task))).first() is None


async def test_my_work_leaves_out_tasks_of_archived_projects(client, session, settings) -> None:
    user = await make_user(session)
    old_team = await make_project(session, members=(user,), name="Old team", archived=True)
    await make_task(session, user, title="Current work", assignee_id=user.id)
    await make_task(session, user, project=old_team, title="Shelved work", assignee_id=user.id)
    login_cookie(client, user, settings)
    r = await client.get("/")
    assert r.status_code == 200
    assert "Current work" in r.text
    assert "Shelved work" not in r.text


async def test_my_work_shows_only_my_assigned_tasks_in_projects_i_still_belong_to(
    client, session, settings
) -> None:
    user, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(user, colleague), name="Team")
    left = await make_project(session, members=(colleague,), name="Left team")
    await make_task(session, colleague, project=team, title="Assigned to me", assignee_id=user.id)
    await make_task(session, user, project=team, title="Theirs", assignee_id=colleague.id)
    await make_task(session, user, project=team, title="Nobody's", assignee_id=None)
    # Assigned to me before I left the project: no longer mine to see.
    await make_task(session, colleague, project=left, title="Left behind", assignee_id=user.id)
    login_cookie(client, user, settings)
    r = await client.get("/")
    assert r.status_code == 200
    assert "Assigned to me" in r.text
    for title in ("Theirs", "Nobody&#39;s", "Nobody's", "Left behind"):
        assert title not in r.text, title


async def test_a_moved_card_shows_stop_only_for_my_own_running_timer(
    client, session, settings
) -> None:
    user, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(user, colleague), name="Team")
    shared = await make_task(session, user, project=team, title="Shared", assignee_id=user.id)
    mine = await make_task(session, user, project=team, title="Timed", assignee_id=user.id)
    await make_entry(session, shared, colleague, ended_at=None, minutes=0)
    await make_entry(session, mine, user, ended_at=None, minutes=0)
    token = login_cookie(client, user, settings)
    for task, button in ((shared, "start"), (mine, "stop")):
        r = await client.post(
            f"/tasks/{task.id}/status",
            data={"status": "in_progress", "view": "card", "csrf_token": token},
            headers=HTMX,
        )
        assert r.status_code == 200, r.text
        assert re.findall(r'data-timer-button="(\w+)"', r.text) == [button], task.title


def _project_options(html: str) -> tuple[list[str], list[str]]:
    """The new-task form's project choices (names) and which one is selected."""
    select = html[html.index('id="task-project"') :]
    select = select[: select.index("</select>")]
    options = re.findall(r'<option value="\d+" ?(selected)?>([^<(]+) \(', select)
    return [name.strip() for _, name in options], [name.strip() for sel, name in options if sel]


async def test_the_new_task_form_offers_my_projects_and_the_one_i_picked(
    client, session, settings
) -> None:
    user = await make_user(session, home=False)
    colleague = await make_user(session, display_name="Cleo")
    alpha = await make_project(session, members=(user,), name="Alpha")
    beta = await make_project(session, members=(user, colleague), name="Beta")
    await make_project(session, members=(colleague,), name="Gamma")
    login_cookie(client, user, settings)
    r = await client.get("/tasks/new")
    assert r.status_code == 200
    names, selected = _project_options(r.text)
    assert sorted(names) == ["Alpha", "Beta"]
    assert selected == [names[0]]
    r = await client.get("/tasks/new", params={"project_id": beta.id})
    names, selected = _project_options(r.text)
    assert selected == ["Beta"]
    assert "Cleo" in r.text  # Beta's people are the assignees offered
    r = await client.get("/tasks/new", params={"project_id": alpha.id})
    assert _project_options(r.text)[1] == ["Alpha"]
    assert "Cleo" not in r.text


async def test_an_admin_is_offered_their_own_projects_or_every_one_if_in_none(
    client, session, settings
) -> None:
    admin = await make_user(session, is_admin=True, home=False)
    member = await make_user(session, home=False)
    await make_project(session, members=(member,), name="Theirs")
    login_cookie(client, admin, settings)
    r = await client.get("/tasks/new")
    assert r.status_code == 200
    assert _project_options(r.text)[0] == ["Theirs"]
    await make_project(session, members=(admin,), name="Ours")
    r = await client.get("/tasks/new")
    assert _project_options(r.text)[0] == ["Ours"]


async def test_someone_in_no_project_gets_the_form_without_choices(
    client, session, settings
) -> None:
    user = await make_user(session, home=False)
    login_cookie(client, user, settings)
    r = await client.get("/tasks/new")
    assert r.status_code == 200
    assert _project_options(r.text) == ([], [])


def _columns(html: str) -> dict[str, list[str]]:
    """Each board column's card titles, top to bottom."""
    parts = re.split(r'<section data-column="(\w+)"', html)[1:]
    return {
        status: re.findall(r"data-task-title>([^<]+)</a>", body)
        for status, body in zip(parts[::2], parts[1::2], strict=True)
    }


async def test_a_project_board_sorts_open_columns_by_priority_and_done_by_recency(
    client, session, settings
) -> None:
    user = await make_user(session)
    team = await make_project(session, members=(user,), name="Team")
    other = await make_project(session, members=(user,), name="Other")
    now = utcnow()

    async def task(title: str, status: str, priority: str, age: int, touched: int) -> None:
        await make_task(
            session, user, project=team if title != "Elsewhere" else other, title=title,
            status=status, priority=Priority(priority), created_at=now - timedelta(hours=age),
            updated_at=now - timedelta(hours=touched),
        )  # fmt: skip

    await task("Urgent old", "todo", "urgent", age=50, touched=40)
    await task("Minor new", "todo", "low", age=2, touched=1)
    await task("Elsewhere", "todo", "urgent", age=1, touched=1)
    await task("Doing", "in_progress", "medium", age=30, touched=20)
    await task("Finished long ago", "done", "urgent", age=5, touched=30)
    await task("Finished just now", "done", "low", age=60, touched=2)
    login_cookie(client, user, settings)
    r = await client.get(f"/projects/{team.key}")
    assert r.status_code == 200, r.text
    assert _columns(r.text) == {
        "todo": ["Urgent old", "Minor new"],
        "in_progress": ["Doing"],
        "done": ["Finished just now", "Finished long ago"],
    }


async def test_a_project_board_cuts_done_at_twenty_and_names_everyone_on_its_cards(
    client, session, settings
) -> None:
    user = await make_user(session, display_name="Ada")
    member = await make_user(session, display_name="Brook")
    former = await make_user(session, display_name="Former Fay")
    team = await make_project(session, members=(user, member), name="Team")
    await make_project(session, members=(former,), name="Fay's own")
    for n in range(21):
        await make_task(session, user, project=team, title=f"Done {n}", status="done")
    await make_task(session, user, project=team, title="Fay's leftover", assignee_id=former.id)
    timed = await make_task(session, user, project=team, title="Timed", assignee_id=member.id)
    await make_entry(session, timed, user, ended_at=None, minutes=0)
    login_cookie(client, user, settings)
    r = await client.get(f"/projects/{team.key}")
    assert r.status_code == 200, r.text
    columns = _columns(r.text)
    assert len(columns["done"]) == 20
    assert r.text.count("See all in the list") == 1
    assert f"/tasks?project={team.id}&status=done" in r.text
    # The assignee filter offers the project's people; every card names its assignee,
    # even one who has left the project.
    people = r.text[r.text.index("</option>", r.text.index('name="assignee"')) :]
    people = people[: people.index("</select>")]
    assert "Brook" in people
    assert "Former Fay" not in people
    assert "Former Fay" in r.text
    card = r.text[r.text.index(f'id="task-{timed.id}"') :]
    assert 'data-timer-button="stop"' in card[: card.index("</article>")]


async def test_my_work_shows_stop_only_on_my_own_running_timer(client, session, settings) -> None:
    user, colleague = await make_user(session), await make_user(session)
    team = await make_project(session, members=(user, colleague), name="Team")
    theirs = await make_task(session, user, project=team, title="Theirs", assignee_id=user.id)
    mine = await make_task(session, user, project=team, title="Mine", assignee_id=user.id)
    await make_entry(session, theirs, colleague, ended_at=None, minutes=0)
    await make_entry(session, mine, user, ended_at=None, minutes=0)
    login_cookie(client, user, settings)
    r = await client.get("/")
    assert r.status_code == 200
    assert sorted(re.findall(r'data-timer-button="(\w+)"', r.text)) == ["start", "stop"]
    assert f'hx-post="/tasks/{theirs.id}/timer/start"' in r.text
    assert f'hx-post="/tasks/{mine.id}/timer/start"' not in r.text


def _row_titles(html: str) -> list[str]:
    return re.findall(r"data-task-title>([^<]+)</a>", html)


async def test_the_task_list_pages_by_25_in_the_chosen_order_and_filter(
    client, session, settings
) -> None:
    user = await make_user(session)
    for n in range(26):
        await make_task(session, user, title=f"Task {n:02d}")
    await make_task(session, user, title="Task 99 finished", status="done")
    login_cookie(client, user, settings)
    r = await client.get("/tasks", params={"sort": "title", "status": "todo"})
    assert r.status_code == 200
    assert _row_titles(r.text) == [f"Task {n:02d}" for n in range(25)]
    more = re.search(r'href="/tasks\?([^"]+)"[^>]*data-load-more', r.text)
    assert more, "no Load more link"
    r = await client.get("/tasks?" + more.group(1).replace("&amp;", "&"))
    assert _row_titles(r.text) == ["Task 25"]
    assert "data-load-more" not in r.text


async def test_the_task_list_names_an_assignee_who_has_left_the_project(
    client, session, settings
) -> None:
    user = await make_user(session)
    former = await make_user(session, display_name="Former Fay")
    team = await make_project(session, members=(user,), name="Team")
    await make_task(session, user, project=team, title="Left with Fay", assignee_id=former.id)
    login_cookie(client, user, settings)
    r = await client.get("/tasks")
    assert r.status_code == 200
    assert "Former Fay" in r.text


async def test_someone_in_no_project_gets_an_empty_task_list(client, session, settings) -> None:
    user = await make_user(session, home=False)
    login_cookie(client, user, settings)
    r = await client.get("/tasks")
    assert r.status_code == 200
    assert _row_titles(r.text) == []


async def test_my_work_sorts_open_columns_by_priority_and_done_by_recency(
    client, session, settings
) -> None:
    user = await make_user(session)
    now = utcnow()

    async def task(title: str, status: str, priority: str, age: int, touched: int) -> None:
        await make_task(
            session, user, title=title, status=status, priority=Priority(priority),
            assignee_id=user.id, created_at=now - timedelta(hours=age),
            updated_at=now - timedelta(hours=touched),
        )  # fmt: skip

    await task("Urgent old", "todo", "urgent", age=50, touched=40)
    await task("Minor new", "todo", "low", age=2, touched=1)
    await task("Doing", "in_progress", "medium", age=30, touched=20)
    await task("Finished long ago", "done", "urgent", age=5, touched=30)
    await task("Finished just now", "done", "low", age=60, touched=2)
    login_cookie(client, user, settings)
    r = await client.get("/")
    assert r.status_code == 200
    assert _columns(r.text) == {
        "todo": ["Urgent old", "Minor new"],
        "in_progress": ["Doing"],
        "done": ["Finished just now", "Finished long ago"],
    }
    assert "See all in the list" not in r.text


async def test_my_work_shows_the_latest_twenty_done_and_a_link_to_the_rest(
    client, session, settings
) -> None:
    user = await make_user(session)
    now = utcnow()
    for n in range(20):
        await make_task(
            session, user, title=f"Done {n:02d}", status="done", assignee_id=user.id,
            updated_at=now - timedelta(hours=n),
        )  # fmt: skip
    login_cookie(client, user, settings)
    r = await client.get("/")
    assert len(_columns(r.text)["done"]) == 20
    assert "See all in the list" not in r.text  # exactly twenty: nothing more to see
    await make_task(
        session, user, title="Done oldest", status="done", assignee_id=user.id,
        updated_at=now - timedelta(days=5),
    )  # fmt: skip
    r = await client.get("/")
    done = _columns(r.text)["done"]
    assert done == [f"Done {n:02d}" for n in range(20)]
    assert r.text.count("See all in the list") == 1


async def test_my_work_with_nothing_assigned_shows_empty_columns(client, session, settings) -> None:
    user = await make_user(session)
    login_cookie(client, user, settings)
    r = await client.get("/")
    assert r.status_code == 200
    assert _columns(r.text) == {"todo": [], "in_progress": [], "done": []}


async def test_the_task_panel_lists_its_own_newest_100_entries_with_names_and_actions(
    client, session, settings
) -> None:
    user = await make_user(session)
    colleague = await make_user(session, display_name="Colleague Cy")  # has left the team
    team = await make_project(session, members=(user,))
    task = await make_task(session, user, project=team, title="Panel task")
    other = await make_task(session, user, project=team, title="Other task")
    base = utcnow() - timedelta(days=300)
    # 101 finished entries stored out of order, one of them by a colleague; one on another task.
    starts = [base + timedelta(days=(n * 37) % 101) for n in range(101)]
    session.add_all(
        TimeEntry(task_id=task.id, user_id=colleague.id if n == 50 else user.id, started_at=s,
                  ended_at=s + timedelta(minutes=5), minutes=5, note="", source="manual")
        for n, s in enumerate(starts)
    )  # fmt: skip
    await session.commit()
    elsewhere = await make_entry(session, other, user, minutes=7)
    await make_entry(session, task, user, ended_at=None, minutes=0)  # my running timer
    login_cookie(client, user, settings)
    r = await client.get(f"/tasks/{task.key}")
    assert r.status_code == 200, r.text
    ids = [int(i) for i in re.findall(r'data-entry-id="(\d+)"', r.text)]
    assert len(ids) == 100
    assert elsewhere.id not in ids
    starts_by_id = dict((await session.execute(select(TimeEntry.id, TimeEntry.started_at))).all())
    shown = [starts_by_id[i] for i in ids]
    assert shown == sorted(shown, reverse=True)
    assert "Colleague Cy" in r.text
    assert "data-delete-task" in r.text
    assert re.findall(r'data-timer-button="(\w+)"', r.text) == ["stop"]
