"""CSV roster import: every row checked first, all imported or none, the role rules of the People page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from trainer.errors import PermissionDenied
from trainer.people import roster
from trainer.people.accounts import Accounts, User
from trainer.people.roster import RosterError, RosterInvalid, decode_csv, import_users, validate_import
from trainer.storage.db import open_db


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(open_db(tmp_path / "app.db"))


@pytest.fixture
def admin(accounts: Accounts) -> User:
    return accounts.create_user("boss", "admin-secret-1", "admin")


@pytest.fixture
def trainer(accounts: Accounts) -> User:
    return accounts.create_user("coach", "trainer-secret-1", "trainer")


def usernames(accounts: Accounts) -> list[str]:
    return [u.username for u in accounts.users()]


def test_admin_imports_everyone_with_generated_passwords(accounts: Accounts, admin: User):
    data = (
        "name,username,department,role\n"
        "Wang Fang,wangfang,Publicity,learner\n"
        "Li Lei,lilei,Liutang town,trainer\n"
        ",zhao,,admin\n"
    )
    result = import_users(admin, accounts, data)
    assert [(u.row, u.username, u.role) for u in result.users] == [
        (2, "wangfang", "learner"),
        (3, "lilei", "trainer"),
        (4, "zhao", "admin"),
    ]
    assert len(result.generated) == 3
    li = accounts.get("lilei")
    assert li.name == "Li Lei" and li.department == "Liutang town" and li.role == "trainer"
    # the generated password is the one that signs in, and is not in the result's repr (logs)
    password = result.users[1].password
    assert password and accounts.authenticate("lilei", password).username == "lilei"
    assert password not in repr(result)
    exported = result.passwords_csv()
    assert exported.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0] == ["username", "name", "department", "role", "password"]
    assert rows[2] == ["lilei", "Li Lei", "Liutang town", "trainer", password]


def test_chinese_headers_and_roles_in_gb18030(accounts: Accounts, admin: User):
    text = "姓名,用户名,部门,角色\r\n王芳,wangfang,宣传科,学员\r\n李雷,lilei,柳塘镇,培训师\r\n"
    result = import_users(admin, accounts, text.encode("gb18030"))
    assert [u.role for u in result.users] == ["learner", "trainer"]
    assert accounts.get("wangfang").department == "宣传科"
    assert accounts.get("lilei").name == "李雷"


def test_excel_utf8_with_bom_blank_rows_and_empty_role(accounts: Accounts, admin: User):
    text = "\ufeff用户名,姓名,角色\r\nchen,陈静,\r\n,,\r\n,,\r\n"
    result = import_users(admin, accounts, text.encode("utf-8"))
    assert [(u.username, u.name, u.role) for u in result.users] == [("chen", "陈静", "learner")]


def test_excel_unicode_text_is_tab_separated_utf16(accounts: Accounts, admin: User):
    text = "name\tusername\tdepartment\trole\n周明\tzhouming\t网信办\tlearner\n"
    import_users(admin, accounts, text.encode("utf-16"))
    assert accounts.get("zhouming").department == "网信办"


def test_password_column_is_used_and_never_returned(accounts: Accounts, admin: User, tmp_path: Path):
    result = import_users(admin, accounts, "username,role,password\nsun,learner,moon-river-pass\n")
    assert result.users[0].password is None and result.generated == ()
    assert accounts.authenticate("sun", "moon-river-pass").username == "sun"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("app.db*"))
    assert b"moon-river-pass" not in raw


def test_every_problem_is_reported_and_nothing_imported(accounts: Accounts, admin: User):
    accounts.create_user("taken", "other-secret-9", "learner")
    before = usernames(accounts)
    data = (
        "name,username,department,role,password\n"
        "Fine,fine,,learner,\n"  # row 2 is valid but must not be imported either
        "No name,,,learner,\n"  # 3 missing user name
        "Dup,Fine,,learner,\n"  # 4 duplicate of row 2 (user names are case-insensitive)
        "Old,TAKEN,,learner,\n"  # 5 already exists
        "Odd,odd,,boss,\n"  # 6 unknown role
        "Space,has space,,learner,\n"  # 7 invalid user name
        "Weak,weak,,learner,short\n"  # 8 weak password
    )
    with pytest.raises(RosterInvalid) as caught:
        import_users(admin, accounts, data)
    problems = {e.row: e.message for e in caught.value.errors}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8]
    assert "missing" in problems[3]
    assert "row 2" in problems[4]
    assert "already exists" in problems[5]
    assert "unknown role 'boss'" in problems[6]
    assert "without spaces" in problems[7]
    assert "at least" in problems[8]
    assert "nothing was imported" in str(caught.value) and "6 row(s)" in str(caught.value)
    assert str(caught.value.errors[0]).startswith("row 3: ")
    assert usernames(accounts) == before


def test_trainer_imports_learners_but_not_trainers_or_admins(accounts: Accounts, trainer: User):
    with pytest.raises(RosterInvalid) as caught:
        import_users(trainer, accounts, "username,role\nok,learner\nt2,培训师\na2,admin\n")
    assert [e.row for e in caught.value.errors] == [3, 4]
    assert all("only an administrator" in e.message for e in caught.value.errors)
    assert accounts.find("ok") is None
    result = import_users(trainer, accounts, "username,role\nok,learner\n")
    assert result.users[0].username == "ok"


def test_learner_may_not_import(accounts: Accounts):
    learner = accounts.create_user("pupil", "learner-secret-1", "learner")
    with pytest.raises(PermissionDenied):
        import_users(learner, accounts, "username,role\nx,learner\n")
    assert accounts.find("x") is None


def test_header_problems(accounts: Accounts, admin: User):
    with pytest.raises(RosterInvalid) as caught:
        validate_import(admin, accounts, "name,departmnet,role\nA,B,learner\n")
    messages = [str(e) for e in caught.value.errors]
    assert any("unknown column 'departmnet'" in m for m in messages)
    assert any("username" in m and m.startswith("row 1") for m in messages)
    with pytest.raises(RosterInvalid, match="1 row"):
        validate_import(admin, accounts, "username,role\n")
    with pytest.raises(RosterError, match="empty"):
        validate_import(admin, accounts, b"")
    with pytest.raises(RosterInvalid) as caught:
        validate_import(admin, accounts, "username,role\nx,learner,extra\n")
    assert "more cells" in caught.value.errors[0].message


def test_validate_import_is_a_dry_run(accounts: Accounts, admin: User):
    rows = validate_import(admin, accounts, "username,name\nliu,刘洋\n")
    assert [(r.row, r.username, r.name, r.role) for r in rows] == [(2, "liu", "刘洋", "learner")]
    assert accounts.find("liu") is None


def test_a_clash_during_the_insert_rolls_everything_back(accounts: Accounts, admin: User, monkeypatch):
    # Another session creates "second" after the rows were checked, while the passwords are being hashed.
    real_hash = roster.hash_password
    calls = []

    def hash_and_race(password: str) -> str:
        calls.append(password)
        if len(calls) == 2:
            accounts.create_user("second", "other-secret-1", "learner")
        return real_hash(password)

    monkeypatch.setattr(roster, "hash_password", hash_and_race)
    with pytest.raises(RosterError, match="meanwhile"):
        import_users(admin, accounts, "username,role\nfirst,learner\nsecond,learner\n")
    assert accounts.find("first") is None  # the first insert was rolled back with the failed one


def test_decode_csv_refuses_undecodable_bytes():
    assert decode_csv("\ufeffa,b") == "a,b"
    with pytest.raises(RosterError, match="CSV UTF-8"):
        decode_csv(b"\xef\xbb\xbfname\xff\xfe\n")
