"""`python -m trainer report ...`: the same reports and role rules as the dashboard, from a terminal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from courses.content import load_catalog
from tests.coursemaker import RIGHT, make_course
from tests.test_trainer_cli import PASSWORDS, accounts_in, data_dir, run  # noqa: F401 - fixture reused
from trainer.learning.quiz import Learning


@pytest.fixture
def taken(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    root = make_course(tmp_path / "content")
    monkeypatch.setenv("APP_COURSES_DIR", str(root))
    accounts = accounts_in(data_dir)
    accounts.create_user("other", "learner-secret-2", "learner")
    learning = Learning(accounts.db, load_catalog(root))
    for name in ("pupil", "other"):
        user = accounts.get(name)
        attempt = learning.start(user, "c1", "m1")
        for shown in attempt.questions:
            learning.answer(user, attempt.id, shown.pos, RIGHT[shown.question.id])
        learning.submit(user, attempt.id)
    accounts.db.conn.close()
    return data_dir


def test_learner_report_holds_only_their_own_rows(taken: Path) -> None:
    result = run(taken, "--as", "pupil", "report", "gradebook", "--format", "json", password=PASSWORDS["pupil"])
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["username"] for r in rows} == {"pupil"} and len(rows) == 2


def test_trainer_exports_attempts_as_csv(taken: Path) -> None:
    result = run(taken, "--as", "coach", "report", "attempts", password=PASSWORDS["coach"])
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert {r["username"] for r in rows} == {"pupil", "other"} and len(rows) == 6
    assert all(r["mark"] == "1.0" for r in rows)


def test_learners_cannot_read_knowledge_gaps_and_unknown_course_is_clear(taken: Path) -> None:
    denied = run(taken, "--as", "pupil", "report", "gaps", password=PASSWORDS["pupil"])
    assert denied.returncode == 3 and "role" in denied.stderr
    missing = run(taken, "--as", "coach", "report", "gradebook", "--course", "nope", password=PASSWORDS["coach"])
    assert missing.returncode == 1 and "No course 'nope'" in missing.stderr
    anonymous = run(taken, "report", "gradebook")
    assert anonymous.returncode == 2 and "--as" in anonymous.stderr
