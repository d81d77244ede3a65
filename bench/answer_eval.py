"""Grounded answers on the evaluation set: refusal accuracy both ways, answer support, latency.

    .venv/bin/python bench/answer_eval.py [--index DIR] [--sweep]

- Refusals: answerable questions wrongly refused, and unanswerable ("none") questions wrongly
  answered, per language.
- Answer support: share of grounded answers to answerable questions whose cited snippets
  contain the evidence passage (whitespace ignored; 80% of it in one snippet counts).
- Latency of `answer()` in extractive mode, model already loaded (p50/p95).
- The same refusal counts per question set: MIN_SUPPORT and the weights of the support score
  in knowledge/answer.py were calibrated on the policies and guides sets only; the holdout set
  (questions the corpus does not answer) was not used to choose them.
``--sweep`` prints the refusal trade-off over a grid of MIN_SUPPORT values, per set.
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

from bench.retrieval_eval import EVAL_DIR, build_index  # noqa: E402
from knowledge import answer as answer_mod  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
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


def load_questions() -> list[dict]:
    """The evaluation questions, each marked with its set (policies, guides, holdout)."""
    questions = []
    for path in sorted(EVAL_DIR.glob("questions-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append({**json.loads(line), "set": path.stem.removeprefix("questions-")})
    return questions


def sweep(rows: list[dict]) -> None:
    """Refusal trade-off over thresholds of the support score, calibration sets and holdout apart
    (a question with no sentence to quote is refused at any threshold)."""
    calibration = [r for r in rows if r["set"] != "holdout"]
    holdout = [r for r in rows if r["set"] == "holdout"]
    n_ans = sum(1 for r in calibration if r["type"] != "none")
    n_none = sum(1 for r in calibration if r["type"] == "none")
    print("min_support  answerable-refused  none-answered  | holdout none-answered")
    for t in sorted({step / 100 for step in range(250, 331, 2)} | {answer_mod.MIN_SUPPORT}):

        def answered(r: dict, t: float = t) -> bool:
            return r["quotable"] and r["support"] >= t

        wrong_refused = sum(1 for r in calibration if r["type"] != "none" and not answered(r))
        wrong_answered = sum(1 for r in calibration if r["type"] == "none" and answered(r))
        held = sum(1 for r in holdout if answered(r))
        mark = "  <- MIN_SUPPORT" if t == answer_mod.MIN_SUPPORT else ""
        print(
            f"{t:11.2f}  {wrong_refused:3}/{n_ans}             {wrong_answered:3}/{n_none}"
            f"          |  {held:3}/{len(holdout)}{mark}"
        )


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
        hits = list(result.hits)
        doc_freq, total = kb.catalog.doc_freq(answer_mod.lookup_tokens(result.query))
        unseen = frozenset(t for t, n in doc_freq.items() if n == 0)
        judged, chosen = answer_mod.judge(result.query, hits, answer_mod.idf_table(doc_freq, total), unseen)
        rows.append(
            {
                "id": q["id"],
                "set": q["set"],
                "lang": q["lang"],
                "type": q["type"],
                "grounded": result.grounded,
                "supported": bool(q["evidence"]) and supports(q["evidence"], [c.text for c in result.citations]),
                "support": judged.score,
                "quotable": bool(chosen),
                "sim": round(judged.similarity, 4),
                "passage_cov": round(judged.passage_coverage, 4),
                "sentence_cov": round(judged.sentence_coverage, 4),
                "unknown": round(judged.unknown, 4),
                "answer": result.text,
            }
        )
    if args.sweep:
        sweep(rows)
    summary: dict = {}
    for lang in ("zh", "en", "all", "policies", "guides", "holdout"):
        mine = [r for r in rows if lang in ("all", r["lang"], r["set"])]
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
