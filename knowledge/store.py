"""Dense vectors in Chroma: the embedded client under the data folder, or a Chroma server.

Vectors are computed by our own embedder and handed to Chroma (no Chroma embedding
function), so the same code serves every backend. Each vector carries the hash of its
file's version (``sha``) and the chunk's language, for deletion and per-language search.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import DiskFull, StoreUnavailable

COLLECTION = "kb_chunks"
# One collection per language: a filtered HNSW query ("English chunks only") scans far more
# than an unfiltered one (201 ms against 12 ms at 100k chunks), and cross-language search
# asks exactly that question on every search.
BUCKETS = ("zh", "en", "other")
# Less free space than this where the embedded store lives, and a failed write is reported as a full
# disk: Chroma's own messages for it do not say so (see VectorStore._disk_nearly_full).
NEARLY_FULL_BYTES = 1 << 20
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)


class VectorStore:
    def __init__(self, *, path: Path | None = None, host: str = "", port: int = 8000) -> None:
        if bool(path) == bool(host):
            raise ValueError(f"Give exactly one of path or host, got path={path!r}, host={host!r}")
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        try:
            if host:
                self.client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
                self.client.heartbeat()
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self.collections = self._open_collections()
        except StoreUnavailable:
            raise
        except Exception as exc:
            where = f"the Chroma server at {host}:{port}" if host else f"the vector store in {path}"
            hint = " - is `chroma run` up? Check APP_CHROMA_HOST/APP_CHROMA_PORT" if host else ""
            raise StoreUnavailable(f"Cannot open {where}: {_one_line(exc)}{hint}") from exc
        self.location = f"{host}:{port}" if host else str(path)
        self.remote = bool(host)

    def _open_collections(self) -> dict[str, Any]:
        return {
            bucket: self.client.get_or_create_collection(f"{COLLECTION}_{bucket}", metadata={"hnsw:space": "cosine"})
            for bucket in BUCKETS
        }

    def _guard(self, action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # Chroma's Rust core panics with a BaseException (pyo3 PanicException)
            raise self._fault(action, exc) from exc

    def _fault(self, action: str, exc: BaseException) -> StoreUnavailable | DiskFull:
        """Our own error, on one line, saying what to do (issue 8: the bare "Connection refused"
        of a Chroma server killed mid-session, or SQLite's "disk is full", said nothing)."""
        detail = _one_line(exc)
        if "disk is full" in detail.lower() or "no space left" in detail.lower() or self._disk_nearly_full():
            return DiskFull(
                f"The disk holding the vector store ({self.location}) is full, so it could not {action}. "
                "Free some space on it, then do the same again: documents already indexed are intact."
            )
        if self.remote:
            hint = (
                "Is the Chroma server still running? Start it again (`chroma run --path DIR --port PORT`) "
                "or check APP_CHROMA_HOST/APP_CHROMA_PORT, then do the same again."
            )
        else:
            hint = "Check that the data folder is there and writable; `python -m knowledge check` compares it."
        return StoreUnavailable(f"Vector store ({self.location}) failed to {action}: {detail} - {hint}")

    def _disk_nearly_full(self) -> bool:
        """Chroma does not always say why a write failed: on a full disk its Rust core reports
        "Error in compaction: Failed to apply logs to the metadata segment". Ask the disk."""
        if self.remote:
            return False
        try:
            return shutil.disk_usage(self.location).free < NEARLY_FULL_BYTES
        except OSError:
            return False

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        if not ids:
            return
        step = max(1, min(5000, int(self._guard("read its limits", self.client.get_max_batch_size))))
        for bucket, collection in self.collections.items():
            rows = [i for i, meta in enumerate(metadatas) if _bucket(meta.get("language")) == bucket]
            for start in range(0, len(rows), step):
                part = rows[start : start + step]
                self._guard(
                    "store vectors",
                    collection.upsert,
                    ids=[ids[i] for i in part],
                    embeddings=vectors[part].tolist(),
                    metadatas=[metadatas[i] for i in part],
                )

    def delete_version(self, sha256: str) -> None:
        for collection in self.collections.values():
            self._guard("delete vectors", collection.delete, where={"sha": sha256})

    def query(self, vector: np.ndarray, n: int, language: str | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the ``n`` nearest vectors, optionally in one language only."""
        buckets = [_bucket(language)] if language else list(BUCKETS)
        found = [item for bucket in buckets for item in self._query_bucket(bucket, vector, n)]
        found.sort(key=lambda item: item[1], reverse=True)
        return found[:n]

    def query_buckets(self, vector: np.ndarray, n: int) -> dict[str, list[tuple[str, float]]]:
        """(id, cosine similarity) of the ``n`` nearest vectors in each language's collection."""
        return {bucket: self._query_bucket(bucket, vector, n) for bucket in BUCKETS}

    def _query_bucket(self, bucket: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        result = self._guard(
            "search",
            self.collections[bucket].query,
            query_embeddings=[vector.tolist()],
            n_results=n,
            include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for collection in self.collections.values():
            got = self._guard("read vectors", collection.get, ids=list(ids), include=["embeddings"])
            for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
                out[cid] = np.asarray(vector, dtype=np.float32)
        return out

    def count(self) -> int:
        return sum(int(self._guard("count vectors", c.count)) for c in self.collections.values())

    def ids(self, sha256: str | None = None) -> set[str]:
        where = {"sha": sha256} if sha256 else None
        out: set[str] = set()
        for collection in self.collections.values():
            out.update(self._guard("list vectors", collection.get, where=where, include=[])["ids"])
        return out

    def drop(self) -> None:
        """Delete every vector (before re-indexing with another model)."""
        for bucket in BUCKETS:
            self._guard("drop a collection", self.client.delete_collection, f"{COLLECTION}_{bucket}")
        self.collections = self._guard("recreate the collections", self._open_collections)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def _bucket(language: object) -> str:
    return language if language in ("zh", "en") else "other"
