"""Accounts: password hashing, sign-in with throttling, roles.

Passwords are hashed with scrypt (memory-hard, in the standard library) with a random salt
per password; the stored string names its parameters so they can be raised later without
breaking old hashes. Sign-in failures say nothing about whether the user name exists.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from trainer.errors import (
    AccountInactive,
    InvalidRole,
    InvalidUsername,
    PermissionDenied,
    SignInFailed,
    SignInThrottled,
    UserExists,
    UserNotFound,
    WeakPassword,
)
from trainer.people.sessions import revoke_user

ROLES = ("learner", "trainer", "admin")
MIN_PASSWORD_LENGTH = 10
# scrypt cost: 2**14 x 8 x 128 bytes = 16 MiB of memory per hash, ~50 ms here.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def valid_username(username: str) -> bool:
    """1-64 characters without spaces (the caller strips it first)."""
    return 0 < len(username) <= 64 and not any(ch.isspace() for ch in username)


def insert_user(
    db: sqlite_utils.Database | sqlite3.Connection,
    username: str,
    password_hash: str,
    role: str,
    *,
    name: str = "",
    department: str = "",
    language: str = "",
    must_change_password: bool = True,
) -> None:
    """The one INSERT of an account row; callers have checked the name, role and password rules.

    A password someone else set (People, a roster import) is to be changed at first sign-in, hence the default.
    """
    db.execute(
        "INSERT INTO users (username, name, department, role, password_hash, language, created_at,"
        " must_change_password) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [username, name.strip(), department.strip(), role, password_hash, language, _now_iso(),
         int(must_change_password)],
    )  # fmt: skip


def check_password_rules(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Use at least {MIN_PASSWORD_LENGTH} characters · 密码至少{MIN_PASSWORD_LENGTH}位")
    if username and username.lower() in password.lower():
        raise WeakPassword("The password must not contain the user name · 密码不能包含用户名")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    department: str
    role: str
    active: bool
    language: str
    must_change_password: bool = False  # sign-in leads only to the password form until it is changed

    def can(self, *roles: str) -> bool:
        return self.active and self.role in roles


def require_role(user: User | None, *roles: str) -> User:
    """The check every page and action makes on the server side."""
    if user is None or not user.can(*roles):
        raise PermissionDenied(f"This needs the role {' or '.join(roles)} · 需要以下角色：{'、'.join(roles)}")
    return user


def session_expired(last_seen: float, now: float, idle_minutes: float) -> bool:
    """True when a signed-in session has been idle for longer than ``idle_minutes``."""
    return now - last_seen > idle_minutes * 60


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Accounts:
    def __init__(self, db: sqlite_utils.Database, *, clock: Any = time.time) -> None:
        self.db = db
        self.clock = clock
        self._lock = threading.Lock()

    def has_users(self) -> bool:
        return bool(self.db.execute("SELECT 1 FROM users LIMIT 1").fetchone())

    def create_user(
        self,
        username: str,
        password: str,
        role: str,
        *,
        name: str = "",
        department: str = "",
        language: str = "",
        must_change_password: bool = False,
    ) -> User:
        """An account; ``must_change_password`` when the password was chosen by someone else (People)."""
        username = username.strip()
        if not valid_username(username):
            raise InvalidUsername("A user name is 1-64 characters without spaces · 用户名为1-64个字符，不含空格")
        if role not in ROLES:
            raise InvalidRole(f"Unknown role '{role}' - use one of {', '.join(ROLES)}")
        check_password_rules(password, username)
        with self._lock:
            if self.find(username) is not None:
                raise UserExists(f"User '{username}' already exists · 用户名已存在")
            insert_user(
                self.db,
                username,
                hash_password(password),
                role,
                name=name,
                department=department,
                language=language,
                must_change_password=must_change_password,
            )
        user = self.find(username)
        assert user is not None
        return user

    def create_first_admin(self, username: str, password: str, *, name: str = "") -> User:
        """Only while no account exists: the app's first-start screen."""
        with self._lock:
            if self.has_users():
                raise PermissionDenied("An administrator already exists - sign in instead · 已有管理员，请登录")
        return self.create_user(username, password, "admin", name=name)

    def find(self, username: str) -> User | None:
        rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username.strip()]))
        return _user(rows[0]) if rows else None

    def get(self, username: str) -> User:
        user = self.find(username)
        if user is None:
            raise UserNotFound(f"No user '{username}' · 用户不存在")
        return user

    def users(self) -> list[User]:
        return [_user(r) for r in self.db.query("SELECT * FROM users ORDER BY username")]

    def authenticate(self, username: str, password: str) -> User:
        """The user, or SignInFailed / SignInThrottled / AccountInactive."""
        username = username.strip()
        now = self.clock()
        failures = self.db.execute(
            "SELECT count(*), min(at) FROM sign_ins WHERE username = ? AND ok = 0 AND at > ?",
            [username, now - FAILURE_WINDOW_S],
        ).fetchone()
        if failures[0] >= MAX_FAILURES:
            wait = max(1, math.ceil((failures[1] + FAILURE_WINDOW_S - now) / 60))
            raise SignInThrottled(
                f"Too many failed sign-ins - try again in {wait} minutes · 登录失败次数过多，请{wait}分钟后再试"
            )
        row = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        stored = row[0]["password_hash"] if row else _DUMMY_HASH  # same work whether or not the user exists
        ok = verify_password(password, stored) and bool(row)
        self.db.execute("INSERT INTO sign_ins (username, at, ok) VALUES (?, ?, ?)", [username, now, int(ok)])
        if not ok:
            raise SignInFailed("Wrong user name or password · 用户名或密码错误")
        user = _user(row[0])
        if not user.active:
            raise AccountInactive("This account is deactivated - ask an administrator · 账号已停用，请联系管理员")
        self.db.execute("UPDATE users SET last_login = ? WHERE id = ?", [_now_iso(), user.id])
        return user

    def set_password(self, username: str, password: str, *, must_change: bool = False) -> None:
        """The user's own new password (or, with ``must_change``, one handed over); every session of the
        user ends, so whoever knew the old password is signed out everywhere."""
        user = self.get(username)
        check_password_rules(password, user.username)
        self.db.execute(
            "UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?",
            [hash_password(password), int(must_change), user.id],
        )
        revoke_user(self.db, user.username)

    def reset_password(self, username: str) -> str:
        """A new random password, returned once (to show once), stored only as a hash, to be changed at
        the next sign-in."""
        user = self.get(username)
        password = secrets.token_urlsafe(12)
        while user.username.lower() in password.lower():  # a random password may contain a short name
            password = secrets.token_urlsafe(12)
        self.set_password(username, password, must_change=True)
        return password

    def set_active(self, username: str, active: bool) -> None:
        user = self.get(username)
        self.db.execute("UPDATE users SET active = ? WHERE id = ?", [int(active), user.id])
        if not active:
            revoke_user(self.db, user.username)

    def set_language(self, username: str, language: str) -> None:
        self.db.execute("UPDATE users SET language = ? WHERE id = ?", [language, self.get(username).id])


def _user(row: dict[str, Any]) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        name=row["name"],
        department=row["department"],
        role=row["role"],
        active=bool(row["active"]),
        language=row["language"],
        must_change_password=bool(row.get("must_change_password", 0)),
    )


# Checked against when the user name does not exist, so that a wrong name costs the same
# scrypt work as a wrong password and timing does not reveal which user names exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
