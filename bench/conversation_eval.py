"""Two-turn conversations on the sample knowledge base: is a follow-up resolved, and answered on its own terms?

    .venv/bin/python bench/conversation_eval.py [--keep DIR] [--out FILE]

The conversations (``bench/conversations.jsonl``, written for this benchmark from the sample documents)
have one earlier question and a second question of one of three types:

- ``new_topic``: the second question stands on its own (another topic of the corpus, or one it does not
  cover: then ``doc`` is null). Success: searched alone (the query is the question itself) and, if
  covered, answered with the evidence;
- ``follow_up``: an elliptical follow-up the corpus answers. Success: resolved as a follow-up and answered
  with the evidence (a citation of the expected document that contains it, as in bench/kb_eval.py);
- ``uncovered_follow_up``: an elliptical follow-up about something the corpus does not say. Success:
  resolved as a follow-up and not answered (outcome "related" or "not_found").

Each conversation goes through ``knowledge.answer.answer(kb, question, history=[first question])``
exactly as the chat and the CLI call it. The resolution is reported twice: as ``knowledge.followup.resolve``
makes it ("resolve"), and as ``answer()`` used it ("wired": its ``query`` differs from the question
for a follow-up) - the two agree once answer.py resolves follow-ups with ``knowledge.followup``.
Per type and language: resolution accuracy, outcomes, answered with evidence, success. Results go to
``bench/results/conversations.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import benchenv  # noqa: F401  (environment before the model loads)
from kb_eval import build, contains_evidence, outcome, same_doc

from knowledge import answer as answer_mod
from knowledge.followup import resolve

ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = ROOT / "bench" / "conversations.jsonl"
RESULTS = ROOT / "bench" / "results"
TYPES = ("new_topic", "follow_up", "uncovered_follow_up")
LANGS = ("zh", "en")


def load(path: Path = CONVERSATIONS) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        if item["type"] not in TYPES or item["lang"] not in LANGS:
            raise SystemExit(f"{item['id']}: unknown type or language")
    return items


def run_one(kb: Any, c: dict[str, Any]) -> dict[str, Any]:
    question = answer_mod.clean_question(c["question"])
    history = list(c["history"])
    resolved = resolve(question, history)
    result = answer_mod.answer(kb, c["question"], history=history, asked_by="bench")
    wants_follow_up = c["type"] != "new_topic"
    used_query = result.query or question
    wired_follow_up = used_query != question
    cited = [x.text for x in result.citations if same_doc(x.doc, c["doc"])]
    evidence_cited = bool(c["doc"]) and contains_evidence(c["evidence"], cited)
    answered = outcome(result) == "answered"
    resolved_ok = resolved.follow_up == wants_follow_up and (wants_follow_up or resolved.query == question)
    wired_ok = wired_follow_up == wants_follow_up
    if c["type"] == "new_topic":
        success = wired_ok and (not c["doc"] or (answered and evidence_cited))
    elif c["type"] == "follow_up":
        success = wired_ok and answered and evidence_cited
    else:
        success = wired_ok and not answered
    return {
        "id": c["id"],
        "type": c["type"],
        "lang": c["lang"],
        "history": history,
        "question": c["question"],
        "resolve": {"follow_up": resolved.follow_up, "query": resolved.query, "own_terms": list(resolved.own_terms)},
        "resolve_ok": resolved_ok,
        "wired": {"follow_up": wired_follow_up, "query": used_query},
        "wired_ok": wired_ok,
        "outcome": outcome(result),
        "covered": bool(c["doc"]),
        "evidence_cited": evidence_cited,
        "cited_docs": sorted({x.doc for x in result.citations}),
        "support": result.support,
        "success": success,
    }


def _share(good: int, total: int) -> str:
    return f"{good}/{total}" if total else "-"


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    for typ in TYPES:
        for lang in (*LANGS, "all"):
            mine = [r for r in rows if r["type"] == typ and lang in (r["lang"], "all")]
            if not mine:
                continue
            covered = [r for r in mine if r["covered"]]
            groups[f"{typ}/{lang}"] = {
                "n": len(mine),
                "resolve_ok": _share(sum(r["resolve_ok"] for r in mine), len(mine)),
                "wired_ok": _share(sum(r["wired_ok"] for r in mine), len(mine)),
                **{o: sum(r["outcome"] == o for r in mine) for o in ("answered", "related", "not_found")},
                "answered_with_evidence": _share(
                    sum(r["outcome"] == "answered" and r["evidence_cited"] for r in covered), len(covered)
                ),
                "answered_without_evidence": sum(r["outcome"] == "answered" and not r["evidence_cited"] for r in mine),
                "success": _share(sum(r["success"] for r in mine), len(mine)),
            }
    total = len(rows)
    return {
        "resolve_accuracy": _share(sum(r["resolve_ok"] for r in rows), total),
        "wired_accuracy": _share(sum(r["wired_ok"] for r in rows), total),
        "success": _share(sum(r["success"] for r in rows), total),
        "by_type_and_language": groups,
    }


def table(summary: dict[str, Any]) -> str:
    columns = (
        ("n", "n"),
        ("resolve_ok", "resolve"),
        ("wired_ok", "wired"),
        ("answered", "answered"),
        ("related", "related"),
        ("not_found", "not_found"),
        ("answered_with_evidence", "w/ evidence"),
        ("answered_without_evidence", "w/o evidence"),
        ("success", "success"),
    )
    lines = [f"{'type/lang':<26}" + "".join(f"{title:>13}" for _, title in columns)]
    for name, group in summary["by_type_and_language"].items():
        lines.append(f"{name:<26}" + "".join(f"{group[key]!s:>13}" for key, _ in columns))
    lines.append(
        f"resolution (followup.resolve) {summary['resolve_accuracy']}, as answer() used it "
        f"{summary['wired_accuracy']}; success {summary['success']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="data folder to build into (reused if already indexed)")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/conversations.json)")
    args = parser.parse_args()
    conversations = load()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="conversation-eval-"))
    kb, seconds = build("sample", data_dir)
    kb.search("warm up", k=1)
    start = time.perf_counter()
    rows = [run_one(kb, c) for c in conversations]
    elapsed = time.perf_counter() - start
    kb.close()
    summary = summarise(rows)
    report = {
        "conversations": len(rows),
        "ingest_seconds": round(seconds, 1),
        "answer_seconds": round(elapsed, 1),
        "summary": summary,
        "rows": rows,
    }
    print(table(summary))
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / "conversations.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
