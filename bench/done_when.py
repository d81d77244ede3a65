"""Issue 4's "done when" check: ten realistic questions and three outside the corpus.

    .venv/bin/python bench/done_when.py [--index DIR] [--markdown]

Asks every question in bench/eval/done-when.jsonl (replying to messages, review before
publishing, release timing, account security; Chinese and English; plus three questions the
sample corpus does not cover) through ``knowledge.answer.answer`` in extractive mode, prints
each answer with its citations, and scores it by evidence containment:

- correct: a grounded answer, and a citation from the expected document (or from an
  alternative listed under ``also``) whose snippet contains the evidence;
- partial: a grounded answer that cites the expected document, but no cited snippet holds
  the evidence;
- wrong: refused, or the expected document is not cited at all.

A question outside the corpus (``type: none``) is correct when it is refused. ``--index``
reuses a data folder with the sample corpus (as built by ``bench/kb_eval.py --set sample --keep``);
without it the corpus is indexed into a temporary folder first. ``--markdown`` also prints
the verdict table used in BENCHMARKS.md. Results go to bench/results/done-when.json. The
exit status is 1 unless every question is correct.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
import bench.benchenv  # noqa: E402,F401  (offline model, thread settings)
from bench.kb_eval import build  # noqa: E402
from bench.kb_eval import contains_evidence as supports  # noqa: E402
from knowledge.answer import Answer, Citation, answer  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

QUESTIONS = ROOT / "bench" / "eval" / "done-when.jsonl"
RESULTS = ROOT / "bench" / "results" / "done-when.json"


def load() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def evidence_citation(question: dict, result: Answer) -> Citation | None:
    """The citation from an expected document whose snippet holds the evidence, if any."""
    if question["type"] == "none" or not result.grounded:
        return None
    expected = [(question["doc"], question["evidence"])] + [tuple(pair) for pair in question.get("also", [])]
    for doc, evidence in expected:
        for c in result.citations:
            if c.doc == doc and supports(evidence, [c.text]):
                return c
    return None


def verdict(question: dict, result: Answer) -> str:
    if question["type"] == "none":
        return "correct" if not result.grounded else "wrong"
    if not result.grounded:
        return "wrong"
    if evidence_citation(question, result):
        return "correct"
    expected = {question["doc"]} | {doc for doc, _ in question.get("also", [])}
    return "partial" if any(c.doc in expected for c in result.citations) else "wrong"


def summary_line(question: dict, result: Answer, width: int = 90) -> str:
    """The answer in one line: the quote that holds the evidence (else the first), or the refusal."""
    if not result.grounded:
        return "refused: " + result.text.splitlines()[0]
    cited = evidence_citation(question, result) or (result.citations[0] if result.citations else None)
    quote = f"[{cited.n}] {cited.text}" if cited else result.text
    quote = " ".join(quote.split())
    return quote if len(quote) <= width else quote[: width - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="data folder with the sample corpus (built if missing)")
    parser.add_argument("--markdown", action="store_true", help="also print the BENCHMARKS.md table")
    args = parser.parse_args()
    base = args.index or Path(tempfile.mkdtemp(prefix="done-when-"))
    if (base / "knowledge.db").exists():
        kb = KnowledgeBase(Settings.from_env(data_dir=base))
    else:
        kb, _seconds = build("sample", base)
    rows = []
    for q in load():
        result = answer(kb, q["question"], asked_by="bench")
        mark = verdict(q, result)
        rows.append(
            {
                "id": q["id"],
                "topic": q["topic"],
                "lang": q["lang"],
                "question": q["question"],
                "verdict": mark,
                "grounded": result.grounded,
                "support": result.support,
                "summary": summary_line(q, result),
                "citations": [c.as_json() for c in result.citations],
            }
        )
        print(f"\n[{mark.upper()}] {q['id']} ({q['topic']}, {q['lang']}) {q['question']}")
        print("  expected:", q["doc"] or "a refusal", f"- {q['evidence']}" if q["evidence"] else "")
        for line in result.text.splitlines():
            print("  | " + line)
        for c in result.citations:
            print(f"  [{c.n}] {c.doc} p.{c.page}")
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("correct", "partial", "wrong")}
    answerable = [r for r in rows if r["topic"] != "outside"]
    outside = [r for r in rows if r["topic"] == "outside"]
    print(
        f"\nanswerable: {sum(r['verdict'] == 'correct' for r in answerable)}/{len(answerable)} correct, "
        f"{sum(r['verdict'] == 'partial' for r in answerable)} partial, "
        f"{sum(r['verdict'] == 'wrong' for r in answerable)} wrong; "
        f"outside the corpus: {sum(r['verdict'] == 'correct' for r in outside)}/{len(outside)} refused"
    )
    if args.markdown:
        print("\n| # | question | verdict | answer (the quote holding the evidence) |\n|---|---|---|---|")
        for r in rows:
            text = r["summary"].replace("|", "\\|")
            print(f"| {r['id']} | {r['question']} | {r['verdict']} | {text} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"counts": counts, "rows": rows}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    sys.exit(0 if counts["correct"] == len(rows) else 1)


if __name__ == "__main__":
    main()
