"""Precision, recall and F1 per kind of the health check's content-kind classifier, with confusion matrices.

    .venv/bin/python bench/health_classifier.py [--errors] [--only dev|held]

bench/health_titles.jsonl holds 330 titles of government WeChat posts written for this benchmark
(55 per kind; mostly Chinese, 36 English; hard cases such as a leader's visit to a service centre,
an emergency published as a 通知, a policy explained for a service). The split was fixed by line
order before any cue was tuned: every third line (the 3rd, 6th, ...) is **held out** (110 titles),
the rest is the **development** part (220). Cues were tuned looking at development failures only:
``--errors`` lists those, never the held-out ones. Prints and writes
bench/results/health_classifier.json: per kind precision/recall/F1, the confusion matrix
(rows = label, columns = predicted), macro-F1 and accuracy, for each part; and the speed of
``classify`` on titles it has not seen (the set with a number appended, so its cache never hits), since
the district overview classifies every article of every account.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402

from desk.health_kinds import KINDS, classify  # noqa: E402

TITLES = ROOT / "bench" / "health_titles.jsonl"
PARTS = ("dev", "held")


def load() -> dict[str, list[dict]]:
    rows = [json.loads(line) for line in TITLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {part: [r for r in rows if r["split"] == part] for part in PARTS}


def scores(rows: list[dict]) -> tuple[dict, list[str]]:
    predicted = [classify(r["title"]).kind for r in rows]
    pairs = list(zip((r["kind"] for r in rows), predicted, strict=True))
    confusion = {label: {p: sum(1 for a, b in pairs if a == label and b == p) for p in KINDS} for label in KINDS}
    per_kind = {}
    for k in KINDS:
        tp = confusion[k][k]
        fp = sum(confusion[other][k] for other in KINDS if other != k)
        fn = sum(confusion[k][other] for other in KINDS if other != k)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_kind[k] = {"n": tp + fn, "precision": precision, "recall": recall, "f1": f1}
    accuracy = sum(1 for a, b in pairs if a == b) / len(pairs)
    macro = sum(v["f1"] for v in per_kind.values()) / len(per_kind)
    result = {"n": len(rows), "accuracy": accuracy, "macro_f1": macro, "per_kind": per_kind, "confusion": confusion}
    return result, predicted


def show(name: str, result: dict) -> None:
    print(f"{name}: n={result['n']} accuracy={result['accuracy']:.3f} macro-F1={result['macro_f1']:.3f}")
    for k, v in result["per_kind"].items():
        print(f"  {k:<10} n={v['n']:<3} P={v['precision']:.2f} R={v['recall']:.2f} F1={v['f1']:.2f}")
    print("  confusion (rows = label, columns = predicted)")
    print("  " + " " * 10 + "".join(f"{k[:9]:>10}" for k in KINDS))
    for label in KINDS:
        print(f"  {label:<10}" + "".join(f"{result['confusion'][label][p]:>10}" for p in KINDS))


def speed(titles: list[str], rounds: int = 5, copies: int = 20) -> dict:
    """Per-title time of ``classify`` on titles it has not seen; the best of ``rounds`` rounds,
    because the machine is shared and a busy neighbour only ever makes a round slower."""
    per_title = []
    for r in range(rounds):
        distinct = [f"{t}{r}-{i}" for i in range(copies) for t in titles]
        started = time.perf_counter()
        for title in distinct:
            classify(title)
        per_title.append((time.perf_counter() - started) / len(distinct))
    best, median = min(per_title), statistics.median(per_title)
    result = {
        "titles_per_round": len(titles) * copies,
        "rounds": rounds,
        "best_us": best * 1e6,
        "median_us": median * 1e6,
    }
    print(f"\nspeed: {best * 1e6:.0f} µs per unseen title (best of {rounds} rounds; median {median * 1e6:.0f} µs)")
    print(f"       100,000 unseen titles would take {best * 1e5:.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the development part's misclassified titles")
    parser.add_argument("--only", choices=PARTS, help="score one part only (no results file is written)")
    args = parser.parse_args()
    started = time.perf_counter()
    payload: dict = {"titles": str(TITLES.relative_to(ROOT))}
    for name, rows in load().items():
        if args.only and name != args.only:
            continue
        result, predicted = scores(rows)
        payload[name] = result
        show(name, result)
        if args.errors and name == "dev":
            for r, p in zip(rows, predicted, strict=True):
                if p != r["kind"]:
                    print(f"    {r['kind']} -> {p} {classify(r['title']).cues}: {r['title']}")
    if not args.only:
        payload["speed"] = speed([r["title"] for rows in load().values() for r in rows])
        write_results(ROOT / "bench" / "results" / "health_classifier.json", payload, started)


if __name__ == "__main__":
    main()
