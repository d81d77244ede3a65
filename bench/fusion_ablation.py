"""Fusion and word-table ablation for retrieval, on both development sets side by side.

    .venv/bin/python bench/fusion_ablation.py --sample DIR --dev DIR [--variants a,b,...]

Each DIR is a data folder indexed by ``bench/kb_eval.py --keep DIR`` for that set. Every
variant is one ``FusionWeights`` (the lists and their weights); hit@5 / MRR@10 per kind and
set are printed side by side and written to ``bench/results/fusion_ablation.json``. A list or
table earns its place only if it helps on both sets.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import benchenv  # noqa: F401  (environment before the model loads)
from kb_eval import RESULTS, load_set, retrieval

from knowledge.kb import KnowledgeBase
from knowledge.retrieval import DEFAULT_WEIGHTS, FusionWeights
from knowledge.settings import Settings

VARIANTS: dict[str, FusionWeights] = {
    "default: z-dense + keywords + best sentence + other language at 1/4": DEFAULT_WEIGHTS,
    "without the best-sentence list (session 5 default)": FusionWeights(units=0),
    "best-sentence list at 1/2": FusionWeights(units=0.5),
    "best-sentence list at 2": FusionWeights(units=2),
    "plain e5 cosine only (no fusion)": FusionWeights(z_dense=False, lexical=0, dense_cross=0, z_cross=0, units=0),
    "z-dense only": FusionWeights(lexical=0),
    "keywords only": FusionWeights(dense=0, z_cross=0),
    "default + glossary": FusionWeights(lexical_cross=1),
    "z-dense + keywords (no other-language list)": FusionWeights(z_cross=0),
    "z-dense + keywords + z-dense of the other language": FusionWeights(z_cross=1),
    "z-dense + keywords + z-dense other language at half weight": FusionWeights(z_cross=0.5),
    "raw dense only": FusionWeights(z_dense=False, lexical=0, dense_cross=0),
    "raw dense + keywords": FusionWeights(z_dense=False, dense_cross=0),
    "raw dense + keywords + dense_cross": FusionWeights(z_dense=False),
    "raw dense + keywords + dense_cross + glossary": FusionWeights(z_dense=False, lexical_cross=1),
    "previous default (tuned on the sample set)": FusionWeights(
        z_dense=False, dense=0.5, dense_cross=0.7, lexical=0.5, lexical_cross=0.3
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=Path, required=True)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--rrf-k", type=int, default=0, help="override every variant's rrf_k")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for set_name, folder in (("sample", args.sample), ("dev", args.dev)):
        kb = KnowledgeBase(Settings.from_env(data_dir=folder))
        questions = load_set(set_name)
        for name in args.variants.split(","):
            weights = VARIANTS[name]
            if args.rrf_k:
                weights = FusionWeights(**{**weights.__dict__, "rrf_k": args.rrf_k})
            summary = retrieval(kb, questions, "hybrid", weights=weights)["summary"]
            report.setdefault(name, {})[set_name] = summary
            line = " | ".join(f"{k} {v['hit@5']:.2f}/{v['mrr@10']:.2f}" for k, v in summary.items())
            print(f"{set_name:<6} {name:<46} {line}", flush=True)
        kb.close()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fusion_ablation.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
