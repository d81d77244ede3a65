"""Hybrid search: dense vectors and keywords, fused by reciprocal rank.

Four ranked lists feed the fusion:

1. dense, over every language at once, each chunk ranked by how far its cosine with the
   question stands above the question's cosines with ordinary chunks *of the same language*
   (a z-score against a sample of that language's chunks). A multilingual model scores any
   same-language passage above a passage in the other language, relevant or not, so ranking
   raw cosines never lets a Chinese question reach an English answer; within a language, the
   z-score keeps the cosine's order, and across languages it compares like with like;
2. keywords (BM25 over jieba words, CJK characters and stemmed English);
3. the same z-scored dense ranking restricted to the *other* language, at a quarter weight: the
   keyword list can only ever find passages in the question's language, and without this list
   it outvotes a good passage in the other language every time. At a quarter weight such a
   passage reaches the top five only when the dense side ranks it well too;
4. the candidates of the three lists again, each ranked by its *best sentence*: the z-score of
   its closest quotable unit (the vectors stored at ingest for quoting). A question usually asks
   about one detail, which a chunk's single vector averages away among everything else it says.

Each list contributes ``weight / (rrf_k + rank)``: three constants, ``rrf_k``, the other
language's weight and the best sentence's, each measured on both development sets
(BENCHMARKS.md "Retrieval"). The bilingual glossary's keyword list (``lexical_cross``) and the
language-partitioned dense list (``dense_cross``, used when no language sample is given) remain
as options for the ablation; off by default.
This one function is what the CLI, the chat and every later feature call.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from knowledge.catalog import Catalog, ChunkRecord, DocumentRecord
from knowledge.language import detect_language
from knowledge.lexical import tokenize, translate_tokens
from knowledge.store import VectorStore


@dataclass(frozen=True)
class FusionWeights:
    """The lists and their weights (BENCHMARKS.md "Retrieval" has the ablation)."""

    dense: float = 1.0
    dense_cross: float = 1.0  # only without a language sample (z-scored dense list)
    lexical: float = 1.0
    lexical_cross: float = 0.0  # the glossary's translations: helps the sample set only
    candidates: int = 30
    method: str = "rrf"  # or "score"
    rrf_k: int = 5  # small: with 30 candidates per list, k=60 flattens rank differences away
    cross_candidates: int = 10
    z_dense: bool = True  # rank dense hits by their z-score within their language (needs a sample)
    # The other language's z-scored dense hits as a list of their own. Chosen on the dev set (best
    # MRR, no hit@5 lost), confirmed on the sample set (cross-language hit@5 0.08 -> 0.25, zh and
    # en unchanged); weight 1 and 0.5 cost same-language questions on dev.
    z_cross: float = 0.25
    # The candidates of the lists above again, each ranked by its best sentence: the z-score of the
    # closest of its quotable units (vectors stored at ingest). A question asks about one detail,
    # and a chunk's single vector averages it with everything else the chunk says.
    # Chosen on dev (zh hit@5 0.79 -> 0.91, MRR of all 0.69 -> 0.76), confirmed on the sample set
    # (all 0.79 -> 0.82, MRR 0.67 -> 0.68; its English questions lost two of 20, BENCHMARKS.md).
    units: float = 1.0


DEFAULT_WEIGHTS = FusionWeights()


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc: str
    title: str
    kind: str
    page: int
    heading: str
    text: str
    language: str
    score: float  # fused score: only its order means something
    similarity: float  # cosine similarity of query and chunk vectors, in [-1, 1]
    lexical: float = 0.0  # BM25 score (0 when the chunk had no keyword match)
    sources: tuple[str, ...] = field(default=())
    rerank_score: float | None = None  # set when a reranker reordered the hits

    def as_json(self) -> dict[str, object]:
        return {
            "doc": self.doc,
            "title": self.title,
            "page": self.page,
            "score": round(self.score, 6),
            "similarity": round(self.similarity, 4),
            "text": self.text,
        }


RankedLists = dict[str, list[tuple[str, float]]]


class QueryEmbedder(Protocol):
    """All that search needs of an embedder."""

    def embed_query(self, text: str) -> np.ndarray: ...


def candidate_lists(
    query: str,
    *,
    catalog: Catalog,
    store: VectorStore,
    embedder: QueryEmbedder,
    mode: str = "hybrid",
    weights: FusionWeights = DEFAULT_WEIGHTS,
    reference: Reference | None = None,
    unit_reference: Reference | None = None,
) -> RankedLists:
    """The ranked lists that fusion combines, each (chunk_id, score) best first."""
    return _candidates(query, catalog, store, embedder, mode, weights, reference, unit_reference)[0]


# Per language: a sample of that language's chunk vectors (see :func:`z_dense`).
Reference = dict[str, np.ndarray]


def language_levels(qvec: np.ndarray, reference: Reference) -> dict[str, tuple[float, float]]:
    """(mean, spread) of the question's cosines with the reference vectors of each language;
    "" holds all languages together, for a language with too few vectors of its own."""
    qn = qvec / (float(np.linalg.norm(qvec)) or 1.0)
    levels: dict[str, tuple[float, float]] = {}
    pooled = []
    for language, matrix in reference.items():
        sims = matrix @ qn
        pooled.append(sims)
        levels[language] = (float(sims.mean()), max(float(sims.std()), 1e-3))
    if pooled:
        every = np.concatenate(pooled)
        levels[""] = (float(every.mean()), max(float(every.std()), 1e-3))
    return levels


def z_score(sim: float, language: str, levels: dict[str, tuple[float, float]]) -> float:
    """How far ``sim`` stands above the question's ordinary cosines in ``language`` (see
    :func:`language_levels`; a language without a sample of its own uses all of them)."""
    mean, spread = levels.get(language, levels.get("", (0.0, 1.0)))
    return (sim - mean) / spread


def z_dense(
    qvec: np.ndarray, per_language: dict[str, list[tuple[str, float]]], reference: Reference, n: int
) -> list[tuple[str, float]]:
    """One dense list over all languages, ranked by each chunk's z-score: its cosine against the
    question's cosines with ``reference``, the sample of chunks of its own language."""
    levels = language_levels(qvec, reference)
    merged = [(cid, z_score(sim, language, levels)) for language, items in per_language.items() for cid, sim in items]
    merged.sort(key=lambda item: item[1], reverse=True)
    return merged[:n]


