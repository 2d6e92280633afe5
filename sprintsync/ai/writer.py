"""The offline writer: task descriptions and breakdowns shaped by the kind of work.

A bug needs reproduction steps and a regression test; research needs a question and a
time box; a chore must leave behaviour unchanged. Each kind has its own summary,
acceptance criteria, risks, open questions and phases, filled in with what the title is
about, and the user's own checklist (list lines in the context) comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sprintsync.ai import estimator, kind_model, kinds
from sprintsync.ai.facts import TaskFacts
from sprintsync.ai.schemas import (
    MAX_SUBTASK_MINUTES,
    MAX_SUBTASKS,
    MIN_SUBTASKS,
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
    TaskKind.incident: _Template(
        summary=(
            "Restore service for {s} first, then find out why it happened. Stabilise (roll "
            "back, fail over, scale), tell the people affected, and only then fix the root "
            "cause and write the postmortem."
        ),
        criteria=(
            "Service is restored and the dashboards that showed {the s} are back to normal",
            "Affected users were told what happened and when it was fixed",
            "The root cause is found and fixed, with a test or alert that would catch it again",
            "A blameless postmortem with owners and dates for each action item is shared",
        ),
        risks=(
            "A rushed fix in production can make the incident worse; prefer a rollback",
            "The first plausible cause is often not the root cause; keep the evidence",
        ),
        questions=(
            "When did it start, and what changed just before (deploys, config, traffic)?",
            "Who is affected, and who is the incident lead?",
        ),
        phases=(
            ("Stabilise: mitigate {the s} (roll back, fail over or scale)", 0.3),
            ("Tell affected users and the team what is happening", 0.1),
            ("Find the root cause of {the s}", 0.25),
            ("Fix the root cause and add an alert or test that catches it", 0.2),
            ("Write the postmortem and file its action items", 0.15),
        ),
    ),
    TaskKind.security: _Template(
        summary=(
            "Close {s}. Confirm and scope it first (what is exposed, to whom, since when), fix "
            "it at the root with a test that tries the attack, and check whether it was used."
        ),
        criteria=(
            "A test reproduces the attack and fails without the fix",
            "The same pattern was searched for across the codebase and fixed where found",
            "Logs were checked for signs that it was exploited, and the result noted here",
            "Any exposed secret, key or token is rotated and the old one revoked",
        ),
        risks=(
            "Details in a public tracker can tell attackers where to look; keep them private",
            "A partial fix can leave a bypass; review the fix with a second engineer",
        ),
        questions=(
            "Is it being exploited now, and does anyone outside the team need to be told?",
            "Which data or accounts could have been reached through it?",
        ),
        phases=(
            ("Confirm and scope {s}: what is exposed, to whom, since when", 0.15),
            ("Fix the root cause with a test that tries the attack", 0.35),
            ("Search the codebase for the same pattern", 0.15),
            ("Check logs for exploitation; rotate anything exposed", 0.15),
            ("Review the fix with a second engineer and release it", 0.2),
        ),
    ),
    TaskKind.ui: _Template(
        summary=(
            "Change the interface for {s}. Agree on what it should look like first, build it "
            "for every screen size, and check it with a keyboard and a screen reader."
        ),
        criteria=(
            "It matches the agreed design on desktop and on a phone-sized screen",
            "Everything can be reached and used with the keyboard alone",
            "Text and controls have labels and enough contrast for a screen reader user",
            "It was checked in the latest Chrome, Firefox and Safari",
        ),
        risks=(
            "Visual changes break screenshots in docs and help pages; update them",
            "Small layout changes can shift other pages that share the same styles",
        ),
        questions=(
            "Is there a mockup, or who decides what it should look like?",
            "Which screen sizes and browsers must it support?",
        ),
        phases=(
            ("Agree the design for {s}", 0.15),
            ("Build {part}", 0.4),
            ("Make it work on small screens and with the keyboard", 0.2),
            ("Check it across browsers", 0.1),
            ("Review it with the person who asked and polish", 0.15),
        ),
    ),
    TaskKind.data_migration: _Template(
        summary=(
            "Migrate the data for {s} without losing any of it: a backup you have restored "
            "once, a dry run on a copy of production, a rollback plan, and counts that "
            "prove every row arrived."
        ),
        criteria=(
            "A backup of the affected data was taken and a restore of it was tested",
            "A dry run on a copy of production data completed and its counts were checked",
            "The migration is idempotent: running it twice changes nothing the second time",
            "Row counts and spot checks after the production run match the dry run",
            "A written rollback plan exists and was tried in the dry run",
        ),
        risks=(
            "Migrations that lock large tables can take the app down; batch the work",
            "Old and new code run side by side during a deploy; both must read the data",
        ),
        questions=(
            "How many rows are affected, and how long may the migration run?",
            "Can the old data be kept until the new data has been checked?",
        ),
        phases=(
            ("Write the migration and rollback plan for {s}", 0.15),
            ("Back up the affected data and test the restore", 0.1),
            ("Write an idempotent migration script for {part}", 0.3),
            ("Dry run on a copy of production data and compare counts", 0.2),
            ("Run it in production and verify counts and samples", 0.15),
            ("Clean up old columns or files once verified", 0.1),
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


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.strip().rstrip(".").lower()
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _vague_draft(facts: TaskFacts, kind: TaskKind) -> DescriptionDraft:
    """Questions instead of invented scope, for a title like "Performance"."""
    about = kinds.subject(facts.title)
    return DescriptionDraft(
        kind=kind,
        summary=(
            f"“{facts.title.strip()}” is too broad to scope or estimate yet. Answer the "
            "questions below on this task, then draft again for acceptance criteria and "
            "a breakdown."
        ),
        acceptance_criteria=[
            "The questions below are answered on this task before work starts.",
            "The title says what will change, for whom (e.g. “Cut dashboard load to under 2 s”).",
        ],
        risks=["Work started on a vague task tends to grow without an end; agree on one first."],
        open_questions=[
            f"What exactly is wrong or missing with {about} today: a user report, a number, a "
            "screen?",
            "Who is affected, and how will we know it is done?",
            "Is there a deadline, incident or customer behind it that sets the priority?",
        ],
        estimate_minutes=estimator.estimate(facts, kind).minutes,
        priority=kinds.priority_for(kind, facts.title, ""),
    )


def describe(facts: TaskFacts) -> DescriptionDraft:
    """A first draft of the task's text with a suggested estimate and priority.

    Built from the user's own words only (a previous draft in the text is recognised and
    set aside), so drafting twice gives the same draft. The priority is a suggestion:
    the service shows it beside the one the user chose, never instead of it.
    """
    own = kinds.own_text(facts.context)
    kind = kind_model.detect_kind(facts.title, own.text)
    if kind_model.is_vague(facts.title, own.text) and not own.drafted_criteria:
        return _vague_draft(facts, kind)
    template = _TEMPLATES[kind]
    checklist = _dedupe(kinds.bullet_points(own.text, limit=8) + own.drafted_criteria)
    criteria = _dedupe(
        [_sentence(c) for c in checklist] + [_sentence(_fill(c, facts)) for c in template.criteria]
    )[:8]
    questions = [_fill(q, facts) for q in template.questions]
    if not own.text.strip() and not own.drafted_criteria:
        questions.append("What does done look like for whoever asked? Add it to this task.")
    estimate = estimator.estimate(facts, kind)
    return DescriptionDraft(
        kind=kind,
        summary=_fill(template.summary, facts)[:1200],
        acceptance_criteria=criteria,
        risks=[_sentence(_fill(r, facts)) for r in template.risks],
        open_questions=questions[:6],
        estimate_minutes=estimate.minutes,
        priority=kinds.priority_for(kind, facts.title, own.text),
    )


def render_markdown(draft: DescriptionDraft) -> str:
    """The draft as the Markdown a task description holds."""
    lines = [draft.summary, "", kinds.CRITERIA_HEADING]
    lines += [f"- [ ] {c}" for c in draft.acceptance_criteria]
    if draft.risks:
        lines += ["", "## Risks"] + [f"- {r}" for r in draft.risks]
    if draft.open_questions:
        lines += ["", "## Open questions"] + [f"- {q}" for q in draft.open_questions]
    return "\n".join(lines)


# The fewest minutes a subtask may hold (the draft schema's floor): a breakdown of three
# needs at least this many times three.
MIN_STEP_MINUTES = 5


def total_minutes(facts: TaskFacts, kind: TaskKind) -> int:
    """What the whole task should take: its own estimate if it has one, else our estimate.

    Never less than the smallest breakdown can hold, nor more than its subtasks can.
    """
    total = facts.estimate_minutes or estimator.estimate(facts, kind).minutes
    return max(MIN_SUBTASKS * MIN_STEP_MINUTES, min(total, MAX_SUBTASKS * MAX_SUBTASK_MINUTES))


def break_down(facts: TaskFacts) -> BreakdownDraft:
    """Three to eight subtasks that follow the kind's phases and add up to the total."""
    own = kinds.own_text(facts.context)
    kind = kind_model.detect_kind(facts.title, own.text)
    template = _TEMPLATES[kind]
    # The user's checklist, in their words, wins over the parts the title names; either
    # replaces the "{part}" phase.
    checklist = kinds.bullet_points(own.text)
    pieces = checklist or kinds.parts(facts.title)
    vague = kind_model.is_vague(facts.title, own.text)
    fixed = [p for p in template.phases if "{part}" not in p[0]]
    repeat = next((p for p in template.phases if "{part}" in p[0]), None)
    room = MAX_SUBTASKS - len(fixed) - vague
    phases: list[tuple[str, float]] = []
    if vague:
        phases.append((_fill("Agree with whoever asked what {s} should change", facts), 0.1))
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
    phases = _fit(phases, total)
    minutes = split_minutes(total, [share for _, share in phases])
    subtasks = [
        SubtaskDraft(title=_cap(title), estimate_minutes=m)
        for (title, _), m in zip(phases, minutes, strict=True)
    ]
    article = "an" if kind.value[0] in "aeiou" else "a"
    source = "the task's own estimate" if facts.estimate_minutes else "suggested estimate"
    notes = (
        f"Split as {article} {kind.value.replace('_', ' ')} task; the subtasks add up to "
        f"{estimator.fmt(total)} ({source})."
    )
    if pieces:
        notes += f" One subtask per part: {', '.join(pieces[:room])}."
    return BreakdownDraft(subtasks=subtasks, notes=notes)


