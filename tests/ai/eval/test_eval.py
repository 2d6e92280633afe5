"""The evaluation's thresholds, held in `make test` (the table itself: `make eval`).

The kind model is fitted on the training sets; blind3 and blind4 were written and labelled
by writers who never read the detector nor the other sets, are never trained on, and are
only ever scored: a failure here shows their rate, never their titles, so they cannot be
tuned on by accident. The committed weights must be the ones `train.py` fits from the
committed titles (`make train-kinds`).
"""

from __future__ import annotations

import gzip

import pytest

from sprintsync.ai import kind_model
from tests.ai.eval import evaluate, train

TARGET = 0.90
# Fitted on these titles, the model must still reproduce their labels almost everywhere: a
# lower rate means the features or the weights file changed without refitting.
TRAINED_FLOOR = 0.97
# Priority is suggested by rules tuned on dev only; on titles from other writers it agrees
# with the writer about half the time (its suggestion is offered with a reason, never set):
# {set: floor}, the measured rates rounded down.
PRIORITY_FLOORS = {"holdout": 0.94, "fresh": 0.98, "blind3": 0.52, "blind4": 0.52}


@pytest.fixture(scope="module")
def report() -> evaluate.Report:
    return evaluate.run()


def test_the_evaluation_set_is_big_enough_and_covers_every_kind() -> None:
    sets = {name: evaluate.titles(file) for name, file in evaluate.SETS.items()}
    assert sum(len(sets[name]) for name in evaluate.HELD_OUT) >= 300
    assert sum(len(sets[name]) for name in evaluate.TRAINED_ON) >= 1000
    assert len(evaluate.history()) >= 200
    wanted = {k.value for k in evaluate.kinds.TaskKind} | {"vague"}
    for items in sets.values():
        assert set(evaluate.label_counts(items)) == wanted


def test_held_out_titles_never_reach_the_training_data() -> None:
    assert set(train.HELD_OUT) == {evaluate.SETS[name] for name in evaluate.HELD_OUT}
    assert set(train.TRAINING_SETS) == {evaluate.SETS[name] for name in evaluate.TRAINED_ON}
    held = {item.title for name in train.HELD_OUT for item in evaluate.titles(name)}
    assert not held & {item.title for item in train.training_titles()}


def test_kinds_are_right_on_at_least_nine_titles_in_ten_nobody_trained_on(
    report: evaluate.Report,
) -> None:
    for name in evaluate.HELD_OUT:
        rate = report.kind[name].rate  # a float, so a failure prints no titles
        assert rate >= TARGET, f"{name}: {rate:.3f}"


def test_the_model_reproduces_the_labels_it_was_fitted_on(report: evaluate.Report) -> None:
    for name in evaluate.TRAINED_ON:
        assert report.kind[name].rate >= TRAINED_FLOOR, report.kind[name].misses


def test_the_committed_weights_are_what_training_produces() -> None:
    pytest.importorskip("sklearn")
    fitted = train.serialise(train.fit())
    committed = kind_model.MODEL_PATH.read_bytes()
    assert gzip.decompress(fitted) == gzip.decompress(committed), (
        "stale weights: run make train-kinds"
    )


def test_priorities_match_a_leads_triage(report: evaluate.Report) -> None:
    dev = report.priority["dev"]
    assert dev.rate >= TARGET, dev.misses
    for name, floor in PRIORITY_FLOORS.items():
        rate = report.priority[name].rate
        assert rate >= floor, f"{name}: {rate:.3f}"


def test_estimates_beat_always_guessing_the_median_by_a_quarter(report: evaluate.Report) -> None:
    assert report.estimate.improvement >= 0.25


def test_every_breakdown_adds_up_to_the_total_it_states(report: evaluate.Report) -> None:
    rate = report.breakdown.rate
    assert rate == 1.0, f"{rate:.4f}"


def test_the_per_kind_table_shows_counts_and_no_unseen_title() -> None:
    for name in evaluate.HELD_OUT:
        held = evaluate.titles(evaluate.SETS[name])
        by_kind = evaluate.kind_score_by_label(held)
        assert sum(score.total for score in by_kind.values()) == len(held)
        table = evaluate.render_by_kind()
        assert not [item.title for item in held if item.title in table]


def test_misses_are_listed_for_training_sets_only(report: evaluate.Report) -> None:
    shown = evaluate.render(report, misses=True)
    trained = {item.title for name in train.TRAINING_SETS for item in evaluate.titles(name)}
    for name in evaluate.HELD_OUT:
        assert f"misses on {name}" not in shown
        unseen = [item.title for item in evaluate.titles(evaluate.SETS[name])]
        assert not [title for title in unseen if title not in trained and title in shown]
