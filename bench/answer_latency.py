"""``answer()`` latency at 10k chunks, and the calibration's time at that size.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_latency.py [--size 10000] [--reps 3]

The index is built as ``bench/search_latency.py`` builds it (synthetic bigram text, random unit
vectors, through the package's own writers), then every chunk's quotable units get a random
vector in the ``sentences`` table, as an ingest would store them. The questions are the
development sets' (sample and dev), answered with the default e5-small model, extractive mode,
model loaded and calibration made before timing. Results: bench/results/answer_latency.json.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402  (sets the environment first)
from kb_eval import load_set  # noqa: E402
from search_latency import build_index  # noqa: E402

from knowledge.answer import answer  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.quotes import quotable  # noqa: E402
from knowledge.settings import Settings  # noqa: E402


def add_unit_vectors(data_dir: Path, seed: int) -> int:
    import numpy as np

    rng = np.random.default_rng(seed)
    db = sqlite3.connect(data_dir / "knowledge.db")
    rows = db.execute(
        "SELECT c.rowid, d.title, c.heading, c.text FROM chunks c JOIN documents d ON d.id = c.doc_id"
    ).fetchall()
    count = 0
    for rowid, title, heading, text in rows:
        units = quotable(text, title, heading)
        vectors = rng.standard_normal((len(units), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        db.executemany(
            "INSERT INTO sentences (chunk_rowid, ord, start, end, vector) VALUES (?, ?, ?, ?, ?)",
            [
                (rowid, i, u.start, u.end, v.astype(np.float16).tobytes())
                for i, (u, v) in enumerate(zip(units, vectors, strict=True))
            ],
        )
        count += len(units)
    db.commit()
    db.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--index", type=Path, help="a folder this script built before (reused)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.index:
        data_dir = args.index
        db = sqlite3.connect(data_dir / "knowledge.db")
        built = {"chunks": db.execute("SELECT count(*) FROM chunks").fetchone()[0]}
        units = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
        db.close()
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="answer-latency-"))
        built = build_index(data_dir, args.size, args.seed)
        units = add_unit_vectors(data_dir, args.seed)
    kb = KnowledgeBase(Settings.from_env({}, data_dir=data_dir, embedding_model="e5-small"))
    kb.search("warm up", k=1)
    calibration = kb.calibration()
    questions = [q["question"] for name in ("sample", "dev") for q in load_set(name)][::4]
    for q in questions[:5]:
        answer(kb, q)
    times = []
    for _ in range(args.reps):
        for q in questions:
            kb._query_vectors.clear()  # every question embedded again, as a new question is
            t0 = time.perf_counter()
            answer(kb, q)
            times.append((time.perf_counter() - t0) * 1000)
    result = {
        "chunks": built["chunks"],
        "units": units,
        "questions": len(questions),
        "answer_ms_p50": round(statistics.median(times), 1),
        "answer_ms_p95": round(statistics.quantiles(times, n=20)[18], 1),
        "calibration_s": calibration.seconds,
        "probes": calibration.probes,
    }
    print(json.dumps(result, indent=1))
    write_results(ROOT / "bench" / "results" / "answer_latency.json", result, started)


if __name__ == "__main__":
    main()
