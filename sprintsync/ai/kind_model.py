"""What kind of work a title describes, by a linear model over its words and the rules' evidence.

The keyword and phrase rules in `kinds.py` are explainable but brittle: on titles written by
people who never read them they were right about three times in four. This model reads the
same title three ways — its word stems and stem pairs, the character pieces of its words
(so typos and unknown compounds still count), and the rules' evidence for each kind — and
weighs them with weights fitted on the labelled titles in `tests/ai/eval/` (a linear support
vector machine; `make train-kinds` fits them again, `tests/ai/eval/train.py` says how). The
weights ship as `kind_model.json.gz`; reading a title is a few hundred dictionary lookups, no
numerical library at run time.

It answers a kind, or "vague" for a title too thin to scope; `detect_kind` then still gives a
kind and `is_vague` says so, the two questions the writer and the provider ask.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from sprintsync.ai import kinds
from sprintsync.ai.schemas import TaskKind

MODEL_PATH = Path(__file__).with_name("kind_model.json.gz")
VAGUE = "vague"
# The rules' evidence enters scaled down: it tips a close call, it does not outvote the words.
RULE_WEIGHT = 0.05
# The rules' yes/no "too thin to scope" counts like ten points of evidence: a bare "Performance"
# has no kind evidence at all, so only this flag speaks for it among the rules.
VAGUE_RULE_WEIGHT = 0.5
_PIECES = range(2, 6)  # character pieces of 2 to 5 letters, taken inside each word


def _normalised(counts: Counter[str]) -> dict[str, float]:
    """Sublinear counts (1 + ln n), scaled to unit length so long texts weigh no more."""
    values = {key: 1.0 + math.log(n) for key, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {key: v / norm for key, v in values.items()}


def _word_counts(title: str, context: str) -> Counter[str]:
    title_stems = kinds.stems(title)
    counts: Counter[str] = Counter(f"w:{s}" for s in title_stems)
    counts.update(f"b:{a}_{b}" for a, b in pairwise(title_stems))
    if title_stems:
        counts[f"f:{title_stems[0]}"] += 1
    counts.update(f"d:{s}" for s in kinds.stems(context))
    if not context.strip():
        counts["x:no_context"] += 1
    counts[f"x:words_{min(len(title_stems), 6)}"] += 1
    return counts


def _piece_counts(title: str, context: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in f"{title} {context}".lower().split():
        padded = f" {word} "
        for n in _PIECES:
            counts.update(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return counts


def features(title: str, context: str = "") -> dict[str, float]:
    """The title's features: words, word pieces and the rules' evidence, by name."""
    found = _normalised(_word_counts(title, context))
    found.update(_normalised(_piece_counts(title, context)))
    for kind, score in kinds.evidence(title, context).items():
        found[f"r:{kind}"] = score * RULE_WEIGHT
    found[f"r:{VAGUE}"] = float(kinds.rule_vague(title, context)) * VAGUE_RULE_WEIGHT
    return found


@dataclass(frozen=True, slots=True)
class LinearModel:
    """One weight per feature and label plus a bias per label; the highest sum wins."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    def scores(self, found: Mapping[str, float]) -> dict[str, float]:
        totals = list(self.bias)
        for name, value in found.items():
            row = self.weights.get(name)
            if row is not None:
                for i, weight in enumerate(row):
                    totals[i] += weight * value
        return dict(zip(self.labels, totals, strict=True))

    def to_json(self) -> dict[str, object]:
        return {"labels": list(self.labels), "bias": list(self.bias), "weights": self.weights}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> LinearModel:
        labels = tuple(str(label) for label in data["labels"])  # type: ignore[attr-defined]
        bias = tuple(float(b) for b in data["bias"])  # type: ignore[attr-defined]
        raw: Mapping[str, list[float]] = data["weights"]  # type: ignore[assignment]
        return cls(labels, bias, {name: tuple(row) for name, row in raw.items()})


@cache
def model() -> LinearModel:
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as fh:
        return LinearModel.from_json(json.load(fh))


@lru_cache(maxsize=2048)
def label(title: str, context: str = "") -> str:
    """The kind of work (a `TaskKind` value), or "vague" for a title too thin to scope."""
    scores = model().scores(features(title, context))
    return max(scores, key=scores.__getitem__)


def detect_kind(title: str, context: str = "") -> TaskKind:
    """The kind of work; for a vague title, whatever its few words suggest to the rules (a
    feature when nothing does): the model learnt such titles as vague, not as a kind."""
    found = label(title, context)
    return kinds.rule_kind(title, context) if found == VAGUE else TaskKind(found)


def is_vague(title: str, context: str = "") -> bool:
    """Too thin to scope: the draft asks clarifying questions instead of inventing scope."""
    return label(title, context) == VAGUE