def _candidates(
    query: str,
    catalog: Catalog,
    store: VectorStore,
    embedder: QueryEmbedder,
    mode: str,
    weights: FusionWeights,
    reference: Reference | None,
    unit_reference: Reference | None = None,
) -> tuple[RankedLists, np.ndarray]:
    """The ranked lists and the query vector (hits' similarities need it in every mode).

    While keyword scoring is left to FTS5 (a large index whose in-memory copy is still being
    built), the keyword lists are computed on a worker thread while this one embeds the query and
    asks the vector store: SQLite and the embedding engine both release the GIL, so a hybrid search
    costs about the slower of the two sides. The in-memory copy takes a few milliseconds, less
    than the hand-off saves: inline, a whole search at 100k chunks took 48.2 / 58.9 ms p50 / p95
    against 49.0 / 60.6 ms on the worker (``bench/keyword_side.py``)."""
    depth, cross_depth = weights.candidates, weights.cross_candidates
    language = detect_language(query)
    other = {"zh": "en", "en": "zh"}.get(language) if mode == "hybrid" else None
    glossary = other if weights.lexical_cross else None
    lexical = None
    if mode in ("hybrid", "lexical"):
        pool = _INLINE if catalog.keywords_in_memory else _POOL
        lexical = pool.submit(_keyword_lists, query, catalog, glossary, depth, cross_depth)
    lists: RankedLists = {}
    try:
        qvec = embedder.embed_query(query)
        if mode in ("hybrid", "dense"):
            if reference:
                buckets = store.query_buckets(qvec, depth)
                lists["dense"] = z_dense(qvec, buckets, reference, depth)
                if other and weights.z_cross:
                    lists["z_cross"] = z_dense(qvec, {other: buckets[other]}, reference, cross_depth)
            else:
                lists["dense"] = store.query(qvec, depth)
                if other and weights.dense_cross:
                    lists["dense_cross"] = store.query(qvec, cross_depth, other)
    finally:
        if lexical is not None:
            lists.update(lexical.result())  # waited for even when the dense side failed
    if mode == "hybrid" and weights.units and unit_reference:
        found = dict.fromkeys(cid for name in ("dense", "lexical", "z_cross") for cid, _ in lists.get(name, []))
        lists["units"] = best_units(qvec, catalog, list(found), unit_reference)
    return lists, qvec


def best_units(
    qvec: np.ndarray, catalog: Catalog, ids: list[str], unit_reference: Reference
) -> list[tuple[str, float]]:
    """``ids`` ranked by the z-score of their closest quotable unit within its language (one list
    over both languages, as the z-scored dense list is)."""
    vectors = catalog.sentence_vectors(ids)
    records = catalog.chunks_by_ids(list(vectors))
    levels = language_levels(qvec, unit_reference)
    qn = qvec / (float(np.linalg.norm(qvec)) or 1.0)
    ranked = []
    for cid, units in vectors.items():
        if cid not in records or not units:
            continue
        matrix = np.stack(list(units.values()))
        sims = matrix @ qn / np.maximum(np.linalg.norm(matrix, axis=1), 1e-9)
        ranked.append((cid, z_score(float(sims.max()), records[cid].language, levels)))
    ranked.sort(key=lambda item: item[1], reverse=True)
    return ranked


# Shared by all sessions of the process; a search holds one worker only for its keyword queries.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keywords")


class _Inline:
    """Runs the keyword lists on the calling thread, with the pool's interface."""

    def submit(self, fn: Callable[..., RankedLists], *args: Any) -> Future[RankedLists]:
        future: Future[RankedLists] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # raised where the pool's future would raise it: at result()
            future.set_exception(exc)
        return future


