"""The offline writer: task descriptions and breakdowns shaped by the kind of work.

A bug needs reproduction steps and a regression test; research needs a question and a
time box; a chore must leave behaviour unchanged. Each kind has its own summary,
acceptance criteria, risks, open questions and phases, filled in with what the title is
about, and the user's own checklist (list lines in the context) comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sprintsync.ai import estimator, kinds
from sprintsync.ai.facts import TaskFacts
from sprintsync.ai.schemas import (
    MAX_SUBTASK_MINUTES,
    MAX_SUBTASKS,
    BreakdownDraft,
    DescriptionDraft,
    SubtaskDraft,
    TaskKind,
)


@dataclass(frozen=True, slots=True)
class _Template:
    summary: str
    criteria: tuple[str, ...]
    risks: tuple[str, ...]
    questions: tuple[str, ...]
    # Phases of the work with their share of the total time; "{part}" marks the phase that
    # is repeated once per part the task names.
    phases: tuple[tuple[str, float], ...]


_TEMPLATES: dict[TaskKind, _Template] = {
    TaskKind.bug: _Template(
        summary=(
            "Find and fix the cause of {the s}. Write down the exact steps that reproduce it "
            "first, fix the root cause rather than the symptom, and add a regression test "
            "so it stays fixed."
        ),
        criteria=(
            "The steps that reproduced {the s} are recorded on this task and no longer show "
            "the problem",
            "An automated regression test fails without the fix and passes with it",
            "Code paths that share the faulty logic were checked, and the task notes which",
            "No new related errors appear in logs or error tracking after the release",
        ),
        risks=(
            "The visible symptom may have more than one cause; confirm the root cause "
            "before patching",
            "A fix in shared code can change behaviour elsewhere; run the full test suite",
        ),
        questions=(
            "Which versions, environments or users are affected, and since when?",
            "Is there a workaround to tell affected users until the fix ships?",
        ),
        phases=(
            ("Reproduce {the s} and capture it in a failing test", 0.2),
            ("Find the root cause of {the s}", 0.25),
            ("Fix the root cause", 0.3),
            ("Check related code paths and edge cases", 0.1),
            ("Verify the fix in staging and write the release note", 0.15),
        ),
    ),
    TaskKind.feature: _Template(
        summary=(
            "Add {s}. Agree on the smallest version that is useful, build it with tests, "
            "and tell the people who asked for it when it ships."
        ),
        criteria=(
            "The main use case described on this task works end to end",
            "Invalid input and failures show a clear message instead of failing silently",
            "Automated tests cover the main path and at least one edge case",
            "The changelog or user docs mention {s}",
        ),
        risks=(
            "Scope tends to grow while building; write down what is out of scope first",
            "Data or API changes may need a migration and must stay backwards compatible",
        ),
        questions=(
            "Who asked for this, and how will we know it is being used?",
            "Does it need permissions, a setting or a feature flag?",
        ),
        phases=(
            ("Agree the scope and acceptance criteria for {s}", 0.1),
            ("Design the data and API changes for {s}", 0.15),
            ("Implement {part}", 0.4),
            ("Handle errors and edge cases", 0.13),
            ("Write tests for {s}", 0.14),
            ("Document {s} and plan the rollout", 0.08),
        ),
    ),
    TaskKind.research: _Template(
        summary=(
            "Investigate {s} and come back with a written recommendation. Time-box it: "
            "the output is a decision and its reasons, not production code."
        ),
        criteria=(
            "The question and the decision it informs are written at the top of the write-up",
            "At least two options are compared on effort, cost and risk",
            "A recommendation with next steps and rough estimates is shared with the team",
            "Any prototype code is linked and marked as throwaway",
        ),
        risks=(
            "Research without a time box expands; stop at the estimate and report what is known",
            "Conclusions from a quick prototype may not hold at production scale",
        ),
        questions=(
            "Who makes the decision, and by when?",
            "What result would change our current plan?",
        ),
        phases=(
            ("Write down the question and decision criteria for {s}", 0.1),
            ("Collect options and prior art", 0.25),
            ("Prototype the most promising option", 0.35),
            ("Compare the options and write the recommendation", 0.2),
            ("Present the findings and agree next steps", 0.1),
        ),
    ),
    TaskKind.docs: _Template(
        summary=(
            "Write or update the documentation for {s} so that a new team member can follow "
            "it without asking for help."
        ),
        criteria=(
            "The page says who it is for and what they can do after reading it",
            "Every command and code example was run and works as written",
            "Someone who did not write it has reviewed it",
            "It is linked from the README or the docs index",
        ),
        risks=("Docs drift from the code; link to the source of truth rather than copying it",),
        questions=("Who is the reader: users, operators or contributors?",),
        phases=(
            ("Outline the docs for {s} and name the reader", 0.15),
            ("Write the first draft", 0.4),
            ("Run every example and command in the draft", 0.2),
            ("Get a review and address the comments", 0.15),
            ("Publish and link it from the docs index", 0.1),
        ),
    ),
    TaskKind.chore: _Template(
        summary=(
            "{T}. Keep behaviour unchanged and the change small enough to review in one "
            "sitting; file anything bigger found along the way as its own task."
        ),
        criteria=(
            "Behaviour is unchanged: the existing tests pass without changing their assertions",
            "CI is green and no new warnings are introduced",
            "Follow-up work found along the way is filed as separate tasks",
        ),
        risks=(
            "Upgrades can carry breaking changes; read the release notes before starting",
            "Wide mechanical changes conflict with work in progress; agree on timing",
        ),
        questions=("Can it be split into steps that ship independently?",),
        phases=(
            ("Assess the impact of {s} and read the release notes", 0.2),
            ("Make the change for {part} in small commits", 0.45),
            ("Fix the tests and CI", 0.2),
            ("Roll out and watch for regressions", 0.15),
        ),
    ),
    TaskKind.test: _Template(
        summary=(
            "Improve the automated tests for {s}, starting with behaviour that has broken "
            "before or is risky to change."
        ),
        criteria=(
            "Each new test fails when the behaviour it covers is broken (checked once by hand)",
            "The tests run in CI and pass three runs in a row",
            "Test names describe the behaviour they check",
        ),
        risks=("Tests tied to implementation details break on every refactor",),
        questions=("Which failures in the past would these tests have caught?",),
        phases=(
            ("List the risky behaviour of {s} worth testing", 0.15),
            ("Write tests for {part}", 0.4),
            ("Add edge-case and failure tests", 0.3),
            ("Run the tests in CI and remove flakiness", 0.15),
        ),
    ),
    TaskKind.ops: _Template(
        summary=(
            "Make the operational change for {s} safely: plan it, try it in staging, roll it "
            "out gradually where possible, and know how to roll it back."
        ),
        criteria=(
            "A rollout and rollback plan is written on this task before starting",
            "The change was applied and verified in staging first",
            "Dashboards and alerts show a healthy state after the change",
            "The runbook is updated",
        ),
        risks=(
            "Infrastructure changes can cause downtime; schedule outside peak hours",
            "Secrets must not end up in logs, tickets or the repository",
        ),
        questions=("Who needs to know before and after the change?",),
        phases=(
            ("Write the rollout and rollback plan for {s}", 0.15),
            ("Apply {part} in staging and verify", 0.3),
            ("Roll out to production", 0.25),
            ("Check monitoring and alerts", 0.15),
            ("Update the runbook", 0.15),
        ),
    ),
}


def _fill(text: str, facts: TaskFacts) -> str:
    about = kinds.subject(facts.title)
    return (
        text.replace("{the s}", kinds.with_article(about))
        .replace("{s}", about)
        .replace("{T}", facts.title.rstrip("."))
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _context_summary(context: str) -> str:
    """The first lines of the user's context that are prose rather than a list."""
    prose = [
        line.strip()
        for line in context.splitlines()
        if line.strip() and not kinds.bullet_points(line)
    ]
    text = " ".join(prose)
    if len(text) > 300:
        text = text[:300].rsplit(" ", 1)[0] + "…"
    return text


