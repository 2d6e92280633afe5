"""Which finished tasks are like this one: TF-IDF cosine similarity over task titles.

Titles are short, so plain token overlap would treat "fix" or "add" as strongly as the
words that say what the task is about; inverse document frequency over the team's own
history down-weights the words every title shares. A crude suffix stemmer makes "export",
"exports" and "exporting" one word. Pure Python and bounded by the caller (a few hundred
titles), so it is cheap enough to run inside a request.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MIN_SIMILARITY = 0.2
MAX_NEIGHBOURS = 5

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORD_TEXT = """a an the and or of for to in on at by with from into onto via as is are be it
    its this that these those we our us you your i my me when if then than so not no do does
    did can should must will would new some all any up out about after before over under per
    vs"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = ("ing", "ed", "es", "s")


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished task with the time it actually took."""

    id: int
    title: str
    minutes: int


@dataclass(frozen=True, slots=True)
class Match:
    task: Finished
    similarity: float


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case content words, stemmed; stop words and single letters dropped."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOPWORDS]


def _vector(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
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
    k: int = MAX_NEIGHBOURS,
    min_similarity: float = MIN_SIMILARITY,
) -> list[Match]:
    """Up to `k` finished tasks whose titles are most like `title`, most similar first."""
    query = Counter(tokenize(title))
    if not query or not history:
        return []
    docs = [Counter(tokenize(task.title)) for task in history]
    df: Counter[str] = Counter()
    for doc in (query, *docs):
        df.update(doc.keys())
    n = len(docs) + 1
    idf = {t: math.log((n + 1) / (df[t] + 1)) + 1.0 for t in df}
    q = _vector(query, idf)
    scored = [
        Match(task, round(_cosine(q, _vector(doc, idf)), 3))
        for task, doc in zip(history, docs, strict=True)
        if doc.keys() & query.keys()
    ]
    scored = [m for m in scored if m.similarity >= min_similarity]
    scored.sort(key=lambda m: (-m.similarity, -m.task.id))
    return scored[:k]
