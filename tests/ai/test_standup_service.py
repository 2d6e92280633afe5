"""The stand-up's data and offline text, computed by hand (`ai.standup.service.summary`).

The viewer lives in Asia/Kolkata (UTC+05:30) and asks on Monday 2026-11-30 at 09:30 local
time (04:00 UTC), so "yesterday" is Friday 2026-11-27, which in UTC runs from
2026-11-26 18:30 to 2026-11-27 18:30.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from limits.aio.storage import MemoryStorage

from sprintsync.ai.service import Assistant, build_assistant
from sprintsync.ai.standup import service, text
from sprintsync.ai.standup.facts import previous_working_day
from sprintsync.comments.models import Comment
from sprintsync.tasks.models import TaskStatusChange
from sprintsync.tasks.priority import Priority
from tests.factories import make_entry, make_project, make_task, make_user

ZONE = "Asia/Kolkata"
NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # Monday 09:30 in Kolkata


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def assistant(settings) -> AsyncIterator[Assistant]:
    assistant = build_assistant(settings, MemoryStorage())
    yield assistant
    await assistant.aclose()


def test_yesterday_is_the_previous_working_day() -> None:
    assert previous_working_day(date(2026, 11, 30)) == date(2026, 11, 27)  # Mon -> Fri
    assert previous_working_day(date(2026, 11, 29)) == date(2026, 11, 27)  # Sun -> Fri
    assert previous_working_day(date(2026, 11, 28)) == date(2026, 11, 27)  # Sat -> Fri
    assert previous_working_day(date(2026, 11, 27)) == date(2026, 11, 26)  # Fri -> Thu
    assert previous_working_day(date(2026, 12, 1)) == date(2026, 11, 30)  # Tue -> Mon


async def _status(session, task, frm: str, to: str, at: datetime, by) -> None:
    session.add(
        TaskStatusChange(
            task_id=task.id, from_status=frm, to_status=to, changed_by_id=by.id, changed_at=at
        )
    )
    await session.commit()


async def test_a_persons_standup_on_monday_covers_friday_in_their_zone(session, settings) -> None:
    ada = await make_user(session, display_name="Ada", time_zone=ZONE)
    bob = await make_user(session, display_name="Bob")
    project = await make_project(session, key="API", name="API", members=(ada, bob))
    login = await make_task(
        session,
        ada,
        project=project,
        title="Fix login",
        status="in_progress",
        estimate_minutes=300,
        total_minutes=165,
        status_changed_at=utc(27, 9, 30),
    )
    docs = await make_task(
        session,
        ada,
        project=project,
        title="Write docs",
        estimate_minutes=60,
        due_date=date(2026, 11, 27),
    )
    cache = await make_task(
        session,
        ada,
        project=project,
        title="Cache warmup",
        status="in_progress",
        status_changed_at=utc(20, 4),
    )
    # Friday, 10:00 in Kolkata: counted.
    await make_entry(
        session,
        login,
        ada,
        started_at=utc(27, 4, 30),
        ended_at=utc(27, 6),
        minutes=90,
        source="timer",
    )
    # Friday 23:30 to Saturday 00:45 in Kolkata: crosses midnight, counts on Friday in full.
    await make_entry(
        session,
        login,
        ada,
        started_at=utc(27, 18),
        ended_at=utc(27, 19, 15),
        minutes=75,
        source="timer",
    )
    # Thursday 23:50 to Friday 00:30 in Kolkata: started on Thursday, not counted.
    await make_entry(
        session,
        docs,
        ada,
        started_at=utc(26, 18, 20),
        ended_at=utc(26, 19),
        minutes=40,
        source="timer",
    )
    # Friday 02:00 in Kolkata (Thursday 20:30 UTC): Friday for Ada, though not in UTC.
    await make_entry(
        session,
        docs,
        ada,
        started_at=utc(26, 20, 30),
        ended_at=utc(26, 21),
        minutes=30,
        source="timer",
    )
    # Saturday, and Bob's Friday: neither is Ada's previous working day.
    await make_entry(session, docs, ada, started_at=utc(28, 5), ended_at=utc(28, 6), minutes=60)
    await make_entry(session, docs, bob, started_at=utc(27, 5), ended_at=utc(27, 6), minutes=60)
    await _status(session, login, "todo", "in_progress", utc(27, 9, 30), ada)
    await _status(session, docs, "todo", "in_progress", utc(28, 9), ada)  # Saturday
    session.add(
        Comment(
            task_id=login.id,
            author_id=ada.id,
            body="Repro'd on **Safari**",
            created_at=utc(27, 6, 30),
        )
    )
    await session.commit()

    s = await service.summary(session, viewer=ada, settings=settings, now=NOW)

    assert (s.today, s.yesterday, s.timezone) == (date(2026, 11, 30), date(2026, 11, 27), ZONE)
    friday = f"/reports/entries?from=2026-11-27&to=2026-11-27&user={ada.id}"
    assert [(t.task_key, t.minutes, t.url) for t in s.time] == [
        (login.key, 165, f"{friday}&task={login.id}"),
        (docs.key, 30, f"{friday}&task={docs.id}"),
    ]
    assert [(c.task_key, c.from_status, c.to_status) for c in s.status_changes] == [
        (login.key, "todo", "in_progress")
    ]
    comment = s.comments[0]
    assert (comment.excerpt, comment.url) == (
        "Repro'd on Safari",
        f"/tasks/{login.key}#comment-{comment.comment_id}",
    )
    # The plan: work in progress first (135 min left of Fix login; an hour for the
    # unestimated Cache warmup), then the overdue Write docs (its hour).
    assert [(p.task_key, p.minutes) for p in s.plan] == [
        (login.key, 135),
        (cache.key, 60),
        (docs.key, 60),
    ]
    # Blockers: Write docs due Friday (3 days overdue); Cache warmup in progress for 10
    # days, past the 3-day fallback (the project has no finished stays yet). Fix login has
    # been in progress for 66.5 hours: under it.
    assert [(b.kind, b.task_key, b.detail) for b in s.blockers] == [
        (
            "stuck",
            cache.key,
            "in progress for 10 days (more than 3 days; too little history for a median)",
        ),
        ("overdue", docs.key, "overdue by 3 days (due 2026-11-27)"),
    ]
    assert [(u.project_key, u.hours, u.basis) for u in s.usual_stays] == [("API", 72.0, "fallback")]

    offline = text.render(s)
    assert "### Yesterday (Fri 2026-11-27)" in offline
    line = f"- logged [2 h 45 min]({s.time[0].url}) on [{login.key}](/tasks/{login.key}) Fix login"
    assert line in offline
    assert f"[commented]({comment.url})" in offline
    for url in text.required_links(s):
        assert f"]({url})" in offline


async def test_stuck_means_longer_than_the_projects_median_stay(session, settings) -> None:
    ada = await make_user(session, time_zone=ZONE)
    project = await make_project(session, key="OPS", members=(ada,))
    # Five finished stays in progress: 24, 48, 72, 96 and 120 hours; the median is 72 h.
    for n, hours in enumerate((24, 48, 72, 96, 120)):
        task = await make_task(session, ada, project=project, status="done")
        began = utc(1, 0) + timedelta(days=3 * n)
        await _status(session, task, "todo", "in_progress", began, ada)
        await _status(session, task, "in_progress", "done", began + timedelta(hours=hours), ada)
    slow = await make_task(
        session,
        ada,
        project=project,
        status="in_progress",
        status_changed_at=NOW - timedelta(hours=80),
    )
    await make_task(
        session,
        ada,
        project=project,
        status="in_progress",
        status_changed_at=NOW - timedelta(hours=60),
    )

    s = await service.summary(session, viewer=ada, settings=settings, now=NOW)

    assert [(u.hours, u.basis, u.stays) for u in s.usual_stays] == [(72.0, "median", 5)]
    assert [(b.kind, b.task_key, b.detail) for b in s.blockers] == [
        ("stuck", slow.key, "in progress for 3 days (usually 3 days in OPS)")
    ]


async def test_a_projects_standup_lists_everyones_day_and_each_members_top_items(
    session, settings
) -> None:
    ada = await make_user(session, display_name="Ada", time_zone=ZONE)
    bob = await make_user(session, display_name="Bob")
    project = await make_project(session, key="WEB", name="Web", members=(ada, bob))
    a1 = await make_task(session, ada, project=project, title="A one", estimate_minutes=30)
    for n in range(4):
        await make_task(session, ada, project=project, title=f"A later {n}", priority=Priority.low)
    b1 = await make_task(session, bob, project=project, title="B one", estimate_minutes=45)
    await make_entry(session, a1, ada, started_at=utc(27, 5), ended_at=utc(27, 6), minutes=60)
    await make_entry(session, b1, bob, started_at=utc(27, 7), ended_at=utc(27, 8), minutes=45)

    s = await service.summary(session, viewer=ada, settings=settings, project="WEB", now=NOW)

    assert (s.scope, s.subject) == ("project", "WEB Web")
    assert [(t.person, t.task_key, t.minutes) for t in s.time] == [
        ("Ada", a1.key, 60),
        ("Bob", b1.key, 45),
    ]
    # Members see the entries behind a colleague's figure on the reports page too.
    assert (
        s.time[0].url
        == f"/reports/entries?from=2026-11-27&to=2026-11-27&user={ada.id}&task={a1.id}"
    )
    assert (
        s.time[1].url
        == f"/reports/entries?from=2026-11-27&to=2026-11-27&user={bob.id}&task={b1.id}"
    )
    # Three top items per member at most, in the planner's order.
    assert [(p.person, p.task_title) for p in s.plan] == [
        ("Ada", "A one"),
        ("Ada", "A later 0"),
        ("Ada", "A later 1"),
        ("Bob", "B one"),
    ]
    assert s.figures_hidden is False


async def test_under_leads_only_a_member_sees_others_time_as_team_totals(session, settings) -> None:
    settings.person_figures = "leads"
    ada = await make_user(session, display_name="Ada", time_zone=ZONE)
    bob = await make_user(session, display_name="Bob")
    lead = await make_user(session, display_name="Lea", time_zone=ZONE)
    project = await make_project(session, key="WEB", members=(ada, bob), leads=(lead,))
    task = await make_task(session, ada, project=project, title="Shared work")
    await make_entry(session, task, ada, started_at=utc(27, 5), ended_at=utc(27, 6), minutes=60)
    await make_entry(session, task, bob, started_at=utc(27, 7), ended_at=utc(27, 8), minutes=45)

    mine = await service.summary(session, viewer=ada, settings=settings, project="WEB", now=NOW)
    assert [(t.person, t.minutes) for t in mine.time] == [("Ada", 60), (None, 45)]
    assert mine.figures_hidden is True
    assert "team totals" in text.render(mine)

    led = await service.summary(session, viewer=lead, settings=settings, project="WEB", now=NOW)
    assert [(t.person, t.minutes) for t in led.time] == [("Ada", 60), ("Bob", 45)]
    assert all(t.url.startswith("/reports/entries?") for t in led.time)

    bobs = await service.summary(
        session, viewer=ada, settings=settings, person=str(bob.id), now=NOW
    )
    # A person's "team total" would be their own figure: it is left out instead.
    assert (bobs.time, bobs.figures_hidden) == ([], True)
    assert "Time in projects you do not lead is not shown." in text.render(bobs)


async def test_a_colleagues_standup_shows_only_projects_the_viewer_shares(
    session, settings
) -> None:
    ada = await make_user(session, time_zone=ZONE)
    bob = await make_user(session)
    shared = await make_project(session, key="SHR", members=(ada, bob))
    seen = await make_task(session, bob, project=shared, title="Seen work")
    hidden = await make_task(session, bob, title="Bob's own project")  # Bob's home project
    for task in (seen, hidden):
        await make_entry(session, task, bob, started_at=utc(27, 5), ended_at=utc(27, 6))
        await _status(session, task, "todo", "in_progress", utc(27, 6), bob)

    s = await service.summary(session, viewer=ada, settings=settings, person=str(bob.id), now=NOW)

    assert [t.task_key for t in s.time] == [seen.key]
    assert [c.task_key for c in s.status_changes] == [seen.key]
    assert [p.task_key for p in s.plan] == [seen.key]
    assert hidden.key not in text.render(s)


async def test_the_offline_standup_is_the_answer_with_the_offline_provider(
    session, settings, assistant
) -> None:
    ada = await make_user(session, time_zone=ZONE)
    await make_task(session, ada, title="Something open")
    read = await service.standup(
        session, viewer=ada, settings=settings, assistant=assistant, person="me", now=NOW
    )
    assert (read.provider, read.fallback, read.reason) == ("offline", False, None)
    assert read.text == text.render(read)
    assert read.links == text.required_links(read)


async def test_a_full_day_already_logged_says_the_open_work_waits_not_that_there_is_none(
    session, settings
) -> None:
    ada = await make_user(session, time_zone=ZONE)
    project = await make_project(session, key="OPS", members=(ada,))
    first = await make_task(session, ada, project=project, estimate_minutes=120)
    await make_task(session, ada, project=project, estimate_minutes=60)
    # Six hours logged by hand for Monday (manual entries are stored at their date's UTC
    # midnight): the day's capacity is used up.
    await make_entry(session, first, ada, started_at=utc(30, 0), ended_at=utc(30, 6), minutes=360)

    s = await service.summary(session, viewer=ada, settings=settings, now=NOW)

    assert (s.plan, s.deferred) == ([], 2)
    assert (
        "- Nothing more fits today: its hours are already logged, and 2 open tasks wait for"
        " another day."
    ) in text.render(s)
    assert "Nothing open is assigned" not in text.render(s)
