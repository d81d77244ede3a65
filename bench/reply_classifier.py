"""Precision, recall and F1 of the reply desk's classifier on citizens' messages written for it.

    .venv/bin/python bench/reply_classifier.py [--errors]

bench/reply_messages.jsonl holds 224 messages written for this benchmark (zh and en; 咨询, 投诉,
建议, 举报, other; complaints asked as questions, sarcasm, mixed messages, phone numbers). The split
is fixed by a rule chosen before the classifier was changed: a message whose ``id`` (its line
number) is a multiple of 3 is **held out** (74 messages), the others are the **development** part
(150). Cue families were written looking at development failures only: ``--errors`` lists those,
never the held-out ones. Per class precision, recall and F1, and macro-F1, for each part. Writes
bench/results/reply_classifier.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402

from desk.replies import CATEGORIES, classify  # noqa: E402

MESSAGES = ROOT / "bench" / "reply_messages.jsonl"


def load() -> dict[str, list[dict]]:
    rows = [json.loads(line) for line in MESSAGES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {"dev": [r for r in rows if r["id"] % 3], "held_out": [r for r in rows if r["id"] % 3 == 0]}


def scores(rows: list[dict]) -> dict:
    predicted = [classify(r["text"]).category for r in rows]
    per_class = {}
    for c in CATEGORIES:
        tp = sum(1 for r, p in zip(rows, predicted, strict=True) if p == c and r["label"] == c)
        fp = sum(1 for r, p in zip(rows, predicted, strict=True) if p == c and r["label"] != c)
        fn = sum(1 for r, p in zip(rows, predicted, strict=True) if p != c and r["label"] == c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"n": tp + fn, "precision": precision, "recall": recall, "f1": f1}
    accuracy = sum(1 for r, p in zip(rows, predicted, strict=True) if p == r["label"]) / len(rows)
    macro = sum(v["f1"] for v in per_class.values()) / len(per_class)
    return {"n": len(rows), "accuracy": accuracy, "macro_f1": macro, "per_class": per_class}, predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the development part's misclassified messages")
    args = parser.parse_args()
    started = time.perf_counter()
    parts = load()
    payload = {}
    for name, rows in parts.items():
        result, predicted = scores(rows)
        payload[name] = result
        print(f"{name}: n={result['n']} accuracy={result['accuracy']:.3f} macro-F1={result['macro_f1']:.3f}")
        for c, v in result["per_class"].items():
            print(f"  {c:<13} n={v['n']:<3} P={v['precision']:.2f} R={v['recall']:.2f} F1={v['f1']:.2f}")
        if args.errors and name == "dev":
            for r, p in zip(rows, predicted, strict=True):
                if p != r["label"]:
                    print(f"    #{r['id']} {r['label']} -> {p}: {r['text']}")
    write_results(ROOT / "bench" / "results" / "reply_classifier.json", payload, started)


if __name__ == "__main__":
    main()
