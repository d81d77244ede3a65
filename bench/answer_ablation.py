"""Answer-side ablation on both development sets: each table or constant on and off, side by side.

    .venv/bin/python bench/answer_ablation.py --sample DIR --dev DIR [--variants a,b]

Each DIR is a data folder indexed by ``bench/kb_eval.py --keep DIR`` for that set. A variant
changes one thing, recalibrates the knowledge base (the calibration sees the same change) and
answers every question; the three answer figures are printed per set and written to
``bench/results/answer_ablation.json``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import benchenv  # noqa: F401  (environment before the model loads)
from kb_eval import RESULTS, answers, load_set

from knowledge import answer, calibration, chunking, evidence, quotes, retrieval
from knowledge.calibration import META_KEY
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings


@contextmanager
def patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def _passage_features(self: evidence.Features, *, meaning_only: bool = False) -> list[float]:
    x = [self.sentence_similarity, self.passage_similarity]
    return x if meaning_only else x + [self.sentence_coverage, self.passage_coverage]


@contextmanager
def without_best_sentence() -> Iterator[None]:
    """Search without the best-sentence list (the session-5 fusion)."""
    old = retrieval.DEFAULT_WEIGHTS.units
    object.__setattr__(retrieval.DEFAULT_WEIGHTS, "units", 0.0)
    try:
        yield
    finally:
        object.__setattr__(retrieval.DEFAULT_WEIGHTS, "units", old)


def _clauses(text: str, *, clauses: bool = True) -> list[tuple[int, int]]:
    return chunking.sentence_spans(text)


@contextmanager
def _both(first: Any, second: Any) -> Iterator[None]:
    with first, second:
        yield


VARIANTS: dict[str, Callable[[], Any]] = {
    "default": lambda: patched(evidence, "MAX_QUOTES", evidence.MAX_QUOTES),
    "no quantity check": lambda: patched(answer, "asks_quantity", lambda question: False),
    "no best-sentence list in search": without_best_sentence,
    "clauses as quotes (a '；' ends a quote as before)": lambda: patched(quotes, "sentence_spans", _clauses),
    "answerable probes from a third of a sentence's words": lambda: patched(calibration, "PROBE_WORD_SHARE", 0.33),
    "... and twice as many foreign words": lambda: _both(
        patched(calibration, "PROBE_WORD_SHARE", 0.33), patched(calibration, "PROBE_FOREIGN_WORDS", 2.0)
    ),
    "calibration on 4 features (passage level too)": lambda: patched(evidence.Features, "vector", _passage_features),
    "ANSWER_FALSE_RATE 0.05": lambda: patched(calibration, "ANSWER_FALSE_RATE", 0.05),
    "ANSWER_FALSE_RATE 0.20": lambda: patched(calibration, "ANSWER_FALSE_RATE", 0.20),
    "LEXICAL_WEIGHT 0 (meaning only)": lambda: patched(evidence, "LEXICAL_WEIGHT", 0.0),
    "LEXICAL_WEIGHT 2": lambda: patched(evidence, "LEXICAL_WEIGHT", 2.0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=Path, required=True)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for set_name, folder in (("sample", args.sample), ("dev", args.dev)):
        kb = KnowledgeBase(Settings.from_env(data_dir=folder))
        questions = load_set(set_name)
        for name in args.variants.split(","):
            with VARIANTS[name]():
                kb.catalog.set_meta(META_KEY, "")  # the calibration is made again under the change
                summary = answers(kb, questions)["summary"]
            report.setdefault(name, {})[set_name] = summary
            print(
                f"{set_name:<6} {name:<48} answered with evidence {summary['answered_with_evidence']:<14}"
                f" unanswerable not answered {summary['unanswerable_not_answered']:<14}"
                f" confident-wrong {summary['confident_wrong']}",
                flush=True,
            )
        kb.catalog.set_meta(META_KEY, "")
        kb.close()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "answer_ablation.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
