"""The reply desk's record in app.db: the tracked list of citizens' messages and practice results.

Role rules, checked here whatever the page shows: everyone signed in adds messages and
practises; learners see and update only their own items and results; trainers and admins see
everyone's and may update any item (to take over or escalate a colleague's message).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlite_utils

from desk.replies import ReplyDraft
from desk.reply_practice import PracticeResult
from trainer.errors import PermissionDenied, TrainerError
from trainer.people.accounts import User, require_role

STATUSES = ("open", "replied", "escalated")
ROLES = ("learner", "trainer", "admin")
MAX_TEXT_CHARS = 5000


class ReplyItemNotFound(TrainerError):
    "No such message in the tracked list"


class InvalidStatus(TrainerError):
    "The status is not one of open, replied, escalated"


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def is_overdue(item: dict[str, Any], today: dt.date | None = None) -> bool:
    """An open message whose last allowed day has passed (the deadline day itself is still on time)."""
    return item["status"] == "open" and dt.date.fromisoformat(item["deadline"]) < (today or dt.date.today())


class ReplyDesk:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ tracked list
    def add(self, user: User, draft: ReplyDraft, reply: str = "") -> int:
        """Put a message and its deadline on the user's tracked list; ``reply`` is the edited draft."""
        require_role(user, *ROLES)
        now = _now_iso()
        cur = self.db.execute(
            "INSERT INTO reply_items (username, message, category, language, received, deadline, working_days,"
            " reply, status, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
            [
                user.username,
                draft.message[:MAX_TEXT_CHARS],
                draft.category,
                draft.language,
                draft.received.isoformat(),
                draft.deadline.isoformat(),
                draft.working_days,
                (reply or draft.reply)[:MAX_TEXT_CHARS],
                now,
                now,
                user.username,
            ],
        )
        return int(cur.lastrowid or 0)

    def item(self, viewer: User, item_id: int) -> dict[str, Any]:
        require_role(viewer, *ROLES)
        rows = list(self.db.query("SELECT * FROM reply_items WHERE id = ?", [item_id]))
        if not rows:
            raise ReplyItemNotFound(f"No message #{item_id} in the tracked list · 跟踪清单中没有这条留言")
        row = rows[0]
        if viewer.role == "learner" and row["username"].lower() != viewer.username.lower():
            raise PermissionDenied("You can see only your own messages · 只能查看自己登记的留言")
        return row

    def items(
        self, viewer: User, *, username: str | None = None, status: str | None = None, today: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Tracked messages, soonest deadline first, each with ``overdue``; learners get only their own."""
        require_role(viewer, *ROLES)
        if viewer.role == "learner":
            username = viewer.username
        where, params = [], []
        if username:
            where.append("username = ?")
            params.append(username)
        if status:
            where.append("status = ?")
            params.append(status)
        sql = "SELECT * FROM reply_items" + (" WHERE " + " AND ".join(where) if where else "")
        rows = list(self.db.query(sql + " ORDER BY deadline, id", params))
        for row in rows:
            row["overdue"] = is_overdue(row, today)
        return rows

    def set_status(self, user: User, item_id: int, status: str) -> dict[str, Any]:
        """Mark a message open, replied or escalated: its owner, or a trainer or admin."""
        if status not in STATUSES:
            raise InvalidStatus(f"Unknown status '{status}' - use one of {', '.join(STATUSES)}")
        row = self.item(user, item_id)  # learners: only their own
        self.db.execute(
            "UPDATE reply_items SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            [status, _now_iso(), user.username, item_id],
        )
        return {**row, "status": status, "updated_by": user.username}

    # ------------------------------------------------------------------ practice
    def record_practice(self, user: User, reply: str, result: PracticeResult) -> int:
        require_role(user, *ROLES)
        cur = self.db.execute(
            "INSERT INTO reply_practice (username, sample, reply, score, max_score, feedback, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                user.username,
                result.sample,
                reply[:MAX_TEXT_CHARS],
                result.score,
                result.max_score,
                json.dumps(result.as_json(), ensure_ascii=False),
                _now_iso(),
            ],
        )
        return int(cur.lastrowid or 0)

    def practice_results(self, viewer: User, *, username: str | None = None) -> list[dict[str, Any]]:
        """Practice replies, newest first; learners get only their own."""
        require_role(viewer, *ROLES)
        if viewer.role == "learner":
            username = viewer.username
        sql = "SELECT * FROM reply_practice" + (" WHERE username = ?" if username else "") + " ORDER BY id DESC"
        rows = list(self.db.query(sql, [username] if username else []))
        for row in rows:
            row["feedback"] = json.loads(row["feedback"])
        return rows
