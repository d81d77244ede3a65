"""What the retrieved passages offer as evidence for a question, measured, and the quotes chosen.

Every quotable unit of the top passages (:mod:`knowledge.quotes`) is scored by meaning (the
cosine between the question's vector and the unit's vector, stored at ingest, as a z-score
within the unit's language) plus lexical evidence (the share of the question's rarer words the
unit contains). The same measurements,
as :class:`Features`, are what a knowledge base's calibration (:mod:`knowledge.calibration`)
turns into one of three outcomes. No table of cue words: the vectors carry the meaning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.language import detect_language
from knowledge.lexical import in_dictionary, is_cjk, subwords, tokenize
from knowledge.quotes import NUMBERING, Unit, quotable
from knowledge.retrieval import Hit, z_score

# A unit's score: z + LEXICAL_WEIGHT * coverage. Chosen on the dev set, confirmed on the sample
# set (BENCHMARKS.md "Quotes chosen by meaning").
LEXICAL_WEIGHT = 1.0
MAX_QUOTES = 3
# A later quote is kept only while its score is within this of the best one's.
QUOTE_MARGIN = 1.0
# Two units whose vectors are this close say the same thing: one quote is enough (the policy's).
SAME_MEANING = 0.95
CONTEXT_WEIGHT = 0.5  # a question word found only in the unit's heading, title or lead-in
TOP_PASSAGES = 3  # passage-level features look at this many hits


def ui_language(text: str) -> str:
    return "zh" if detect_language(text) == "zh" else "en"


# ---------------------------------------------------------------------------- question words

_POSSESSIVE = re.compile(r"'s?$")
_AGENT = re.compile(r"(?<=[a-z]{4})(?:er|or)$")


def question_weights(query: str, idf: dict[str, float]) -> dict[str, float]:
    """The question's words (no single characters), weighted by their rarity in this knowledge
    base: a word every passage has says nothing about which one answers."""
    weights: dict[str, float] = {}
    for token in _question_tokens(query, idf):
        token = _POSSESSIVE.sub("", token)  # "citizen's" (kept so by the keyword index) -> citizen
        weights[token] = max(weights.get(token, 0.0), idf.get(token, 1.0))
    return weights


def _question_tokens(query: str, idf: dict[str, float]) -> list[str]:
    """The question's words; a word jieba only guessed (its HMM glues characters across a word
    boundary) that neither its dictionary nor the knowledge base knows is taken as its characters."""
    unknown = max(idf.values(), default=0.0)
    tokens: list[str] = []
    for token in tokenize(query, characters=False, precise=True):
        if len(token) > 1 and is_cjk(token) and idf.get(token, -1.0) >= unknown and not in_dictionary(token):
            tokens.extend(ch for ch in token if ch in idf)
        else:
            tokens.append(token)
    return list(dict.fromkeys(tokens))


@lru_cache(maxsize=8192)
def _present(text: str) -> frozenset[str]:
    """The words of a text as coverage compares them (passages recur from question to question,
    and cutting Chinese is the costly part)."""
    present = {_POSSESSIVE.sub("", t) for t in tokenize(text)}
    present |= {_AGENT.sub("", t) for t in present if _AGENT.search(t)}  # reviewer -> review
    return frozenset(present | {_fold(t) for t in present})


def _fold(token: str) -> str:
    """The light stemmer leaves "change" but makes "changed" "chang": both compare as "chang"."""
    return token[:-1] if len(token) > 4 and token.endswith("e") and token.isascii() else token


def coverage(weights: dict[str, float], text: str, *, context: str = "") -> float:
    """Share of the question's (IDF-weighted) words that the text contains; a compound partly
    there ("网民留言" where the text says "留言") counts for the share of its parts found. Across
    languages it is near 0 (the glossary's translations changed nothing on either development
    set, BENCHMARKS.md): the calibration decides such a question on meaning alone."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = _present(text) | _present(context) if context else _present(text)

    def has(token: str) -> bool:
        return token in present or _fold(token) in present

    found = 0.0
    for token, weight in weights.items():
        if has(token):
            found += weight
        elif parts := subwords(token):
            found += weight * sum(1 for p in parts if has(p)) / len(parts)
    return found / total


