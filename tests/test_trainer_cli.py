"""`python -m trainer` as staff and scripts use it: real subprocesses against a temporary data folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from commands.trainer_cli import main
from trainer.people.accounts import MAX_FAILURES, Accounts
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {"boss": "admin-secret-1", "coach": "trainer-secret-1", "pupil": "learner-secret-1"}


def run(data_dir: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "APP_CLI_PASSWORD"}
    env["APP_DATA_DIR"] = str(data_dir)
    if password is not None:
        env["APP_CLI_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "trainer", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture
def data_dir(clean_env: Path) -> Path:
    """A data folder with an admin (boss), a trainer (coach) and a learner (pupil)."""
    db = open_db(clean_env / "app.db")
    accounts = Accounts(db)
    accounts.create_user("boss", PASSWORDS["boss"], "admin")
    accounts.create_user("coach", PASSWORDS["coach"], "trainer")
    accounts.create_user("pupil", PASSWORDS["pupil"], "learner")
    db.conn.close()
    return clean_env


def accounts_in(data_dir: Path) -> Accounts:
    return Accounts(open_db(data_dir / "app.db"))


# The 5 x 4 matrix worked out by hand in tests/test_itemstats.py (FIVE_BY_FOUR).
RESPONSES = "attempt,question,mark,max_mark\n" + "".join(
    f"a{a},q{q + 1},{m},1\n"
    for a, marks in enumerate([[1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1]], start=1)
    for q, m in enumerate(marks)
)


# ---------------------------------------------------------------------------------------------- item-analysis
def test_item_analysis_json_matches_the_hand_computed_values(tmp_path: Path):
    responses = tmp_path / "responses.csv"
    responses.write_text(RESPONSES)
    result = run(tmp_path / "nowhere", "item-analysis", "--responses", str(responses), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    quiz = data["quiz"]
    # alpha = 4/3 (1 - .8/1) = 26.67; ER = 100 sqrt(1 - .2667) = 85.63; totals 50,75,50,100,100 -> mean 75, SD 25
    assert (quiz["attempts"], quiz["mean"], quiz["sd"]) == (5, 75.0, 25.0)
    assert (quiz["alpha"], quiz["error_ratio"], quiz["standard_error"]) == (26.67, 85.63, 21.41)
    assert quiz["warnings"] and "Only 5 attempts" in quiz["warnings"][0]
    q = {item["question"]: item for item in data["questions"]}
    assert q["q1"]["facility"] == 100.0 and q["q1"]["discrimination"] is None
    assert "everyone scored the same" in q["q1"]["notes"]["discrimination"]
    assert (q["q2"]["facility"], q["q2"]["sd"], q["q2"]["discrimination"], q["q2"]["efficiency"]) == (
        80.0,
        44.72,
        13.36,
        16.67,
    )
    assert (q["q4"]["discrimination"], q["q4"]["efficiency"]) == (-10.21, -11.11)
    assert q["q4"]["flags"] == ["negative_discrimination", "low_efficiency"]
    assert not (tmp_path / "nowhere").exists()  # no sign-in, no data folder touched


def test_item_analysis_table_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    responses = tmp_path / "r.csv"
    responses.write_text(RESPONSES)
    assert main(["item-analysis", "--responses", str(responses)]) == 0
    out = capsys.readouterr().out
    assert "alpha 26.67%" in out and "!negative_discrimination" in out and "Why some values are missing" in out

    cases = {
        "attempt,question,mark\n1,q1,1\n": ":1: missing column max_mark",
        "attempt,question,mark,max_mark\n1,q1,1,1\n2,q1,half,1\n": ":3: mark 'half' is not a number",
        "attempt,question,mark,max_mark\n1,q1,1,1\n2,q1,3,2\n": ":3: mark 3 is above max_mark 2",
    }
    for text, message in cases.items():
        responses.write_text(text)
        assert main(["item-analysis", "--responses", str(responses)]) == 1
        assert f"error: {responses}{message}" in capsys.readouterr().err
    assert main(["item-analysis", "--responses", str(tmp_path / "missing.csv")]) == 1
    assert "Cannot read" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- sign-in
def test_admin_adds_a_user_and_gets_the_password_once(data_dir: Path):
    result = run(
        data_dir,
        "--as",
        "boss",
        "users",
        "add",
        "wangfang",
        "--role",
        "学员",
        "--name",
        "王芳",
        password="admin-secret-1",
    )
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().splitlines()[-1].rsplit(": ", 1)[1]
    accounts = accounts_in(data_dir)
    user = accounts.authenticate("wangfang", password)
    assert (user.role, user.name) == ("learner", "王芳")


def test_learner_cannot_add_users(data_dir: Path):
    result = run(data_dir, "--as", "pupil", "users", "add", "x", "--role", "learner", password="learner-secret-1")
    assert result.returncode == 3
    assert "needs the role trainer or admin" in result.stderr
    assert accounts_in(data_dir).find("x") is None


def test_trainer_cannot_add_a_trainer(data_dir: Path):
    result = run(data_dir, "--as", "coach", "users", "add", "t2", "--role", "trainer", password="trainer-secret-1")
    assert result.returncode == 3 and "Only an administrator" in result.stderr


def test_wrong_password_is_refused(data_dir: Path):
    result = run(data_dir, "--as", "boss", "users", "add", "x", "--role", "learner", password="not-the-password")
    assert result.returncode == 2
    assert "Wrong user name or password" in result.stderr
    assert accounts_in(data_dir).find("x") is None


def test_missing_as_or_password(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("APP_CLI_PASSWORD", "admin-secret-1")
    assert main(["users", "add", "x", "--role", "learner"]) == 2
    assert "add --as USERNAME" in capsys.readouterr().err
    monkeypatch.delenv("APP_CLI_PASSWORD")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["--as", "boss", "users", "add", "x", "--role", "learner"]) == 2
    assert "APP_CLI_PASSWORD" in capsys.readouterr().err


def test_sign_in_is_throttled_like_the_app(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("APP_CLI_PASSWORD", "wrong-password")
    for _ in range(MAX_FAILURES):
        assert main(["--as", "coach", "users", "add", "x", "--role", "learner"]) == 2
    monkeypatch.setenv("APP_CLI_PASSWORD", "trainer-secret-1")
    assert main(["--as", "coach", "users", "add", "x", "--role", "learner"]) == 2
    assert "Too many failed sign-ins" in capsys.readouterr().err


def test_unknown_role_is_a_usage_error(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as caught:
        main(["--as", "boss", "users", "add", "x", "--role", "boss"])
    assert caught.value.code == 2 and "unknown role 'boss'" in capsys.readouterr().err


def test_data_dir_option_overrides_the_environment(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("APP_CLI_PASSWORD", "admin-secret-1")
    assert main(["--as", "boss", "users", "add", "x", "--role", "learner"]) == 2
    assert "no accounts" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "--as", "boss", "users", "add", "x", "--role", "learner"]) == 0
    assert accounts_in(data_dir).find("x") is not None


# ---------------------------------------------------------------------------------------------- users import
def test_import_writes_passwords_to_a_private_new_file(data_dir: Path, tmp_path: Path):
    roster = tmp_path / "staff.csv"
    roster.write_bytes("姓名,用户名,部门,角色\n王芳,wangfang,宣传科,学员\n李雷,lilei,柳塘镇,学员\n".encode("gb18030"))
    out = tmp_path / "passwords.csv"
    result = run(
        data_dir,
        "--as",
        "coach",
        "users",
        "import",
        str(roster),
        "--passwords-out",
        str(out),
        password="trainer-secret-1",
    )
    assert result.returncode == 0, result.stderr
    assert "2 accounts created" in result.stdout and "written to" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "username,name,department,role,password" and lines[1].startswith("wangfang,王芳,宣传科,learner,")
    password = lines[2].rsplit(",", 1)[1]
    assert accounts_in(data_dir).authenticate("lilei", password).department == "柳塘镇"
    assert password not in result.stdout  # written to the file, not to the terminal as well

    # an existing passwords file is never overwritten, and nothing is imported before that is known
    roster.write_text("username,role\nzhao,learner\n")
    again = run(
        data_dir,
        "--as",
        "coach",
        "users",
        "import",
        str(roster),
        "--passwords-out",
        str(out),
        password="trainer-secret-1",
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    assert accounts_in(data_dir).find("zhao") is None


def test_import_with_problems_lists_rows_and_imports_nothing(data_dir: Path, tmp_path: Path):
    roster = tmp_path / "staff.csv"
    roster.write_text("username,role\nok,learner\npupil,learner\nt2,trainer\n")
    result = run(data_dir, "--as", "coach", "users", "import", str(roster), password="trainer-secret-1")
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert f"{roster}: row 3: user 'pupil' already exists" in result.stderr
    assert f"{roster}: row 4: only an administrator" in result.stderr
    assert accounts_in(data_dir).find("ok") is None


def test_import_dry_run_and_printed_passwords(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    roster = tmp_path / "staff.csv"
    roster.write_text("username,role\nliu,learner\n")
    monkeypatch.setenv("APP_CLI_PASSWORD", "admin-secret-1")
    assert main(["--as", "boss", "users", "import", str(roster), "--dry-run"]) == 0
    assert "1 rows are fine" in capsys.readouterr().out
    assert accounts_in(data_dir).find("liu") is None
    assert main(["--as", "boss", "users", "import", str(roster)]) == 0
    out = capsys.readouterr().out
    password = out.strip().splitlines()[-1].split("\t")[1]
    assert accounts_in(data_dir).authenticate("liu", password).username == "liu"
