"""`python -m courses` as authors and CI use it: real subprocesses on fixture trees, stable JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("tests/fixtures/courses")  # relative: problems print as paths relative to the repository


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "courses", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120, env={**os.environ, **(env or {})},
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / FIXTURES / "valid", root)
    return root


def test_validate_valid_tree() -> None:
    result = run("validate", str(FIXTURES / "valid"))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "ok: 1 course(s), 2 module(s), 3 lesson(s), 6 question(s), languages: zh, en"
    # item-writing statistics per quiz and for the course; the tiny pools are below every warning threshold
    assert lines[:-1] == [
        "demo-course/review-basics: 5 question(s); single 1: key is the longest option in zh 0, en 1; key position a:1; "
        "multiple 1: 3-of-4 x1; true/false 1: 0 true, 1 false",
        "demo-course/messages: 1 question(s); true/false 1: 1 true, 0 false",
        "demo-course (whole course): 6 question(s); single 1: key is the longest option in zh 0, en 1; key position "
        "a:1; multiple 1: 3-of-4 x1; true/false 2: 1 true, 1 false",
    ]


def test_validate_json_shape() -> None:
    result = run("validate", str(FIXTURES / "valid"), "--json")
    assert result.returncode == 0
    summary = json.loads(result.stdout)
    stats = summary.pop("item_writing")
    assert summary == {
        "courses": 1, "modules": 2, "lessons": 3, "questions": 6, "languages": ["zh", "en"], "problems": [],
    }
    assert [s["quiz"] for s in stats] == ["demo-course/review-basics", "demo-course/messages", "demo-course (whole course)"]
    assert stats[0] == {
        "quiz": "demo-course/review-basics", "file": "tests/fixtures/courses/valid/demo-course/01-review-basics/quiz.yaml",
        "questions": 5, "single": 1, "longest_is_key": {"zh": 0, "en": 1}, "key_positions": {"a": 1}, "multiple": 1,
        "multiple_patterns": {"3-of-4": 1}, "truefalse": 1, "true": 0, "warnings": [],
    }


def test_validate_broken_quiz_prints_file_and_line() -> None:
    result = run("validate", str(FIXTURES / "broken-quiz"))
    assert result.returncode == 1
    quiz = "tests/fixtures/courses/broken-quiz/demo/01-basics/quiz.yaml"
    lines = result.stdout.splitlines()
    assert lines[0] == ("tests/fixtures/courses/broken-quiz/demo/01-basics/module.yaml:6: "
                        "draw is 20 but quiz.yaml has 6 questions: lower draw or add questions")
    assert f"{quiz}:8: question q-01.options: has 2 correct options: a single-choice question needs exactly one " \
           "(use type: multiple for more)" in lines
    assert any(line.startswith(f"{quiz}:27: question q-02.options[1]: wrong option 'b' needs feedback") for line in lines)
    assert any(line.startswith(f"{quiz}:36: question q-03.prompt.en: is missing") for line in lines)
    assert len(lines) == 16
    assert "16 problem(s) in 1 course(s)" in result.stderr


def test_validate_broken_trees_json() -> None:
    result = run("validate", str(FIXTURES / "broken-yaml"), "--json")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["questions"] == 0 and summary["modules"] == 2
    assert [(p["file"], p["line"]) for p in summary["problems"]] == [
        ("tests/fixtures/courses/broken-yaml/demo/course.yaml", 4),
        ("tests/fixtures/courses/broken-yaml/demo/01-basics/quiz.yaml", 7),
        ("tests/fixtures/courses/broken-yaml/demo/02-more/quiz.yaml", 9),
    ]
    lessons = json.loads(run("validate", str(FIXTURES / "broken-lessons"), "--json").stdout)
    assert {(Path(p["file"]).name, p["line"]) for p in lessons["problems"]} >= {
        ("01-intro.zh.md", 10), ("02-next.zh.md", 10), ("01-intro.en.md", 2), ("module.yaml", 4),
    }


def test_validate_default_root_from_env_and_missing_root(tmp_path: Path) -> None:
    result = run("validate", env={"APP_COURSES_DIR": str(ROOT / FIXTURES / "valid")})
    assert result.returncode == 0 and result.stdout.splitlines()[-1].startswith("ok: 1 course(s)")
    result = run("validate", str(tmp_path / "nope"))
    assert result.returncode == 1 and result.stderr.startswith("error: No course content folder at")


def test_export_gift(tree: Path, tmp_path: Path) -> None:
    result = run("export-gift", "--root", str(tree), "--module", "review-basics", "--lang", "en")
    assert result.returncode == 0
    assert result.stdout.startswith("// GovMedia Academy questions (en).")
    assert "$CATEGORY: demo-course/review-basics" in result.stdout
    assert "warning: rev-05: ordering questions have no GIFT form - skipped" in result.stderr
    out = tmp_path / "rb.zh.gift"
    result = run("export-gift", "--root", str(tree), "--module", "demo-course/review-basics", "--out", str(out))
    assert result.returncode == 0 and "::rev-01::周五22\\:00" in out.read_text(encoding="utf-8")
    result = run("export-gift", "--root", str(tree), "--module", "nope")
    assert result.returncode == 1 and "No module 'nope'" in result.stderr


def test_import_gift_round_trip_changes_nothing(tree: Path, tmp_path: Path) -> None:
    quiz = tree / "demo-course/01-review-basics/quiz.yaml"
    before = quiz.read_text(encoding="utf-8")
    gift = tmp_path / "rb.gift"
    run("export-gift", "--root", str(tree), "--module", "review-basics", "--lang", "en", "--out", str(gift))
    result = run("import-gift", str(gift), "--root", str(tree), "--module", "review-basics")
    assert result.returncode == 0, result.stderr
    assert "assuming --lang en" in result.stderr
    assert "0 added, 0 updated, 0 replaced, 4 unchanged (en)" in result.stdout
    assert quiz.read_text(encoding="utf-8") == before


def test_import_gift_updates_adds_and_flags(tree: Path, tmp_path: Path) -> None:
    quiz = tree / "demo-course/01-review-basics/quiz.yaml"
    gift = tmp_path / "rb.gift"
    run("export-gift", "--root", str(tree), "--module", "review-basics", "--lang", "en", "--out", str(gift))
    text = gift.read_text(encoding="utf-8").replace("Publish it right away", "Publish it at once")
    text += "\n::Who signs last:: Who signs off last?{\n\t=The deputy head\n\t~The editor#No, the editor drafts.\n" \
            "\t####The deputy head signs off.\n}\n"
    gift.write_text(text, encoding="utf-8")
    result = run("import-gift", str(gift), "--lang", "en", "--root", str(tree), "--module", "review-basics")
    assert result.returncode == 0, result.stderr
    assert "1 added, 1 updated, 0 replaced, 3 unchanged (en)" in result.stdout
    assert "the zh texts of who-signs-last are copies of en" in result.stderr
    content = quiz.read_text(encoding="utf-8")
    assert content.startswith("# Questions for the review basics module.")  # the file was edited, not rewritten
    assert "text: {zh: 直接发布, en: Publish it at once}" in content
    check = run("validate", str(tree))
    assert check.returncode == 1
    assert "who-signs-last has no kind" in check.stdout and "untranslated: zh" in check.stdout


def test_import_gift_to_another_file_leaves_the_module_alone(tree: Path, tmp_path: Path) -> None:
    quiz = tree / "demo-course/02-messages/quiz.yaml"
    before = quiz.read_text(encoding="utf-8")
    gift = tmp_path / "m.gift"
    gift.write_text("::msg-02::一般咨询几天内答复？{=3个工作日 ~一个月#太长了。####3个工作日。}\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = run("import-gift", str(gift), "--root", str(tree), "--module", "messages", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "assuming --lang zh" in result.stderr and "1 added" in result.stdout
    assert quiz.read_text(encoding="utf-8") == before
    assert "id: msg-01" in out.read_text(encoding="utf-8") and "untranslated: en" in out.read_text(encoding="utf-8")


def test_import_gift_writes_nothing_on_errors(tree: Path, tmp_path: Path) -> None:
    quiz = tree / "demo-course/02-messages/quiz.yaml"
    before = quiz.read_text(encoding="utf-8")
    gift = tmp_path / "bad.gift"
    gift.write_text("::msg-02::Q?{=a ~b ####E}\n\n::rev-01::Taken?{T####E}\n", encoding="utf-8")
    result = run("import-gift", str(gift), "--lang", "en", "--root", str(tree), "--module", "messages")
    assert result.returncode == 1
    assert f"{gift}: line 1: msg-02: wrong answer 'b' has no feedback" in result.stderr
    assert "rev-01: the id is used by another module" in result.stderr
    assert "nothing was written" in result.stderr
    assert quiz.read_text(encoding="utf-8") == before
    empty = tmp_path / "empty.gift"
    empty.write_text("// only a comment\n", encoding="utf-8")
    result = run("import-gift", str(empty), "--lang", "en", "--root", str(tree), "--module", "messages")
    assert result.returncode == 1 and "No questions to import" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    assert run("import-gift", "x.gift").returncode == 2  # --module is required
