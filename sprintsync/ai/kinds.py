"""Reading a task's title the way a lead would: what kind of work it is, what it is about,
how urgent it sounds, whether it is too vague to scope and how many parts it has.

Keyword and phrase rules: predictable and explainable. For the kind they are one input of
`kind_model.py`, which weighs their evidence (`evidence`, `rule_vague`) together with the
title's own words with weights fitted on labelled titles, and decides; priority, subject and
parts come from here alone. Three habits make the rules work on titles as engineers write them:
- words are compared by their Snowball stem, so "crashes", "crashing" and "crash" agree;
- symptom phrases count for more than single words: "keeps running after logout",
  "returning 502s", "can't reset" are bugs although no word says "bug";
- a leading verb counts double, because "Fix the docs build" is a bug and "Document the
  fix" is docs; the description counts for less than the title.

`tests/ai/eval/` measures all of this on labelled titles (`make eval`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import snowballstemmer

from sprintsync.ai import kind_words
from sprintsync.ai.schemas import TaskKind
from sprintsync.tasks.priority import Priority

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


@cache
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one lower-case word."""
    return str(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """Lower-case words of `text`, hyphenated words kept whole."""
    return _WORD.findall(text.lower())


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def _stem_set(text: str) -> frozenset[str]:
    """The stems of a whitespace-separated word list."""
    return frozenset(stem(w) for w in text.split())


def _stem_table(table: dict[TaskKind, str]) -> dict[TaskKind, frozenset[str]]:
    return {kind: _stem_set(text) for kind, text in table.items()}


_KEYWORDS = _stem_table(kind_words.KEYWORDS)
_LABELS = _stem_table(kind_words.LABELS)
_LEADS = _stem_table(kind_words.LEAD_VERBS)
_DATA_NOUNS = _stem_set(kind_words.DATA_NOUNS)
_KNOWN = frozenset().union(*_KEYWORDS.values(), *_LABELS.values(), *_LEADS.values())
_PHRASE_RES = {kind: [re.compile(p) for p in ps] for kind, ps in kind_words.PHRASES.items()}
_SCOPE_RES = [re.compile(p) for p in kind_words.SCOPE_PHRASES]

# How much each piece of evidence weighs; one plain keyword is 1.
_PHRASE_WEIGHT = 3.0  # a phrase is more specific than any of its words
# A named attack or a live outage decides how the work is run, whatever the chore around
# it: "Bump lodash to fix CVE-2021-23337" is security work.
_HARM_PHRASE_WEIGHT = 4.0
_HARM = frozenset({TaskKind.incident, TaskKind.security})
_SYMPTOMS = frozenset({TaskKind.bug, TaskKind.incident, TaskKind.security})
_LABEL_WEIGHT = 6.0  # the author's own category tag: "[Docs]", "Refactor:", "SEV1 -"
_LEAD_WEIGHT = 2.5  # "Fix the docs build" is a bug, "Document the fix" is docs
_HEAD_WEIGHT = 1.5  # words before the first preposition name the work…
_HEAD_NOUN_WEIGHT = 2.0  # …its last word most: a "migration guide" is a guide
_TOPIC_WEIGHT = 0.5  # …the words after it only its topic: "Runbook for rotating TLS certs"
# Feature nouns ("page", "endpoint", "export") name where a bug shows as often as what
# to build: they only tip titles that say nothing stronger.
_FEATURE_NOUN_WEIGHT = 0.5
_GENERIC_LEAD_WEIGHT = 1.0  # "Add", "Build", "Allow": a feature unless the object says more
_SCOPE_WEIGHT = 2.0  # "for all users": a problem that wide is an incident
_CONTEXT_WEIGHT = 0.4  # the description supports the title, it does not overrule it
_MIN_EVIDENCE = 1.0  # less than one plain word's worth leaves the default: a feature

# Ties go to the kind that most changes how the work should be approached.
_TIE_ORDER = [
    TaskKind.incident,
    TaskKind.security,
    TaskKind.data_migration,
    TaskKind.bug,
    TaskKind.research,
    TaskKind.ops,
    TaskKind.test,
    TaskKind.docs,
    TaskKind.ui,
    TaskKind.chore,
    TaskKind.feature,
]
# Words after which the title names the topic, not the work: "Runbook for rotating TLS
# certificates" is a runbook, "Regression test for the DST bug" is a test.
_PREPOSITIONS = _stem_set(
    """for of on in to with when after before during from via through behind under at by
    into if because since while until within across per"""
)
_FAIL_OVER = re.compile(r"\bfail(?:s|ed|ing)? over\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_TEST_NAME = re.compile(r"\btest_\w+")
_HOW_TO = re.compile(r"^\s*how (?:to|do (?:i|we))\b", re.IGNORECASE)
# A category tag in front of a title: "[API] …", "JIRA-123: …", "Docs: …", "FE - …".
_TAG = re.compile(
    r"^\s*(?:\[(?P<bracket>[^\]]{1,30})\]\s*"
    r"|[A-Z][A-Z0-9]+-\d+:?\s+"
    r"|(?P<colon>[A-Za-z][\w /&+-]{0,24}?)\s*:\s+"
    r"|(?P<dash>[A-Za-z0-9]{1,12})\s+[-–—]\s+)"
)


def _one_typo_apart(word: str, known: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours apart, before the ending.

    A difference only in the last two letters is an inflection ("served"/"server"), not a
    typo, so it does not count.
    """
    if word == known or abs(len(word) - len(known)) > 1:
        return False
    i = 0
    while i < min(len(word), len(known)) and word[i] == known[i]:
        i += 1
    if i >= max(len(word), len(known)) - 2:
        return False
    if len(word) == len(known):
        swapped = word[i] == known[i + 1] and word[i + 1] == known[i]
        return word[i + 1 :] == known[i + 1 :] or (swapped and word[i + 2 :] == known[i + 2 :])
    if len(word) > len(known):
        return word[i + 1 :] == known[i:]
    return word[i:] == known[i + 1 :]


def _surface_words() -> dict[str, list[str]]:
    """Every long vocabulary word as written, by first letter (typos rarely hit it)."""
    tables = (kind_words.KEYWORDS, kind_words.LABELS, kind_words.LEAD_VERBS)
    found = sorted({w for t in tables for text in t.values() for w in text.split() if len(w) >= 6})
    by_letter: dict[str, list[str]] = {}
    for word in found:
        by_letter.setdefault(word[0], []).append(word)
    return by_letter


_SURFACE = _surface_words()


# A compound that opens with a negation means the opposite of its head: "non-urgent".
_NOT = kind_words.NEGATORS | {"non", "un", "anti"}


@cache
def known_stem(word: str) -> str:
    """The stem of `word`, or of the vocabulary word it misspells ("secuirty" → security)."""
    own = stem(word)
    first, _, last = word.rpartition("-")
    if own not in _KNOWN and last and first and first.split("-")[0] not in _NOT:
        # A compound's head is its last part: "re-import" imports, "oom-looping" loops.
        return known_stem(last)
    if own in _KNOWN or len(word) < 6 or not word.isalpha():
        return own
    typo_of = next((k for k in _SURFACE.get(word[0], ()) if _one_typo_apart(word, k)), None)
    return stem(typo_of) if typo_of else own


def _split_tags(title: str) -> tuple[list[str], str]:
    """The category tags in front of a title and the title without them (two at most)."""
    tags: list[str] = []
    body = title
    for _ in range(2):
        match = _TAG.match(body)
        if not match or not body[match.end() :].strip():
            break
        tags.append(match.group("bracket") or match.group("colon") or match.group("dash") or "")
        body = body[match.end() :]
    return tags, body


def _add_words(scores: dict[TaskKind, float], text: str, weight: float, *, lead: bool) -> None:
    """Keyword evidence: each word for its kinds, more in the head, the opening verb most."""
    tokens = words(text)
    head_end = next((i for i, w in enumerate(tokens) if i and w in _PREPOSITIONS), len(tokens))
    found = [known_stem(w) for w in tokens]
    has_data = any(s in _DATA_NOUNS for s in found)
    for i, st in enumerate(found):
        negated = any(w in kind_words.NEGATORS for w in tokens[max(0, i - 2) : i])
        place = _place(i, head_end) if lead else 1.0
        for kind, keys in _KEYWORDS.items():
            moving_code = kind is TaskKind.data_migration and not has_data
            if st in keys and not (negated and kind is TaskKind.incident) and not moving_code:
                # A symptom is a symptom wherever it stands; only artefacts have a topic.
                here = max(place, 1.0) if kind in _SYMPTOMS else place
                if kind is TaskKind.feature:
                    here *= _FEATURE_NOUN_WEIGHT
                scores[kind] += weight * here
    # A compound opening the title is a noun, not an imperative: "Drag-and-drop …".
    opening = found[0] if found and "-" not in tokens[0] else stem(tokens[0]) if tokens else ""
    if lead and opening:
        for kind, verbs in _LEADS.items():
            if opening not in verbs:
                continue
            if kind is TaskKind.data_migration and not has_data:
                # Migrating without data to move ("from Poetry to uv") is tooling work, a
                # chore, unless what moves is infrastructure ("Migrate Redis to …").
                scores[TaskKind.chore] += weight * _GENERIC_LEAD_WEIGHT
            elif kind is TaskKind.feature:
                scores[kind] += weight * _GENERIC_LEAD_WEIGHT
            else:
                scores[kind] += weight * _LEAD_WEIGHT


def _place(i: int, head_end: int) -> float:
    """How much the word at `i` says about the work, by where it stands in the title."""
    if i >= head_end:
        return _TOPIC_WEIGHT
    return _HEAD_NOUN_WEIGHT if i == head_end - 1 and i > 0 else _HEAD_WEIGHT


def _add_phrases(scores: dict[TaskKind, float], texts: tuple[str, ...], weight: float) -> None:
    lowered = [t.lower() for t in texts]
    for kind, patterns in _PHRASE_RES.items():
        hits = sum(1 for p in patterns if any(p.search(t) for t in lowered))
        each = _HARM_PHRASE_WEIGHT if kind in _HARM else _PHRASE_WEIGHT
        scores[kind] += weight * each * hits


def _phrasal(text: str) -> str:
    """Phrasal verbs as one word, so "failing over" is a failover, not a failure."""
    return _FAIL_OVER.sub("failover", text)


def _title_evidence(title: str) -> dict[TaskKind, float]:
    scores = dict.fromkeys(TaskKind, 0.0)
    title = _phrasal(title)
    tags, body = _split_tags(title)
    for tag in tags:
        tag_stems = {known_stem(w) for w in words(tag)}
        if len(tag_stems) <= 3:
            for kind, labels in _LABELS.items():
                scores[kind] += _LABEL_WEIGHT * bool(tag_stems & labels)
        _add_words(scores, tag, 1.0, lead=False)
    _add_words(scores, body, 1.0, lead=True)
    if _TEST_NAME.search(body):
        scores[TaskKind.test] += _LABEL_WEIGHT  # a test named by its function: "test_x fails"
    if _HOW_TO.match(body):
        scores[TaskKind.docs] += _LABEL_WEIGHT  # the form of a document: "How to rotate keys"
    _add_phrases(scores, (title, body), 1.0)
    return scores


def _context_evidence(context: str) -> dict[TaskKind, float]:
    """The description read like a title: its first sentence often says what to do."""
    scores = dict.fromkeys(TaskKind, 0.0)
    context = _phrasal(context)
    first, *rest = _SENTENCE_END.split(context.strip(), maxsplit=1)
    _add_words(scores, first, 1.0, lead=True)
    _add_words(scores, " ".join(rest), 1.0, lead=False)
    _add_phrases(scores, (context,), 1.0)
    return scores


def _score(title: str, context: str) -> dict[TaskKind, float]:
    described = context[:600]
    scores = _title_evidence(title)
    # The description supports the title; it speaks alone only when the title says nothing.
    weight = _CONTEXT_WEIGHT if max(scores.values()) >= _MIN_EVIDENCE else 1.0
    for kind, value in _context_evidence(described).items():
        scores[kind] += weight * value
    wide = sum(
        each * sum(1 for p in _SCOPE_RES if p.search(text.lower()))
        for each, text in ((1.0, title), (weight, described))
    )
    if wide and scores[TaskKind.bug] + scores[TaskKind.incident] > 0:
        # A fault everyone hits is an incident: the bug's evidence counts for it too.
        scores[TaskKind.incident] += scores[TaskKind.bug] + _SCOPE_WEIGHT * wide
    return scores


def evidence(title: str, context: str = "") -> dict[str, float]:
    """How strongly the rules' words and phrases point at each kind (0 where none do)."""
    return {kind.value: score for kind, score in _score(title, context).items()}


def rule_kind(title: str, context: str = "") -> TaskKind:
    """The kind of work the title describes; words of the context count for less."""
    scores = _score(title, context)
    best = max(scores.values())
    if best < _MIN_EVIDENCE:
        return TaskKind.feature
    return next(kind for kind in _TIE_ORDER if scores[kind] == best)


_LEADING_VERBS = frozenset(
    [
        "fix",
        "add",
        "implement",
        "support",
        "create",
        "build",
        "allow",
        "enable",
        "introduce",
        "integrate",
        "investigate",
        "research",
        "evaluate",
        "explore",
        "prototype",
        "compare",
        "assess",
        "document",
        "write",
        "update",
        "upgrade",
        "bump",
        "refactor",
        "clean",
        "tidy",
        "rename",
        "migrate",
        "deprecate",
        "remove",
        "delete",
        "test",
        "deploy",
        "set",
        "setup",
        "make",
        "improve",
        "handle",
        "design",
        "draft",
        "review",
        "spike",
        "move",
        "replace",
        "extract",
        "drop",
        "backfill",
        "import",
        "convert",
        "merge",
        "rotate",
        "renew",
        "configure",
        "terraform",
        "scale",
        "redesign",
        "audit",
        "enforce",
        "let",
    ]
)


# Words that say nothing about what to build: a title of these alone cannot be scoped.
_FILLER = frozenset(
    stem(w)
    for w in [
        "improve",
        "improvement",
        "improvements",
        "make",
        "better",
        "faster",
        "slower",
        "fix",
        "stuff",
        "things",
        "thing",
        "misc",
        "various",
        "general",
        "issues",
        "issue",
        "bits",
        "it",
        "ux",
        "general",
        "planning",
        "plan",
        "retro",
        "q1",
        "q2",
        "q3",
        "q4",
        "work",
        "update",
        "updates",
        "the",
        "a",
        "an",
        "from",
        "of",
        "for",
        "and",
        "some",
        "more",
    ]
)


def rule_vague(title: str, context: str = "") -> bool:
    """Too thin to scope: at most one word that names something, no description, no phrase.

    "Performance", "Improve UX" and "Billing things" are vague; "Dark mode" and "Site is
    down" are not (a phrase settles them). The draft then asks questions, not guesses.
    """
    if len(context.strip()) >= 20:
        return False
    lower = title.lower()
    if any(p.search(lower) for patterns in _PHRASE_RES.values() for p in patterns):
        return False
    if re.search(r"\d+\.\d+|[\"'“”]|[A-Z]{2,}\d|#\d+", title):
        return False
    named = [s for s in stems(title) if s not in _FILLER]
    return len(named) <= 1


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


_PARTS = re.compile(r"\s*(?:,|;|\band\b|\bplus\b|&)\s*", re.IGNORECASE)


def parts(title: str) -> list[str]:
    """The separate things a title asks for: "CSV and PDF export" names two."""
    chunks = [c.strip() for c in _PARTS.split(subject(title)) if c and c.strip()]
    return chunks if len(chunks) > 1 else []


_CHECKBOX = re.compile(r"^(?:\[[ xX]?\]\s*)+")


def bullet_points(context: str, limit: int = 6) -> list[str]:
    """Lines of the context written as a list ("- ", "* ", "1. "): the user's own checklist.

    A checkbox ("- [ ] …", even one a previous draft wrote) is part of the marker, not of
    the item, so a checklist read twice does not grow boxes.
    """
    points = []
    for raw in context.splitlines():
        line = raw.strip()
        match = re.match(r"^(?:[-*•]|\d+[.)])\s+(.+)$", line)
        if match:
            item = _CHECKBOX.sub("", match.group(1).strip()).strip().rstrip(".;")
            if item:
                points.append(item[:1].upper() + item[1:280])
        if len(points) == limit:
            break
    return points


# The headings `render_markdown` writes: text under them is a previous draft, not the
# user's own words, so drafting again from it does not stack drafts on drafts.
CRITERIA_HEADING = "## Acceptance criteria"
_DRAFT_HEADINGS = (CRITERIA_HEADING, "## Risks", "## Open questions")


@dataclass(frozen=True, slots=True)
class OwnText:
    """The task's text split into the user's own words and a previous draft's checklist."""

    text: str
    drafted_criteria: list[str]


def own_text(context: str) -> OwnText:
    """The user's words, without a draft an earlier "Draft with AI" inserted.

    A previous draft is its summary paragraph followed by our headings; its acceptance
    criteria are kept (the user may have edited them), its risks and questions are not.
    """
    lines = context.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() in _DRAFT_HEADINGS]
    if not starts:
        return OwnText(text=context, drafted_criteria=[])
    first = starts[0]
    # The draft's summary is the paragraph just above its first heading.
    top = first
    while top > 0 and not lines[top - 1].strip():
        top -= 1
    while top > 0 and lines[top - 1].strip():
        top -= 1
    section: str | None = None
    criteria: list[str] = []
    kept = lines[:top]
    for line in lines[first:]:
        if line.strip() in _DRAFT_HEADINGS:
            section = line.strip()
        elif line.startswith("## "):
            section = None
            kept.append(line)
        elif section == CRITERIA_HEADING:
            criteria += bullet_points(line)
        elif section is None:
            kept.append(line)
    return OwnText(text="\n".join(kept).strip(), drafted_criteria=criteria)


# Priority words count only as words, and only when they claim a priority: "Write down the
# on-call rota" is not urgent, "Sort by priority puts Urgent below Low" names priorities
# rather than claiming one, "not urgent" says the opposite, "prod down" is urgent.
_URGENT_WORDS = _stem_set(
    "urgent urgently asap emergency immediately outage breach sev0 sev1 p0 hotfix"
)
_URGENT_PHRASES = (
    r"\b(?:prod|production|site|everything|app|api)\b[^.]{0,20}\b(?:is\s+)?down\b",
    r"\bdata loss\b",
    r"\b(?:stored|reflected)\s+xss\b",
    r"\bsql\s+injection\b",
    r"\bremote code execution\b|\brce\b",
)
# Harm words raise a defect's priority; a feature customers asked for is still planned work.
_HARM_WORDS = _stem_set(
    "crash crashes crashing customer customers client clients prod production 500s 502s 503s 5xx"
)
_HIGH_WORDS = _stem_set("critical blocker p1")
_HIGH_PHRASES = (
    r"\bhigh priority\b",
    r"\bblock(?:s|ing)? (?:the )?release\b",
    r"\b(?:high|critical)[- ]severity\b",
)
_DEFECTS = frozenset({TaskKind.bug, TaskKind.security, TaskKind.data_migration})
_LOW_WORDS = _stem_set(
    """typo typos cosmetic minor nit nitpick someday polish trivial tweak align alignment
    icons padding spacing margins pixel"""
)
_LOW_PHRASES = (
    r"\bnice[- ]to[- ]have\b",
    r"\bwhen time allows\b",
    r"\blow priority\b",
    r"\bno rush\b",
    r"\b(?:not|non)[- ]urgent\b",
)
# Texts about priorities name levels rather than claim one: beside the word "priority"
# ("Sort by priority: urgent first", though "urgent priority" qualifies it), as a value
# ("Mark tasks as urgent", "Urgent tasks not sorted first") or in a term ("critical path").
_ABOUT_PRIORITIES = re.compile(
    r"(?<!urgent )(?<!high )(?<!low )\bpriorit(?:y|ies)\b"
    r"|\bas (?:an? )?(?:urgent|critical|blocker|p[0-3])\b"
    r"|\b(?:urgent|critical|blocker|p[0-3])\s+(?:tasks|items|issues|tickets|bugs|ones|flag|label|"
    r"tag|badge|filter|column|status)\b"
    r"|\bcritical (?:path|section|css)\b"
)
# Quoted words are mentioned, not meant: Explain what "blocker" means.
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)'[^' ]+(?: [^' ]+){0,3}'(?!\w)")
# Adding a protection is planned hardening; a weakness found in what exists is urgent work.
_ADDITIVE = _stem_set(kind_words.LEAD_VERBS[TaskKind.feature])
_KIND_PRIORITY: dict[TaskKind, Priority] = {
    TaskKind.incident: Priority.urgent,
    TaskKind.security: Priority.high,
    TaskKind.data_migration: Priority.high,
    TaskKind.docs: Priority.low,
    TaskKind.chore: Priority.low,
}


def priority_for(kind: TaskKind, title: str, context: str = "") -> Priority:
    """Urgency from the kind of work and the words used (as words, never as substrings)."""
    return priority_with_reason(kind, title, context)[0]


def _said(text: str, stems_: frozenset[str]) -> str | None:
    """The first word of `text` among `stems_`, unless a negation stands just before it."""
    tokens = words(text)
    for i, word in enumerate(tokens):
        negated = any(w in kind_words.NEGATORS for w in tokens[max(0, i - 2) : i])
        if known_stem(word) in stems_ and not negated:
            return word
    return None


def _first_phrase(text: str, patterns: tuple[str, ...]) -> str | None:
    return next((m.group(0) for p in patterns if (m := re.search(p, text))), None)


def priority_with_reason(kind: TaskKind, title: str, context: str = "") -> tuple[Priority, str]:
    """The suggested priority and why, in words a person can check."""
    text = _QUOTED.sub(" ", f"{title}\n{context[:500]}".lower())
    if kind is TaskKind.incident:
        return Priority.urgent, "It reads as a live incident: restoring service comes first."
    claims = _ABOUT_PRIORITIES.search(text) is None
    harm = _said(text, _HARM_WORDS) if kind in _DEFECTS else None
    urgent_word = _said(text, _URGENT_WORDS) if claims else None
    high_word = (_said(text, _HIGH_WORDS) if claims else None) or (
        _first_phrase(text, _HIGH_PHRASES)
    )
    rules = (
        (Priority.urgent, urgent_word or _first_phrase(text, _URGENT_PHRASES)),
        (Priority.low, _said(text, _LOW_WORDS) or _first_phrase(text, _LOW_PHRASES)),
        (Priority.high, high_word or harm),
    )
    for priority, said in rules:
        if said:
            return priority, f"It says “{said}”."
    priority = _KIND_PRIORITY.get(kind, Priority.medium)
    label = kind.value.replace("_", " ")
    if kind is TaskKind.security and _opening_verb(title) in _ADDITIVE:
        return Priority.medium, "It adds a protection rather than closing a known hole."
    return priority, f"The usual priority for {label} work; nothing in the text says otherwise."


def _opening_verb(title: str) -> str:
    """The stem of the first word after any category tag: "[API] Add …" → "add"."""
    opening = words(_split_tags(title)[1])
    return known_stem(opening[0]) if opening else ""
