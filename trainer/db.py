"""The app database (``APP_DATA_DIR/app.db``): people and activity, with numbered migrations.

One connection shared by the app's threads (``check_same_thread=False``) in WAL mode, so
readers never wait for a writer; writes that touch several rows run in one transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from knowledge.migrations import Migrations

migration = Migrations()


@migration
def m001_users(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('learner', 'trainer', 'admin')),
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            language TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            last_login TEXT
        )"""
    )
    # Failed and successful sign-ins, for throttling and for an audit trail (no passwords).
    db.execute(
        """CREATE TABLE sign_ins (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            at REAL NOT NULL,
            ok INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX sign_ins_user_at ON sign_ins(username, at)")


def open_db(path: Path) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the app database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    db = sqlite_utils.Database(conn)
    migration.apply(db)
    return db
