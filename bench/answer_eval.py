"""Grounded answers on the evaluation set: refusal accuracy both ways, answer support, latency.

    .venv/bin/python bench/answer_eval.py [--index DIR] [--sweep]

- Refusals: answerable questions wrongly refused, and unanswerable ("none") questions wrongly
  answered, per language.
- Answer support: share of grounded answers to answerable questions whose cited snippets
  contain the evidence passage (whitespace ignored; 80% of it in one snippet counts).
- Latency of `answer()` in extractive mode, model already loaded (p50/p95).
``--sweep`` prints the refusal trade-off over a grid of thresholds, which is how
MIN_SIMILARITY and MIN_COVERAGE in knowledge/answer.py were chosen.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.retrieval_eval import build_index, load_questions  # noqa: E402
from knowledge import answer as answer_mod  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.lexical import tokenize, translate_tokens  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def supports(evidence: str, snippets: list[str]) -> bool:
    ev = _norm(evidence)
    for snippet in snippets:
        s = _norm(snippet)
        if ev in s:
            return True
        match = SequenceMatcher(None, ev, s, autojunk=False).find_longest_match(0, len(ev), 0, len(s))
        if match.size >= 0.8 * len(ev):
            return True
    return False


def features(kb: KnowledgeBase, question: str) -> tuple[float, float]:
    hits = kb.search(question, k=6)
    tokens = tokenize(question)
    doc_freq, total = kb.catalog.doc_freq(tokens + translate_tokens(tokens))
    return answer_mod.support_of(question, hits, answer_mod.idf_table(doc_freq, total))


def sweep(rows: list[dict]) -> None:
    """Refusal trade-off over thresholds of the combined support score."""
    n_ans = sum(1 for r in rows if r["type"] != "none")
    n_none = len(rows) - n_ans
    print("min_support  answerable-refused  none-answered")
    for step in range(250, 300):
        threshold = step / 100
        score = [(r, answer_mod.support_score(r["sim"], r["cov"])) for r in rows]
        wrong_refused = sum(1 for r, s in score if r["type"] != "none" and s < threshold)
        wrong_answered = sum(1 for r, s in score if r["type"] == "none" and s >= threshold)
        print(f"{threshold:11.2f}  {wrong_refused:3}/{n_ans}             {wrong_answered:3}/{n_none}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="data folder with the sample corpus (built if missing)")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    base = args.index or Path(tempfile.mkdtemp(prefix="answer-eval-"))
    if (base / "knowledge.db").exists():
        kb = KnowledgeBase(Settings.from_env(data_dir=base))
    else:
        kb, _seconds, _chunks = build_index("e5-small", base)
    questions = load_questions()
    kb.search("warm up", k=1)
    rows, latencies = [], []
    for q in questions:
        start = time.perf_counter()
        result = answer_mod.answer(kb, q["question"], asked_by="bench")
        latencies.append((time.perf_counter() - start) * 1000)
        sim, cov = features(kb, q["question"])
        rows.append(
            {
                "id": q["id"],
                "lang": q["lang"],
                "type": q["type"],
                "grounded": result.grounded,
                "supported": bool(q["evidence"]) and supports(q["evidence"], [c.text for c in result.citations]),
                "sim": round(sim, 4),
                "cov": round(cov, 4),
                "answer": result.text,
            }
        )
    if args.sweep:
        sweep(rows)
    summary: dict = {}
    for lang in ("zh", "en", "all"):
        mine = [r for r in rows if lang == "all" or r["lang"] == lang]
        answerable = [r for r in mine if r["type"] != "none"]
        unanswerable = [r for r in mine if r["type"] == "none"]
        grounded = [r for r in answerable if r["grounded"]]
        summary[lang] = {
            "answerable": len(answerable),
            "answerable_correct": sum(r["grounded"] for r in answerable),
            "unanswerable": len(unanswerable),
            "unanswerable_correct": sum(not r["grounded"] for r in unanswerable),
            "grounded_answers": len(grounded),
            "supported_answers": sum(r["supported"] for r in grounded),
        }
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[18]
    summary["latency_ms"] = {"p50": round(p50, 1), "p95": round(p95, 1), "chunks": kb.catalog.counts()[1]}
    print(json.dumps(summary, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "answers.json").write_text(
        json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
