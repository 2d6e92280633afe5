"""The offline provider's reasoning: plans, estimates, descriptions and breakdowns."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sprintsync.ai import estimator, kind_model, kinds, similarity, writer
from sprintsync.ai.estimator import estimate
from sprintsync.ai.facts import Neighbour, PlanFacts, PlanTask, TaskFacts, to_neighbours
from sprintsync.ai.planner import plan_day
from sprintsync.ai.schemas import BreakdownDraft, Confidence, TaskKind
from sprintsync.tasks.priority import Priority

TODAY = date(2026, 11, 26)


def _task(id: int, **kw: object) -> PlanTask:
    fields: dict[str, object] = {
        "id": id,
        "title": f"Task {id}",
        "status": "todo",
        "priority": Priority.medium,
        "due_date": None,
        "estimate_minutes": 60,
        "logged_minutes": 0,
    }
    fields.update(kw)
    return PlanTask.model_validate(fields)


def _plan(tasks: list[PlanTask], capacity: int = 360, logged: int = 0) -> PlanFacts:
    return PlanFacts(
        today=TODAY, capacity_minutes=capacity, logged_today_minutes=logged, tasks=tasks
    )


def _facts(title: str, neighbours: list[Neighbour] | None = None, **kw: object) -> TaskFacts:
    fields: dict[str, object] = {
        "task_id": None,
        "title": title,
        "context": "",
        "estimate_minutes": None,
        "logged_minutes": 0,
        "priority": None,
        "neighbours": neighbours or [],
        "history_size": len(neighbours or []),
    }
    fields.update(kw)
    return TaskFacts.model_validate(fields)


# --- daily plan ----------------------------------------------------------------------------

plan_tasks = st.lists(
    st.builds(
        dict,
        status=st.sampled_from(["todo", "in_progress", "done"]),
        priority=st.sampled_from(list(Priority)),
        due=st.one_of(st.none(), st.integers(-10, 30)),
        estimate=st.one_of(st.none(), st.integers(0, 900)),
        logged=st.integers(0, 900),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    raw=plan_tasks,
    capacity=st.integers(15, 16 * 60),
    logged_today=st.integers(0, 1200),
)
def test_plan_fits_capacity_puts_in_progress_first_and_skips_done(
    raw: list[dict[str, object]], capacity: int, logged_today: int
) -> None:
    tasks = [
        _task(
            i + 1,
            status=r["status"],
            priority=r["priority"],
            due_date=None if r["due"] is None else TODAY + timedelta(days=r["due"]),  # type: ignore[operator]
            estimate_minutes=r["estimate"],
            logged_minutes=r["logged"],
        )
        for i, r in enumerate(raw)
    ]
    draft = plan_day(_plan(tasks, capacity, logged_today))
    by_id = {t.id: t for t in tasks}
    available = max(0, capacity - logged_today)
    assert sum(i.minutes for i in draft.items) <= available
    planned = [by_id[i.task_id] for i in draft.items]
    assert all(t.status != "done" for t in planned)
    statuses = [t.status for t in planned]
    assert statuses == sorted(statuses, key=lambda s: s != "in_progress")
    # Every open task is either planned or deferred with a reason, exactly once.
    named = [i.task_id for i in draft.items] + [d.task_id for d in draft.deferred]
    assert sorted(named) == sorted(t.id for t in tasks if t.status != "done")


def test_plan_orders_by_in_progress_then_due_date_then_priority() -> None:
    tasks = [
        _task(1, priority=Priority.urgent),
        _task(2, due_date=TODAY + timedelta(days=3)),
        _task(3, status="in_progress", due_date=TODAY + timedelta(days=20)),
        _task(4, due_date=TODAY - timedelta(days=2), priority=Priority.low),
        _task(5, priority=Priority.low),
    ]
    draft = plan_day(_plan(tasks))
    assert [i.task_id for i in draft.items] == [3, 4, 2, 1, 5]
    reasons = {i.task_id: i.reason for i in draft.items}
    assert reasons[3].startswith("In progress")
    assert reasons[4].startswith("Overdue by 2 days")
    assert reasons[1].startswith("Urgent priority")


def test_plan_boxes_remaining_time_and_subtracts_time_logged_today() -> None:
    tasks = [
        _task(1, status="in_progress", estimate_minutes=240, logged_minutes=180),
        _task(2, estimate_minutes=120),
        _task(3, estimate_minutes=300),
        _task(4, estimate_minutes=15),
    ]
    draft = plan_day(_plan(tasks, capacity=360, logged=120))
    boxes = {i.task_id: i.minutes for i in draft.items}
    # 240 min available: 60 left on #1, 120 for #2, the last hour of the day on #3.
    assert boxes == {1: 60, 2: 120, 3: 60}
    assert "1 h of the 5 h left; continue tomorrow" in draft.items[2].reason
    [deferred] = draft.deferred
    assert deferred.task_id == 4
    assert "no time is left" in deferred.reason
    assert "4 h planned of 4 h available (2 h already logged today)" in draft.summary


def test_plan_when_todays_capacity_is_already_logged_defers_everything() -> None:
    draft = plan_day(_plan([_task(1), _task(2)], capacity=240, logged=250))
    assert draft.items == []
    assert all("already logged 4 h 10 min" in d.reason for d in draft.deferred)


def test_plan_gives_unestimated_and_overrun_tasks_short_boxes() -> None:
    tasks = [
        _task(1, estimate_minutes=None),
        _task(2, status="in_progress", estimate_minutes=60, logged_minutes=90),
    ]
    items = {i.task_id: i for i in plan_day(_plan(tasks)).items}
    assert items[1].minutes == 60
    assert "no estimate yet" in items[1].reason
    assert items[2].minutes == 30
    assert "wrap up or re-estimate" in items[2].reason


def test_plan_with_no_open_tasks_says_so() -> None:
    draft = plan_day(_plan([_task(1, status="done")]))
    assert draft.items == []
    assert draft.deferred == []
    assert "Nothing open" in draft.summary


# --- estimates -----------------------------------------------------------------------------


def test_estimate_uses_similar_finished_tasks_and_names_them() -> None:
    history = [
        similarity.Finished(1, "Fix login redirect loop on Safari", 90),
        similarity.Finished(2, "Fix login redirect after password reset", 120),
        similarity.Finished(3, "Fix login redirect for SSO users", 100),
        similarity.Finished(4, "Write onboarding guide", 600),
        similarity.Finished(5, "Upgrade PostgreSQL to 17", 300),
    ]
    matches = similarity.nearest("Fix login redirect on Firefox", history)
    assert {m.task.id for m in matches} == {1, 2, 3}
    neighbours = to_neighbours(matches)
    result = estimate(_facts("Fix login redirect on Firefox", neighbours), TaskKind.bug)
    assert result.minutes == 105  # the weighted median of 90/100/120, to a quarter hour
    assert result.similar_count == 3
    assert result.confidence in (Confidence.medium, Confidence.high)
    assert "Based on 3 similar finished tasks" in result.rationale
    assert "Fix login redirect" in result.rationale


def test_similarity_stems_words_and_reads_the_description() -> None:
    history = [
        similarity.Finished(1, "Restart the billing services", 60),
        similarity.Finished(2, "Write release notes", 45, text="Billing service changes"),
        similarity.Finished(3, "Paint the office", 600),
    ]
    matches = similarity.nearest("Restart billing service", history, min_similarity=0.0)
    assert [m.task.id for m in matches][:1] == [1]
    assert 2 in {m.task.id for m in matches}


def test_equal_scores_go_to_the_closer_neighbour() -> None:
    history = [
        similarity.Finished(1, "Export invoices to CSV", 90),
        similarity.Finished(2, "Export invoices", 60),
    ]
    matches = similarity.nearest("Export invoices", history, min_similarity=0.0)
    assert matches[0].task.id == 2


def test_estimate_without_similar_tasks_says_so_at_low_confidence() -> None:
    result = estimate(_facts("Add CSV and PDF export", history_size=12), TaskKind.feature)
    assert result.similar_count == 0
    assert result.confidence is Confidence.low
    assert "No similar finished tasks" in result.rationale
    assert "none of the 12 finished tasks" in result.rationale
    assert result.minutes == 360  # a feature (4 h) with two parts


@settings(max_examples=100, deadline=None)
@given(
    minutes=st.lists(st.integers(1, 5000), min_size=1, max_size=5),
    sims=st.lists(st.floats(0.2, 1.0), min_size=5, max_size=5),
)
def test_estimate_from_neighbours_stays_within_their_range(
    minutes: list[int], sims: list[float]
) -> None:
    neighbours = [
        Neighbour(task_id=i, title=f"t{i}", actual_minutes=m, similarity=s)
        for i, (m, s) in enumerate(zip(minutes, sims, strict=False))
    ]
    result = estimate(_facts("Anything", neighbours), TaskKind.chore)
    step = 60  # the coarsest rounding step
    assert min(minutes) - step <= result.minutes <= max(minutes) + step
    assert result.minutes >= 15
    assert result.similar_count == len(neighbours)


# --- descriptions and breakdowns -----------------------------------------------------------


def test_kind_is_read_from_the_title() -> None:
    assert kind_model.detect_kind("Fix crash when saving an empty task") is TaskKind.bug
    assert kind_model.detect_kind("Investigate slow dashboard queries") is TaskKind.research
    assert kind_model.detect_kind("Document the backup restore procedure") is TaskKind.docs
    assert kind_model.detect_kind("Upgrade SQLAlchemy to 2.1") is TaskKind.chore
    assert kind_model.detect_kind("Deploy the worker to Kubernetes") is TaskKind.ops
    assert kind_model.detect_kind("Add CSV export to the timesheet") is TaskKind.feature
    assert kind_model.detect_kind("Onboarding flow") is TaskKind.feature


def test_bug_description_asks_for_reproduction_and_a_regression_test() -> None:
    draft = writer.describe(_facts("Fix crash when saving an empty task"))
    assert draft.kind is TaskKind.bug
    assert "crash when saving an empty task" in draft.summary
    assert any("regression test" in c for c in draft.acceptance_criteria)
    assert any("reproduced" in c for c in draft.acceptance_criteria)
    assert draft.priority is Priority.high  # "crash"
    markdown = writer.render_markdown(draft)
    assert "## Acceptance criteria\n- [ ] " in markdown
    assert "## Open questions" in markdown


def test_description_puts_the_users_own_checklist_first() -> None:
    context = "Finance needs this monthly.\n- Include billable flag\n- One row per entry"
    draft = writer.describe(_facts("Add CSV export to the timesheet", context=context))
    assert draft.kind is TaskKind.feature
    assert draft.acceptance_criteria[:2] == ["Include billable flag.", "One row per entry."]
    # The user's prose stays where it is; the draft is shown beside it, not woven into it.
    assert "Finance needs this monthly" not in draft.summary


def test_drafting_again_from_an_inserted_draft_gives_the_same_draft() -> None:
    context = "Finance needs this monthly.\n- Include billable flag"
    first = writer.describe(_facts("Add CSV export to the timesheet", context=context))
    inserted = f"{context}\n\n{writer.render_markdown(first)}"
    second = writer.describe(_facts("Add CSV export to the timesheet", context=inserted))
    assert second == first
    replaced = writer.describe(
        _facts("Add CSV export to the timesheet", context=writer.render_markdown(first))
    )
    assert replaced.acceptance_criteria == first.acceptance_criteria
    markdown = writer.render_markdown(second)
    assert "[ ] [ ]" not in markdown
    assert markdown.count("## Acceptance criteria") == 1


def test_security_issues_are_high_exploitable_ones_urgent_and_typos_low() -> None:
    assert writer.describe(_facts("Fix security hole in login")).priority is Priority.high
    stored_xss = writer.describe(_facts("Stored XSS in task title rendered on dashboard"))
    assert stored_xss.kind is TaskKind.security
    assert stored_xss.priority is Priority.urgent
    assert writer.describe(_facts("Fix typo on settings page")).priority is Priority.low


def test_priority_words_count_only_as_words() -> None:
    draft = writer.describe(_facts("Write down the on-call rota"))
    assert draft.kind is TaskKind.docs
    assert draft.priority is Priority.low
    assert kinds.priority_for(TaskKind.bug, "Site is down") is Priority.urgent


def test_symptom_style_reports_are_bugs_and_incidents() -> None:
    assert kind_model.detect_kind("Timer keeps running after logout on Safari") is TaskKind.bug
    assert kind_model.detect_kind("API returning 502s after the 14:00 deploy") is TaskKind.bug
    assert kind_model.detect_kind("Prod down: database connections exhausted") is TaskKind.incident


def test_a_vague_title_gets_questions_instead_of_invented_scope() -> None:
    assert kind_model.is_vague("Performance")
    assert not kind_model.is_vague("Dark mode")
    draft = writer.describe(_facts("Performance"))
    assert 2 <= len(draft.open_questions) <= 3
    assert "too broad" in draft.summary
    assert "Add performance" not in draft.summary


@settings(max_examples=100, deadline=None)
@given(
    title=st.text(min_size=1, max_size=200).filter(lambda t: t.strip()),
    context=st.text(max_size=400),
    estimate_minutes=st.one_of(st.none(), st.integers(1, 100_000)),
)
def test_breakdown_always_has_three_to_eight_valid_subtasks(
    title: str, context: str, estimate_minutes: int | None
) -> None:
    draft = writer.break_down(
        _facts(title.strip(), context=context, estimate_minutes=estimate_minutes)
    )
    BreakdownDraft.model_validate(draft.model_dump())
    assert 3 <= len(draft.subtasks) <= 8
    stated = writer.total_minutes(
        _facts(title.strip(), context=context, estimate_minutes=estimate_minutes),
        kind_model.detect_kind(title.strip(), kinds.own_text(context).text),
    )
    assert sum(s.estimate_minutes for s in draft.subtasks) == stated


def test_a_migration_breakdown_backs_up_dry_runs_and_plans_rollback() -> None:
    draft = writer.break_down(_facts("Backfill project_id on existing tasks", estimate_minutes=95))
    titles = " ".join(s.title.lower() for s in draft.subtasks)
    assert "back up" in titles
    assert "dry run" in titles
    assert "rollback" in titles
    assert sum(s.estimate_minutes for s in draft.subtasks) == 95


def test_breakdown_makes_one_subtask_per_part_and_shares_the_estimate() -> None:
    draft = writer.break_down(_facts("Add CSV and PDF export", estimate_minutes=480))
    titles = [s.title for s in draft.subtasks]
    assert "Implement CSV" in titles
    assert "Implement PDF export" in titles
    assert sum(s.estimate_minutes for s in draft.subtasks) == 480
    assert "the task's own estimate" in draft.notes


def test_an_even_split_of_the_weighted_median_goes_to_the_more_similar_task() -> None:
    near = Neighbour(task_id=1, title="Export invoices", actual_minutes=120, similarity=0.5)
    far = Neighbour(task_id=2, title="Export", actual_minutes=60, similarity=0.3)
    farther = Neighbour(task_id=3, title="Invoices", actual_minutes=30, similarity=0.2)
    assert estimator.weighted_median([near, far, farther]) == 120
