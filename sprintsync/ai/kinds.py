"""Reading a task's title the way a lead would: what kind of work it is, what it is about,
how urgent it sounds and how many parts it has.

Keyword rules, not a model: they are predictable, explainable and good enough to pick a
structure for a description or a breakdown. A leading verb counts double, because "Fix
the docs build" is a bug and "Document the fix" is docs.
"""

from __future__ import annotations

import re

from sprintsync.ai.schemas import TaskKind
from sprintsync.tasks.schemas import PriorityName

# Space-separated word lists, one per kind: easy to read and to extend.
_KEYWORD_TEXT: dict[TaskKind, str] = {
    TaskKind.bug: """fix fixes fixed bug bugs crash crashes crashing error errors broken break
        breaks regression fail fails failing failure exception incorrect wrong leak hang hangs
        freeze 500 404 timeout typo glitch flaky""",
    TaskKind.research: """investigate investigation research spike evaluate evaluation explore
        prototype compare comparison assess poc feasibility analyse analyze study benchmark""",
    TaskKind.docs: """document documentation docs doc readme guide tutorial changelog runbook
        handbook wiki howto""",
    TaskKind.chore: """upgrade bump refactor cleanup clean tidy rename migrate deprecate remove
        delete lint format dependencies dependency chore reorganise reorganize simplify""",
    TaskKind.test: "test tests testing coverage e2e qa unittest",
    TaskKind.ops: """deploy deployment infra infrastructure monitoring alert alerts alerting
        backup backups kubernetes k8s docker terraform ci cd pipeline server servers dns ssl
        tls certificate scaling rollout provision""",
    TaskKind.feature: """add implement support create build allow enable introduce integrate
        integration feature new endpoint page screen export import api""",
}
_KEYWORDS = {kind: frozenset(text.split()) for kind, text in _KEYWORD_TEXT.items()}
# Ties go to the kind that most changes how the work should be approached.
_TIE_ORDER = [
    TaskKind.bug,
    TaskKind.research,
    TaskKind.ops,
    TaskKind.test,
    TaskKind.docs,
    TaskKind.chore,
    TaskKind.feature,
]
_WORD_LISTS = {
    "leading_verbs": """fix add implement support create build allow enable introduce integrate
        investigate research evaluate explore prototype compare assess document write update
        upgrade bump refactor clean tidy rename migrate deprecate remove delete test deploy set
        setup make improve handle design draft review spike""",
    "urgent": "urgent asap outage down security vulnerability cve breach",
    "high": "crash crashes critical blocker blocking prod production customer",
    "low": "typo cosmetic minor nit someday polish",
}
_LEADING_VERBS = frozenset(_WORD_LISTS["leading_verbs"].split())
_URGENT = frozenset(_WORD_LISTS["urgent"].split())
_HIGH = frozenset(_WORD_LISTS["high"].split())
_LOW = frozenset(_WORD_LISTS["low"].split())
_URGENT_PHRASES = ("data loss", "production down", "prod down", "hotfix")
_LOW_PHRASES = ("nice to have", "nice-to-have", "when time allows")
_WORD = re.compile(r"[a-z0-9]+")
_PARTS = re.compile(r"\s*(?:,|;|\band\b|\bplus\b|&)\s*", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def detect_kind(title: str, context: str = "") -> TaskKind:
    """The kind of work the title describes; context words count for less."""
    scores = dict.fromkeys(TaskKind, 0.0)
    words = _words(title)
    for i, word in enumerate(words):
        for kind, keys in _KEYWORDS.items():
            if word in keys:
                scores[kind] += 2.0 if i == 0 else 1.0
    for word in _words(context)[:200]:
        for kind, keys in _KEYWORDS.items():
            if word in keys:
                scores[kind] += 0.25
    best = max(scores.values())
    if best == 0:
        return TaskKind.feature
    return next(kind for kind in _TIE_ORDER if scores[kind] == best)


def subject(title: str) -> str:
    """What the task is about: the title without its leading verb or trailing punctuation."""
    text = title.strip().rstrip(".!?:;")
    first, _, rest = text.partition(" ")
    if first.lower() in _LEADING_VERBS and rest:
        # What follows the verb keeps its case: "Add Slack alerts" is about "Slack alerts".
        text = rest
        if text.lower().startswith("up ") and first.lower() in ("set", "clean"):
            text = text.split(" ", 1)[1]
    elif text[:1].isupper() and not text[1:2].isupper():
        # Only sentence case made this word a capital: "Onboarding flow" → "onboarding flow".
        text = text[0].lower() + text[1:]
    return text


def with_article(phrase: str) -> str:
    """ "login loop" → "the login loop", leaving "the/a/our …" phrases as they are."""
    first = phrase.split(" ", 1)[0].lower()
    if first in ("the", "a", "an", "this", "that", "our", "my", "your", "their", "its"):
        return phrase
    return f"the {phrase}"


def parts(title: str) -> list[str]:
    """The separate things a title asks for: "CSV and PDF export" names two."""
    chunks = [c.strip() for c in _PARTS.split(subject(title)) if c and c.strip()]
    return chunks if len(chunks) > 1 else []


def bullet_points(context: str, limit: int = 6) -> list[str]:
    """Lines of the context written as a list ("- ", "* ", "1. "): the user's own checklist."""
    points = []
    for raw in context.splitlines():
        line = raw.strip()
        match = re.match(r"^(?:[-*•]|\d+[.)])\s+(.+)$", line)
        if match:
            item = match.group(1).strip().rstrip(".;")
            if item:
                points.append(item[:1].upper() + item[1:280])
        if len(points) == limit:
            break
    return points


def priority_for(kind: TaskKind, title: str, context: str = "") -> PriorityName:
    """Urgency from the words used; bugs start at medium, docs and chores at low."""
    text = f"{title}\n{context[:500]}".lower()
    words = set(_words(text))
    if words & _URGENT or any(p in text for p in _URGENT_PHRASES):
        return PriorityName.urgent
    if words & _HIGH:
        return PriorityName.high
    if words & _LOW or any(p in text for p in _LOW_PHRASES):
        return PriorityName.low
    if kind in (TaskKind.docs, TaskKind.chore):
        return PriorityName.low
    return PriorityName.medium
