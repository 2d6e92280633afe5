"""Reading a task's title the way a lead would: what kind of work it is, what it is about,
how urgent it sounds, whether it is too vague to scope and how many parts it has.

Keyword and phrase rules, not a model: they are predictable, explainable and good enough
to pick a structure for a description or a breakdown. Three habits make them work on
titles as engineers write them:
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

from sprintsync.ai.schemas import TaskKind
from sprintsync.tasks.schemas import PriorityName

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


# Single words per kind (compared by stem): easy to read and to extend.
_KEYWORD_TEXT: dict[TaskKind, str] = {
    TaskKind.bug: """fix bug crash error broken break regression fail failure exception incorrect
        wrong leak hang freeze typo glitch nan duplicate twice loop skip silently
        unusable misaligned 404 500 502 503 504 5xx 4xx off-by-one""",
    TaskKind.incident: """outage incident sev1 sev2 sev0 p0 postmortem post-mortem downtime
        hotfix degraded""",
    TaskKind.security: """security xss csrf injection cve vulnerability vulnerabilities idor leak
        leaked secret secrets 2fa mfa totp httponly csp content-security-policy
        enumeration privilege pentest redirect hardening audit""",
    TaskKind.research: """investigate investigation research spike evaluate evaluation explore
        prototype compare comparison assess poc feasibility analyse analyze study benchmark
        options why""",
    TaskKind.docs: """document documentation docs doc readme guide tutorial changelog runbook
        handbook wiki howto adr rota""",
    TaskKind.chore: """upgrade bump refactor cleanup tidy rename deprecate deprecated remove
        delete drop lint dependencies dependency chore reorganise reorganize simplify extract
        replace debt split unused dead""",
    TaskKind.test: """test tests testing coverage e2e qa unittest flaky selenium snapshot
        property-based load-test""",
    TaskKind.ops: """deploy deployment infra infrastructure monitoring alert alerts alerting
        backup backups kubernetes k8s docker terraform ci cd pipeline server servers dns ssl
        tls certificate scaling scale rollout provision replica replicas grafana prometheus
        loki autoscaling helm cluster health-check log-shipping""",
    TaskKind.ui: """ui ux redesign responsive mobile css sidebar button buttons icon icons
        tooltip spinner modal dark theme accessibility a11y screen-reader keyboard shortcut
        shortcuts empty-state align alignment colour color font spacing tablet""",
    TaskKind.data_migration: """backfill migration migrate import convert
        merge split legacy""",
    TaskKind.feature: """add implement support create build allow enable introduce integrate
        integration feature endpoint page screen export let view feed reminder reminders
        notifications webhooks""",
}
_KEYWORDS = {kind: frozenset(stem(w) for w in text.split()) for kind, text in _KEYWORD_TEXT.items()}

# Phrases that settle a kind on their own (regular expressions over the lower-case text).
_PHRASES: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.incident: (
        r"\b(?:prod|production|site|app|api|service|everything)\b[^.]{0,20}\bis\s+down\b",
        r"\b(?:prod|production|site)\s+(?:is\s+)?down\b",
        r"\b(?:partial\s+)?outage\b",
        r"\bsev\s?[0-3]\b",
        r"\bbacklog\b.*\b\d+[km]?\s+messages\b",
        r"\bdouble[- ]charged\b",
        r"\belevated error rates?\b",
        r"\brollback release\b",
        r"\bunavailable since\b",
        r"^incident\b",
    ),
    TaskKind.security: (
        r"\bsql\s+injection\b",
        r"\bsecurity\s+(?:hole|issue|bug|flaw|fix|problem)s?\b",
        r"\bvulnerab",
        r"\b(?:stored|reflected|dom)\s+xss\b",
        r"\bcve-\d{4}",
        r"\bleaked\b.*\b(?:key|token|secret|password)s?\b",
        r"\b(?:rotate|revoke)\b.*\b(?:key|keys|token|tokens|secret|secrets|credentials)\b",
        r"\bsee (?:the )?(?:tasks|data|records) of other\b",
        r"\bchanging the id in the url\b",
        r"\brate limit\b.*\bpassword\b",
    ),
    TaskKind.data_migration: (
        r"\b(?:migrate|move|moving|import|importing|convert|converting)\b.*\b(?:from|to|into)\b"
        r".*\b(?:s3|schema|table|database|sprintsync|integers?|enums?)\b",
        r"\bdata migration\b",
        r"\bbackfill\b",
        r"\b(?:merge|dedupe|deduplicate)\s+duplicate\b.*\brecords\b",
        r"\bsplit\s+\w+\s+into\b",
    ),
    TaskKind.bug: (
        r"\bkeeps?\s+\w+ing\b",
        r"\b(?:doesn'?t|does not|don'?t|do not|can'?t|cannot|can not|won'?t|isn'?t|is not|"
        r"aren'?t|not)\s+(?:\w+\s+){0,2}?(?:work|working|load|loading|save|saving|update|"
        r"updating|show|showing|find|found|visible|marked|sent|load|open|opening|reset|"
        r"persist|persisted|match|matching|clear|cleared|respect|respected)\b",
        r"\breturn(?:s|ing)?\s+(?:\d{3}|5xx|4xx|an? error|errors|empty|nothing|null|wrong)",
        r"\b(?:shows?|showing|shown|has|have|displays?|produces?)\s+(?:the\s+)?(?:wrong|"
        r"incorrect|blank|empty|nan|duplicate)\b",
        r"\boff by one\b",
        r"\bsilently fails?\b",
        r"\bafter (?:the )?(?:latest |last |new )?(?:release|deploy|update|upgrade)\b",
        r"\b(?:ignores?|skips?|overwrites?|loops?|disconnects?|crash(?:es)?)\b",
        r"\bsent twice\b|\bcreated twice\b|\btwice on\b",
        r"\bblank in\b|\bempty after\b|\bgrows until\b",
        r"\b(?:fails?|failing)\b",
    ),
    TaskKind.test: (
        r"\bflaky\b",
        r"\bload test\b",
        r"\b(?:unit|integration|e2e|regression) tests?\b",
    ),
    TaskKind.ui: (
        r"\bdark mode\b",
        r"\bempty states?\b",
        r"\bkeyboard shortcuts?\b",
        r"\bscreen readers?\b",
        r"\bloading spinner\b",
        r"\bon (?:mobile|tablets?)\b",
        r"\bresponsive\b",
        r"\btable overflows?\b",
    ),
    TaskKind.research: (r"^why\b", r"\blook into\b", r"\bfigure out\b", r"\bvs\.?\b"),
    TaskKind.ops: (r"\bhealth check\b", r"\blog shipping\b", r"\bread replica\b"),
    TaskKind.docs: (r"\bwrite down\b",),
}
_PHRASE_RES = {kind: [re.compile(p) for p in ps] for kind, ps in _PHRASES.items()}
_PHRASE_WEIGHT = 3.0
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


def _score(title: str, context: str) -> dict[TaskKind, float]:
    scores = dict.fromkeys(TaskKind, 0.0)
    for weight, text in ((1.0, title), (0.3, context[:600])):
        lower = text.lower()
        for i, word in enumerate(stems(text)):
            for kind, keys in _KEYWORDS.items():
                if word in keys:
                    scores[kind] += weight * (2.0 if i == 0 and text is title else 1.0)
        for kind, patterns in _PHRASE_RES.items():
            scores[kind] += weight * _PHRASE_WEIGHT * sum(1 for p in patterns if p.search(lower))
    return scores


def detect_kind(title: str, context: str = "") -> TaskKind:
    """The kind of work the title describes; words of the context count for less."""
    scores = _score(title, context)
    best = max(scores.values())
    if best == 0:
        return TaskKind.feature
    return next(kind for kind in _TIE_ORDER if scores[kind] == best)


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


def is_vague(title: str, context: str = "") -> bool:
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


# Priority words count only as whole words or as the phrases below: "Write down the
# on-call rota" is not urgent, "prod down" is.
_URGENT_WORDS = frozenset(
    stem(w) for w in ["urgent", "asap", "outage", "breach", "sev0", "sev1", "p0", "hotfix"]
)
_URGENT_PHRASES = (
    r"\b(?:prod|production|site|everything|app|api)\b[^.]{0,20}\b(?:is\s+)?down\b",
    r"\bdata loss\b",
    r"\b(?:stored|reflected)\s+xss\b",
    r"\bsql\s+injection\b",
)
_HIGH_WORDS = frozenset(
    stem(w)
    for w in [
        "crash",
        "crashes",
        "critical",
        "blocker",
        "blocking",
        "customer",
        "customers",
        "prod",
        "production",
        "502s",
        "500s",
        "5xx",
    ]
)
_LOW_WORDS = frozenset(
    stem(w) for w in ["typo", "cosmetic", "minor", "nit", "someday", "polish", "align", "icons"]
)
_LOW_PHRASES = (r"\bnice[- ]to[- ]have\b", r"\bwhen time allows\b")
_KIND_PRIORITY: dict[TaskKind, PriorityName] = {
    TaskKind.incident: PriorityName.urgent,
    TaskKind.security: PriorityName.high,
    TaskKind.data_migration: PriorityName.high,
    TaskKind.docs: PriorityName.low,
    TaskKind.chore: PriorityName.low,
}


def priority_for(kind: TaskKind, title: str, context: str = "") -> PriorityName:
    """Urgency from the kind of work and the words used (as words, never as substrings)."""
    return priority_with_reason(kind, title, context)[0]


def _first_word(text: str, stems_: frozenset[str]) -> str | None:
    return next((w for w in sorted(words(text)) if stem(w) in stems_), None)


def _first_phrase(text: str, patterns: tuple[str, ...]) -> str | None:
    return next((m.group(0) for p in patterns if (m := re.search(p, text))), None)


def priority_with_reason(kind: TaskKind, title: str, context: str = "") -> tuple[PriorityName, str]:
    """The suggested priority and why, in words a person can check."""
    text = f"{title}\n{context[:500]}".lower()
    if kind is TaskKind.incident:
        return PriorityName.urgent, "It reads as a live incident: restoring service comes first."
    rules = (
        (
            PriorityName.urgent,
            _first_word(text, _URGENT_WORDS) or _first_phrase(text, _URGENT_PHRASES),
        ),
        (PriorityName.low, _first_word(text, _LOW_WORDS) or _first_phrase(text, _LOW_PHRASES)),
        (PriorityName.high, _first_word(text, _HIGH_WORDS)),
    )
    for priority, said in rules:
        if said:
            return priority, f"It says “{said}”."
    priority = _KIND_PRIORITY.get(kind, PriorityName.medium)
    label = kind.value.replace("_", " ")
    return priority, f"The usual priority for {label} work; nothing in the text says otherwise."
