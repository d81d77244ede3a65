"""Retrieval and answers on one development set, from a fresh data folder: the one protocol.

    .venv/bin/python bench/kb_eval.py --set sample|dev [--keep DIR] [--modes hybrid,dense,lexical]
                                      [--no-answers] [--out FILE]

Two development sets, reported apart and never merged:

- ``sample``: the sample corpus (``knowledge/samples``) and ``bench/eval/questions-*.jsonl``;
- ``dev``: ``../shared/eval-dev`` (30 real public documents in their office formats, 111 questions).

Retrieval: a hit is a retrieved chunk of the expected document whose text contains the
evidence (whitespace ignored); hit@5 and MRR@10 for zh, en (question and document in one
language) and cross (the answer only in the other language).

Answers, through ``knowledge.answer.answer`` exactly as the CLI and the app call it:

- ``answered_with_evidence``: answerable questions answered (confidence "answered") with a
  citation of the expected document that contains the evidence (80% of it in one snippet
  counts, as in every earlier answer benchmark);
- ``unanswerable_not_answered``: questions no document answers whose outcome is "related" or
  "not_found";
- ``confident_wrong``: answered, but the citations lack the evidence or the question has no
  answer, over all questions;
- the outcomes' counts, the calibration the knowledge base made on its own probes, and
  ``answer()`` latency (p50/p95, model loaded).

The questions are data for this script only: nothing of them goes into the product.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import benchenv  # noqa: F401  (environment before the model loads)

from knowledge import answer as answer_mod
from knowledge.kb import KnowledgeBase
from knowledge.seed import seed_samples
from knowledge.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "bench" / "eval"
DEV_DIR = Path(os.environ.get("EVAL_DEV_DIR", ROOT.parent / "shared" / "eval-dev"))
RESULTS = ROOT / "bench" / "results"


# ---------------------------------------------------------------------------- the sets


def load_set(name: str) -> list[dict[str, Any]]:
    """Questions in one shape: id, lang, kind (zh | en | cross | none), question, doc, evidence."""
    questions: list[dict[str, Any]] = []
    if name == "sample":
        for path in sorted(SAMPLE_DIR.glob("questions-*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    q = json.loads(line)
                    kind = {"same": q["lang"]}.get(q["type"], q["type"])
                    questions.append({**q, "kind": kind, "doc": q.get("doc") or None})
    elif name == "dev":
        for line in (DEV_DIR / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                kind = {"zh-zh": "zh", "en-en": "en"}.get(q["kind"], q["kind"])
                questions.append({**q, "kind": kind})
    else:
        raise SystemExit(f"unknown set {name!r}: sample or dev")
    return questions


def build(name: str, data_dir: Path, settings: dict[str, Any] | None = None) -> tuple[KnowledgeBase, float]:
    """Index the set's corpus into ``data_dir`` (reused when it is already there)."""
    kb = KnowledgeBase(Settings.from_env(data_dir=data_dir, **(settings or {})))
    if kb.catalog.counts()[1]:
        return kb, 0.0
    start = time.perf_counter()
    if name == "sample":
        results = seed_samples(kb, force=True)
    else:
        results = kb.ingest([DEV_DIR / "files"])
    failed = [r.line() for r in results if r.status == "failed"]
    if failed:
        raise SystemExit(f"{name} corpus failed to index: {failed}")
    return kb, time.perf_counter() - start


def same_doc(cited: str, expected: str | None) -> bool:
    return bool(expected) and (cited == expected or Path(cited).stem == Path(str(expected)).stem)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def contains_evidence(evidence: str, snippets: Sequence[str]) -> bool:
    """The evidence is in one snippet, or 80% of it is one unbroken run of one snippet."""
    ev = _norm(evidence)
    if not ev:
        return False
    for snippet in snippets:
        s = _norm(snippet)
        if ev in s:
            return True
        match = SequenceMatcher(None, ev, s, autojunk=False).find_longest_match(0, len(ev), 0, len(s))
        if match.size >= 0.8 * len(ev):
            return True
    return False


# ---------------------------------------------------------------------------- retrieval


def first_rank(hits: Sequence[Any], q: dict[str, Any]) -> int | None:
    ev = _norm(q["evidence"])
    for rank, hit in enumerate(hits, start=1):
        if same_doc(hit.doc, q["doc"]) and ev in _norm(hit.text):
            return rank
    return None


def retrieval(kb: KnowledgeBase, questions: list[dict[str, Any]], mode: str, **search: Any) -> dict[str, Any]:
    rows = []
    for q in questions:
        if q["kind"] == "none":
            continue
        hits = kb.search(q["question"], k=10, mode=mode, **search)
        rows.append({"id": q["id"], "kind": q["kind"], "rank": first_rank(hits, q)})
    return {"summary": summarise_ranks(rows), "rows": rows}