def _fit(phases: list[tuple[str, float]], total: int) -> list[tuple[str, float]]:
    """Phases that can hold `total`: each at least `MIN_STEP_MINUTES`, at most a subtask's cap.

    Too small a total drops the smallest phases; too large a one splits the largest phase
    in two until every part fits (`total_minutes` keeps the total within eight caps).
    """
    kept = list(phases)
    while len(kept) > MIN_SUBTASKS and len(kept) * MIN_STEP_MINUTES > total:
        kept.remove(min(kept, key=lambda p: p[1]))
    while len(kept) < MAX_SUBTASKS and len(kept) * MAX_SUBTASK_MINUTES < total:
        largest = max(range(len(kept)), key=lambda i: kept[i][1])
        title, share = kept[largest]
        kept[largest : largest + 1] = [
            (f"{title} (part 1)", share / 2),
            (f"{title} (part 2)", share / 2),
        ]
    return kept


def split_minutes(total: int, shares: list[float]) -> list[int]:
    """`total` split by `shares` into parts that add up to it exactly.

    Parts are whole quarter hours when the total allows, else five-minute steps, else
    minutes (largest remainder method); each holds at least `MIN_STEP_MINUTES` and at most
    `MAX_SUBTASK_MINUTES`.
    """
    count = len(shares)
    step = next(
        s for s in (15, 5, 1) if total % s == 0 and total >= count * max(s, MIN_STEP_MINUTES)
    )
    units, floor = total // step, -(-MIN_STEP_MINUTES // step)
    cap = MAX_SUBTASK_MINUTES // step
    weight = sum(shares)
    # Everyone gets the floor; the rest is shared by weight.
    spare = units - floor * count
    exact = [spare * s / weight for s in shares]
    parts = [floor + int(e) for e in exact]
    order = sorted(range(count), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    # Move anything over the cap to the parts with the most room.
    for i in range(count):
        while parts[i] > cap:
            j = min(range(count), key=lambda k: parts[k])
            parts[i] -= 1
            parts[j] += 1
    return [p * step for p in parts]


def _cap(title: str) -> str:
    title = title.strip()
    title = title[:1].upper() + title[1:]
    return title if len(title) <= 200 else title[:199].rstrip() + "…"
