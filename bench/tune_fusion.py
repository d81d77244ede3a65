"""Grid search of the fusion weights on the evaluation set (answerable questions only).

    .venv/bin/python bench/tune_fusion.py --index DIR   # DIR: a data folder with the samples indexed

The four ranked lists of every question are computed once; each weight setting is then
fused in memory. Settings are ranked by the lower of the zh and en hit@5 (neither language
may be sacrificed for the other), then by overall hit@5 and MRR@10. The chosen values are
the defaults of knowledge.retrieval.FusionWeights; BENCHMARKS.md records the run.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.retrieval_eval import _norm, load_questions, summarise  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.retrieval import FusionWeights, candidate_lists, fuse_lists  # noqa: E402
from knowledge.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--model", default="e5-small")
    args = parser.parse_args()
    kb = KnowledgeBase(Settings.from_env(data_dir=args.index, embedding_model=args.model))
    questions = [q for q in load_questions() if q["type"] != "none"]
    cached = []
    for q in questions:
        doc = kb.catalog.find_document(q["doc"])
        good = {c.chunk_id for c in kb.catalog.chunks_of(doc.id) if _norm(q["evidence"]) in _norm(c.text)}
        lists = candidate_lists(
            q["question"], catalog=kb.catalog, store=kb.store, embedder=kb.embedder, depth=30, cross_depth=30
        )
        cached.append((q, good, lists))
    grid = itertools.product(
        [60, 20, 10, 5, 2],
        [0.5, 0.7, 1.0],
        [0.0, 0.3, 0.5, 0.7, 1.0],
        [0.5, 0.7, 1.0, 1.5],
        [0.0, 0.3, 0.6],
        [5, 10, 30],
        [10, 30],
    )
    results = []
    for rrf_k, dense, dense_cross, lexical, lexical_cross, cross_n, n in grid:
        w = FusionWeights(
            dense=dense,
            dense_cross=dense_cross,
            lexical=lexical,
            lexical_cross=lexical_cross,
            rrf_k=rrf_k,
            cross_candidates=cross_n,
            candidates=n,
        )
        rows = []
        for q, good, lists in cached:
            fused = fuse_lists(lists, w)
            order = sorted(fused, key=lambda c: fused[c], reverse=True)[:10]
            rank = next((i for i, c in enumerate(order, 1) if c in good), None)
            rows.append({"lang": q["lang"], "type": q["type"], "rank": rank})
        s = summarise(rows)
        key = (min(s["zh"]["hit@5"], s["en"]["hit@5"]), s["all"]["hit@5"], s["all"]["mrr@10"])
        results.append((key, w, s))
    results.sort(key=lambda r: r[0], reverse=True)
    for key, w, s in results[:8]:
        print(key, w, "cross", s.get("cross", {}).get("hit@5"), "same", s.get("same", {}).get("hit@5"))
    defaults = [r for r in results if r[1] == FusionWeights()]
    if defaults:
        print("current defaults:", defaults[0][0], "rank", results.index(defaults[0]) + 1, "of", len(results))


if __name__ == "__main__":
    main()
