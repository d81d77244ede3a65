"""Signed-in sessions kept on the server, so a reload or a shared link keeps the user signed in.

A session is a random 256-bit token. The browser holds it in an HttpOnly cookie that only the
server sets (``streamlit_app.py``'s ``/auth/*`` routes); ``app.db`` holds only its SHA-256, so a copy
of the database signs nobody in. A session ends when it has been idle longer than the configured
minutes, on sign-out, and - for every session of the user at once - on deactivation and on a
password change (:func:`revoke_user`, called by :class:`trainer.people.accounts.Accounts`).

The page (a websocket) cannot set a cookie, so sign-in hands the browser a *ticket*: one use, valid
for :data:`TICKET_TTL_S` seconds, exchanged by an HTTP route for the cookie. The ticket row keeps
the token only sealed with a pad derived from the ticket itself, so neither the database alone nor
a spent ticket gives the token away.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import time
from typing import Any

import sqlite_utils

from trainer.errors import StorageProblem, TrainerError

COOKIE_NAME = "govmedia_session"
TOKEN_BYTES = 32
TICKET_TTL_S = 60.0
# The idle clock is restarted at most this often: a write on every script run would make every click
# wait for app.db's write lock (30 users at once), and a minute is nothing against an idle limit.
TOUCH_EVERY_S = 60.0


class SessionExpired(TrainerError):
    "The session was idle for longer than the configured minutes; sign in again"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _pad(ticket: str) -> bytes:
    # A different hash from the lookup digest, so the stored digest says nothing about the pad.
    return hashlib.sha256(b"govmedia-ticket-seal:" + ticket.encode()).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def revoke_user(db: sqlite_utils.Database | sqlite3.Connection, username: str, *, keep: str | None = None) -> None:
    """End every session of ``username`` (except the one whose token is ``keep``), at once."""
    if keep:
        db.execute("DELETE FROM sessions WHERE username = ? AND token_hash != ?", [username, _digest(keep)])
    else:
        db.execute("DELETE FROM sessions WHERE username = ?", [username])


class Sessions:
    def __init__(self, db: sqlite_utils.Database, *, clock: Any = time.time) -> None:
        self.db = db
        self.clock = clock

    def create(self, username: str) -> str:
        """A new session for ``username`` (the caller has authenticated them); returns its token."""
        token = _encode(secrets.token_bytes(TOKEN_BYTES))
        now = self.clock()
        self.db.execute(
            "INSERT INTO sessions (token_hash, username, created_at, last_seen) VALUES (?, ?, ?, ?)",
            [_digest(token), username.strip(), now, now],
        )
        return token

    def resolve(self, token: str, idle_minutes: float, *, touch: bool = True) -> str | None:
        """The user name of a live session, its idle clock restarted; None for an unknown or ended one.

        Raises :class:`SessionExpired` (and forgets the session) when it has been idle too long.
        """
        if not token:
            return None
        key = _digest(token)
        row = self.db.execute("SELECT username, last_seen FROM sessions WHERE token_hash = ?", [key]).fetchone()
        if row is None:
            return None
        now = self.clock()
        if now - float(row[1]) > idle_minutes * 60:
            try:
                self.db.execute("DELETE FROM sessions WHERE token_hash = ?", [key])
            except StorageProblem:
                pass  # app.db is busy: the row is expired either way, prune() removes it later
            raise SessionExpired("You were signed out after a period of inactivity · 长时间未操作，已自动退出登录")
        if touch and now - float(row[1]) >= min(TOUCH_EVERY_S, idle_minutes * 60 / 10):
            try:
                self.db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", [now, key])
            except StorageProblem:
                pass  # app.db is busy (a long write elsewhere): the session stays valid, the page says the rest
        return str(row[0])

    def revoke(self, token: str) -> None:
        """Sign-out: this session ends, in every tab that shares it."""
        self.db.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])

    def revoke_user(self, username: str, *, keep: str | None = None) -> None:
        revoke_user(self.db, username, keep=keep)

    def count(self, username: str) -> int:
        return int(self.db.execute("SELECT count(*) FROM sessions WHERE username = ?", [username]).fetchone()[0])

    def prune(self, idle_minutes: float) -> None:
        """Forget sessions idle too long and tickets past their time (rows nobody can use any more)."""
        now = self.clock()
        self.db.execute("DELETE FROM sessions WHERE last_seen < ?", [now - idle_minutes * 60])
        self.db.execute("DELETE FROM session_tickets WHERE expires_at < ?", [now])

    # ------------------------------------------------------------------ tickets: token -> cookie
    def issue_ticket(self, token: str) -> str:
        """A one-time ticket the browser exchanges for the session cookie within TICKET_TTL_S seconds."""
        ticket = secrets.token_urlsafe(32)
        raw = _decode(token)
        sealed = bytes(a ^ b for a, b in zip(raw, _pad(ticket), strict=True))
        self.db.execute(
            "INSERT INTO session_tickets (ticket_hash, sealed, expires_at) VALUES (?, ?, ?)",
            [_digest(ticket), _encode(sealed), self.clock() + TICKET_TTL_S],
        )
        return ticket

    def ticket_pending(self, ticket: str) -> bool:
        """Whether the ticket can still be exchanged (not spent, not too old)."""
        row = self.db.execute(
            "SELECT expires_at FROM session_tickets WHERE ticket_hash = ?", [_digest(ticket)]
        ).fetchone()
        return row is not None and self.clock() <= float(row[0])

    def redeem_ticket(self, ticket: str) -> str | None:
        """The session token a ticket stands for, once; None when unknown, spent or too old."""
        if not ticket:
            return None
        key = _digest(ticket)
        row = self.db.execute("SELECT sealed, expires_at FROM session_tickets WHERE ticket_hash = ?", [key]).fetchone()
        if row is None:
            return None
        # Spent whether or not it is still valid; only the first of two racing requests gets a row count.
        if self.db.execute("DELETE FROM session_tickets WHERE ticket_hash = ?", [key]).rowcount != 1:
            return None
        if self.clock() > float(row[1]):
            return None
        sealed = _decode(str(row[0]))
        if len(sealed) != TOKEN_BYTES:
            return None
        return _encode(bytes(a ^ b for a, b in zip(sealed, _pad(ticket), strict=True)))
