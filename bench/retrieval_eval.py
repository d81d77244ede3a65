"""Retrieval quality on the bilingual evaluation set: hit@5 and MRR@10 per language.

    .venv/bin/python bench/retrieval_eval.py [--models e5-small,minilm] [--modes dense,lexical,hybrid]

Indexes the sample knowledge base once per embedding model (in a temporary data folder),
then asks every question in bench/eval/questions-*.jsonl. A hit is a retrieved chunk of
the expected document whose text contains the evidence passage (whitespace ignored).
Questions with no answer in the corpus (type "none") are skipped here; they calibrate
refusals in the answer benchmark. Results go to bench/results/retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.retrieval import FusionWeights  # noqa: E402
from knowledge.seed import seed_samples  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

EVAL_DIR = ROOT / "bench" / "eval"
RESULTS = ROOT / "bench" / "results"


def load_questions() -> list[dict]:
    questions = []
    for path in sorted(EVAL_DIR.glob("questions-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line))
    return questions


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def first_relevant_rank(hits, question: dict) -> int | None:
    evidence = _norm(question["evidence"])
    for rank, hit in enumerate(hits, start=1):
        if hit.doc == question["doc"] and evidence in _norm(hit.text):
            return rank
    return None


def evaluate(kb: KnowledgeBase, questions: list[dict], mode: str, weights: FusionWeights) -> dict:
    rows = []
    for q in questions:
        hits = kb.search(q["question"], k=10, mode=mode, weights=weights)
        rank = first_relevant_rank(hits, q)
        rows.append({"id": q["id"], "lang": q["lang"], "type": q["type"], "rank": rank})
    return {"summary": summarise(rows), "rows": rows}


def summarise(rows: list[dict]) -> dict:
    groups: dict[str, list[dict]] = {"all": rows}
    for row in rows:
        groups.setdefault(row["lang"], []).append(row)
        groups.setdefault(f"{row['type']}", []).append(row)
        groups.setdefault(f"{row['lang']}-{row['type']}", []).append(row)
    out = {}
    for name, items in sorted(groups.items()):
        hit5 = sum(1 for r in items if r["rank"] and r["rank"] <= 5) / len(items)
        mrr = sum(1 / r["rank"] for r in items if r["rank"]) / len(items)
        out[name] = {"n": len(items), "hit@5": round(hit5, 3), "mrr@10": round(mrr, 3)}
    return out


def build_index(model: str, data_dir: Path) -> tuple[KnowledgeBase, float, int]:
    kb = KnowledgeBase(Settings.from_env(data_dir=data_dir, embedding_model=model))
    start = time.perf_counter()
    results = seed_samples(kb, force=True)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise SystemExit(f"sample corpus failed to index: {[r.line() for r in failed]}")
    return kb, time.perf_counter() - start, kb.catalog.counts()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="e5-small,minilm")
    parser.add_argument("--modes", default="dense,lexical,hybrid")
    parser.add_argument("--method", default=None, help="fusion method override: rrf or score")
    parser.add_argument("--keep", type=Path, help="keep the index in this folder (reused if present)")
    args = parser.parse_args()
    questions = [q for q in load_questions() if q["type"] != "none"]
    weights = FusionWeights(**({"method": args.method} if args.method else {}))
    report: dict = {"questions": len(questions), "weights": weights.__dict__, "models": {}}
    for model in args.models.split(","):
        base = args.keep / model if args.keep else Path(tempfile.mkdtemp(prefix=f"eval-{model}-"))
        if args.keep and (base / "knowledge.db").exists():
            kb = KnowledgeBase(Settings.from_env(data_dir=base, embedding_model=model))
            seconds, chunks = 0.0, kb.catalog.counts()[1]
        else:
            kb, seconds, chunks = build_index(model, base)
        entry = {"index_seconds": round(seconds, 1), "chunks": chunks, "modes": {}}
        for mode in args.modes.split(","):
            result = evaluate(kb, questions, mode, weights)
            entry["modes"][mode] = result
            s = result["summary"]
            print(
                f"{model:<9} {mode:<8} all hit@5={s['all']['hit@5']:.3f} mrr={s['all']['mrr@10']:.3f} | "
                f"zh {s['zh']['hit@5']:.3f}/{s['zh']['mrr@10']:.3f} | en {s['en']['hit@5']:.3f}/{s['en']['mrr@10']:.3f}"
                f" | cross {s.get('cross', {}).get('hit@5', 0):.3f}",
                flush=True,
            )
        report["models"][model] = entry
        kb.close()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retrieval.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
