"""Support thresholds calibrated per knowledge base, from probes it makes from its own documents.

How well a passage must match before it counts as an answer depends on the documents: e5's
similarities sit higher among short Chinese regulations than among long English guides, and a
district's words are not ours. So after each ingest the knowledge base asks itself questions:

- answerable probes: pseudo-questions built from its own quotable sentences (a random half of
  a sentence's words, in order, mixed with as many words of another sentence), each answered by
  the passage it came from;
- unanswerable probes: off-topic questions from a bilingual pool that ships with the app, and
  near-miss shapes: a topic taken from its own documents with a detail nobody wrote ("the
  budget for {topic}"; ``calibration_probes.yaml``).

Each probe goes through the same search and measurement as a real question
(:class:`knowledge.evidence.Features`). A logistic model on those features, fitted on the
probes, gives each question a probability of being answerable; the thresholds for
"answered" and "related" are read off what the unanswerable probes reach
(:data:`ANSWER_FALSE_RATE`, :data:`RELATED_FALSE_RATE`). A question whose best passage is in
the other language has no lexical evidence: it is decided on meaning alone, against what the
unanswerable probes reach in that language.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.evidence import Features
from knowledge.lexical import tokenize

PROBES_FILE = Path(__file__).with_name("calibration_probes.yaml")
ANSWERABLE_PROBES = 60
# An answerable probe keeps this share of its sentence's words and adds this many foreign words per
# kept word. A third instead of a half, or twice the foreign words, moved neither development set
# clearly (BENCHMARKS.md "Answers").
PROBE_WORD_SHARE = 0.5
PROBE_FOREIGN_WORDS = 1.0
NEAR_MISS_PROBES = 40
# "answered" is given where at most this share of unanswerable probes would be answered, and
# "related" (rather than "not found") above what this share of them reach. Both are read off
# the unanswerable probes, which resemble real unanswerable questions closely; the answerable
# probes, words of a sentence, only set the model's direction (BENCHMARKS.md).
ANSWER_FALSE_RATE = 0.10
RELATED_FALSE_RATE = 0.50
META_KEY = "calibration"
VERSION = 6  # 6: a line that only gives a source link is no longer a unit the probes are made from

Measure = Callable[[str], Features]


@dataclass(frozen=True)
class Logistic:
    """p(answerable) = sigmoid(bias + weights . standardised features)."""

    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]

    def p(self, x: Sequence[float]) -> float:
        z = (np.asarray(x, dtype=float) - self.mean) / self.scale
        return float(1 / (1 + np.exp(-(self.bias + float(np.dot(self.weights, z))))))


@dataclass(frozen=True)
class Calibration:
    same: Logistic  # questions whose best passage is in their own language
    cross: Logistic  # ... in the other language: similarities only
    answer_at: dict[str, float]  # per model: p at or above which a question is answered
    related_at: dict[str, float]  # ... at or above which related passages are shown
    probes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    generation: str = ""  # the knowledge base's contents it was made for
    version: int = VERSION

    def decide(self, f: Features) -> tuple[str, float]:
        """("answered" | "related" | "not_found", probability) for one question's features."""
        which = "cross" if f.cross else "same"
        model = self.cross if f.cross else self.same
        x = f.vector(meaning_only=f.cross)
        if len(x) < len(model.mean):  # the reranker failed for this question: its score counts as usual
            x = x + model.mean[len(x) :]
        p = model.p(x[: len(model.mean)])
        # Across languages no word of the question can be in the quote, and meaning alone confirmed
        # no answer on either development set (every one it gave was wrong): related at most,
        # unless a reranker, which reads the question and the passage together, has scored it.
        confirmable = not f.cross or f.rerank is not None
        if p >= self.answer_at[which] and f.own_terms >= 0.5 and confirmable:
            return "answered", p
        if p >= self.related_at[which]:
            return "related", p
        return "not_found", p

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> Calibration | None:
        try:
            raw = json.loads(text)
            if raw.get("version") != VERSION:
                return None
            raw["same"] = Logistic(**raw["same"])
            raw["cross"] = Logistic(**raw["cross"])
            return Calibration(**raw)
        except (ValueError, TypeError, KeyError):
            return None


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> Logistic:
    """L2-regularised logistic regression by Newton's method (a handful of features)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    reg = np.eye(z.shape[1]) * l2
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + reg @ w
        hess = z.T @ (z * (p * (1 - p))[:, None]) + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return Logistic(list(map(float, w[1:])), float(w[0]), list(map(float, mean)), list(map(float, scale)))


def _thresholds(p_no: list[float]) -> tuple[float, float]:
    """(answer_at, related_at) read off the unanswerable probes' probabilities."""
    if not p_no:
        return 0.5, 0.5
    no = np.asarray(p_no)
    answer_at = max(float(np.quantile(no, 1 - ANSWER_FALSE_RATE)), 0.5)
    related_at = float(np.quantile(no, 1 - RELATED_FALSE_RATE))
    return answer_at, min(related_at, answer_at)


