"""The kind model (`sprintsync/ai/kind_model.py`): how it scores, what it reads, what it answers.

Its accuracy is measured in `tests/ai/eval/`; these pin its mechanics.
"""

from __future__ import annotations

import pytest

from sprintsync.ai import kind_model, kinds
from sprintsync.ai.schemas import TaskKind


def test_a_linear_model_adds_weight_times_value_per_label_on_top_of_the_bias() -> None:
    model = kind_model.LinearModel(
        labels=("bug", "docs"),
        bias=(0.5, -1.0),
        weights={"w:crash": (2.0, -1.0), "w:readm": (-0.5, 3.0)},
    )
    scores = model.scores({"w:crash": 0.6, "w:readm": 0.8, "w:unknown": 5.0})
    assert scores == pytest.approx({"bug": 0.5 + 1.2 - 0.4, "docs": -1.0 - 0.6 + 2.4})
    assert kind_model.LinearModel.from_json(model.to_json()) == model


def test_features_read_stems_pairs_pieces_context_and_the_rules() -> None:
    found = kind_model.features("Crashes on save", "Seen in prod logs")
    assert {"w:crash", "w:save", "b:crash_on", "f:crash", "d:prod"} <= set(found)
    assert "c: cr" in found  # pieces, so "crahses" still shares most of them
    assert "c:ash" in found
    assert found["r:bug"] == pytest.approx(
        kinds.evidence("Crashes on save", "Seen in prod logs")["bug"] * kind_model.RULE_WEIGHT
    )
    words = [v for k, v in found.items() if k[:2] in {"w:", "b:", "f:", "d:", "x:"}]
    assert sum(v * v for v in words) == pytest.approx(1.0)  # each block has unit length
    assert "x:no_context" in kind_model.features("Crashes on save")


def test_the_shipped_weights_cover_every_kind_and_vague() -> None:
    labels = set(kind_model.model().labels)
    assert labels == {kind.value for kind in TaskKind} | {kind_model.VAGUE}


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Stored XSS in task title", TaskKind.security),
        ("Timer keeps running after logout on Safari", TaskKind.bug),
        ("Prod down: database connections exhausted", TaskKind.incident),
        ("Bump pydantic to 2.9", TaskKind.chore),
        ("Backfill project_id on old time entries", TaskKind.data_migration),
        ("Spike: pgvector vs Qdrant for search", TaskKind.research),
        ("Flaky test_checkout on CI", TaskKind.test),
        ("Board columns overflow on small laptops", TaskKind.ui),
    ],
)
def test_titles_from_the_issue_get_their_kind(title: str, kind: TaskKind) -> None:
    assert kind_model.detect_kind(title) is kind
    assert not kind_model.is_vague(title)


def test_a_vague_title_is_vague_and_still_gets_the_rules_kind() -> None:
    assert kind_model.label("Performance") == kind_model.VAGUE
    assert kind_model.is_vague("Performance")
    # The writer still needs a kind for a vague title: whatever the rules read in it.
    assert kind_model.detect_kind("Performance") is kinds.rule_kind("Performance")
    assert kind_model.detect_kind("Onboarding flow") is TaskKind.feature


def test_a_description_can_settle_what_the_title_leaves_open() -> None:
    assert kind_model.is_vague("Attachments")
    described = kind_model.label(
        "Attachments", "Copy the old attachments into S3 and update every row to the new key."
    )
    assert described == TaskKind.data_migration.value