def idf_table(doc_freq: dict[str, int], total: int) -> dict[str, float]:
    return {t: math.log(1 + (total - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


# ---------------------------------------------------------------------------- units and features


@dataclass(frozen=True)
class Candidate:
    hit_index: int
    text: str
    language: str
    kind: str  # the document's kind: policy, manual, post
    similarity: float  # cosine of question and unit vectors
    z: float  # that cosine against the question's cosines with ordinary units of the unit's language
    coverage: float  # the question's words in the unit (in its heading or lead-in: part credit)
    score: float
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Features:
    """What a knowledge base's calibration decides on (see :mod:`knowledge.calibration`)."""

    sentence_similarity: float  # best unit z (see :func:`score_units`)
    passage_similarity: float  # best passage cosine of the top passages, as a z against the same units
    sentence_coverage: float  # coverage of the best-scored unit
    passage_coverage: float  # best coverage of a top passage with its title and heading
    cross: bool  # the best unit is in the other language: lexical evidence cannot exist
    own_terms: float = 1.0  # share of a follow-up's own words in the quotes (1 for a standalone question)
    # The best unit's plain cosine: in a knowledge base of a few documents the z-score's reference
    # is the candidates themselves, and the best one's z is about the same for any question.
    sentence_cosine: float = 0.0
    rerank: float | None = None  # the reranker's score of the best passage, when one is configured

    def vector(self, *, meaning_only: bool = False) -> list[float]:
        """The calibration's inputs; ``meaning_only`` for a question answered across languages,
        where no word of the question can be in the passage. The passage-level measurements are
        kept for the record: with them the calibration did worse on both development sets
        (BENCHMARKS.md "Refusal calibration")."""
        x = [self.sentence_similarity, self.sentence_cosine]
        if not meaning_only:
            x.append(self.sentence_coverage)
        return x + ([self.rerank] if self.rerank is not None else [])


def score_units(
    query: str,
    qvec: np.ndarray,
    hits: Sequence[Hit],
    vectors: dict[str, dict[tuple[int, int], np.ndarray]],
    idf: dict[str, float],
    levels: dict[str, tuple[float, float]],
    embed: Callable[[list[str]], Any] | None = None,
) -> list[Candidate]:
    """Every quotable unit of the passages, scored by meaning and words, best first.

    Meaning is a z-score: how far the unit's cosine with the question stands above the
    question's cosines with ordinary units of the same language (``levels``, from
    :func:`knowledge.retrieval.language_levels`). e5's cosines
    sit at a level that depends on the corpus and on the language pair (an English passage
    scores lower for a Chinese question however well it answers), so a raw cosine threshold
    does not carry over from one knowledge base to the next, and a raw cosine never picks the
    other language's answer. A unit without a stored vector (a data folder indexed before units
    had vectors) is embedded now through ``embed`` (a callable taking a list of texts)."""
    weights = question_weights(query, idf)
    pending: list[tuple[int, Hit, Unit]] = []
    rows: list[tuple[int, Hit, Unit, np.ndarray | None]] = []
    for index, hit in enumerate(hits):
        stored = vectors.get(hit.chunk_id, {})
        for unit in quotable(hit.text, hit.title, hit.heading):
            vec = stored.get((unit.start, unit.end))
            rows.append((index, hit, unit, vec))
            if vec is None:
                pending.append((len(rows) - 1, hit, unit))
    if pending and embed is not None:
        fresh = embed([u.text for _, _, u in pending])
        for (row, hit, unit), vec in zip(pending, fresh, strict=True):
            rows[row] = (rows[row][0], hit, unit, np.asarray(vec, dtype=np.float32))
    qn = qvec / (float(np.linalg.norm(qvec)) or 1.0)
    candidates = []
    for index, hit, unit, vec in rows:
        sim = float(vec @ qn / (float(np.linalg.norm(vec)) or 1.0)) if vec is not None else hit.similarity
        z = z_score(sim, hit.language, levels)
        own = coverage(weights, unit.text)
        with_context = coverage(weights, unit.text, context=unit.context)
        cover = own + CONTEXT_WEIGHT * (with_context - own)
        candidates.append(
            Candidate(
                index,
                unit.text,
                hit.language,
                hit.kind,
                sim,
                z,
                cover,
                z + LEXICAL_WEIGHT * cover,
                vec,
            )
        )
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates


def features(
    query: str,
    hits: Sequence[Hit],
    candidates: Sequence[Candidate],
    idf: dict[str, float],
    own_terms: Sequence[str] = (),
    passage_level: float = 0.0,
) -> Features:
    if not hits or not candidates:
        return Features(0.0, passage_level, 0.0, 0.0, False, 0.0)
    language = ui_language(query)
    weights = question_weights(query, idf)
    passage_cov = max(coverage(weights, f"{h.title} {h.heading} {h.text}") for h in hits[:TOP_PASSAGES])
    best = candidates[0]
    own = 1.0
    if own_terms:
        own_weights = {t: idf.get(t, 1.0) for t in own_terms}
        own = max(coverage(own_weights, c.text) for c in candidates[:MAX_QUOTES])
    scores = [h.rerank_score for h in hits if h.rerank_score is not None]
    return Features(
        rerank=max(scores) if scores else None,
        sentence_similarity=max(c.z for c in candidates),
        sentence_cosine=max(c.similarity for c in candidates),
        passage_similarity=passage_level,
        sentence_coverage=best.coverage,
        passage_coverage=passage_cov,
        cross=best.language != language,
        own_terms=own,
    )


# ---------------------------------------------------------------------------- quantities


@lru_cache(maxsize=1)
def _quantity_patterns() -> dict[str, re.Pattern[str]]:
    raw = yaml.safe_load(Path(__file__).with_name("quantities.yaml").read_text(encoding="utf-8"))
    return {
        key: re.compile("|".join(f"(?:{p})" for p in (v.values() if isinstance(v, dict) else [v])), re.IGNORECASE)
        for key, v in raw.items()
    }


def asks_quantity(question: str) -> bool:
    """The question asks how many, how long, how often (``quantities.yaml``)."""
    return bool(_quantity_patterns()["asks"].search(question))


@lru_cache(maxsize=8192)
def states_quantity(text: str) -> bool:
    """The text states a number, an amount, a span or a frequency (a clause number is none)."""
    patterns = _quantity_patterns()
    return bool(patterns["states"].search(patterns["ignore"].sub(" ", text)))


def arrange(candidates: Sequence[Candidate], *, quantity: bool = False) -> list[Candidate]:
    """The candidates in the order an answer considers them, the one to lead it first: for a
    question that asks for a quantity, the units that state one come first, each group by score
    (a unit without the number cannot answer it)."""
    ordered = list(candidates)
    if quantity:
        ordered.sort(key=lambda c: not states_quantity(c.text))  # stable: by score within each group
    return ordered


# ---------------------------------------------------------------------------- choosing quotes


def choose(candidates: Sequence[Candidate], limit: int = MAX_QUOTES) -> list[Candidate]:
    """The quotes, in the order of ``candidates`` (see :func:`arrange`): in the language of the
    first one, none that says the same as one already chosen (when a policy and an example post
    say the same, the policy's), and none far behind the first."""
    if not candidates:
        return []
    best = candidates[0]
    pool = [c for c in candidates if c.language == best.language and c.score >= best.score - QUOTE_MARGIN]
    chosen: list[Candidate] = []
    for c in pool:
        if len(chosen) == limit:
            break
        twin = next((i for i, o in enumerate(chosen) if _same(c, o)), None)
        if twin is None:
            chosen.append(c)
        elif chosen[twin].kind != "policy" and c.kind == "policy":
            chosen[twin] = c  # the rule itself, not the post that repeats it
    return chosen


def _same(a: Candidate, b: Candidate) -> bool:
    if a.text in b.text or b.text in a.text:
        return True
    if _plain(a.text) == _plain(b.text):
        return True
    if a.vector is None or b.vector is None:
        return False
    cos = float(a.vector @ b.vector / ((float(np.linalg.norm(a.vector)) * float(np.linalg.norm(b.vector))) or 1.0))
    return cos >= SAME_MEANING


def _plain(text: str) -> str:
    return re.sub(r"\W+", "", NUMBERING.sub("", text, count=1)).lower()
