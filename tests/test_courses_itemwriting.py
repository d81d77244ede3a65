"""Item-writing statistics (issue 20): the guessing cues of a pool, their thresholds, and where trainers see them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from courses.content import PACKAGE_CONTENT, read_questions
from courses.itemwriting import LONGEST_KEY_MAX, quiz_stats
from courses.models import Question, parse_question
from tests.test_courses_cli import FIXTURES, ROOT, run


def T(text: str) -> dict[str, str]:  # noqa: N802 - reads like the YAML's {zh, en}
    return {"zh": text, "en": text}


def single(qid: str, key: str, others: list[str], key_at: int = 0) -> Question:
    options: list[dict[str, Any]] = [{"id": f"w{i}", "text": T(o), "feedback": T("no")} for i, o in enumerate(others)]
    options.insert(key_at, {"id": "k", "text": T(key), "correct": True})
    return parse_question({"id": qid, "type": "single", "prompt": T("Q?"), "explanation": T("E"), "options": options})


def multiple(qid: str, n_correct: int, n_options: int) -> Question:
    options: list[dict[str, Any]] = [
        {"id": f"o{i}", "text": T(f"option {i}"), "correct": True} if i < n_correct
        else {"id": f"o{i}", "text": T(f"option {i}"), "feedback": T("no")}
        for i in range(n_options)
    ]
    return parse_question({"id": qid, "type": "multiple", "prompt": T("Q?"), "explanation": T("E"), "options": options})


def truefalse(qid: str, answer: bool) -> Question:
    return parse_question({"id": qid, "type": "truefalse", "prompt": T("S."), "explanation": T("E"), "answer": answer})


def test_longest_key_share_warns_only_above_the_threshold() -> None:
    long_key = [single(f"q{i}", "the longest option of all", ["short", "brief"], key_at=i % 3) for i in range(5)]
    short_key = [single(f"s{i}", "short", ["a much longer distractor", "brief"], key_at=i % 3) for i in range(5)]
    at_limit = quiz_stats(long_key[:2] + short_key[:3])  # 2 of 5 = 40%: allowed
    assert at_limit.longest_key == {"zh": 2, "en": 2} and at_limit.warnings == []
    over = quiz_stats(long_key[:3] + short_key[:2])  # 3 of 5 = 60%
    assert len(over.warnings) == 2 and all("longest option in 3 of 5" in w for w in over.warnings)
    assert f"at most {LONGEST_KEY_MAX:.0%}" in over.warnings[0]
    # a tie is not a cue, and fewer than four items are reported without a warning
    tie = single("t", "same", ["same", "x"])
    assert quiz_stats([tie] * 5).longest_key == {"zh": 0, "en": 0}
    assert quiz_stats(long_key[:3]).longest_key == {"zh": 3, "en": 3} and quiz_stats(long_key[:3]).warnings == []


def test_key_always_in_one_position_warns() -> None:
    same = [single(f"q{i}", "k", ["longer one", "longer two"], key_at=0) for i in range(3)]
    stats = quiz_stats(same)
    assert dict(stats.key_positions) == {0: 3}
    assert stats.warnings == ["the key of every single-choice item is option a in the file: move keys to other positions "
                              "(learners taking a printed or unshuffled quiz see it)"]
    moved = same[:2] + [single("q9", "k", ["longer one", "longer two"], key_at=2)]
    assert quiz_stats(moved).warnings == []


def test_one_multiple_choice_pattern_and_true_false_balance() -> None:
    pick_three = [multiple(f"m{i}", 3, 5) for i in range(4)]
    stats = quiz_stats(pick_three)
    assert stats.patterns == {"3-of-5": 4}
    assert stats.warnings == ["4 of 4 multiple-choice items are 3-of-5 (100%; at most 60%): vary how many options are correct"]
    varied = pick_three[:3] + [multiple("m8", 2, 5), multiple("m9", 4, 5)]  # 3 of 5 = 60%: allowed
    assert quiz_stats(varied).warnings == []
    mostly_false = [truefalse(f"t{i}", i < 1) for i in range(4)]  # 1 of 4 true = 25%
    assert quiz_stats(mostly_false).warnings == [
        "1 of 4 true/false items are true (25%; keep it between 35% and 65%): rewrite some statements so the other "
        "answer is right"]
    assert quiz_stats([truefalse(f"t{i}", i < 2) for i in range(4)]).warnings == []  # 50%
    assert quiz_stats([truefalse(f"t{i}", False) for i in range(3)]).warnings == []  # too few to judge


def test_shipped_course_passes_its_own_warnings() -> None:
    result = run("validate", "--strict", str(PACKAGE_CONTENT.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning:" not in result.stdout
    stats = json.loads(run("validate", "--json", str(PACKAGE_CONTENT.relative_to(ROOT))).stdout)["item_writing"]
    course = stats[-1]
    assert course["quiz"].endswith("(whole course)") and course["warnings"] == []
    assert course["single"] >= 40 and len(course["key_positions"]) == 4
    # at least half of every module's items put a rule to work on a new case
    for quiz in sorted(PACKAGE_CONTENT.glob("*/*/quiz.yaml")):
        questions = read_questions(quiz)
        assert sum(q.kind == "scenario" for q in questions) * 2 >= len(questions), quiz


def write_quiz(tree: Path, questions: str) -> Path:
    quiz = tree / "demo-course/02-messages/quiz.yaml"
    quiz.write_text("questions:\n" + questions, encoding="utf-8")
    return quiz


TF = """  - id: {qid}
    type: truefalse
    kind: recall
    topic: t
    lesson: reply-basics
    prompt: {{zh: 陈述{qid}。, en: Statement {qid}.}}
    answer: false
    explanation: {{zh: 说明。, en: Because.}}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / FIXTURES / "valid", root)
    return root


def test_validate_prints_warnings_and_strict_fails(tree: Path) -> None:
    lesson = next((tree / "demo-course/02-messages/lessons").glob("*.zh.md")).name.split(".")[0].split("-", 1)[1]
    write_quiz(tree, "".join(TF.format(qid=f"msg-1{i}").replace("reply-basics", lesson) for i in range(4)))
    result = run("validate", str(tree))
    assert result.returncode == 0, result.stdout + result.stderr  # warnings inform; they do not fail by default
    assert "demo-course/messages: 4 question(s); true/false 4: 0 true, 4 false" in result.stdout
    assert f"{tree / 'demo-course/02-messages/quiz.yaml'}: warning: 0 of 4 true/false items are true (0%" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("; 2 item-writing warning(s)")  # the quiz and the whole course
    strict = run("validate", "--strict", "--json", str(tree))
    assert strict.returncode == 1
    assert [len(s["warnings"]) for s in json.loads(strict.stdout)["item_writing"]] == [0, 1, 1]


def test_gift_import_shows_the_statistics_of_the_merged_pool(tree: Path, tmp_path: Path) -> None:
    gift = tmp_path / "tf.gift"
    gift.write_text("\n\n".join(f"::msg-2{i}::Statement {i}.{{F####Because.}}" for i in range(4)) + "\n",
                    encoding="utf-8")
    result = run("import-gift", str(gift), "--lang", "en", "--root", str(tree), "--module", "messages")
    assert result.returncode == 0, result.stderr
    assert "item writing: 5 question(s); true/false 5: 1 true, 4 false" in result.stderr
    assert "warning: 1 of 5 true/false items are true (20%" in result.stderr
