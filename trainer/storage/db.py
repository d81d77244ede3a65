"""The app database (``APP_DATA_DIR/app.db``): people and activity, with numbered migrations.

One connection shared by the app's threads (``check_same_thread=False``) in WAL mode, so other
processes' readers never wait for a writer; writes that touch several rows run in one transaction.
The threads take turns on the connection (:class:`sqlstore.shared.SharedDatabase`).
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlite_utils

from sqlstore.faults import connect
from sqlstore.migrations import Migrations
from sqlstore.shared import SharedDatabase
from trainer.errors import DatabaseLocked, DiskFull

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


@migration
def m002_asks(db: sqlite_utils.Database) -> None:
    # Every question asked in the chat, with what the app answered and how well it was supported,
    # so trainers can see usage and what the knowledge base is missing.
    db.execute(
        """CREATE TABLE asks (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            question TEXT NOT NULL,
            query TEXT NOT NULL DEFAULT '',
            answer TEXT NOT NULL,
            grounded INTEGER NOT NULL,
            mode TEXT NOT NULL,
            language TEXT NOT NULL,
            support REAL NOT NULL DEFAULT 0,
            citations TEXT NOT NULL DEFAULT '[]',
            hits TEXT NOT NULL DEFAULT '[]',
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX asks_at ON asks(at)")
    db.execute("CREATE INDEX asks_user ON asks(username)")
    # One rating per answer and person; a second click changes it.
    db.execute(
        """CREATE TABLE answer_feedback (
            ask_id INTEGER NOT NULL REFERENCES asks(id) ON DELETE CASCADE,
            username TEXT NOT NULL COLLATE NOCASE,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
            reason TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            PRIMARY KEY (ask_id, username)
        )"""
    )


@migration
def m003_learning(db: sqlite_utils.Database) -> None:
    # Lessons a learner has read (once is enough).
    db.execute(
        """CREATE TABLE lesson_reads (
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            module TEXT NOT NULL,
            lesson TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (username, course, module, lesson)
        )"""
    )
    # One quiz attempt. Times are epoch seconds so the server can enforce the time limit.
    db.execute(
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            module TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('practice', 'graded')),
            started_at REAL NOT NULL,
            deadline REAL,
            submitted_at REAL,
            status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'expired')),
            score REAL,
            max_score REAL NOT NULL,
            passed INTEGER
        )"""
    )
    db.execute("CREATE INDEX attempts_user_module ON attempts(username, course, module)")
    # Which questions an attempt showed, in which order, with which option order, and the answers.
    db.execute(
        """CREATE TABLE attempt_questions (
            attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
            pos INTEGER NOT NULL,
            question TEXT NOT NULL,
            shown_order TEXT NOT NULL DEFAULT '[]',
            response TEXT,
            answered_at REAL,
            score REAL,
            max_score REAL NOT NULL,
            PRIMARY KEY (attempt_id, pos)
        )"""
    )
    db.execute("CREATE INDEX attempt_questions_question ON attempt_questions(question)")
    db.execute(
        """CREATE TABLE certificates (
            code TEXT PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            name TEXT NOT NULL,
            course TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            UNIQUE (username, course)
        )"""
    )


@migration
def m004_dashboard(db: sqlite_utils.Database) -> None:
    # Courses assigned to people, with an optional due date (ISO date).
    db.execute(
        """CREATE TABLE assignments (
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            due TEXT,
            assigned_by TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (username, course)
        )"""
    )
    # A thumbs-down a trainer has dealt with (turned into a curated answer or judged fine).
    db.execute("ALTER TABLE answer_feedback ADD COLUMN handled INTEGER NOT NULL DEFAULT 0")


@migration
def m005_reply_desk(db: sqlite_utils.Database) -> None:
    # Citizens' messages staff are handling, with the deadline computed when they were added.
    db.execute(
        """CREATE TABLE reply_items (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            message TEXT NOT NULL,
            category TEXT NOT NULL,
            language TEXT NOT NULL,
            received TEXT NOT NULL,
            deadline TEXT NOT NULL,
            working_days INTEGER NOT NULL,
            reply TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('open', 'replied', 'escalated')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX reply_items_user ON reply_items(username)")
    # Practice replies to the sample messages, scored against the rubric (feedback as JSON).
    db.execute(
        """CREATE TABLE reply_practice (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            sample TEXT NOT NULL,
            reply TEXT NOT NULL,
            score REAL NOT NULL,
            max_score REAL NOT NULL,
            feedback TEXT NOT NULL DEFAULT '[]',
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX reply_practice_user ON reply_practice(username)")


@migration
def m006_ask_confidence(db: sqlite_utils.Database) -> None:
    # The chat's three outcomes: "answered" (grounded), "related" (passages on the topic shown, no
    # confirmed answer) or "not_found". Older rows were answered or refused, which grounded tells.
    db.execute("ALTER TABLE asks ADD COLUMN confidence TEXT NOT NULL DEFAULT 'not_found'")
    db.execute("UPDATE asks SET confidence = 'answered' WHERE grounded = 1")


@migration
def m007_sessions(db: sqlite_utils.Database) -> None:
    # Signed-in sessions (trainer/people/sessions.py): only the SHA-256 of each token is stored.
    db.execute(
        """CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            created_at REAL NOT NULL,
            last_seen REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX sessions_user ON sessions(username)")
    # One-time tickets the browser exchanges for the session cookie; the token is kept sealed.
    db.execute(
        """CREATE TABLE session_tickets (
            ticket_hash TEXT PRIMARY KEY,
            sealed TEXT NOT NULL,
            expires_at REAL NOT NULL
        )"""
    )
    # A password someone else chose or saw (a new account, an import, a reset) is changed at first sign-in.
    db.execute("ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0")


@migration
def m008_health(db: sqlite_utils.Database) -> None:
    # The account health check (desk/health.py): the district's official accounts, who manages
    # each, and their imported publishing records.
    db.execute(
        """CREATE TABLE health_accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            department TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE health_managers (
            account_id INTEGER NOT NULL REFERENCES health_accounts(id) ON DELETE CASCADE,
            username TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY (account_id, username)
        )"""
    )
    db.execute("CREATE INDEX health_managers_user ON health_managers(username)")
    # One published article. Publish time is China Standard Time, ISO text; the same account, time
    # and title is the same article, so re-importing an export updates its figures instead of adding it.
    db.execute(
        """CREATE TABLE health_posts (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES health_accounts(id) ON DELETE CASCADE,
            published TEXT NOT NULL,
            title TEXT NOT NULL,
            reads INTEGER,
            shares INTEGER,
            likes INTEGER,
            wows INTEGER,
            original INTEGER,
            kind TEXT NOT NULL,
            cues TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            import_id INTEGER NOT NULL,
            UNIQUE (account_id, published, title)
        )"""
    )
    db.execute(
        """CREATE TABLE health_imports (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            filename TEXT NOT NULL,
            rows INTEGER NOT NULL,
            added INTEGER NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    # A course module assigned to an account's managers from a finding (the course itself goes to
    # the ``assignments`` table as on People; this row says which module and why).
    db.execute(
        """CREATE TABLE health_training (
            account_id INTEGER NOT NULL REFERENCES health_accounts(id) ON DELETE CASCADE,
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            module TEXT NOT NULL,
            measure TEXT NOT NULL,
            assigned_by TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (account_id, username, course, module)
        )"""
    )


@migration
def m009_review(db: sqlite_utils.Database) -> None:
    # Spaced review (trainer/learning/review.py): one card per learner and question, holding the fsrs Card
    # state. Times are whole epoch seconds, so the state round-trips exactly to fsrs's datetimes.
    # ``version`` counts the writes to a card: a review names the version it was shown, and a
    # second tab's answer to the same version is ignored.
    db.execute(
        """CREATE TABLE review_cards (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            module TEXT NOT NULL,
            question TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('missed', 'refresher')),
            fingerprint TEXT NOT NULL,
            state INTEGER NOT NULL,
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due INTEGER NOT NULL,
            last_review INTEGER,
            version INTEGER NOT NULL DEFAULT 0,
            reviews INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            reset_at INTEGER,
            retired_at INTEGER,
            UNIQUE (username, course, question)
        )"""
    )
    db.execute("CREATE INDEX review_cards_due ON review_cards(username, due) WHERE retired_at IS NULL")
    db.execute("CREATE INDEX review_cards_question ON review_cards(course, question)")
    # Every review given to the scheduler, from the review page or from a quiz answer.
    db.execute(
        """CREATE TABLE review_log (
            card_id INTEGER NOT NULL REFERENCES review_cards(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            rating INTEGER NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('review', 'quiz', 'refresher')),
            reviewed_at INTEGER NOT NULL,
            stability REAL NOT NULL,
            difficulty REAL NOT NULL,
            due INTEGER NOT NULL,
            PRIMARY KEY (card_id, version)
        )"""
    )
    # How far each learner's quiz answers have been read into the deck.
    db.execute(
        """CREATE TABLE review_sync (
            username TEXT PRIMARY KEY COLLATE NOCASE,
            graded_done INTEGER NOT NULL DEFAULT 0,
            practice_at REAL NOT NULL DEFAULT 0
        )"""
    )
    # Modules whose questions were added as refresher cards on completion (once).
    db.execute(
        """CREATE TABLE review_modules (
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            module TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (username, course, module)
        )"""
    )
    # Certificates that expire and are renewed: several per learner and course, the newest in force.
    # Rebuilt without UNIQUE (username, course); older rows expire by the course's validity.
    db.execute(
        """CREATE TABLE certificates_new (
            code TEXT PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            name TEXT NOT NULL,
            course TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            expires_at TEXT,
            superseded_by TEXT
        )"""
    )
    db.execute(
        "INSERT INTO certificates_new (code, username, name, course, issued_at)"
        " SELECT code, username, name, course, issued_at FROM certificates"
    )
    db.execute("DROP TABLE certificates")
    db.execute("ALTER TABLE certificates_new RENAME TO certificates")
    db.execute("CREATE INDEX certificates_user_course ON certificates(username, course)")
    # Refresher quizzes before a certificate lapses: the questions drawn and the answers given.
    db.execute(
        """CREATE TABLE refreshers (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            questions TEXT NOT NULL,
            responses TEXT NOT NULL DEFAULT '{}',
            started_at INTEGER NOT NULL,
            submitted_at INTEGER,
            score REAL,
            max_score REAL NOT NULL,
            passed INTEGER,
            certificate TEXT
        )"""
    )
    db.execute("CREATE INDEX refreshers_user ON refreshers(username, course)")
    # A refresher a trainer asked a group to take.
    db.execute(
        """CREATE TABLE refresher_assignments (
            username TEXT NOT NULL COLLATE NOCASE,
            course TEXT NOT NULL,
            due TEXT,
            assigned_by TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (username, course)
        )"""
    )


@migration
def m010_review_indexes(db: sqlite_utils.Database) -> None:
    # The trainer's retention table reads every learner's cards (bench/review_bench.py: 2,000 x 300):
    # a covering index in (course, learner, module) order groups them with no sort and no table
    # lookups, and one in content order lets the check against the course files (which questions
    # changed or went) read distinct questions without sorting 600k rows. The second also serves the
    # lookups by (course, question) the old index was for.
    db.execute("DROP INDEX IF EXISTS review_cards_question")
    db.execute("CREATE INDEX review_cards_content ON review_cards(course, question, fingerprint, module, retired_at)")
    db.execute(  # retired_at too, though always NULL here: without it SQLite reads the table for it
        "CREATE INDEX review_cards_learner_module ON review_cards(course, username, module, stability, last_review,"
        " due, retired_at) WHERE retired_at IS NULL"
    )


_SHARED: dict[str, sqlite_utils.Database] = {}
_SHARED_GUARD = threading.Lock()


def shared_db(path: Path) -> sqlite_utils.Database:
    """The app process's one connection to the app database at ``path``, for the pages and the
    cookie routes alike: two connections writing the same file made one wait on the other's
    write lock (a sign-in's ticket exchange timed out with 30 people signing in at once)."""
    key = str(path.resolve())
    with _SHARED_GUARD:
        if key not in _SHARED:
            _SHARED[key] = open_db(path)
        return _SHARED[key]


def open_db(path: Path) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the app database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Disk full and "database is locked" become our DiskFull / DatabaseLocked with a bilingual
    # message (pages show it; the quiz attempt stays open to be submitted again).
    conn = connect(path, disk_full=DiskFull, locked=DatabaseLocked, bilingual=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    db = SharedDatabase(conn)
    migration.apply(db)
    return db
