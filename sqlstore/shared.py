"""A SQLite connection that several threads of one process share, one statement or transaction at a time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Generator, Sequence
from typing import Any

import sqlite_utils


class SharedDatabase(sqlite_utils.Database):
    """A connection the app's threads share: one statement, or one whole transaction, at a time.

    Why: sqlite-utils runs every ``query()`` inside ``SAVEPOINT ... RELEASE``, and a savepoint
    opens a transaction on the connection. With 30 users on one app process (bench/load_test.py)
    a quiz submission's ``BEGIN IMMEDIATE`` then failed with "cannot start a transaction within a
    transaction" while another session was reading, and one thread's autocommit write could land
    inside another thread's transaction (and go with its rollback). ``shared_lock`` is held for
    each statement (a query's rows are fetched before it is let go) and, by
    ``sqlstore.migrations.immediate``, from ``BEGIN IMMEDIATE`` to ``COMMIT``.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.shared_lock = threading.RLock()  # before super().__init__, which runs a PRAGMA
        super().__init__(conn)

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        with self.shared_lock:
            return super().execute(sql, parameters)

    def query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> Generator[dict[str, Any], None, None]:
        with self.shared_lock:
            rows = list(super().query(sql, params))
        return (row for row in rows)