# ---------------------------------------------------------------------------- probes


def load_pool(path: Path = PROBES_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _words(text: str) -> list[str]:
    return [w for w in tokenize(text, characters=False, precise=True) if len(w) > 1 or w.isdigit()]


def answerable_probe(text: str, other: str, language: str, rng: random.Random) -> str | None:
    """A pseudo-question from a sentence: a random half of its words, in order, mixed with as
    many words of another sentence. People ask in their own words: about half of a real
    question's words are not in the sentence that answers it, and a probe made only of the
    sentence's words would teach the calibration that answers repeat the question."""
    words = _words(text)
    if len(words) < 4:
        return None
    keep = sorted(rng.sample(range(len(words)), max(2, int(len(words) * PROBE_WORD_SHARE))))
    chosen = [words[i] for i in keep]
    foreign = [w for w in _words(other) if w not in words]
    for word in rng.sample(foreign, min(len(foreign), int(len(chosen) * PROBE_FOREIGN_WORDS))):
        chosen.insert(rng.randrange(len(chosen) + 1), word)
    return ("".join(chosen) + "？") if language == "zh" else (" ".join(chosen) + "?")


def topic_of(text: str, language: str, rng: random.Random) -> str | None:
    """Two or three consecutive words of a sentence: a topic its documents talk about."""
    words = [w for w in tokenize(text, characters=False, precise=True) if len(w) > 1]
    if len(words) < 3:
        return None
    n = rng.choice((2, 3))
    start = rng.randrange(0, len(words) - n + 1)
    return ("".join if language == "zh" else " ".join)(words[start : start + n])


def make_probes(
    units: Sequence[tuple[str, str]], pool: dict[str, Any], seed: int = 13
) -> tuple[list[str], list[str], list[str]]:
    """(answerable, off-topic, near-miss) probe questions from the knowledge base's quotable
    units, given as (text, language)."""
    rng = random.Random(seed)
    sample = rng.sample(list(units), min(len(units), 4 * ANSWERABLE_PROBES))
    answerable: list[str] = []
    same_language = {lang: [t for t, u in units if u == lang] for lang in {u for _, u in units}}
    # A small knowledge base has few sentences: each gives several probes (other halves of its words).
    for text, language in (sample * (1 + 4 * ANSWERABLE_PROBES // max(1, len(sample))))[: 4 * ANSWERABLE_PROBES]:
        probe = answerable_probe(text, rng.choice(same_language[language]), language, rng)
        if probe and probe not in answerable:
            answerable.append(probe)
        if len(answerable) == ANSWERABLE_PROBES:
            break
    off_topic = [q for lang in ("zh", "en") for q in pool["off_topic"][lang]]
    near: list[str] = []
    for text, language in sample:
        if len(near) == NEAR_MISS_PROBES:
            break
        topic = topic_of(text, language, rng)
        if topic and language in pool["details"]:  # a sentence in a third language has no detail shapes
            near.append(rng.choice(pool["details"][language]).format(topic=topic))
    return answerable, off_topic, near


def calibrate(
    units: Sequence[tuple[str, str]], measure: Measure, generation: str = "", pool: dict[str, Any] | None = None
) -> Calibration:
    """Probe the knowledge base through ``measure`` (question -> features) and fit the models."""
    start = time.perf_counter()
    answerable, off_topic, near = make_probes(units, pool or load_pool())
    yes = [measure(q) for q in answerable]
    no = [measure(q) for q in off_topic + near]
    y = np.asarray([1.0] * len(yes) + [0.0] * len(no))
    same = fit_logistic(np.asarray([f.vector() for f in yes + no]), y)
    cross = fit_logistic(np.asarray([f.vector(meaning_only=True) for f in yes + no]), y)
    same_no = [same.p(f.vector()) for f in no]
    cross_no = [cross.p(f.vector(meaning_only=True)) for f in no if f.cross] or [
        cross.p(f.vector(meaning_only=True)) for f in no
    ]
    answer_same, related_same = _thresholds(same_no)
    answer_cross, related_cross = _thresholds(cross_no)
    return Calibration(
        same=same,
        cross=cross,
        answer_at={"same": answer_same, "cross": answer_cross},
        related_at={"same": related_same, "cross": related_cross},
        probes={"answerable": len(yes), "off_topic": len(off_topic), "near_miss": len(near)},
        seconds=round(time.perf_counter() - start, 1),
        generation=generation,
    )


# For an empty knowledge base (which answers nothing anyway): never read for a real decision.
DEFAULT = Calibration(
    same=Logistic([1.0, 1.0, 1.0], 0.0, [3.5, 0.85, 0.2], [1.0, 0.03, 0.2]),
    cross=Logistic([1.0, 1.0], 0.0, [3.5, 0.85], [1.0, 0.03]),
    answer_at={"same": 0.8, "cross": 0.8},
    related_at={"same": 0.3, "cross": 0.3},
)
