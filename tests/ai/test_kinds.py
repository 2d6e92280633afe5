"""How the kind detector reads titles: tags, head words, typos, scope and priority words."""

from __future__ import annotations

import pytest

from sprintsync.ai import kinds
from sprintsync.ai.schemas import TaskKind
from sprintsync.tasks.priority import Priority


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("[Docs] Fix the broken links in the install section", TaskKind.docs),
        ("chore(deps): bump httpx from 0.27 to 0.28", TaskKind.chore),
        ("SEV2 - exports stuck", TaskKind.incident),
        ("[API] Rate card endpoint", TaskKind.feature),
    ],
)
def test_the_authors_category_tag_outweighs_the_words_after_it(title: str, kind: TaskKind) -> None:
    assert kinds.rule_kind(title) is kind


def test_the_head_noun_names_the_work_and_the_rest_its_topic() -> None:
    assert kinds.rule_kind("Write a migration guide for plugin authors") is TaskKind.docs
    assert kinds.rule_kind("Playbook for failing over the database") is TaskKind.docs
    assert kinds.rule_kind("Regression test for the invoice rounding bug") is TaskKind.test
    assert kinds.rule_kind("How to restore a deleted project") is TaskKind.docs


def test_a_verb_is_the_work_when_it_opens_the_title_and_a_symptom_inside_it() -> None:
    assert kinds.rule_kind("Drop the unused audit columns") is TaskKind.chore
    assert kinds.rule_kind("Nightly sync drops comments with attachments") is TaskKind.bug
    assert kinds.rule_kind("Use a slider instead of a number input") is not TaskKind.bug
    assert kinds.rule_kind("Chart shows hours instead of minutes") is TaskKind.bug
    # A compound opening the title is a noun: "drag-and-drop" is not the verb "drop".
    assert kinds.rule_kind("Drag-and-drop reordering on the board") is TaskKind.feature


def test_migrating_data_is_a_data_migration_and_migrating_tooling_is_not() -> None:
    assert kinds.rule_kind("Migrate task comments to the new table") is TaskKind.data_migration
    assert kinds.rule_kind("Migrate from Poetry to uv") is TaskKind.chore
    assert kinds.rule_kind("Migrate Redis to a managed cluster") is TaskKind.ops


def test_one_typo_in_a_long_word_is_read_as_the_word_but_an_inflection_is_not() -> None:
    assert kinds.known_stem("secuirty") == kinds.stem("security")
    assert kinds.known_stem("investiagte") == kinds.stem("investigate")
    assert kinds.known_stem("served") == kinds.stem("served")  # not "server"
    assert kinds.rule_kind("Secuirty audit of the invite links") is TaskKind.security


def test_a_fault_everyone_hits_is_an_incident_and_zero_downtime_is_not_one() -> None:
    assert kinds.rule_kind("Login fails for all users") is TaskKind.incident
    assert kinds.rule_kind("Login fails for users with a plus in their email") is TaskKind.bug
    assert kinds.rule_kind("Zero-downtime restarts for the worker") is TaskKind.ops


def test_a_description_decides_only_when_the_title_says_nothing() -> None:
    silent = kinds.rule_kind("Attachments", "Copy the old attachments into S3 and update rows.")
    assert silent is TaskKind.data_migration
    said = kinds.rule_kind("Add e2e tests for invites", "Copy the old attachments into S3.")
    assert said is TaskKind.test


@pytest.mark.parametrize(
    ("kind", "title", "priority"),
    [
        (TaskKind.feature, "Sort the backlog by priority, urgent first", Priority.medium),
        (TaskKind.feature, "Mark a task as urgent from its card", Priority.medium),
        (TaskKind.docs, 'Explain what "blocker" means on the board', Priority.low),
        (TaskKind.research, "Not urgent: check whether we need Celery", Priority.low),
        (TaskKind.bug, "URGENT: invoices show the wrong VAT", Priority.urgent),
        (TaskKind.bug, "Critical path chart shows wrong dates", Priority.medium),
        (TaskKind.feature, "Customers want CSV export of comments", Priority.medium),
        (TaskKind.bug, "Customers get a blank invoice PDF", Priority.high),
        (TaskKind.security, "Add 2FA for project owners", Priority.medium),
        (TaskKind.security, "Session cookie readable from JavaScript", Priority.high),
    ],
)
def test_priority_words_count_only_when_they_claim_a_priority(
    kind: TaskKind, title: str, priority: Priority
) -> None:
    assert kinds.priority_for(kind, title) is priority
