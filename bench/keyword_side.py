"""The keyword side of hybrid search, before and after, side by side in one process.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search_latency.py --keep /tmp/lat   # builds the synthetic indexes once
    HF_HUB_OFFLINE=1 .venv/bin/python bench/keyword_side.py --index /tmp/lat/kb-100000

1. ``Catalog.keyword_search`` in FTS5 against the SQL it replaced (join every match to ``chunks``,
   then rank), on the same tokens - the rows must be identical - and in the in-memory copy of the
   index (``knowledge.keyword_index``), which scores the same BM25 without SQL.
2. The whole hybrid search, keywords scored in memory, with the keyword lists run inline on the
   calling thread (as shipped) against the same search with them on a worker thread (as shipped
   while FTS5 scored them: it overlapped the slow keyword side with the query embedding).
Both alternate in blocks so machine noise falls on both sides alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchenv  # noqa: E402,F401  (sets the environment first)
from search_latency import FINGERPRINTS, load_queries  # noqa: E402

import knowledge.catalog as catalog_mod  # noqa: E402
import knowledge.retrieval as retrieval  # noqa: E402
from knowledge.kb import INDEX_RECIPE, KnowledgeBase  # noqa: E402
from knowledge.lexical import match_expression, tokenize  # noqa: E402
from knowledge.settings import Settings  # noqa: E402


def join_first(cat: catalog_mod.Catalog, tokens: list[str], limit: int) -> list[tuple[str, float]]:
    """The keyword query as it was: the same token choice, every match joined before the sort."""
    doc_freq, total = cat.doc_freq(tokens)
    if total >= catalog_mod.COMMON_TOKEN_MIN_CHUNKS:
        rare = [t for t in tokens if doc_freq.get(t, 0) <= total * catalog_mod.COMMON_TOKEN_SHARE]
        tokens = rare or sorted(tokens, key=lambda t: doc_freq.get(t, 0))[:3]
    present = sorted((t for t in dict.fromkeys(tokens) if doc_freq.get(t, 0) > 0), key=lambda t: doc_freq[t])
    expression = match_expression(present[: catalog_mod.MAX_MATCH_TOKENS])
    if not expression:
        return []
    rows = cat.db.execute(
        "SELECT c.chunk_id, -bm25(chunks_fts, 1.0, 0.5) FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
        "WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?",
        [expression, limit],
    ).fetchall()
    return [(r[0], float(r[1])) for r in rows]


def compare(runs: dict[str, Callable[[str], Any]], queries: list[str], rounds: int) -> None:
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            for q in queries:
                start = time.perf_counter()
                run(q)
                times[name].append(1000 * (time.perf_counter() - start))
    for name, values in times.items():
        values.sort()
        p95 = values[int(0.95 * len(values))]
        print(f"  {name}: p50 {statistics.median(values):.1f} ms, p95 {p95:.1f} ms ({len(values)} searches)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a folder built by search_latency.py --keep")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    kb = KnowledgeBase(Settings.from_env({}, data_dir=args.index, embedding_model="e5-small"))
    kb.catalog.set_meta("embedding_model", "e5-small")  # synthetic vectors: say which model they stand for
    kb.catalog.set_meta("embedding_fingerprint", FINGERPRINTS["e5-small"] + INDEX_RECIPE)
    queries = load_queries(50)
    tokens = {q: tokenize(q) for q in queries}
    t0 = time.perf_counter()
    kb.catalog.wait_for_keyword_index()
    print(f"in-memory keyword index built in {time.perf_counter() - t0:.1f} s")
    fts5 = {q: kb.catalog.keyword_search(tokens[q], 30, engine="fts5") for q in queries}
    same = sum(join_first(kb.catalog, tokens[q], 30) == fts5[q] for q in queries)
    print(f"{args.index}: identical keyword results (join first, rank first) for {same} of {len(queries)} queries")
    print("keyword query alone, top 30:")
    compare(
        {
            "FTS5, join first (session 2)": lambda q: join_first(kb.catalog, tokens[q], 30),
            "FTS5, rank first (session 3)": lambda q: kb.catalog.keyword_search(tokens[q], 30, engine="fts5"),
            "in-memory copy (now)": lambda q: kb.catalog.keyword_search(tokens[q], 30),
        },
        queries,
        args.rounds,
    )
    for q in queries:  # warm-up: model, HNSW segment, SQLite pages
        kb.search(q, k=5)
    pool, inline = retrieval._POOL, retrieval._INLINE

    def search_with(executor: Any) -> Callable[[str], Any]:
        def run(q: str) -> Any:
            retrieval._POOL = retrieval._INLINE = executor  # whichever the search picks
            try:
                return kb.search(q, k=5)
            finally:
                retrieval._POOL, retrieval._INLINE = pool, inline

        return run

    print("whole hybrid search, k=5, keywords scored in memory:")
    compare(
        {"keywords on a worker thread (session 3)": search_with(pool), "keywords inline (now)": search_with(inline)},
        queries,
        args.rounds,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
