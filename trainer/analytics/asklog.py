"""The chat's record: every question, what the app answered, and the asker's thumbs up/down.

Trainers read it for usage and knowledge gaps; nobody edits it. Citations and retrieval scores
are stored as JSON so an answer can be audited later even after documents change.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from knowledge.answer import Answer
from trainer.errors import PermissionDenied, TrainerError
from trainer.people.accounts import User, require_role

MAX_REASON_CHARS = 500


class AskNotFound(TrainerError):
    "No such question in the chat record"


@dataclass(frozen=True)
class Rating:
    ask_id: int
    rating: int  # +1 or -1
    reason: str


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class AskLog:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def record(self, user: User, result: Answer) -> int:
        """Store one question with its outcome (answered, related or not found); returns its id
        for feedback."""
        require_role(user, "learner", "trainer", "admin")
        citations = [c.as_json() for c in result.citations]
        hits = [
            {
                "chunk": h.chunk_id,
                "doc": h.doc,
                "page": h.page,
                "score": round(h.score, 4),
                "similarity": round(h.similarity, 4),
                "lexical": round(h.lexical, 3),
            }
            for h in result.hits
        ]
        cur = self.db.execute(
            "INSERT INTO asks (username, question, query, answer, grounded, confidence, mode, language, support,"
            " citations, hits, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user.username,
                result.question,
                result.query,
                result.text,
                int(result.grounded),
                result.confidence,
                result.mode,
                result.language,
                float(result.support),
                json.dumps(citations, ensure_ascii=False),
                json.dumps(hits, ensure_ascii=False),
                _now_iso(),
            ],
        )
        return int(cur.lastrowid or 0)

    def rate(self, user: User, ask_id: int, rating: int, reason: str = "") -> Rating:
        """Thumbs up (+1) or down (-1) on one's own answer; rating again replaces the old one."""
        require_role(user, "learner", "trainer", "admin")
        if rating not in (-1, 1):
            raise ValueError("rating is +1 or -1")
        row = self.db.execute("SELECT username FROM asks WHERE id = ?", [ask_id]).fetchone()
        if row is None:
            raise AskNotFound(f"No question #{ask_id} in the chat record · 找不到这条提问")
        if row[0].lower() != user.username.lower():
            raise PermissionDenied("You can rate only your own answers · 只能评价自己的提问")
        reason = reason.strip()[:MAX_REASON_CHARS]
        self.db.execute(
            "INSERT INTO answer_feedback (ask_id, username, rating, reason, at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(ask_id, username) DO UPDATE SET rating = excluded.rating,"
            " reason = CASE WHEN excluded.reason = '' THEN answer_feedback.reason ELSE excluded.reason END,"
            " at = excluded.at",
            [ask_id, user.username, rating, reason, _now_iso()],
        )
        return Rating(ask_id, rating, reason)

    def asks(self, viewer: User, *, username: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Recorded questions with their rating; learners see only their own."""
        require_role(viewer, "learner", "trainer", "admin")
        if viewer.role == "learner":
            username = viewer.username
        sql = (
            "SELECT a.*, f.rating, f.reason FROM asks a LEFT JOIN answer_feedback f ON f.ask_id = a.id"
            + (" WHERE a.username = ?" if username else "")
            + " ORDER BY a.id DESC LIMIT ?"
        )
        params: list[Any] = [username, limit] if username else [limit]
        rows = list(self.db.query(sql, params))
        for row in rows:
            row["citations"] = json.loads(row["citations"])
            row["hits"] = json.loads(row["hits"])
        return rows
