"""Numbered schema migrations for the project's SQLite files (knowledge.db, app.db).

Each migration is a function named ``mNNN_what_it_does(db)``; it runs once, inside a
transaction, and its name is recorded in ``_migrations``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


@contextmanager
def immediate(
    db: sqlite_utils.Database | sqlite3.Connection, lock: threading.Lock | threading.RLock | None = None
) -> Iterator[None]:
    """One write transaction taken at once (BEGIN IMMEDIATE): a second writer - another thread under
    ``lock``, or another process - waits here instead of interleaving; any error rolls it all back.
    For connections opened with ``isolation_level=None``, as every connection in this project is.
    A connection shared by threads (``sqlstore.shared.SharedDatabase``) is also held for the whole
    transaction, so no other thread's statement runs inside it (or opens a savepoint before BEGIN)."""
    shared = getattr(db, "shared_lock", None)
    with lock if lock is not None else nullcontext(), shared if shared is not None else nullcontext():
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


class Migrations:
    def __init__(self) -> None:
        self.steps: list[tuple[str, Migration]] = []

    def __call__(self, fn: Migration) -> Migration:
        """Decorator: register ``fn`` as the next migration."""
        self.steps.append((fn.__name__, fn))
        return fn

    def apply(self, db: sqlite_utils.Database) -> list[str]:
        """Run the migrations this database has not had yet; returns their names."""
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
        applied = []
        for name, fn in self.steps:
            if name in done:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                fn(db)
                db.execute(
                    "INSERT INTO _migrations VALUES (?, ?)",
                    [name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            applied.append(name)
        return applied