def describe(facts: TaskFacts) -> DescriptionDraft:
    """A first draft of the task's text, its estimate and its priority."""
    kind = kinds.detect_kind(facts.title, facts.context)
    template = _TEMPLATES[kind]
    summary = _fill(template.summary, facts)
    background = _context_summary(facts.context)
    if background:
        summary += f" Context: {_sentence(background)}"
    own = kinds.bullet_points(facts.context, limit=4)
    criteria = [*own, *(_fill(c, facts) for c in template.criteria)][:8]
    questions = [_fill(q, facts) for q in template.questions]
    if not facts.context.strip():
        questions.append("What does done look like for whoever asked? Add it to this task.")
    estimate = estimator.estimate(facts, kind)
    return DescriptionDraft(
        kind=kind,
        summary=summary[:1200],
        acceptance_criteria=[_sentence(c) for c in criteria],
        risks=[_sentence(_fill(r, facts)) for r in template.risks],
        open_questions=questions[:6],
        estimate_minutes=estimate.minutes,
        priority=facts.priority or kinds.priority_for(kind, facts.title, facts.context),
    )


def render_markdown(draft: DescriptionDraft) -> str:
    """The draft as the Markdown a task description holds."""
    lines = [draft.summary, "", "## Acceptance criteria"]
    lines += [f"- [ ] {c}" for c in draft.acceptance_criteria]
    if draft.risks:
        lines += ["", "## Risks"] + [f"- {r}" for r in draft.risks]
    if draft.open_questions:
        lines += ["", "## Open questions"] + [f"- {q}" for q in draft.open_questions]
    return "\n".join(lines)