_INLINE = _Inline()


def _keyword_lists(query: str, catalog: Catalog, glossary: str | None, depth: int, cross_depth: int) -> RankedLists:
    tokens = tokenize(query)
    lists: RankedLists = {"lexical": catalog.keyword_search(tokens, depth)}
    translated = translate_tokens(tokens) if glossary else []
    if translated:
        lists["lexical_cross"] = catalog.keyword_search(translated, cross_depth, language=glossary)
    return lists


# A list that only rescues chunks the general list it stands beside missed.
_RESCUES = {"dense_cross": "dense", "lexical_cross": "lexical"}


def fuse_lists(lists: RankedLists, weights: FusionWeights) -> dict[str, float]:
    """Fused score per chunk. A cross-language list only rescues chunks its general list missed:
    a chunk already in the general list's top ``cross_candidates`` is not counted twice (in a
    small knowledge base every chunk is in every list)."""
    ranked = []
    for name, weight in (
        ("dense", weights.dense),
        ("lexical", weights.lexical),
        ("dense_cross", weights.dense_cross),
        ("lexical_cross", weights.lexical_cross),
        ("z_cross", weights.z_cross),
        ("units", weights.units),
    ):
        results = lists.get(name, [])
        if name in _RESCUES:
            known = {cid for cid, _ in lists.get(_RESCUES[name], [])[: weights.cross_candidates]}
            results = [item for item in results[: weights.cross_candidates] if item[0] not in known]
        else:
            results = results[: weights.candidates]
        ranked.append((name, weight, results))
    return _fuse(ranked, weights.method, weights.rrf_k)


def hybrid_search(
    query: str,
    *,
    catalog: Catalog,
    store: VectorStore,
    embedder: QueryEmbedder,
    k: int = 5,
    mode: str = "hybrid",
    weights: FusionWeights = DEFAULT_WEIGHTS,
    reference: Reference | None = None,
    unit_reference: Reference | None = None,
) -> list[Hit]:
    """The ``k`` best chunks for ``query``; ``mode`` is 'hybrid', 'dense' or 'lexical' (for evaluation)."""
    query = query.strip()
    if not query or k <= 0:
        return []
    lists, qvec = _candidates(
        query, catalog, store, embedder, mode, weights, reference if weights.z_dense else None, unit_reference
    )
    fused = fuse_lists(lists, weights)
    sources: dict[str, list[str]] = {}
    for name, results in lists.items():
        for chunk_id, _score in results:
            if chunk_id in fused:
                sources.setdefault(chunk_id, []).append(name)
    bm25 = dict(lists.get("lexical", []))
    order = sorted(fused, key=lambda cid: fused[cid], reverse=True)
    # Vectors of orphaned chunks (a crash between the two stores) are not in the catalogue: skip them.
    records = catalog.chunks_by_ids(order[: k * 3])
    chosen = [cid for cid in order if cid in records][:k]
    if not chosen:
        return []
    docs = catalog.documents_by_id({records[c].doc_id for c in chosen})
    sims = _similarities(store, qvec, chosen)
    return [
        _hit(records[c], docs[records[c].doc_id], fused[c], sims.get(c, 0.0), bm25.get(c, 0.0), sources[c])
        for c in chosen
    ]


def _fuse(ranked: list[tuple[str, float, list[tuple[str, float]]]], method: str, rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion ('rrf'), or a weighted sum of scores scaled to [0, 1]
    within each list ('score'), which keeps how much better the first result is."""
    fused: dict[str, float] = {}
    for _name, weight, results in ranked:
        if not results:
            continue
        if method == "rrf":
            contributions = [(cid, weight / (rrf_k + rank)) for rank, (cid, _s) in enumerate(results, start=1)]
        else:
            top, bottom = results[0][1], results[-1][1]
            span = (top - bottom) or 1.0
            contributions = [(cid, weight * (score - bottom) / span) for cid, score in results]
        for cid, value in contributions:
            fused[cid] = fused.get(cid, 0.0) + value
    return fused


def _similarities(store: VectorStore, qvec: np.ndarray, ids: list[str]) -> dict[str, float]:
    qnorm = float(np.linalg.norm(qvec)) or 1.0
    return {
        cid: float(vector @ qvec / ((float(np.linalg.norm(vector)) or 1.0) * qnorm))
        for cid, vector in store.vectors(ids).items()
    }


def _hit(
    chunk: ChunkRecord, doc: DocumentRecord, score: float, similarity: float, lexical: float, sources: list[str]
) -> Hit:
    return Hit(
        chunk_id=chunk.chunk_id,
        doc=doc.doc,
        title=doc.title,
        kind=doc.kind,
        page=chunk.page,
        heading=chunk.heading,
        text=chunk.text,
        language=chunk.language,
        score=score,
        similarity=similarity,
        lexical=lexical,
        sources=tuple(sources),
    )