def summarise_ranks(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for kind in ("zh", "en", "cross", "all"):
        items = [r for r in rows if kind in ("all", r["kind"])]
        if not items:
            continue
        hit5 = sum(1 for r in items if r["rank"] and r["rank"] <= 5) / len(items)
        mrr = sum(1 / r["rank"] for r in items if r["rank"]) / len(items)
        out[kind] = {"n": len(items), "hit@5": round(hit5, 3), "mrr@10": round(mrr, 3)}
    return out


# ---------------------------------------------------------------------------- answers


def outcome(result: Any) -> str:
    return str(getattr(result, "confidence", "answered" if result.grounded else "not_found"))


def answers(kb: KnowledgeBase, questions: list[dict[str, Any]]) -> dict[str, Any]:
    rows, latencies = [], []
    kb.search("warm up", k=1)
    for q in questions:
        start = time.perf_counter()
        result = answer_mod.answer(kb, q["question"], asked_by="bench")
        latencies.append((time.perf_counter() - start) * 1000)
        cited = [c.text for c in result.citations if same_doc(c.doc, q["doc"])]
        rows.append(
            {
                "id": q["id"],
                "kind": q["kind"],
                "outcome": outcome(result),
                "evidence_cited": q["kind"] != "none" and contains_evidence(q["evidence"], cited),
                "cited_docs": sorted({c.doc for c in result.citations}),
                "support": result.support,
            }
        )
    return {"summary": summarise_answers(rows, latencies), "rows": rows}


def summarise_answers(rows: list[dict[str, Any]], latencies: list[float]) -> dict[str, Any]:
    answerable = [r for r in rows if r["kind"] != "none"]
    unanswerable = [r for r in rows if r["kind"] == "none"]
    answered = [r for r in rows if r["outcome"] == "answered"]
    good = sum(1 for r in answerable if r["outcome"] == "answered" and r["evidence_cited"])
    declined = sum(1 for r in unanswerable if r["outcome"] != "answered")
    wrong = sum(1 for r in answered if r["kind"] == "none" or not r["evidence_cited"])
    by_kind = {}
    for kind in ("zh", "en", "cross", "none"):
        mine = [r for r in rows if r["kind"] == kind]
        by_kind[kind] = {o: sum(1 for r in mine if r["outcome"] == o) for o in ("answered", "related", "not_found")}
        by_kind[kind]["n"] = len(mine)
        if kind != "none":
            by_kind[kind]["answered_with_evidence"] = sum(
                1 for r in mine if r["outcome"] == "answered" and r["evidence_cited"]
            )
    return {
        "answered_with_evidence": f"{good}/{len(answerable)} = {good / max(1, len(answerable)):.2f}",
        "unanswerable_not_answered": f"{declined}/{len(unanswerable)} = {declined / max(1, len(unanswerable)):.2f}",
        "confident_wrong": f"{wrong}/{len(rows)} = {wrong / max(1, len(rows)):.2f}",
        "by_kind": by_kind,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(statistics.quantiles(latencies, n=20)[18], 1) if len(latencies) > 1 else 0.0,
        },
    }


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("sample", "dev"), required=True)
    parser.add_argument("--keep", type=Path, help="data folder to build into (reused if already indexed)")
    parser.add_argument("--modes", default="hybrid,dense,lexical")
    parser.add_argument("--no-answers", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    questions = load_set(args.set)
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix=f"kb-eval-{args.set}-"))
    kb, seconds = build(args.set, data_dir)
    calibration = kb.calibration()  # what the CLI's ingest does after indexing: timed in it
    report: dict[str, Any] = {
        "set": args.set,
        "questions": len(questions),
        "chunks": kb.catalog.counts()[1],
        "ingest_seconds": round(seconds, 1),
        "calibration": json.loads(calibration.to_json()),
        "retrieval": {},
    }
    print(
        f"{args.set}: {report['chunks']} chunks, ingest {seconds:.1f} s, calibration {calibration.seconds:.1f} s "
        f"(answer at p >= {calibration.answer_at}, related at p >= {calibration.related_at})",
        flush=True,
    )
    for mode in [m for m in args.modes.split(",") if m]:
        result = retrieval(kb, questions, mode)
        report["retrieval"][mode] = result
        s = result["summary"]
        line = " | ".join(f"{k} {v['hit@5']:.2f}/{v['mrr@10']:.2f}" for k, v in s.items())
        print(f"{args.set} {mode:<8} hit@5/mrr@10  {line}", flush=True)
    if not args.no_answers:
        result = answers(kb, questions)
        report["answers"] = result
        print(json.dumps(result["summary"], ensure_ascii=False, indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / f"kb_eval-{args.set}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    kb.close()


if __name__ == "__main__":
    main()
