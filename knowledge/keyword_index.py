"""An in-memory copy of the FTS5 keyword index that scores BM25 exactly as FTS5 does.

Why: FTS5 calls ``bm25()`` once per matching row, so a question whose words occur in a
large share of the chunks costs tens of milliseconds at 100k chunks (BENCHMARKS.md,
"Search latency"). Here each term's postings are numpy arrays and a query is a handful of
vector operations. The scores are FTS5's own formula (k1 = 1.2, b = 0.75, per-column weights,
IDF floored at 1e-6) over the same tokens, so results equal ``-bm25(chunks_fts, 1.0, 0.5)``
(``tests/test_keyword_index.py`` compares the two on real documents).

FTS5 stays the persistent index and the source of truth: this copy is built from its stored
text and kept current from ``chunk_changes``, a log that triggers on ``chunks`` fill. Writes by
another process (the CLI ingesting while the app runs) are therefore seen at the next search.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

K1 = 1.2
B = 0.75
# bm25(chunks_fts, 1.0, 0.5): the body counts fully, the title-and-heading column half.
BODY_WEIGHT = 1.0
HEADING_WEIGHT = 0.5
# Delta segments and dead rows slow queries a little each; past these the copy is rebuilt.
MAX_SEGMENTS = 24
# Rows are read and indexed this many at a time, one segment each: splitting 100k chunks' text at
# once held ~500 MB of token strings; in batches the build's extra memory stays near one batch's.
BUILD_BATCH = 8_192
MAX_DEAD_SHARE = 0.3

# The stored text is tokens joined by spaces (knowledge.lexical.tokenize), but FTS5's unicode61
# tokenizer also splits at these (apostrophes and hyphens in English words, the dot of "3.5",
# and ideographs newer than its Unicode 6.1 tables): the copy must count the same tokens.
_FTS_SEPARATORS = re.compile(r"['.\-\u9fcd-\u9fff]")


def fts_tokens(text: str) -> list[str]:
    """``text`` cut into tokens as FTS5's unicode61 tokenizer cuts our pre-segmented text."""
    if _FTS_SEPARATORS.search(text):
        text = _FTS_SEPARATORS.sub(" ", text)
    return text.split()


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Reads that see one state of the database (WAL), unless the caller is already in a transaction."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _release_freed_memory() -> None:
    """Hand the build's freed scratch memory back to the OS (glibc keeps it otherwise: ~230 MB
    of resident memory after a 100k-chunk build, for 92 MB of index)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the process instead
        pass


class _Segment:
    """Postings of a batch of rows, grouped by term (CSR): ``docs[indptr[t]:indptr[t+1]]`` are the
    positions holding term ``t`` and ``freqs`` their column-weighted counts."""

    __slots__ = ("indptr", "docs", "freqs")

    def __init__(self, indptr: np.ndarray, docs: np.ndarray, freqs: np.ndarray) -> None:
        self.indptr, self.docs, self.freqs = indptr, docs, freqs

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray] | None:
        if term + 1 >= len(self.indptr):
            return None
        lo, hi = self.indptr[term], self.indptr[term + 1]
        if lo == hi:
            return None
        return self.docs[lo:hi], self.freqs[lo:hi]

    @property
    def size(self) -> int:
        return len(self.docs)


Row = tuple[int, str, str, str]  # chunks_fts rowid, body, heading, chunk language


class KeywordIndex:
    """BM25 over the chunks' keyword text. Not thread-safe: :class:`~knowledge.catalog.Catalog`
    calls it under its own lock."""

    def __init__(self, rows: Iterable[Sequence[Row]], seq: int) -> None:
        """A copy of ``rows`` (given in batches) as of change ``seq``."""
        self.vocab: dict[str, int] = {}
        self.languages: dict[str, int] = {}
        self.rowids = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float64)
        self.language = np.zeros(0, dtype=np.int16)
        self.alive = np.zeros(0, dtype=bool)
        self.position: dict[int, int] = {}  # rowid -> position of its live copy
        self.segments: list[_Segment] = []
        self.live_rows = 0
        self.live_tokens = 0.0
        self.seq = seq  # the last chunk_changes entry this copy reflects
        for batch in rows:
            self._append(batch)
        self.built_segments = len(self.segments)

    # ------------------------------------------------------------------ building and keeping current
    @classmethod
    def build(cls, conn: sqlite3.Connection) -> KeywordIndex:
        """Read the whole keyword index in one read transaction (a consistent snapshot)."""
        with _snapshot(conn):
            seq = conn.execute("SELECT coalesce(max(seq), 0) FROM chunk_changes").fetchone()[0]
            cursor = conn.execute(
                "SELECT f.rowid, f.body, f.heading, c.language FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid"
            )
            index = cls(iter(lambda: cursor.fetchmany(BUILD_BATCH), []), int(seq))
        _release_freed_memory()
        return index

    def refresh(self, conn: sqlite3.Connection) -> bool:
        """Apply the chunk changes logged since this copy was made; False when the log no longer
        reaches back that far (it is trimmed): the copy is then unusable and must be rebuilt."""
        with _snapshot(conn):
            first, last = conn.execute("SELECT min(seq), max(seq) FROM chunk_changes").fetchone()
            if last is None or last <= self.seq:
                return True
            if first > self.seq + 1:
                return False
            changed = [
                r[0] for r in conn.execute("SELECT DISTINCT chunk_rowid FROM chunk_changes WHERE seq > ?", [self.seq])
            ]
            rows: list[Row] = []
            for start in range(0, len(changed), 500):
                part = changed[start : start + 500]
                marks = ",".join("?" * len(part))
                rows += conn.execute(
                    "SELECT f.rowid, f.body, f.heading, c.language FROM chunks_fts f "
                    f"JOIN chunks c ON c.rowid = f.rowid WHERE f.rowid IN ({marks})",
                    part,
                ).fetchall()
        # A changed row is dropped and, if it still exists, added again as it is now.
        self._drop(changed)
        for start in range(0, len(rows), BUILD_BATCH):
            self._append(rows[start : start + BUILD_BATCH])
        self.seq = int(last)
        return True

    @property
    def untidy(self) -> bool:
        """Many small segments or many dead rows: still correct, but a rebuild would be faster."""
        dead = len(self.alive) - self.live_rows
        added = len(self.segments) - self.built_segments
        return added > MAX_SEGMENTS or dead > MAX_DEAD_SHARE * max(len(self.alive), 1)

    def _drop(self, rowids: Iterable[int]) -> None:
        for rowid in rowids:
            pos = self.position.pop(rowid, None)
            if pos is not None:
                self.alive[pos] = False
                self.live_rows -= 1
                self.live_tokens -= float(self.lengths[pos])

    def _append(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        base = len(self.rowids)
        count = len(rows)
        body_len, heading_len, terms = self._term_ids(rows)
        local = np.arange(count, dtype=np.int64)
        docs = np.concatenate([np.repeat(local, body_len), np.repeat(local, heading_len)])
        weights = np.concatenate(
            [np.full(int(body_len.sum()), BODY_WEIGHT), np.full(int(heading_len.sum()), HEADING_WEIGHT)]
        )
        # One posting per (term, row): sort by term then row and add up each run's weights.
        keys = terms * count + docs
        order = np.argsort(keys, kind="stable")
        keys, weights = keys[order], weights[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
        freqs = np.add.reduceat(weights, starts) if len(keys) else np.zeros(0)
        unique = keys[starts]
        post_terms, post_docs = unique // count, unique % count
        terms_known = len(self.vocab)
        indptr = np.zeros(terms_known + 1, dtype=np.int64)
        np.cumsum(np.bincount(post_terms, minlength=terms_known), out=indptr[1:])
        # Weighted counts are multiples of 0.5: float32 holds them exactly in half the memory.
        self.segments.append(_Segment(indptr, (post_docs + base).astype(np.int32), freqs.astype(np.float32)))

        lengths = (body_len + heading_len).astype(np.float64)
        codes = np.fromiter((self.languages.setdefault(r[3], len(self.languages)) for r in rows), np.int16, count)
        self.rowids = np.concatenate([self.rowids, np.fromiter((r[0] for r in rows), np.int64, count)])
        self.lengths = np.concatenate([self.lengths, lengths])
        self.language = np.concatenate([self.language, codes])
        self.alive = np.concatenate([self.alive, np.ones(count, dtype=bool)])
        for i, row in enumerate(rows):
            self.position[row[0]] = base + i
        self.live_rows += count
        self.live_tokens += float(lengths.sum())

    def _term_ids(self, rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Token counts of each row's two columns, and the term id of every token (body, then heading)."""
        count = len(rows)
        body = [fts_tokens(r[1]) for r in rows]
        heading = [fts_tokens(r[2]) for r in rows]
        body_len = np.fromiter(map(len, body), dtype=np.int64, count=count)
        heading_len = np.fromiter(map(len, heading), dtype=np.int64, count=count)
        flat = [t for tokens in body for t in tokens] + [t for tokens in heading for t in tokens]
        del body, heading
        ids = dict(self.vocab)
        new = [t for t in dict.fromkeys(flat) if t not in ids]
        ids.update(zip(new, range(len(ids), len(ids) + len(new)), strict=True))
        terms = np.fromiter(map(ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        # The vocabulary keeps copies made after this batch's millions of token strings are freed:
        # kept originals would pin the memory pools they sit in (~200 MB more resident at 100k).
        joined = "\n".join(new)
        del flat, ids, new
        if joined:
            start = len(self.vocab)
            self.vocab.update(zip(joined.split("\n"), itertools.count(start)))
        return body_len, heading_len, terms

    # ------------------------------------------------------------------ queries
    def _postings(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        term = self.vocab.get(token)
        if term is None:
            return None
        parts = [p for p in (s.postings(term) for s in self.segments) if p is not None]
        if not parts:
            return None
        docs = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        freqs = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        freqs = freqs.astype(np.float64)  # score in double precision, as FTS5 does
        live = self.alive[docs]
        if not live.all():
            docs, freqs = docs[live], freqs[live]
        return (docs, freqs) if len(docs) else None

    def doc_freq(self, tokens: Iterable[str]) -> dict[str, int]:
        """Rows holding each token (in any column), as ``fts5vocab(..., 'row')`` counts them."""
        out = {}
        for token in dict.fromkeys(tokens):
            found = self._postings(token)
            out[token] = 0 if found is None else len(found[0])
        return out

    def search(self, tokens: Sequence[str], limit: int, language: str | None = None) -> list[tuple[int, float]]:
        """(rowid, score) of the ``limit`` best rows matching any token, best first; score is
        ``-bm25(chunks_fts, 1.0, 0.5)`` for the OR of the tokens. Ties go to the lower rowid."""
        if limit <= 0 or not self.live_rows:
            return []
        rows = float(self.live_rows)
        norm = K1 * (1 - B)
        scale = K1 * B / (self.live_tokens / rows)
        scores: np.ndarray | None = None
        for token in dict.fromkeys(tokens):
            found = self._postings(token)
            if found is None:
                continue
            docs, freqs = found
            hits = len(docs)
            idf = math.log((rows - hits + 0.5) / (hits + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            if scores is None:
                scores = np.zeros(len(self.rowids))
            scores[docs] += idf * (freqs * (K1 + 1)) / (freqs + (norm + scale * self.lengths[docs]))
        if scores is None:
            return []
        candidates = np.flatnonzero(scores)
        if language is not None:
            code = self.languages.get(language)
            if code is None:
                return []
            candidates = candidates[self.language[candidates] == code]
        values = scores[candidates]
        if len(candidates) > limit:
            # Everything scoring at least the limit-th best, so that ties at the cut are decided by rowid.
            cut = np.partition(values, len(values) - limit)[len(values) - limit]
            keep = values >= cut
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((self.rowids[candidates], -values))[:limit]
        return [(int(self.rowids[candidates[i]]), float(values[i])) for i in order]

    @property
    def postings(self) -> int:
        return sum(s.size for s in self.segments)

    def memory_bytes(self) -> int:
        """Bytes held by the numpy arrays (the vocabulary and row map are Python objects on top)."""
        arrays: list[np.ndarray] = [self.rowids, self.lengths, self.language, self.alive]
        arrays += [a for s in self.segments for a in (s.indptr, s.docs, s.freqs)]
        return sum(a.nbytes for a in arrays)
