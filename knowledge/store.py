"""Dense vectors in Chroma: the embedded client under the data folder, or a Chroma server.

Vectors are computed by our own embedder and handed to Chroma (no Chroma embedding
function), so the same code serves every backend. Each vector carries the hash of its
file's version (``sha``) and the chunk's language, for deletion and per-language search.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import StoreUnavailable

COLLECTION = "kb_chunks"
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
            self.collection = self._open_collection()
        except StoreUnavailable:
            raise
        except Exception as exc:
            where = f"the Chroma server at {host}:{port}" if host else f"the vector store in {path}"
            hint = " - is `chroma run` up? Check APP_CHROMA_HOST/APP_CHROMA_PORT" if host else ""
            raise StoreUnavailable(f"Cannot open {where}: {exc}{hint}") from exc
        self.location = f"{host}:{port}" if host else str(path)

    def _open_collection(self) -> Any:
        return self.client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"})

    def _guard(self, action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise StoreUnavailable(f"Vector store ({self.location}) failed to {action}: {exc}") from exc

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        if not ids:
            return
        step = max(1, min(5000, int(self._guard("read its limits", self.client.get_max_batch_size))))
        for i in range(0, len(ids), step):
            self._guard(
                "store vectors",
                self.collection.upsert,
                ids=list(ids[i : i + step]),
                embeddings=vectors[i : i + step].tolist(),
                metadatas=list(metadatas[i : i + step]),
            )

    def delete_version(self, sha256: str) -> None:
        self._guard("delete vectors", self.collection.delete, where={"sha": sha256})

    def query(self, vector: np.ndarray, n: int, language: str | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the ``n`` nearest vectors, optionally in one language only."""
        count = self.count()
        if count == 0:
            return []
        result = self._guard(
            "search",
            self.collection.query,
            query_embeddings=[vector.tolist()],
            n_results=min(n, count),
            where={"language": language} if language else None,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def languages(self, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        got = self._guard("read metadata", self.collection.get, ids=ids, include=["metadatas"])
        return {
            cid: str((meta or {}).get("language", "")) for cid, meta in zip(got["ids"], got["metadatas"], strict=True)
        }

    def count(self) -> int:
        return int(self._guard("count vectors", self.collection.count))

    def ids(self, sha256: str | None = None) -> set[str]:
        where = {"sha": sha256} if sha256 else None
        got = self._guard("list vectors", self.collection.get, where=where, include=[])
        return set(got["ids"])

    def drop(self) -> None:
        """Delete every vector (before re-indexing with another model)."""
        self._guard("drop the collection", self.client.delete_collection, COLLECTION)
        self.collection = self._guard("recreate the collection", self._open_collection)
