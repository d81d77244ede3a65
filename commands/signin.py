"""Signing in from a terminal: one implementation for ``python -m trainer`` and ``python -m knowledge``.

``--as USERNAME`` with the password from ``$APP_CLI_PASSWORD`` or a prompt, checked by
:meth:`Accounts.authenticate` - the app's own rules, throttling and deactivation included. The
password is never printed, logged or put in an error message.

Exit status shared by both CLIs: 0 done, 1 an error, 2 usage or sign-in problem, 3 the signed-in role
may not do this, 130 interrupted.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import sys
from pathlib import Path

import sqlite_utils

from trainer.errors import AccountInactive, SignInFailed, SignInThrottled, TrainerError
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

PASSWORD_ENV = "APP_CLI_PASSWORD"
EXIT_ERROR, EXIT_USAGE, EXIT_DENIED = 1, 2, 3


class NotSignedIn(TrainerError):
    "The command needs --as USERNAME and a password"


# Errors that end a command with EXIT_USAGE; PermissionDenied ends it with EXIT_DENIED.
SIGN_IN_ERRORS: tuple[type[TrainerError], ...] = (NotSignedIn, SignInFailed, SignInThrottled, AccountInactive)


def has_accounts(app_db: Path) -> bool:
    """Whether ``app_db`` holds at least one account, without creating or migrating it.

    A file that exists but cannot be read raises :class:`NotSignedIn`: an unreadable account
    database must not turn a protected data folder into an open one.
    """
    if not app_db.exists():
        return False
    try:
        conn = sqlite3.connect(f"{app_db.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            tables = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone()
            return bool(tables) and bool(conn.execute("SELECT 1 FROM users LIMIT 1").fetchone())
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise NotSignedIn(
            f"Cannot read the accounts in {app_db} ({exc}) - check the file · 无法读取账号数据库，请检查该文件"
        ) from None


def read_password(username: str) -> str:
    """``$APP_CLI_PASSWORD``, else a prompt on a terminal; NotSignedIn when neither is possible."""
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise NotSignedIn(
            f"No password: set {PASSWORD_ENV} or run the command in a terminal to be asked · "
            f"未提供密码：请设置环境变量 {PASSWORD_ENV}，或在终端中运行以输入密码"
        )
    return getpass.getpass(f"Password for {username} · 密码: ")


def sign_in(app_db: Path, username: str | None, *, prog: str, command: str) -> tuple[User, Accounts]:
    """The signed-in, active user of ``app_db`` and its :class:`Accounts` (the caller closes ``accounts.db``).

    Raises one of :data:`SIGN_IN_ERRORS`. Role checks stay with the actions the command runs.
    """
    if not username:
        raise NotSignedIn(
            f"'{command}' needs a signed-in user: add --as USERNAME before the command "
            f"(e.g. {prog} --as admin {command} ...) · 此命令需要登录：请在命令前加 --as 用户名"
        )
    password = read_password(username)
    if not has_accounts(app_db):
        raise NotSignedIn(
            f"There are no accounts in {app_db} yet - start the app to create the first administrator, "
            "or check --data-dir · 该数据目录中还没有账号：请先启动应用创建管理员，或检查 --data-dir"
        )
    db: sqlite_utils.Database = open_db(app_db)
    accounts = Accounts(db)
    try:
        return accounts.authenticate(username, password), accounts
    except BaseException:
        db.conn.close()
        raise
