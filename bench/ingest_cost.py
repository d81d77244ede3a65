"""What embedding units costs at ingest: one corpus indexed three ways, side by side in one run.

    .venv/bin/python bench/ingest_cost.py [--set dev|sample] [--recipes chunks,units,embed] [--rounds 1]

- ``chunks``: chunk vectors only, no unit vectors (how ingest worked before units had vectors);
- ``units``: the default: every quotable unit embedded, a chunk's vector the mean of its units';
- ``embed``: the chunk's own text embedded as well as its units.

Each recipe indexes the whole corpus into a fresh data folder (the model loaded beforehand, so
its start-up is not counted); recipes alternate across rounds so that load on the shared
machine falls on all of them. Results: bench/results/ingest_cost.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import benchenv  # noqa: F401  (environment before the model loads)
from benchenv import ROOT, write_results
from kb_eval import DEV_DIR

import knowledge.kb as kb_module
from knowledge.embeddings import make_embedder
from knowledge.kb import KnowledgeBase
from knowledge.seed import SAMPLES_DIR
from knowledge.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("dev", "sample"), default="dev")
    parser.add_argument("--recipes", default="chunks,units,embed")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    corpus = DEV_DIR / "files" if args.set == "dev" else SAMPLES_DIR
    started = time.perf_counter()
    embedder = make_embedder(Settings.from_env())
    times: dict[str, list[float]] = {}
    texts: dict[str, int] = {}
    for _ in range(args.rounds):
        for recipe in args.recipes.split(","):
            kb_module.CHUNK_VECTORS = recipe
            folder = Path(tempfile.mkdtemp(prefix=f"ingest-{recipe}-"))
            kb = KnowledgeBase(Settings.from_env(data_dir=folder), embedder=embedder)
            embedded = 0

            def count(_name: str, done: int, total: int) -> None:
                nonlocal embedded
                embedded = max(embedded, total)

            start = time.perf_counter()
            results = kb.ingest([corpus], progress=count)
            seconds = time.perf_counter() - start
            assert not [r for r in results if r.status == "failed"], [r.line() for r in results]
            times.setdefault(recipe, []).append(seconds)
            texts[recipe] = embedded
            print(f"{recipe:<7} {seconds:7.1f} s  ({kb.catalog.counts()[1]} chunks)", flush=True)
            kb.close()
    base = statistics.median(times[args.recipes.split(",")[0]])
    summary = {
        recipe: {
            "seconds_median": round(statistics.median(t), 1),
            "runs": [round(x, 1) for x in t],
            "vs_first": round(statistics.median(t) / base, 2),
        }
        for recipe, t in times.items()
    }
    for recipe, row in summary.items():
        print(f"{recipe:<7} median {row['seconds_median']:.1f} s = {row['vs_first']:.2f}x")
    write_results(
        ROOT / "bench" / "results" / "ingest_cost.json",
        {"set": args.set, "corpus": str(corpus), "summary": summary},
        started,
    )


if __name__ == "__main__":
    main()
