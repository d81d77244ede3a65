"""The knowledge base: ingest, remove, list, search and re-index, over one data folder.

Write order for one file (so that a crash anywhere leaves a consistent, repairable state):

1. record the new version as a pending vector write (SQLite);
2. store its vectors in Chroma;
3. in ONE SQLite transaction: replace the document, its chunks and keyword rows, mark
   the old version's vectors for deletion, clear step 1's mark;
4. delete the old version's vectors, clear that mark.

The catalogue decides what exists; :meth:`KnowledgeBase.recover` finishes or undoes
whatever a killed process left marked as pending.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from knowledge.catalog import Catalog, DocumentRecord, chunk_ids
from knowledge.chunking import Chunk, chunk_document, embedding_text
from knowledge.embeddings import Embedder, make_embedder
from knowledge.errors import (
    DatabaseLocked,
    DiskFull,
    DocumentNotFound,
    KnowledgeError,
    ReindexNeeded,
    StoreUnavailable,
)
from knowledge.evidence import (
    TOP_PASSAGES,
    Candidate,
    Features,
    arrange,
    asks_quantity,
    features,
    idf_table,
    score_units,
    ui_language,
)
from knowledge.lexical import tokenize
from knowledge.loaders import KINDS, SUPPORTED_SUFFIXES, LoadedDocument, check_file, guess_kind, load_bytes
from knowledge.quotes import quotable
from knowledge.retrieval import DEFAULT_WEIGHTS, FusionWeights, Hit, hybrid_search, language_levels, z_score
from knowledge.settings import Settings
from knowledge.store import VectorStore
from knowledge.uploads import check_content, safe_filename

Status = Literal["added", "updated", "unchanged", "failed"]
# (file name, chunks embedded so far, chunks in the file)
Progress = Callable[[str, int, int], None]
# Texts per embed_passages call: progress moves between calls (every second or two). The
# engines cut their own inner batches (onnxruntime: small ones, measured fastest here).
EMBED_BATCH = 64
# A folder ingest prepares files until their chunks reach this many, then embeds them
# together, longest text first: batches of like lengths across files waste less on padding
# than one file's short tail batch each (BENCHMARKS.md "Ingestion throughput"). Each file is
# still written on its own, whole or not at all; a kill loses at most one group's embedding.
GROUP_CHUNKS = 512
# ... or until the files' bytes (kept for the originals folder) reach this: a folder of large
# scanned PDFs has few chunks per file, and must not sit in memory all at once.
GROUP_BYTES = 64 * 1024 * 1024
# Faults of the machine, not of the file: the next file would fail the same way after its
# seconds of embedding, so a batch stops at the first one and the caller shows its message
# (the CLI: one line on stderr, exit 1) instead of one "failed" line per file.
STOP_BATCH = (StoreUnavailable, DiskFull, DatabaseLocked)
# What is embedded. "embed" (the default): each chunk's own text, and each of its quotable units,
# so that choosing what to quote compares vectors. "units": the units only, a chunk's vector being
# the normalised mean of its units' vectors (its own text embedded only when it has none): about
# half the ingest time, the same answers, but cross-language search fell from 0.69 to 0.31 hit@5
# on the dev set. "chunks": no unit vectors, as before units had them (for the ingest-cost
# benchmark only). BENCHMARKS.md "Quotes chosen by meaning".
CHUNK_VECTORS = "embed"
# Part of the fingerprint an index records: a folder indexed before units had vectors (or with
# the other chunk-vector recipe) asks for a re-index instead of mixing two kinds of vector.
INDEX_RECIPE = f"+units-v1-{CHUNK_VECTORS}"
PASSAGES = 6  # passages retrieved for an answer
FAQ_MIN_SIMILARITY = 0.96  # e5 puts a paraphrase at ~0.98, a different question on the same topic at ~0.94

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class IngestResult:
    path: str
    doc: str
    status: Status
    message: str = ""
    pages: int = 0
    chunks: int = 0

    def line(self) -> str:
        detail = f": {self.message}" if self.message else ""
        size = f" ({self.pages} p., {self.chunks} chunks)" if self.status in ("added", "updated") else ""
        return f"{self.status:<9} {self.doc}{size}{detail}"


@dataclass
class _Prepared:
    """One file checked, loaded and chunked, waiting for its vectors."""

    path: Path
    name: str
    data: bytes
    sha: str
    old: DocumentRecord | None
    loaded: LoadedDocument
    kind: str
    chunks: list[Chunk]
    texts: list[str]  # what is embedded: the chunks, then each chunk's quotable units
    added_by: str
    units: list[list[tuple[int, int]]] = dataclasses.field(default_factory=list)  # per chunk: (start, end)
    slot: int = 0  # its place in ingest()'s results


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to ingest. Folders are walked in sorted order, skipping hidden files and files of
    types we do not read; a file named explicitly is always tried (and fails clearly if unsupported)."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(p.startswith(".") for p in rel.parts):
                    if child.suffix.lower() in SUPPORTED_SUFFIXES:
                        yield child
        else:
            yield path


class KnowledgeBase:
    """Everything the CLI and the app do with documents. Safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
    ) -> None:
        self.settings = settings
        if settings.chroma_host_is_public:
            log.warning(
                "APP_CHROMA_HOST=%s is a public address: the Chroma server's API has unfixed advisories - "
                "run it on loopback or a private network only (README 'Security')",
                settings.chroma_host,
            )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(settings.knowledge_db)
        self._embedder = embedder
        self._store = store
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._calibrating = threading.Lock()
        self._closing = threading.Event()
        self._background: threading.Thread | None = None
        self._query_vectors: dict[str, Any] = {}
        self._samples: dict[str, tuple[str, dict[str, Any]]] = {}  # per kind: (generation, vectors)
        self._reranker: Any = False  # not made yet

    # ------------------------------------------------------------------ lazy parts
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = make_embedder(self.settings)
        return self._embedder

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    s = self.settings
                    self._store = (
                        VectorStore(host=s.chroma_host, port=s.chroma_port)
                        if s.chroma_host
                        else VectorStore(path=s.chroma_dir)
                    )
        return self._store

    def close(self) -> None:
        self._closing.set()  # a background calibration stops at its next probe
        if self._background is not None:
            self._background.join()
        self.catalog.close()

    # ------------------------------------------------------------------ model guard
    def check_model(self) -> None:
        """Refuse to mix vectors of two models: the index remembers which one built it."""
        built_with = self.catalog.get_meta("embedding_model")
        if built_with is None or self.catalog.counts()[1] == 0:
            return
        if built_with != self.settings.embedding_model or (
            self._embedder is not None
            and self.catalog.get_meta("embedding_fingerprint") != self._embedder.fingerprint + INDEX_RECIPE
        ):
            raise ReindexNeeded(
                f"The knowledge base was indexed with embedding model '{built_with}', but "
                f"APP_EMBEDDING_MODEL is now '{self.settings.embedding_model}'. Re-index before "
                f"searching: `python -m knowledge reindex` (or Library > Re-index all)."
            )

    def _remember_model(self) -> None:
        self.catalog.set_meta("embedding_model", self.settings.embedding_model)
        self.catalog.set_meta("embedding_fingerprint", self.embedder.fingerprint + INDEX_RECIPE)

    # ------------------------------------------------------------------ reading
    def documents(self) -> list[DocumentRecord]:
        return self.catalog.documents()

    def document(self, key: str) -> DocumentRecord:
        doc = self.catalog.find_document(key)
        if doc is None:
            raise DocumentNotFound(f"No document '{key}' in the knowledge base - `python -m knowledge list` shows them")
        return doc

    def stored_file(self, doc: DocumentRecord) -> Path:
        return self.settings.data_dir / doc.stored_path

    # ------------------------------------------------------------------ answering support
    def query_vector(self, text: str) -> Any:
        """The query embedding of ``text``; the last few are kept, since an answer needs the
        vector its search just made."""
        with self._lock:
            cached = self._query_vectors.get(text)
        if cached is not None:
            return cached
        vector = self.embedder.embed_query(text)
        with self._lock:
            self._query_vectors[text] = vector
            while len(self._query_vectors) > 64:
                self._query_vectors.pop(next(iter(self._query_vectors)))
        return vector

    def chunk_reference(self) -> dict[str, Any]:
        """A sample of chunk vectors per language, for the z-scored dense list of search
        (:func:`knowledge.retrieval.z_dense`); kept until the documents change."""
        return self._per_generation("chunks", self._sample_chunk_vectors)

    def unit_reference(self) -> dict[str, Any]:
        """A sample of unit vectors per language (:meth:`Catalog.unit_sample`), kept until the
        documents change."""
        return self._per_generation("units", self.catalog.unit_sample)

    def _per_generation(self, key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``build()``, kept until a document is added, replaced or removed."""
        generation = self.catalog.generation()
        with self._lock:
            kept = self._samples.get(key)
        if kept is not None and kept[0] == generation:
            return kept[1]
        value = build()  # outside the lock: it reads the stores
        with self._lock:
            self._samples[key] = (generation, value)
        return value

    def _sample_chunk_vectors(self) -> dict[str, Any]:
        import numpy as np

        reference = {}
        for language, ids in self.catalog.sample_chunk_ids().items():
            found = self.store.vectors(ids)
            if len(found) >= 8:
                matrix = np.stack(list(found.values())).astype(np.float32)
                reference[language if language in ("zh", "en") else "other"] = matrix / np.maximum(
                    np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9
                )
        return reference

    @property
    def reranker(self) -> Any:
        """The configured reranker (APP_RERANKER_MODEL / APP_RERANKER_URL), or None."""
        if self._reranker is False:
            with self._lock:
                if self._reranker is False:
                    from knowledge.rerank import make_reranker

                    self._reranker = make_reranker(self.settings)
        return self._reranker

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` in the reranker's order, each with its score; unchanged without a reranker or
        when it fails (logged: the answer then rests on the other evidence)."""
        if self.reranker is None or not hits:
            return hits
        from knowledge.rerank import rerank

        try:
            ranked = rerank(self.reranker, query, hits, text=lambda h: f"{h.title}\n{h.text}")
        except KnowledgeError as exc:
            log.warning("Reranker skipped for this question: %s", exc)
            return hits
        return [dataclasses.replace(hit, rerank_score=score) for hit, score in ranked]

    def calibration(self) -> Any:
        """This knowledge base's calibrated thresholds (:mod:`knowledge.calibration`), made now if
        the documents changed since the last one."""
        from knowledge.calibration import DEFAULT, META_KEY, Calibration

        if self.catalog.counts()[1] == 0:
            return DEFAULT
        stored = Calibration.from_json(self.catalog.get_meta(META_KEY) or "")
        if stored is not None and stored.generation == self._generation():
            return stored
        return self.calibrate()

    def calibrate_soon(self) -> threading.Thread:
        """Calibrate in a background thread (after an upload in the app: the page does not wait;
        a question asked meanwhile waits for it)."""

        def run() -> None:
            try:
                if self.catalog.counts()[1]:
                    self.calibration()
            except _Closing:
                pass
            except Exception as exc:  # a background job: the next question calibrates again
                log.warning("Calibration after a change failed: %s", exc)

        with self._lock:
            if self._background is not None and self._background.is_alive():
                return self._background  # it checks the documents' generation again when it finishes
            self._background = threading.Thread(target=run, name="calibrate", daemon=True)
            self._background.start()
            return self._background

    def _generation(self) -> str:
        reranker = getattr(self.reranker, "name", "")
        return f"{self.catalog.generation()}|{self.settings.embedding_model}|{reranker}"

    def calibrate(self) -> Any:
        """Probe the knowledge base with questions made from its own documents and store the
        thresholds (after every ingest; answering calibrates first if the documents changed)."""
        from knowledge.calibration import META_KEY, Calibration, calibrate

        with self._calibrating:
            generation = self._generation()
            stored = Calibration.from_json(self.catalog.get_meta(META_KEY) or "")
            if stored is not None and stored.generation == generation:
                return stored  # made by another thread while this one waited
            units = [
                (u.text, language)
                for title, heading, text, language in self.catalog.sample_chunks(300)
                for u in quotable(text, title, heading)
            ]

            def probe(question: str) -> Any:
                if self._closing.is_set():
                    raise _Closing
                return self.measure(question)[2]

            result = calibrate(units, probe, generation)
            self.catalog.set_meta(META_KEY, result.to_json())
            return result

    def measure(self, query: str, own_terms: Sequence[str] = ()) -> tuple[list[Hit], list[Candidate], Features]:
        """Search, score every quotable unit of the passages, and measure the evidence: what an answer
        (:func:`knowledge.answer.assess`) and the calibration's probes decide on."""
        hits = self.search(query, k=PASSAGES)
        if not hits:
            return [], [], features(query, [], [], {})
        # The question's own words are the ones whose document frequencies the scores need.
        doc_freq, total = self.catalog.doc_freq(list(dict.fromkeys(tokenize(query))) + list(own_terms))
        idf = idf_table(doc_freq, total)
        hits = self.rerank(query, hits)
        vectors = self.catalog.sentence_vectors([h.chunk_id for h in hits])
        qvec = self.query_vector(query)
        levels = language_levels(qvec, self.unit_reference())  # once per question: units and passages use it
        candidates = score_units(query, qvec, hits, vectors, idf, levels, embed=self.embedder.embed_passages)
        candidates = arrange(candidates, quantity=asks_quantity(query))
        level = max(z_score(h.similarity, h.language, levels) for h in hits[:TOP_PASSAGES])
        return hits, candidates, features(query, hits, candidates, idf, own_terms, level)

    def search(
        self, query: str, k: int = 5, *, mode: str = "hybrid", weights: FusionWeights = DEFAULT_WEIGHTS
    ) -> list[Hit]:
        self.check_model()
        if self.catalog.counts()[1] == 0:
            return []
        hits = hybrid_search(
            query,
            catalog=self.catalog,
            store=self.store,
            embedder=_Queries(self),
            k=k,
            mode=mode,
            weights=weights,
            reference=self.chunk_reference(),
            unit_reference=self.unit_reference() if weights.units else None,
        )
        self.check_model()  # the embedder may have just loaded: compare its real fingerprint
        return hits

    # ------------------------------------------------------------------ writing
    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time: threads of this process and other processes on the same folder."""
        with self._write_lock:
            lock_path = self.settings.data_dir / ".write.lock"
            with open(lock_path, "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    # Opened first: an unreachable Chroma server fails here, with its own message,
                    # not after the first file's seconds of embedding.
                    _ = self.store
                    self.recover()
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def recover(self) -> int:
        """Finish or undo vector writes a killed process left behind; returns how many.

        A version no document refers to loses its vectors and its kept original (a process
        killed mid-ingest left them; without this the uploads folder grew with every kill)."""
        pending = self.catalog.pending()
        for sha, _op in pending:
            if self.catalog.find_by_sha(sha) is None:
                self.store.delete_version(sha)
                self._drop_unreferenced_original(sha)
            self.catalog.clear_pending(sha)
        return len(pending)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        kind: str | None = None,
        progress: Progress | None = None,
        added_by: str = "",
    ) -> list[IngestResult]:
        """Ingest files and folders; one result per file, failures included (the batch goes on).

        Files are embedded in groups (:data:`GROUP_CHUNKS`) and written one by one, so each
        file still succeeds or fails alone, with its own one-line message."""
        results: list[IngestResult] = []
        group: list[_Prepared] = []

        def flush() -> None:
            for prepared, vectors in zip(group, self._embed_group(group, progress), strict=True):
                if isinstance(vectors, KnowledgeError):
                    result = IngestResult(
                        str(prepared.path), prepared.name, "failed", _one_line(str(vectors), prepared.name)
                    )
                else:
                    result = self._guarded(prepared.path, prepared.name, partial(self._commit, prepared, vectors))
                results[prepared.slot] = result
            group.clear()

        with self._writing():
            for path in iter_files(paths):
                slot = len(results)
                results.append(IngestResult(str(path), path.name, "failed", "not reached"))
                if any(p.name == path.name for p in group):
                    flush()  # the same name twice: the second sees the first one's catalogue row
                prepare = partial(self._prepare, path, path.name, kind, added_by)
                step = self._guarded(path, path.name, prepare)
                if isinstance(step, _Prepared) and any(p.sha == step.sha for p in group):
                    flush()  # the same content under two names: the second must find the first as its twin
                    step = self._guarded(path, path.name, prepare)
                if isinstance(step, IngestResult):
                    results[slot] = step
                    continue
                step.slot = slot
                group.append(step)
                if sum(len(p.chunks) for p in group) >= GROUP_CHUNKS or sum(len(p.data) for p in group) >= GROUP_BYTES:
                    flush()
            if group:
                flush()
        return results

    def ingest_file(
        self,
        path: Path,
        *,
        name: str | None = None,
        kind: str | None = None,
        progress: Progress | None = None,
        added_by: str = "",
        force: bool = False,
        title: str | None = None,
    ) -> IngestResult:
        """Ingest one file, under ``name`` (an upload's sanitised original name) if given;
        ``title`` overrides the title found in the file (the sample manifest uses it)."""
        with self._writing():
            return self._ingest_one(
                Path(path),
                name or Path(path).name,
                kind=kind,
                progress=progress,
                added_by=added_by,
                force=force,
                title=title,
            )

    def ingest_upload(
        self,
        name: str,
        data: bytes,
        *,
        kind: str | None = None,
        progress: Progress | None = None,
        added_by: str = "",
    ) -> IngestResult:
        """Ingest bytes that came through the browser under a sanitised version of ``name``.

        Never raises for a bad file: the result says what went wrong, so a batch of uploads goes on.
        Raises for a fault of the machine (:data:`STOP_BATCH`: Chroma gone, disk full, database locked).
        """
        try:
            safe = safe_filename(name)
            check_file(safe, len(data), int(self.settings.max_file_mb * 1024 * 1024))
        except KnowledgeError as exc:
            return IngestResult(name, name, "failed", _one_line(str(exc), name))
        incoming = self.settings.data_dir / "incoming"
        tmp = ""
        try:
            try:
                incoming.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=incoming, suffix=Path(safe).suffix)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            except OSError as exc:  # a raw OSError was a traceback on the Library page
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise self._disk_full() from exc
                raise
            return self.ingest_file(Path(tmp), name=safe, kind=kind, progress=progress, added_by=added_by)
        finally:
            if tmp:
                Path(tmp).unlink(missing_ok=True)

    def _ingest_one(
        self,
        path: Path,
        name: str,
        *,
        kind: str | None,
        progress: Progress | None,
        added_by: str,
        force: bool = False,
        title: str | None = None,
    ) -> IngestResult:
        return self._guarded(
            path, name, lambda: self._ingest_checked(path, name, kind, progress, added_by, force, title)
        )

    def _guarded(self, path: Path, name: str, step: Callable[[], _T]) -> _T | IngestResult:
        """Run one file's step; a fault of the file becomes its "failed" result, a fault of the
        machine (:data:`STOP_BATCH`, a full disk) stops the batch."""
        try:
            return step()
        except STOP_BATCH:
            raise
        except KnowledgeError as exc:
            return IngestResult(str(path), name, "failed", _one_line(str(exc), name))
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise self._disk_full() from exc
            return IngestResult(str(path), name, "failed", f"cannot read or write ({exc.strerror or exc})")

    def _disk_full(self) -> DiskFull:
        return DiskFull(
            f"The disk holding {self.settings.data_dir} is full, so this file was not added. Free some "
            "space on it (or move APP_DATA_DIR to a larger disk), then ingest again: the documents "
            "already in the knowledge base are intact."
        )

    def _ingest_checked(
        self,
        path: Path,
        name: str,
        kind: str | None,
        progress: Progress | None,
        added_by: str,
        force: bool,
        title: str | None,
    ) -> IngestResult:
        prepared = self._prepare(path, name, kind, added_by, force=force, title=title)
        if isinstance(prepared, IngestResult):
            return prepared
        return self._commit(prepared, self._embed(name, prepared.texts, progress))

    def _prepare(
        self,
        path: Path,
        name: str,
        kind: str | None,
        added_by: str,
        *,
        force: bool = False,
        title: str | None = None,
    ) -> _Prepared | IngestResult:
        """Check, load and chunk one file: everything before embedding, nothing written."""
        if kind is not None and kind not in KINDS:
            raise KnowledgeError(f"Unknown kind '{kind}' - use one of {', '.join(KINDS)}")
        check_file(name, path.stat().st_size, int(self.settings.max_file_mb * 1024 * 1024))
        data = path.read_bytes()
        check_content(name, data)  # the bytes are what the name says, before any parser sees them
        sha = hashlib.sha256(data).hexdigest()
        old = self.catalog.find_document(name)
        if old is not None and old.sha256 == sha and not force:
            return IngestResult(str(path), name, "unchanged", pages=old.pages, chunks=old.chunks)
        twin = self.catalog.find_by_sha(sha)
        if twin is not None and twin.doc != name:
            return IngestResult(str(path), name, "unchanged", f"same content as '{twin.doc}', already indexed")
        self.check_model()
        loaded = load_bytes(name, data)
        if title:
            loaded = dataclasses.replace(loaded, title=title)
        doc_kind = kind or guess_kind(path, loaded)
        chunks = chunk_document(
            loaded,
            self.embedder.count_tokens,
            max_tokens=self.embedder.max_tokens,
            target_tokens=self.settings.chunk_tokens,
        )
        # Again, now that the embedder is loaded: the same model on another engine (int8)
        # has another fingerprint, and its vectors must not join the old ones.
        self.check_model()
        units = [quotable(c.text, loaded.title, c.heading) if CHUNK_VECTORS != "chunks" else [] for c in chunks]
        own = [c for c, found in zip(chunks, units, strict=True) if _embeds_chunk(found)]
        texts = [embedding_text(loaded.title, c.heading, c.text) for c in own]
        texts += [u.text for found in units for u in found]
        spans = [[(u.start, u.end) for u in found] for found in units]
        return _Prepared(path, name, data, sha, old, loaded, doc_kind, chunks, texts, added_by, spans)

    def _commit(self, prepared: _Prepared, vectors: Any) -> IngestResult:
        """Write one embedded file: the steps in the module docstring, whole or not at all."""
        p = prepared
        name, sha, old, loaded, chunks = p.name, p.sha, p.old, p.loaded, p.chunks
        # Marked before the original is kept: a kill between the two used to leave an original
        # in uploads/ that nothing recorded, so recover() could never remove it.
        self.catalog.add_pending(sha, "add")
        try:
            stored = self._keep_original(name, sha, p.data)
            if old is not None and old.sha256 == sha:
                self.store.delete_version(sha)  # forced re-ingest: drop stale ids first
            ids = chunk_ids(sha, len(chunks))
            meta = [{"sha": sha, "language": c.language, "page": c.page, "kind": p.kind} for c in chunks]
            chunk_vectors, sentences = _split_vectors(p.units, vectors)
            self.store.add(ids, chunk_vectors, meta)
            self._remember_model()
            fields = {
                "doc": name,
                "title": loaded.title,
                "kind": p.kind,
                "language": loaded.language,
                "sha256": sha,
                "pages": loaded.pages,
                "size": len(p.data),
                "stored_path": stored,
                "meta": loaded.meta,
                "added_by": p.added_by,
            }
            record = self.catalog.replace_document(fields, chunks, title=loaded.title, old=old, sentences=sentences)
        except BaseException:
            try:
                if self.catalog.find_by_sha(sha) is None:
                    self.store.delete_version(sha)
                    self._drop_unreferenced_original(sha)
                    self.catalog.clear_pending(sha)
            except (KnowledgeError, OSError):
                pass  # left pending (the disk is full, the server gone): recover() finishes it next time
            raise
        if old is not None and old.sha256 != sha:
            self.store.delete_version(old.sha256)
            self.catalog.clear_pending(old.sha256)
            self._drop_original(old)
        status: Status = "updated" if old is not None else "added"
        return IngestResult(str(p.path), name, status, pages=record.pages, chunks=record.chunks)

    def _embed(self, name: str, texts: list[str], progress: Progress | None) -> Any:
        import numpy as np

        parts = []
        for i in range(0, len(texts), EMBED_BATCH):
            parts.append(self.embedder.embed_passages(texts[i : i + EMBED_BATCH]))
            if progress:
                progress(name, min(i + EMBED_BATCH, len(texts)), len(texts))
        return np.vstack(parts) if parts else np.zeros((0, self.embedder.dim), dtype=np.float32)

    def _embed_group(self, group: list[_Prepared], progress: Progress | None) -> list[Any]:
        """Vectors for each prepared file, embedding all their texts longest first.

        If the group's embedding fails, each file is embedded alone, so the one file that
        breaks the model fails with its own message and the others go on."""
        import numpy as np

        if len(group) == 1:
            try:
                return [self._embed(group[0].name, group[0].texts, progress)]
            except KnowledgeError as exc:
                if isinstance(exc, STOP_BATCH):
                    raise
                return [exc]
        texts = [t for p in group for t in p.texts]
        order = sorted(range(len(texts)), key=lambda j: -len(texts[j]))
        label = f"{group[0].name} + {len(group) - 1} more"
        try:
            embedded = self._embed(label, [texts[j] for j in order], progress)
        except STOP_BATCH:
            raise
        except KnowledgeError as exc:
            log.warning("Embedding %d files together failed (%s); embedding them one by one", len(group), exc)
            return [r for p in group for r in self._embed_group([p], progress)]
        vectors = np.empty_like(embedded)
        vectors[order] = embedded  # back in the files' order
        return list(np.split(vectors, np.cumsum([len(p.texts) for p in group])[:-1]))

    def _keep_original(self, name: str, sha: str, data: bytes) -> str:
        """A copy of the file, named by its hash, for download links and re-indexing."""
        rel = Path("uploads") / f"{sha}{Path(name).suffix.lower()}"
        target = self.settings.data_dir / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        return str(rel)

    def _drop_original(self, doc: DocumentRecord) -> None:
        if self.catalog.find_by_sha(doc.sha256) is None:
            (self.settings.data_dir / doc.stored_path).unlink(missing_ok=True)

    def _drop_unreferenced_original(self, sha: str) -> None:
        """The kept original of a version no document refers to (and its half-written .tmp)."""
        for leftover in (self.settings.data_dir / "uploads").glob(f"{sha}.*"):
            leftover.unlink(missing_ok=True)

    def remove(self, key: str) -> DocumentRecord:
        with self._writing():
            doc = self.document(key)
            self.catalog.delete_document(doc)
            self.store.delete_version(doc.sha256)
            self.catalog.clear_pending(doc.sha256)
            self._drop_original(doc)
        return doc

    def reindex(self, progress: Progress | None = None) -> list[IngestResult]:
        """Rebuild every vector with the current model from the kept originals."""
        results = []
        with self._writing():
            docs = self.documents()
            self.store.drop()
            self.catalog.set_meta("embedding_model", self.settings.embedding_model)
            self.catalog.set_meta("embedding_fingerprint", self.embedder.fingerprint + INDEX_RECIPE)
            for doc in docs:
                path = self.stored_file(doc)
                results.append(
                    self._ingest_one(
                        path,
                        doc.doc,
                        kind=doc.kind,
                        progress=progress,
                        added_by=doc.added_by,
                        force=True,
                        title=doc.title,
                    )
                )
        return results

    # ------------------------------------------------------------------ curated answers
    def add_faq(self, question: str, answer: str, source: str, *, created_by: str = "") -> int:
        """Store a trainer's curated answer; a close enough question gets it verbatim."""
        import numpy as np


        if not question.strip() or not answer.strip() or not source.strip():
            raise KnowledgeError("A curated answer needs a question, an answer and a source")
        vector = np.asarray(self.embedder.embed_query(question), dtype=np.float32).tobytes()
        return self.catalog.add_faq(
            question.strip(),
            answer.strip(),
            source.strip(),
            ui_language(question),
            vector,
            self.embedder.fingerprint,
            created_by,
        )

    def match_faq(self, question: str) -> dict[str, Any] | None:
        """The curated answer whose question is closest to ``question``, if close enough."""
        import numpy as np


        faqs = [f for f in self.catalog.faqs() if f["vector"]]
        if not faqs:
            return None
        qvec = self.embedder.embed_query(question)
        best, best_sim = None, FAQ_MIN_SIMILARITY
        for faq in faqs:
            if faq["model"] != self.embedder.fingerprint:
                continue  # vectors of another model are not comparable
            sim = float(np.frombuffer(faq["vector"], dtype=np.float32) @ qvec)
            if sim >= best_sim:
                best, best_sim = faq, sim
        return best

    def verify(self) -> dict[str, int]:
        """Compare the catalogue with Chroma and with the keyword index: counts of chunks missing
        or extra on each side, FTS5's integrity check, documents with fewer chunk rows than they
        say, and pending vector writes (orphan vectors are expected only while these exist)."""
        catalog_ids = {cid for cid, *_ in self.catalog.all_chunks()}
        store_ids = self.store.ids()
        return {
            "catalog_chunks": len(catalog_ids),
            "vectors": len(store_ids),
            "missing_vectors": len(catalog_ids - store_ids),
            "orphan_vectors": len(store_ids - catalog_ids),
            "pending": len(self.catalog.pending()),
            **self.catalog.keyword_check(),
        }


PROBLEM_KEYS = (
    "missing_vectors",
    "orphan_vectors",
    "missing_keywords",
    "orphan_keywords",
    "keyword_index_errors",
    "incomplete_documents",
)


def problems(report: dict[str, int]) -> dict[str, int]:
    """The non-zero disagreements in a :meth:`KnowledgeBase.verify` report (empty: all indexes agree)."""
    return {key: report[key] for key in PROBLEM_KEYS if report.get(key)}


class _Closing(Exception):
    """The knowledge base is being closed: a background calibration stops."""


class _Queries:
    """The embedder as search uses it: query vectors through the knowledge base's cache."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb

    def embed_query(self, text: str) -> Any:
        return self._kb.query_vector(text)


def _embeds_chunk(units: Sequence[object]) -> bool:
    """Whether a chunk's own text is embedded (see CHUNK_VECTORS), given its quotable units."""
    return CHUNK_VECTORS != "units" or not units


def _split_vectors(units: list[list[tuple[int, int]]], vectors: Any) -> tuple[Any, list[list[tuple[int, int, bytes]]]]:
    """The chunks' vectors and each chunk's units with their vectors (as float16 bytes: half the
    space, a cosine moves by less than 1e-3), from what :meth:`KnowledgeBase._prepare` embedded:
    the chunks that are embedded themselves first, then every unit."""
    import numpy as np

    own = sum(1 for spans in units if _embeds_chunk(spans))
    chunk_vectors, sentences = [], []
    i, j = 0, own
    for spans in units:
        mine = vectors[j : j + len(spans)]
        j += len(spans)
        sentences.append(
            [(a, b, np.asarray(v, dtype=np.float16).tobytes()) for (a, b), v in zip(spans, mine, strict=True)]
        )
        if _embeds_chunk(spans):
            chunk_vectors.append(vectors[i])
            i += 1
        else:
            mean = np.asarray(mine, dtype=np.float32).mean(axis=0)
            chunk_vectors.append(mean / (float(np.linalg.norm(mean)) or 1.0))
    return np.asarray(chunk_vectors, dtype=np.float32).reshape(len(units), -1), sentences


def _one_line(message: str, name: str) -> str:
    message = " ".join(message.split())
    prefix = f"{name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
