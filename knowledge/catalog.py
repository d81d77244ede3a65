"""The document catalogue and the keyword index, in one SQLite file (``knowledge.db``).

The catalogue is the source of truth: a chunk exists when its row is here. Chroma holds
vectors for those rows; vectors for anything else (left by a crash) are ignored by
search and removed by :meth:`Catalog.pending` recovery. Documents, their chunks and
their keyword rows change in one transaction, so a failure never leaves half a document.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from knowledge.chunking import Chunk
from knowledge.errors import DatabaseLocked, DiskFull
from knowledge.keyword_index import KeywordIndex
from knowledge.lexical import match_expression, tokenize
from sqlstore.faults import connect
from sqlstore.migrations import Migrations, immediate

COMMON_TOKEN_MIN_CHUNKS = 1000
COMMON_TOKEN_SHARE = 0.25
MAX_MATCH_TOKENS = 16
# Up to this many chunks the in-memory keyword index is built at the first search, in its
# thread (about 1 s at 20k chunks); a larger one is built in the background.
KEYWORD_SYNC_BUILD_MAX = 20_000
# How many chunk changes the log keeps; a copy of the index older than that is rebuilt.
CHANGE_LOG_KEEP = 200_000
migration = Migrations()
log = logging.getLogger(__name__)


@migration
def m001_create_tables(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute(
        """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            doc TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            language TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            pages INTEGER NOT NULL,
            chunks INTEGER NOT NULL,
            size INTEGER NOT NULL,
            stored_path TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            added_by TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute(
        """CREATE TABLE chunks (
            rowid INTEGER PRIMARY KEY,
            chunk_id TEXT NOT NULL UNIQUE,
            doc_id INTEGER NOT NULL REFERENCES documents(id),
            ord INTEGER NOT NULL,
            page INTEGER NOT NULL,
            heading TEXT NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            language TEXT NOT NULL,
            tokens INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX chunks_doc ON chunks(doc_id)")
    # Contentless keyword index over pre-segmented text; rowid = chunks.rowid.
    db.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(body, heading, tokenize='unicode61')")
    # Vector writes that may not have finished (see module docstring).
    db.execute("CREATE TABLE pending_vectors (sha256 TEXT PRIMARY KEY, op TEXT NOT NULL, created TEXT NOT NULL)")


@migration
def m002_answers(db: sqlite_utils.Database) -> None:
    # Document frequencies of keyword tokens, for weighting the words of a question.
    db.execute("CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row')")
    db.execute(
        """CREATE TABLE gaps (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            query TEXT NOT NULL,
            language TEXT NOT NULL,
            closest TEXT NOT NULL DEFAULT '[]',
            support REAL NOT NULL,
            asked_by TEXT NOT NULL DEFAULT '',
            asked_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
        )"""
    )
    db.execute(
        """CREATE TABLE faqs (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            source TEXT NOT NULL,
            language TEXT NOT NULL,
            vector BLOB,
            model TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )"""
    )


@migration
def m003_chunk_changes(db: sqlite_utils.Database) -> None:
    # Every chunk row added or removed, in order: the in-memory keyword index
    # (knowledge.keyword_index) catches up from here, whichever process wrote.
    db.execute("CREATE TABLE chunk_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, chunk_rowid INTEGER NOT NULL)")
    for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
        db.execute(
            f"CREATE TRIGGER chunks_log_{event.lower()} AFTER {event} ON chunks "
            f"BEGIN INSERT INTO chunk_changes (chunk_rowid) VALUES ({row}.rowid); END"
        )


@migration
def m004_confidence_and_sentences(db: sqlite_utils.Database) -> None:
    # A gap is a question answered "related" (passages on the topic, no confirmed answer) or
    # "not_found"; rows from before this migration were all refusals.
    db.execute("ALTER TABLE gaps ADD COLUMN confidence TEXT NOT NULL DEFAULT 'not_found'")
    # Each chunk's quotable sentences with their vectors (float16), written in the same
    # transaction as the chunk: choosing what to quote compares vectors, no model call.
    db.execute(
        """CREATE TABLE sentences (
            chunk_rowid INTEGER NOT NULL,
            ord INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (chunk_rowid, ord)
        ) WITHOUT ROWID"""
    )
    # Calibrated support thresholds and probe statistics live in meta ('calibration').


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    doc: str
    title: str
    kind: str
    language: str
    sha256: str
    pages: int
    chunks: int
    size: int
    stored_path: str
    meta: dict[str, Any]
    added_at: str
    updated_at: str
    added_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "title": self.title,
            "kind": self.kind,
            "language": self.language,
            "pages": self.pages,
            "chunks": self.chunks,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class ChunkRecord:
    rowid: int
    chunk_id: str
    doc_id: int
    page: int
    heading: str
    text: str
    start: int
    language: str


def chunk_ids(sha256: str, count: int) -> list[str]:
    """Vector ids derive from the file's hash, so a new version never collides with the old."""
    return [f"{sha256[:20]}-{i}" for i in range(count)]


class Catalog:
    """Documents, chunks and the FTS5 keyword index; safe to share between threads."""

    def __init__(self, path: Path, *, memory_keywords: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Disk full and "database is locked" become DiskFull / DatabaseLocked (see sqlite_faults).
        conn = connect(path, disk_full=DiskFull, locked=DatabaseLocked)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        # Keyword search scores in an in-memory copy of the FTS5 index (knowledge.keyword_index).
        self.memory_keywords = memory_keywords
        self._keywords: KeywordIndex | None = None
        self._keywords_building = False
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            migration.apply(self.db)

    def transaction(self) -> AbstractContextManager[None]:
        return immediate(self.db, self._lock)

    def close(self) -> None:
        self.db.conn.close()

    # -------------------------------------------------------------------- meta
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    # -------------------------------------------------------------------- documents
    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM documents ORDER BY doc"))
        return [_doc_record(r) for r in rows]

    def find_document(self, key: str) -> DocumentRecord | None:
        """By file name, by numeric id, or by a sha256 prefix of at least 8 characters."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM documents WHERE doc = ?", [key]))
            if not rows and key.isdigit():
                rows = list(self.db.query("SELECT * FROM documents WHERE id = ?", [int(key)]))
            if not rows and len(key) >= 8:
                rows = list(self.db.query("SELECT * FROM documents WHERE sha256 LIKE ?", [key.lower() + "%"]))
        return _doc_record(rows[0]) if len(rows) == 1 else None

    def find_by_sha(self, sha256: str) -> DocumentRecord | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM documents WHERE sha256 = ?", [sha256]))
        return _doc_record(rows[0]) if rows else None

    def replace_document(
        self,
        fields: dict[str, Any],
        chunks: Sequence[Chunk],
        *,
        title: str,
        old: DocumentRecord | None,
        sentences: Sequence[Sequence[tuple[int, int, bytes]]] = (),
    ) -> DocumentRecord:
        """Write a document and its chunks (replacing ``old``) in one transaction; ``sentences``
        holds, per chunk, its quotable units as (start, end, float16 vector bytes)."""
        now = _now()
        ids = chunk_ids(fields["sha256"], len(chunks))
        with self.transaction():
            if old is not None:
                self._delete_rows(old.id)
                if old.sha256 != fields["sha256"]:  # a forced re-index keeps its vectors' version
                    self.db.execute("INSERT OR REPLACE INTO pending_vectors VALUES (?, 'delete', ?)", [old.sha256, now])
            row = dict(fields, meta=json.dumps(fields.get("meta", {}), ensure_ascii=False), chunks=len(chunks))
            row.update(updated_at=now, added_at=old.added_at if old else now)
            if old is not None:
                row["id"] = old.id
            # Raw SQL: sqlite-utils' insert() commits on its own, which would split this transaction.
            columns = ", ".join(row)
            cur = self.db.execute(
                f"INSERT OR REPLACE INTO documents ({columns}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            doc_id = row.get("id", cur.lastrowid)
            for chunk, cid in zip(chunks, ids, strict=True):
                cur = self.db.execute(
                    "INSERT INTO chunks (chunk_id, doc_id, ord, page, heading, text, start, language, tokens)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        cid,
                        doc_id,
                        chunk.ord,
                        chunk.page,
                        chunk.heading,
                        chunk.text,
                        chunk.start,
                        chunk.language,
                        chunk.tokens,
                    ],
                )
                rowid = cur.lastrowid
                self.db.execute(
                    "INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)",
                    [rowid, " ".join(tokenize(chunk.text)), " ".join(tokenize(f"{title} {chunk.heading}"))],
                )
                if sentences:
                    self.db.conn.executemany(
                        "INSERT INTO sentences (chunk_rowid, ord, start, end, vector) VALUES (?, ?, ?, ?, ?)",
                        [(rowid, i, a, b, v) for i, (a, b, v) in enumerate(sentences[chunk.ord])],
                    )
            self.db.execute("DELETE FROM pending_vectors WHERE sha256 = ? AND op = 'add'", [fields["sha256"]])
            self.db.execute(
                "DELETE FROM chunk_changes WHERE seq <= (SELECT max(seq) FROM chunk_changes) - ?", [CHANGE_LOG_KEEP]
            )
        found = self.find_document(fields["doc"])
        assert found is not None
        return found

    def delete_document(self, doc: DocumentRecord) -> None:
        with self.transaction():
            self._delete_rows(doc.id)
            self.db.execute("INSERT OR REPLACE INTO pending_vectors VALUES (?, 'delete', ?)", [doc.sha256, _now()])

    def _delete_rows(self, doc_id: int) -> None:
        self.db.execute(
            "DELETE FROM sentences WHERE chunk_rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)", [doc_id]
        )
        self.db.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)", [doc_id])
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])

    # -------------------------------------------------------------------- pending vector writes
    def add_pending(self, sha256: str, op: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO pending_vectors VALUES (?, ?, ?)", [sha256, op, _now()])

    def pending(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(r[0], r[1]) for r in self.db.execute("SELECT sha256, op FROM pending_vectors").fetchall()]

    def clear_pending(self, sha256: str) -> None:
        with self._lock:
            self.db.execute("DELETE FROM pending_vectors WHERE sha256 = ?", [sha256])

    # -------------------------------------------------------------------- chunks and keyword search
    def chunks_by_ids(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self.db.execute(
                f"SELECT rowid, chunk_id, doc_id, page, heading, text, start, language FROM chunks "
                f"WHERE chunk_id IN ({marks})",
                list(ids),
            ).fetchall()
        return {r[1]: ChunkRecord(*r) for r in rows}

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, dict[tuple[int, int], np.ndarray]]:
        """Per chunk, its quotable units' vectors by (start, end) in the chunk's text."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        with self._lock:
            rows = self.db.execute(
                f"SELECT c.chunk_id, s.start, s.end, s.vector FROM chunks c JOIN sentences s ON s.chunk_rowid = c.rowid"
                f" WHERE c.chunk_id IN ({marks})",
                list(chunk_ids),
            ).fetchall()
        out: dict[str, dict[tuple[int, int], np.ndarray]] = {}
        for cid, start, end, blob in rows:
            out.setdefault(cid, {})[(start, end)] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return out

    def chunks_of(self, doc_id: int) -> list[ChunkRecord]:
        with self._lock:
            rows = self.db.execute(
                "SELECT rowid, chunk_id, doc_id, page, heading, text, start, language FROM chunks "
                "WHERE doc_id = ? ORDER BY ord",
                [doc_id],
            ).fetchall()
        return [ChunkRecord(*r) for r in rows]

    def documents_by_id(self, ids: set[int]) -> dict[int, DocumentRecord]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = list(self.db.query(f"SELECT * FROM documents WHERE id IN ({marks})", list(ids)))
        return {r["id"]: _doc_record(r) for r in rows}

    def keyword_search(
        self, tokens: list[str], limit: int, language: str | None = None, *, engine: str = "auto"
    ) -> list[tuple[str, float]]:
        """(chunk_id, bm25 score, higher is better) for chunks matching any token.

        In a large index, tokens found in over a quarter of all chunks (common Chinese
        characters, mostly) are left out of the match: BM25 gives them almost no weight, but
        OR-ing them in makes SQLite score nearly every chunk (117 ms against 63 ms at 100k).

        ``engine`` 'auto' scores in the in-memory copy of the index when it is ready and in FTS5
        otherwise; 'fts5' and 'memory' force one (benchmarks and the test that they agree)."""
        index = self._keyword_index() if engine != "fts5" else None
        if engine == "memory" and index is None:
            raise RuntimeError("the in-memory keyword index is not built yet")
        doc_freq, total = self._doc_freq(tokens, index)
        if total >= COMMON_TOKEN_MIN_CHUNKS:
            rare = [t for t in tokens if doc_freq.get(t, 0) <= total * COMMON_TOKEN_SHARE]
            tokens = rare or sorted(tokens, key=lambda t: doc_freq.get(t, 0))[:3]
        # The rarest tokens carry the match; OR-ing twenty more only adds rows to score.
        present = sorted((t for t in dict.fromkeys(tokens) if doc_freq.get(t, 0) > 0), key=lambda t: doc_freq[t])
        tokens = present[:MAX_MATCH_TOKENS]
        if not tokens:
            return []
        if index is not None:
            with self._lock:
                ranked = index.search(tokens, limit, language)
                if not ranked:
                    return []
                marks = ",".join("?" * len(ranked))
                ids = dict(
                    self.db.execute(
                        f"SELECT rowid, chunk_id FROM chunks WHERE rowid IN ({marks})", [r for r, _ in ranked]
                    ).fetchall()
                )
            return [(ids[r], score) for r, score in ranked if r in ids]
        params: list[Any] = [match_expression(tokens)]
        if language:
            sql = (
                "SELECT c.chunk_id, -bm25(chunks_fts, 1.0, 0.5) AS score FROM chunks_fts "
                "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ? AND c.language = ? "
                "ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?"
            )
            params += [language, limit]
        else:
            # Rank inside FTS5 first and join only the top rows: joining every match before the
            # sort cost a chunks lookup per matching row (77 -> 61 ms p50 at 100k chunks).
            sql = (
                "SELECT c.chunk_id, f.score FROM (SELECT rowid, -bm25(chunks_fts, 1.0, 0.5) AS score "
                "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?) f "
                "JOIN chunks c ON c.rowid = f.rowid ORDER BY f.score DESC"
            )
            params.append(limit)
        with self._lock:
            return [(r[0], float(r[1])) for r in self.db.execute(sql, params).fetchall()]

    def _keyword_index(self) -> KeywordIndex | None:
        """The in-memory keyword index, brought up to date; None while it is being built.

        A small index is copied at the first search (milliseconds); a large one on a thread of
        its own (seconds at 100k chunks), FTS5 answering with the same scores meanwhile."""
        if not self.memory_keywords:
            return None
        with self._lock:
            index = self._keywords
            if index is not None:
                if index.refresh(self.db.conn):
                    if index.untidy and not self._keywords_building:
                        self._start_keyword_build()  # serve this one meanwhile
                    return index
                self._keywords = None  # the log no longer reaches back to it
            if self._keywords_building:
                return None
            (chunks,) = self.db.execute("SELECT count(*) FROM chunks").fetchone()
            if chunks > KEYWORD_SYNC_BUILD_MAX:
                self._start_keyword_build()
                return None
            self._keywords = KeywordIndex.build(self.db.conn)
            return self._keywords

    def _start_keyword_build(self) -> None:
        self._keywords_building = True

        def build() -> None:
            try:
                # A connection of its own: the read takes seconds at 100k chunks and must not hold
                # the catalogue's lock (WAL gives it a consistent snapshot).
                conn = sqlite3.connect(self.path)
                try:
                    index = KeywordIndex.build(conn)
                finally:
                    conn.close()
                with self._lock:
                    self._keywords = index
            except Exception as exc:  # FTS5 keeps answering; say why the faster copy is missing
                log.warning("In-memory keyword index not built (%s); keyword search uses FTS5", exc)
                self.memory_keywords = False
            finally:
                self._keywords_building = False

        threading.Thread(target=build, name="keyword-index", daemon=True).start()

    @property
    def keywords_in_memory(self) -> bool:
        """Whether keyword search is scored in the in-memory copy (built, and not switched off)."""
        return self.memory_keywords and self._keywords is not None

    def wait_for_keyword_index(self, timeout: float = 600) -> bool:
        """Build the in-memory keyword index now if needed and wait for it (benchmarks, warm-up)."""
        deadline = time.monotonic() + timeout
        while self.memory_keywords and time.monotonic() < deadline:
            if self._keyword_index() is not None:
                return True
            time.sleep(0.05)
        return False

    def all_chunks(self) -> Iterator[tuple[str, str, str, str]]:
        """(chunk_id, title, heading, text) of every chunk, for re-embedding."""
        with self._lock:
            rows = self.db.execute(
                "SELECT c.chunk_id, d.title, c.heading, c.text FROM chunks c JOIN documents d ON d.id = c.doc_id "
                "ORDER BY c.rowid"
            ).fetchall()
        yield from rows

    def unit_sample(self, per_language: int = 256) -> dict[str, np.ndarray]:
        """Up to ``per_language`` unit vectors per language, spread over the catalogue: how close
        a question comes to an ordinary unit of each language (see knowledge.evidence)."""
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for (language,) in self.db.execute("SELECT DISTINCT language FROM chunks").fetchall():
                total = self.db.execute(
                    "SELECT count(*) FROM sentences s JOIN chunks c ON c.rowid = s.chunk_rowid WHERE c.language = ?",
                    [language],
                ).fetchone()[0]
                step = max(1, total // per_language)
                rows = self.db.execute(
                    "SELECT s.vector FROM sentences s JOIN chunks c ON c.rowid = s.chunk_rowid WHERE c.language = ?"
                    " AND (s.chunk_rowid * 7 + s.ord) % ? = 0 LIMIT ?",
                    [language, step, per_language],
                ).fetchall()
                if len(rows) >= 3:
                    out[language] = np.stack([np.frombuffer(r[0], dtype=np.float16) for r in rows]).astype(np.float32)
        return out

    def sample_chunk_ids(self, per_language: int = 256) -> dict[str, list[str]]:
        """Up to ``per_language`` chunk ids per language, spread over the catalogue."""
        out: dict[str, list[str]] = {}
        with self._lock:
            for language, total in self.db.execute(
                "SELECT language, count(*) FROM chunks GROUP BY language"
            ).fetchall():
                step = max(1, total // per_language)
                rows = self.db.execute(
                    "SELECT chunk_id FROM chunks WHERE language = ? AND rowid % ? = 0 LIMIT ?",
                    [language, step, per_language],
                ).fetchall()
                out[language] = [r[0] for r in rows]
        return out

    def sample_chunks(self, n: int, seed: int = 13) -> list[tuple[str, str, str, str]]:
        """(title, heading, text, language) of up to ``n`` chunks spread over the whole catalogue
        (every k-th by rowid, from a seeded offset): calibration probes come from these."""
        with self._lock:
            total = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            step = max(1, total // max(1, n))
            rows = self.db.execute(
                "SELECT d.title, c.heading, c.text, c.language FROM chunks c JOIN documents d ON d.id = c.doc_id"
                " WHERE (c.rowid + ?) % ? = 0 ORDER BY c.rowid LIMIT ?",
                [seed, step, n],
            ).fetchall()
        return [tuple(r) for r in rows]

    def generation(self) -> str:
        """Changes whenever a document is added, replaced or removed."""
        with self._lock:
            row = self.db.execute("SELECT count(*), max(updated_at), sum(chunks) FROM documents").fetchone()
        return f"{row[0]}:{row[1]}:{row[2]}"

    def doc_freq(self, tokens: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many chunks contain each token, and how many chunks there are."""
        return self._doc_freq(tokens, self._keyword_index())

    def _doc_freq(self, tokens: Sequence[str], index: KeywordIndex | None) -> tuple[dict[str, int], int]:
        unique = list(dict.fromkeys(tokens))
        with self._lock:
            if index is not None:
                return index.doc_freq(unique), index.live_rows
            total = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            if not unique:
                return {}, int(total)
            marks = ",".join("?" * len(unique))
            rows = self.db.execute(f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", unique).fetchall()
        found = {r[0]: int(r[1]) for r in rows}
        return {t: found.get(t, 0) for t in unique}, int(total)

    # -------------------------------------------------------------------- knowledge gaps and FAQs
    def record_gap(
        self,
        question: str,
        query: str,
        language: str,
        closest: Sequence[str],
        support: float,
        asked_by: str,
        confidence: str = "not_found",
    ) -> int:
        """A question the knowledge base did not answer: ``confidence`` is "related" (passages
        shown, no confirmed answer) or "not_found"."""
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO gaps (question, query, language, closest, support, asked_by, asked_at, confidence)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    question,
                    query,
                    language,
                    json.dumps(list(closest), ensure_ascii=False),
                    support,
                    asked_by,
                    _now(),
                    confidence,
                ],
            )
        return int(cur.lastrowid or 0)

    def gaps(self, status: str | None = "open") -> list[dict[str, Any]]:
        sql = "SELECT * FROM gaps" + (" WHERE status = ?" if status else "") + " ORDER BY id"
        with self._lock:
            rows = list(self.db.query(sql, [status] if status else []))
        for row in rows:
            row["closest"] = json.loads(row["closest"])
        return rows

    def set_gap_status(self, ids: Sequence[int], status: str) -> int:
        """Mark refused questions as handled (or open again); returns how many changed."""
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        with self._lock:
            cur = self.db.execute(f"UPDATE gaps SET status = ? WHERE id IN ({marks})", [status, *ids])
        return int(cur.rowcount)

    def add_faq(
        self, question: str, answer: str, source: str, language: str, vector: bytes, model: str, created_by: str
    ) -> int:
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO faqs (question, answer, source, language, vector, model, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [question, answer, source, language, vector, model, created_by, _now()],
            )
        return int(cur.lastrowid or 0)

    def faqs(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query("SELECT * FROM faqs ORDER BY id"))

    def delete_faq(self, faq_id: int) -> bool:
        with self._lock:
            return self.db.execute("DELETE FROM faqs WHERE id = ?", [faq_id]).rowcount > 0

    def keyword_check(self) -> dict[str, int]:
        """The keyword index against the chunks (issue 8): rows each side lacks, FTS5's own
        integrity check, and documents whose chunk count does not match their chunk rows."""
        with self._lock:
            chunk_rows = {r[0] for r in self.db.execute("SELECT rowid FROM chunks").fetchall()}
            keyword_rows = {r[0] for r in self.db.execute("SELECT rowid FROM chunks_fts").fetchall()}
            incomplete = self.db.execute(
                "SELECT count(*) FROM documents d"
                " WHERE d.chunks != (SELECT count(*) FROM chunks c WHERE c.doc_id = d.id)"
            ).fetchone()[0]
            try:  # compares the index with the table's own copy of the text; raises if they differ
                self.db.execute("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)")
                errors = 0
            except sqlite3.DatabaseError:  # "database disk image is malformed"
                errors = 1
        return {
            "keyword_rows": len(keyword_rows),
            "missing_keywords": len(chunk_rows - keyword_rows),
            "orphan_keywords": len(keyword_rows - chunk_rows),
            "keyword_index_errors": errors,
            "incomplete_documents": int(incomplete),
        }

    def counts(self) -> tuple[int, int]:
        with self._lock:
            docs = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
            chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return int(docs), int(chunks)


def _doc_record(row: dict[str, Any]) -> DocumentRecord:
    data = dict(row)
    data["meta"] = json.loads(data.get("meta") or "{}")
    return DocumentRecord(**data)
