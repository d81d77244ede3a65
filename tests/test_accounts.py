from pathlib import Path

import pytest

from tests.conftest import Clock
from trainer.errors import (
    AccountInactive,
    InvalidRole,
    InvalidUsername,
    PermissionDenied,
    SignInFailed,
    SignInThrottled,
    UserExists,
    WeakPassword,
)
from trainer.people.accounts import (
    MAX_FAILURES,
    Accounts,
    hash_password,
    require_role,
    verify_password,
)
from trainer.storage.db import open_db


@pytest.fixture
def accounts(tmp_path: Path, clock: Clock) -> Accounts:
    return Accounts(open_db(tmp_path / "app.db"), clock=clock)


def test_hash_is_salted_scrypt_and_verifies():
    first, second = hash_password("correct horse 1"), hash_password("correct horse 1")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert verify_password("correct horse 1", first)
    assert not verify_password("correct horse 2", first)
    assert not verify_password("x", "not a hash")


def test_password_never_stored_in_clear(accounts: Accounts, tmp_path: Path):
    accounts.create_user("wang", "pa55word-long", "learner")
    raw = (tmp_path / "app.db").read_bytes() + (tmp_path / "app.db-wal").read_bytes()
    assert b"pa55word-long" not in raw


def test_first_admin_only_once(accounts: Accounts):
    assert not accounts.has_users()
    admin = accounts.create_first_admin("admin", "a-long-secret")
    assert admin.role == "admin" and accounts.has_users()
    with pytest.raises(PermissionDenied):
        accounts.create_first_admin("eve", "another-long-one")


def test_rules_for_new_users(accounts: Accounts):
    with pytest.raises(WeakPassword, match="10"):
        accounts.create_user("li", "short", "learner")
    with pytest.raises(WeakPassword):
        accounts.create_user("zhangsan", "zhangsan2026!", "learner")
    with pytest.raises(InvalidRole):
        accounts.create_user("li", "long-enough-pw", "root")
    with pytest.raises(InvalidUsername):
        accounts.create_user("li si", "long-enough-pw", "learner")
    accounts.create_user("li", "long-enough-pw", "learner")
    with pytest.raises(UserExists):
        accounts.create_user("LI", "long-enough-pw", "trainer")  # user names ignore case


def test_sign_in_and_generic_failure(accounts: Accounts):
    accounts.create_user("li", "long-enough-pw", "trainer", name="李明", department="东坪镇")
    user = accounts.authenticate("li", "long-enough-pw")
    assert (user.username, user.role, user.name, user.department) == ("li", "trainer", "李明", "东坪镇")
    with pytest.raises(SignInFailed) as wrong_password:
        accounts.authenticate("li", "wrong-password")
    with pytest.raises(SignInFailed) as no_such_user:
        accounts.authenticate("nobody", "wrong-password")
    assert str(wrong_password.value) == str(no_such_user.value)  # never says which was wrong


def test_throttling_after_repeated_failures(accounts: Accounts, clock: Clock):
    accounts.create_user("li", "long-enough-pw", "learner")
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInFailed):
            accounts.authenticate("li", "guess")
    with pytest.raises(SignInThrottled, match="15 minutes"):
        accounts.authenticate("li", "long-enough-pw")  # even the right password waits
    clock.now += 15 * 60 + 1
    assert accounts.authenticate("li", "long-enough-pw").username == "li"


def test_deactivated_account_cannot_sign_in(accounts: Accounts):
    accounts.create_user("li", "long-enough-pw", "learner")
    accounts.set_active("li", False)
    with pytest.raises(AccountInactive):
        accounts.authenticate("li", "long-enough-pw")


def test_reset_password_is_shown_once_and_works(accounts: Accounts, monkeypatch: pytest.MonkeyPatch):
    accounts.create_user("li", "long-enough-pw", "learner")
    drawn = iter(["xxLIxxxxxxxxxxxx", "a-fine-password-1"])  # the first draw contains the user name
    monkeypatch.setattr("trainer.people.accounts.secrets.token_urlsafe", lambda n: next(drawn))
    new = accounts.reset_password("li")
    assert new == "a-fine-password-1"
    monkeypatch.undo()
    assert len(new) >= 12
    assert accounts.authenticate("li", new).username == "li"
    with pytest.raises(SignInFailed):
        accounts.authenticate("li", "long-enough-pw")


@pytest.mark.parametrize(
    "role,allowed",
    [("learner", False), ("trainer", True), ("admin", True)],
)
def test_require_role(accounts: Accounts, role: str, allowed: bool):
    user = accounts.create_user("wang5", "long-enough-pw", role)
    if allowed:
        assert require_role(user, "trainer", "admin") == user
    else:
        with pytest.raises(PermissionDenied):
            require_role(user, "trainer", "admin")
    with pytest.raises(PermissionDenied):
        require_role(None, "learner", "trainer", "admin")  # signed out


def test_migrations_run_once(tmp_path: Path):
    db = open_db(tmp_path / "app.db")
    names = [r[0] for r in db.execute("SELECT name FROM _migrations").fetchall()]
    assert names == sorted(names) and names[0] == "m001_users" and len(names) == len(set(names))
    db.conn.close()
    again = open_db(tmp_path / "app.db")
    assert [r[0] for r in again.execute("SELECT name FROM _migrations").fetchall()] == names
