"""Numbered schema migrations for the project's SQLite files (knowledge.db, app.db).

Each migration is a function named ``mNNN_what_it_does(db)``; it runs once, inside a
transaction, and its name is recorded in ``_migrations``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


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
