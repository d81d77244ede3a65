"""SQLite connections whose "disk full" and "database is locked" errors are our own error types.

Both databases (``knowledge.db`` through :class:`knowledge.catalog.Catalog`, ``app.db`` through
:func:`trainer.storage.db.open_db`) open their connection here. sqlite3 reports a full disk and a lock held
too long as a bare ``sqlite3.OperationalError`` - a traceback on a page, an unhandled exception in
the CLI. Here the statement that fails raises the caller's own ``disk_full`` / ``locked`` class
(a ``KnowledgeError`` or a ``TrainerError``) with a message that says what to do next; the
transaction it was part of is rolled back (SQLite guarantees nothing of it was kept), so the same
action can simply be repeated once there is space again or the other program lets go.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# How long a write waits for another connection's write lock before giving up with a message.
# Every write transaction of ours is short (the longest, a large document's rows, takes well under
# a second), so a lock held this long is another program (an open sqlite3 shell, a stuck script);
# a page should say so within seconds rather than hang for the 30 s this used to be.
BUSY_TIMEOUT_S = 10.0

SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL = 5, 6, 13


class FaultTranslatingConnection(sqlite3.Connection):
    """A connection that raises ``disk_full`` / ``locked`` (set by :func:`connect`) for those errors."""

    disk_full: type[Exception] = sqlite3.OperationalError
    locked: type[Exception] = sqlite3.OperationalError
    path: Path = Path()
    bilingual: bool = False
    busy_timeout: float = BUSY_TIMEOUT_S

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if not self.in_transaction and sql.strip().upper() == "ROLLBACK":
            # SQLite rolls a transaction back by itself on some errors (SQLITE_FULL among them);
            # the ROLLBACK of ``sqlstore.migrations.immediate`` would then fail with "no
            # transaction is active" and hide the DiskFull that explains what happened.
            return super().execute("SELECT 1")
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            self._after_failed(sql)
            raise self._translate(exc) from exc

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from exc

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.OperationalError as exc:
            self._after_failed("COMMIT")
            raise self._translate(exc) from exc

    def _after_failed(self, sql: str) -> None:
        # A COMMIT that fails with SQLITE_BUSY or an I/O error may leave the transaction open
        # (SQLite's documentation: "it is recommended that applications respond ... by explicitly
        # issuing a ROLLBACK"); left open, the next BEGIN IMMEDIATE on this shared connection fails
        # with "cannot start a transaction within a transaction" and every later write is stuck.
        if sql.strip().upper().startswith(("COMMIT", "END")) and self.in_transaction:
            try:
                super().execute("ROLLBACK")
            except sqlite3.Error:
                pass  # already rolled back by SQLite itself

    def _translate(self, exc: sqlite3.OperationalError) -> Exception:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        text = str(exc).lower()
        if code == SQLITE_FULL or "disk is full" in text or "no space" in text:
            return self.disk_full(self._full_message())
        if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text:
            return self.locked(self._locked_message())
        return exc

    def _full_message(self) -> str:
        en = (
            f"The disk holding {self.path} is full, so nothing was saved. Free some space on it "
            "(or move APP_DATA_DIR to a larger disk), then do the same again."
        )
        return f"{en} · 数据所在磁盘已满，本次操作未保存。请清理磁盘空间后重试。" if self.bilingual else en

    def _locked_message(self) -> str:
        en = (
            f"{self.path.name} is busy: another program has held its write lock for over "
            f"{self.busy_timeout:g} s, so nothing was saved. Wait a moment and do the same again; if it "
            f"keeps happening, close the other program using {self.path} (an open sqlite3 shell, a script)."
        )
        return f"{en} · 数据库正被其他程序占用，本次操作未保存，请稍后重试。" if self.bilingual else en


def connect(
    path: Path,
    *,
    disk_full: type[Exception],
    locked: type[Exception],
    bilingual: bool = False,
) -> FaultTranslatingConnection:
    """An autocommit connection (``isolation_level=None``) shared by threads, waiting
    :data:`BUSY_TIMEOUT_S` for another writer, with disk-full and lock errors translated."""
    timeout = BUSY_TIMEOUT_S  # read now, so tests can shorten the wait
    conn = sqlite3.connect(
        str(path),
        check_same_thread=False,
        timeout=timeout,
        isolation_level=None,
        factory=FaultTranslatingConnection,
    )
    assert isinstance(conn, FaultTranslatingConnection)
    conn.disk_full, conn.locked, conn.path, conn.bilingual = disk_full, locked, Path(path), bilingual
    conn.busy_timeout = timeout
    return conn
