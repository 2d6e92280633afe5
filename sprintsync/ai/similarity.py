"""Which finished tasks are like this one: TF-IDF cosine similarity over title and text.

Titles are short, so plain token overlap would treat "fix" or "add" as strongly as the
words that say what the task is about; inverse document frequency over the team's own
history down-weights the words every title shares. The Snowball stemmer makes "service",
"services" and "servicing" one word. The description counts too, at a lower weight than
the title, since it is longer and looser. Equal scores go to the closer neighbour (more
of the query's words in common, then a title of more similar length), then to the most
recent. Pure Python and bounded by the caller (a few hundred tasks), so it is cheap enough
to run inside a request.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sprintsync.ai.kinds import stem

MIN_SIMILARITY = 0.2
MAX_NEIGHBOURS = 5

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORD_TEXT = """a an the and or of for to in on at by with from into onto via as is are be it
    its this that these those we our us you your i my me when if then than so not no do does
    did can should must will would new some all any up out about after before over under per
    vs"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# How much a word of the description counts next to a word of the title.
TEXT_WEIGHT = 0.35
TEXT_CHARS = 600


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished task with the time it actually took."""

    id: int
    title: str
    minutes: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    task: Finished
    similarity: float


def tokenize(text: str) -> list[str]:
    """Lower-case content words, stemmed; stop words and single letters dropped."""
    return [stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOPWORDS]


def _bag(title: str, text: str) -> dict[str, float]:
    """Title words at full weight, description words at `TEXT_WEIGHT`."""
    bag: dict[str, float] = {}
    for token in tokenize(title):
        bag[token] = bag.get(token, 0.0) + 1.0
    for token in tokenize(text[:TEXT_CHARS]):
        bag[token] = bag.get(token, 0.0) + TEXT_WEIGHT
    return bag


def _vector(counts: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    return {t: n * idf[t] for t, n in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    if dot == 0.0:
        return 0.0
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm


def nearest(
    title: str,
    history: Sequence[Finished],
    *,
    text: str = "",
    k: int = MAX_NEIGHBOURS,
    min_similarity: float = MIN_SIMILARITY,
) -> list[Match]:
    """Up to `k` finished tasks most like `title` (and `text`), most similar first."""
    query = _bag(title, text)
    title_words = set(tokenize(title))
    if not title_words or not history:
        return []
    docs = [_bag(task.title, task.text) for task in history]
    df: Counter[str] = Counter()
    for doc in (query, *docs):
        df.update(doc.keys())
    n = len(docs) + 1
    idf = {t: math.log((n + 1) / (df[t] + 1)) + 1.0 for t in df}
    q = _vector(query, idf)
    length = len(title_words)
    scored = []
    for index, (task, doc) in enumerate(zip(history, docs, strict=True)):
        if not doc.keys() & query.keys():
            continue
        score = round(_cosine(q, _vector(doc, idf)), 3)
        if score < min_similarity:
            continue
        own = set(tokenize(task.title))
        # Ties: more of the query's title words shared, then a closer length, then the
        # more recent (history comes most recent first).
        closeness = (-len(own & title_words), abs(len(own) - length), index)
        scored.append((-score, closeness, Match(task, score)))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [m for _, _, m in scored[:k]]