def total_minutes(facts: TaskFacts, kind: TaskKind) -> int:
    """What the whole task should take: its own estimate if it has one, else our estimate."""
    if facts.estimate_minutes:
        return facts.estimate_minutes
    return estimator.estimate(facts, kind).minutes


def break_down(facts: TaskFacts) -> BreakdownDraft:
    """Three to eight subtasks that follow the kind's phases and the task's own parts."""
    kind = kinds.detect_kind(facts.title, facts.context)
    template = _TEMPLATES[kind]
    # The user's checklist, in their words, wins over the parts the title names; either
    # replaces the "{part}" phase.
    checklist = kinds.bullet_points(facts.context)
    pieces = checklist or kinds.parts(facts.title)
    fixed = [p for p in template.phases if "{part}" not in p[0]]
    repeat = next((p for p in template.phases if "{part}" in p[0]), None)
    room = MAX_SUBTASKS - len(fixed)
    phases: list[tuple[str, float]] = []
    for title, share in template.phases:
        if (title, share) != repeat:
            phases.append((_fill(title, facts), share))
        elif pieces:
            chosen = pieces[:room]
            phases += [
                (p if checklist else title.replace("{part}", p), share / len(chosen))
                for p in chosen
            ]
        else:
            phases.append((_fill(title.replace("{part}", "{s}"), facts), share))
    total = total_minutes(facts, kind)
    subtasks = [
        SubtaskDraft(title=_cap(title), estimate_minutes=_share(total, share))
        for title, share in phases
    ]
    article = "an" if kind.value[0] in "aeiou" else "a"
    source = "the task's own estimate" if facts.estimate_minutes else "suggested estimate"
    notes = (
        f"Split as {article} {kind.value} task; estimates share {estimator.fmt(total)} ({source})."
    )
    if pieces:
        notes += f" One subtask per part: {', '.join(pieces[:room])}."
    return BreakdownDraft(subtasks=subtasks, notes=notes)


def _cap(title: str) -> str:
    title = title.strip()
    title = title[:1].upper() + title[1:]
    return title if len(title) <= 200 else title[:199].rstrip() + "…"


def _share(total: int, share: float) -> int:
    """A phase's share of the total, in quarter hours, within what one subtask may hold."""
    minutes = total * share
    return min(MAX_SUBTASK_MINUTES, max(15, round(minutes / 15) * 15))
