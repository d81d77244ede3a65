"""Managing people from the app: who may create, reset and deactivate whom.

Trainers look after learners; only admins create or change trainers and admins. Nobody can
lock themselves out by deactivating their own account.
"""

from __future__ import annotations

import secrets

from trainer.errors import PermissionDenied, SignInFailed
from trainer.people.accounts import Accounts, User, require_role, verify_password

MANAGERS = ("trainer", "admin")


def _may_manage(actor: User, role: str) -> None:
    require_role(actor, *MANAGERS)
    if role != "learner" and actor.role != "admin":
        raise PermissionDenied(
            "Only an administrator can manage trainers and administrators · 只有管理员可以管理培训师和管理员"
        )


def list_users(actor: User, accounts: Accounts) -> list[User]:
    require_role(actor, *MANAGERS)
    return accounts.users()


def add_user(
    actor: User,
    accounts: Accounts,
    username: str,
    role: str,
    *,
    name: str = "",
    department: str = "",
    password: str = "",
) -> tuple[User, str]:
    """Create an account; without a password a random one is made. Returns it once, to show once."""
    _may_manage(actor, role)
    if not password:
        password = secrets.token_urlsafe(12)
        while username.strip().lower() in password.lower():
            password = secrets.token_urlsafe(12)
    # Whoever added the account saw the password: its owner chooses their own at first sign-in.
    user = accounts.create_user(username, password, role, name=name, department=department, must_change_password=True)
    return user, password


def reset_password(actor: User, accounts: Accounts, username: str) -> str:
    _may_manage(actor, accounts.get(username).role)
    return accounts.reset_password(username)


def set_active(actor: User, accounts: Accounts, username: str, active: bool) -> None:
    target = accounts.get(username)
    _may_manage(actor, target.role)
    if target.id == actor.id and not active:
        raise PermissionDenied("You cannot deactivate your own account · 不能停用自己的账号")
    accounts.set_active(username, active)


def change_own_password(user: User, accounts: Accounts, old: str, new: str) -> None:
    """The Account page: the current password is required, so an unattended session can't take over."""
    require_role(user, "learner", "trainer", "admin")
    row = accounts.db.execute("SELECT password_hash FROM users WHERE id = ?", [user.id]).fetchone()
    if row is None or not verify_password(old, row[0]):
        raise SignInFailed("The current password is wrong · 当前密码不正确")
    accounts.set_password(user.username, new)
