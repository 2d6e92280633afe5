"""The evaluation's thresholds, held in `make test` (the table itself: `make eval`).

Dev titles are what the rules were tuned on. The holdout and fresh titles were each
written and labelled before the rules were tuned against them, and the blind titles by
someone who never read the rules nor the other sets; all three are only ever scored:
a failure here shows their rate, never their titles, so they cannot be tuned on by
accident. Each floor sits at the 90 % target where it is met and at the honestly measured
level where it is not; the unmet target stays visible as a strict expected failure.
"""

from __future__ import annotations

import pytest

from tests.ai.eval import evaluate

TARGET = 0.90
# The lowest rate each unseen set may fall to: {set: (kind, priority)}. The holdout's kind
# accuracy (45 of 51) and the blind set's (107 of 135; priority 81 of 135) are below the
# target: their floors are those measurements, rounded down, not the target. So is the
# second blind set's (135 of 174; priority 107 of 174), scored first after the rules'
# last change, which is the figure to quote for how the detector generalises.
HOLDOUT_FLOORS = {
    "holdout": (0.88, 0.86),
    "fresh": (TARGET, TARGET),
    "blind": (0.79, 0.60),
    "blind2": (0.77, 0.61),
}


@pytest.fixture(scope="module")
def report() -> evaluate.Report:
    return evaluate.run()


def test_the_evaluation_set_is_big_enough_and_covers_every_kind() -> None:
    sets = {name: evaluate.titles(file) for name, file in evaluate.SETS.items()}
    assert len(sets["dev"]) + len(sets["holdout"]) >= 120
    assert len(sets["fresh"]) >= 60
    assert len(sets["blind"]) >= 120
    assert len(sets["blind2"]) >= 150
    assert len(evaluate.history()) >= 200
    wanted = {k.value for k in evaluate.kinds.TaskKind} | {"vague"}
    for items in sets.values():
        assert set(evaluate.label_counts(items)) == wanted


def test_kinds_are_right_on_at_least_nine_titles_in_ten(report: evaluate.Report) -> None:
    dev = report.kind[evaluate.TUNED_ON]
    assert dev.rate >= TARGET, dev.misses
    for name, (floor, _) in HOLDOUT_FLOORS.items():
        rate = report.kind[name].rate  # a float, so a failure prints no titles
        assert rate >= floor, f"{name}: {rate:.3f}"


@pytest.mark.xfail(strict=True, reason="holdout kind accuracy is 88.2 %, below the 90 % target")
def test_kinds_meet_the_target_on_the_original_holdout(report: evaluate.Report) -> None:
    rate = report.kind["holdout"].rate
    assert rate >= TARGET, f"holdout: {rate:.3f}"


@pytest.mark.xfail(strict=True, reason="blind kind accuracy is 79.3 %, below the 90 % target")
def test_kinds_meet_the_target_on_the_blind_set(report: evaluate.Report) -> None:
    rate = report.kind["blind"].rate
    assert rate >= TARGET, f"blind: {rate:.3f}"


@pytest.mark.xfail(strict=True, reason="blind2 kind accuracy is 77.6 %, below the 90 % target")
def test_kinds_meet_the_target_on_the_second_blind_set(report: evaluate.Report) -> None:
    rate = report.kind["blind2"].rate
    assert rate >= TARGET, f"blind2: {rate:.3f}"


def test_priorities_match_a_leads_triage(report: evaluate.Report) -> None:
    dev = report.priority[evaluate.TUNED_ON]
    assert dev.rate >= TARGET, dev.misses
    for name, (_, floor) in HOLDOUT_FLOORS.items():
        rate = report.priority[name].rate
        assert rate >= floor, f"{name}: {rate:.3f}"


def test_estimates_beat_always_guessing_the_median_by_a_quarter(report: evaluate.Report) -> None:
    assert report.estimate.improvement >= 0.25


def test_every_breakdown_adds_up_to_the_total_it_states(report: evaluate.Report) -> None:
    rate = report.breakdown.rate
    assert rate == 1.0, f"{rate:.4f}"


def test_the_per_kind_table_shows_counts_and_no_unseen_title() -> None:
    blind = evaluate.titles(evaluate.SETS["blind"])
    by_kind = evaluate.kind_score_by_label(blind)
    assert sum(score.total for score in by_kind.values()) == len(blind)
    table = evaluate.render_by_kind()
    assert not [item.title for item in blind if item.title in table]
