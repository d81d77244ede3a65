"""The course content format (courses/FORMAT.md): schema rules, cross-file checks, line numbers, writing back."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from courses import yamlio
from courses.content import (
    PACKAGE_CONTENT,
    Problem,
    check,
    default_root,
    find_module,
    load_catalog,
    read_questions,
    save_questions,
    validate,
)
from courses.errors import ContentInvalid, ContentNotFound, NotFound
from courses.models import (
    MultipleChoice,
    QuizSettings,
    SingleChoice,
    Text,
    TextList,
    TrueFalse,
    parse_question,
    question_to_data,
)

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
VALID = FIXTURES / "valid"
QUIZ_1 = Path("demo-course/01-review-basics/quiz.yaml")


def text(zh: str = "中文", en: str = "English") -> dict[str, str]:
    return {"zh": zh, "en": en}


def question(**overrides: Any) -> dict[str, Any]:
    """A valid single-choice question as quiz.yaml data; overrides replace keys (None removes one)."""
    data: dict[str, Any] = {
        "id": "q-01",
        "type": "single",
        "kind": "recall",
        "topic": "t",
        "lesson": "three-reviews#why",
        "prompt": text(),
        "options": [
            {"id": "a", "text": text(), "correct": True},
            {"id": "b", "text": text(), "feedback": text()},
        ],
        "explanation": text(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        parse_question(data)
    return str(info.value)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture tree."""
    root = tmp_path / "content"
    shutil.copytree(VALID, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def found(problems: list[Problem], name: str, line: int | None, *words: str) -> bool:
    return any(
        p.path.name == name and p.line == line and all(w in p.message for w in words) for p in problems
    )


# --- the valid tree --------------------------------------------------------------------------------------------


def test_valid_tree_loads_with_everything_in_order() -> None:
    catalog = load_catalog(VALID)
    assert catalog.counts() == {"courses": 1, "modules": 2, "lessons": 3, "questions": 6}
    assert catalog.languages == ["zh", "en"]
    course = catalog.course("demo-course")
    assert course.sequential is True
    assert [m.id for m in course.modules] == ["review-basics", "messages"]
    assert course.next_module("review-basics").id == "messages"  # type: ignore[union-attr]
    assert course.next_module("messages") is None
    module = course.module("review-basics")
    assert module.quiz == QuizSettings(pass_mark=0.8, draw=4, max_attempts=3, time_limit_min=15)
    assert [le.id for le in module.lessons] == ["three-reviews", "corrections"]
    assert module.minutes == 6 + 5  # the longer language counts
    assert module.topics == ["corrections", "three-reviews"]
    assert [q.type for q in module.questions] == ["single", "multiple", "truefalse", "short", "ordering"]
    yes = course.question("msg-01")
    assert isinstance(yes, TrueFalse) and yes.answer is True  # `answer: yes` is read as true, as written
    messages = course.module("messages")
    assert messages.quiz == QuizSettings()  # every quiz key is optional
    assert messages.problems is None


def test_lesson_sections_anchors_and_markdown() -> None:
    lesson = load_catalog(VALID).module("demo-course", "review-basics").lesson("three-reviews")
    assert lesson.title == Text(zh="三审三校：谁审、审什么", en="The three reviews: who reviews what")
    assert lesson.anchors == ["why", "dos-donts"]
    page = lesson.page("en")
    assert page.intro == "This lesson introduces the three reviews."
    why = page.section("why")
    assert (why.title, why.line) == ("Why three reviews", 9)
    assert "## Not a section" in why.markdown  # a heading inside a code fence is text
    assert "{#" not in page.markdown and "## Why three reviews\n" in page.markdown
    assert lesson.page("fr").lang == "zh"  # other interface languages fall back to Chinese
    with pytest.raises(NotFound, match="no section #nope"):
        page.section("nope")


def test_question_accessors() -> None:
    module = load_catalog(VALID).module("demo-course", "review-basics")
    q = module.question("rev-01")
    assert isinstance(q, SingleChoice)
    assert (q.lesson_id, q.anchor, q.kb_doc_name) == ("three-reviews", "why", "zh-content-review.pdf")
    assert q.correct_ids == ["a"] and q.options[-1].fixed_last
    assert module.question("rev-04").anchor is None  # a bare lesson id links to the lesson's top
    assert module.question("rev-02").points == 2
    with pytest.raises(NotFound):
        module.question("nope")


def test_unknown_ids_raise_not_found_with_the_known_ones() -> None:
    catalog = load_catalog(VALID)
    with pytest.raises(NotFound, match="demo-course"):
        catalog.course("nope")
    with pytest.raises(NotFound):
        catalog.module("demo-course", "nope")


# --- the schema ------------------------------------------------------------------------------------------------


def test_every_type_parses_and_writes_back_the_same() -> None:
    for q in load_catalog(VALID).course("demo-course").modules[0].questions:
        assert parse_question(question_to_data(q)) == q


def test_texts_need_both_languages() -> None:
    assert "prompt.en" in errors_of(question(prompt={"zh": "只有中文"})).replace("\n", ".").replace(" ", "")
    assert "needs both languages" in errors_of(question(prompt="只有中文"))
    assert "is empty" in errors_of(question(explanation=text(en="  ")))
    with pytest.raises(ValidationError, match="translate each other"):
        TextList(zh=["一", "二"], en=["one"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"options": [{"id": "a", "text": text(), "correct": True}, {"id": "b", "text": text(), "correct": True}]},
         "exactly one"),
        ({"options": [{"id": "a", "text": text(), "feedback": text()}, {"id": "b", "text": text(), "feedback": text()}]},
         "exactly one"),
        ({"options": [{"id": "a", "text": text(), "correct": True}, {"id": "b", "text": text()}]},
         "wrong option 'b' needs feedback"),
        ({"options": [{"id": "a", "text": text(), "correct": True}]}, "give 2 to 6"),
        ({"options": [{"id": "a", "text": text(), "correct": True}, {"id": "a", "text": text(), "feedback": text()}]},
         "used twice"),
        ({"explanation": None}, "explanation"),
        ({"id": "Q_01"}, "not a valid id"),
        ({"lesson": "three-reviews#"}, "not a lesson link"),
        ({"kind": "quiz"}, "recall"),
        ({"points": 0}, "greater than 0"),
        ({"type": "essay"}, "essay"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_single_choice_rules(overrides: dict[str, Any], message: str) -> None:
    assert message in errors_of(question(**overrides))


def test_multiple_needs_a_correct_option_and_allows_several() -> None:
    wrong = {"id": "c", "text": text(), "feedback": text()}
    ok = parse_question(question(type="multiple", options=[
        {"id": "a", "text": text(), "correct": True}, {"id": "b", "text": text(), "correct": True}, wrong,
    ]))
    assert isinstance(ok, MultipleChoice) and ok.correct_ids == ["a", "b"]
    assert "no correct option" in errors_of(question(type="multiple", options=[wrong, {**wrong, "id": "d"}]))


def test_other_types() -> None:
    base = question(options=None)
    assert parse_question({**base, "type": "truefalse", "answer": False}).answer is False  # type: ignore[union-attr]
    assert "answer" in errors_of({**base, "type": "truefalse"})
    short = parse_question({**base, "type": "short", "accept": {"zh": ["三审"], "en": [3]}})
    assert short.accept.en == ["3"]  # type: ignore[union-attr]
    assert "can never match" in errors_of({**base, "type": "short", "accept": {"zh": ["。"], "en": ["x"]}})
    assert "needs both languages" in errors_of({**base, "type": "short", "accept": ["x"]})
    item = {"id": "x", "text": text()}
    assert "at least 2" in errors_of({**base, "type": "ordering", "items": [item]})
    assert "used twice" in errors_of({**base, "type": "ordering", "items": [item, item]})
    assert "options" in errors_of({**base, "type": "truefalse", "answer": True, "options": []})


def test_yaml_keeps_text_as_text() -> None:
    data = yamlio.load("a: 22:00\nb: no\nc: 01\nd: 2024-01-01\ne: true\nf: 3\ng: 0.5\nh: ~\n").data
    assert data == {"a": "22:00", "b": "no", "c": "01", "d": "2024-01-01", "e": True, "f": 3, "g": 0.5, "h": None}


def test_yaml_duplicate_keys_and_syntax_errors_have_lines() -> None:
    with pytest.raises(yamlio.YamlError) as info:
        yamlio.load("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert info.value.line == 4 and "duplicate key 'c'" in info.value.message
    with pytest.raises(yamlio.YamlError) as info:
        yamlio.load("t: {zh: 问, en: Why?}\n")
    assert info.value.line == 1 and "quoted" in info.value.message


# --- problems with file and line ----------------------------------------------------------------------------------


def test_broken_quiz_reports_every_problem_with_its_line() -> None:
    problems = validate(FIXTURES / "broken-quiz")
    expected: list[tuple[Any, ...]] = [
        ("module.yaml", 6, "draw is 20", "6 questions"),
        ("quiz.yaml", 8, "q-01.options", "exactly one"),
        ("quiz.yaml", 27, "q-02.options[1]", "wrong option 'b' needs feedback"),
        ("quiz.yaml", 35, "q-03", "no section #how"),
        ("quiz.yaml", 36, "q-03.prompt.en", "missing"),
        ("quiz.yaml", 40, "q-04", "type 'essay' is unknown"),
        ("quiz.yaml", 40, "q-04 has no kind"),
        ("quiz.yaml", 44, "'q-01' is already used", "quiz.yaml:2"),
        ("quiz.yaml", 46, "kind", "'quiz'"),
        ("quiz.yaml", 48, "lesson 'outro' is not in this module"),
        ("quiz.yaml", 49, "kb_doc 'nowhere.pdf'"),
        ("quiz.yaml", 54, "q-06 has no kind"),
        ("quiz.yaml", 59, "q-06.items", "at least 2"),
        ("quiz.yaml", 62, "untranslated: en"),
    ]
    for name, line, *words in expected:
        assert found(problems, name, line, *words), (name, line, words, [str(p) for p in problems])
    assert len(problems) == 16  # the three missing keys of q-04 are three problems


def test_broken_lessons() -> None:
    problems = validate(FIXTURES / "broken-lessons")
    assert found(problems, "module.yaml", 4, "zh has 2 items and en has 1")
    assert found(problems, "01-intro.en.md", 4, "minutes")
    assert found(problems, "01-intro.en.md", 2, "id 'introduction' differs")
    assert found(problems, "01-intro.zh.md", 10, "no anchor")
    assert found(problems, "02-next.zh.md", 10, "anchor 'Later' is not valid")
    assert found(problems, "02-next.zh.md", None, "no English version", "02-next.en.md")
    assert found(problems, "03-more.en.md", None, "anchors differ", "#extra")
    assert len(problems) == 7  # q-01's link into the broken lesson `next` is not reported twice


def test_broken_yaml() -> None:
    problems = validate(FIXTURES / "broken-yaml")
    assert [(p.path.name, p.line) for p in problems] == [("course.yaml", 4), ("quiz.yaml", 7), ("quiz.yaml", 9)]
    assert "duplicate key 'title'" in problems[0].message
    assert "quoted" in problems[1].message
    assert "indentation" in problems[2].message


def test_cross_file_rules(tree: Path) -> None:
    quiz2 = tree / "demo-course/02-messages/quiz.yaml"
    edit(quiz2, "id: msg-01", "id: rev-01")  # question ids are unique in a course, across modules
    edit(tree / "demo-course/01-review-basics/quiz.yaml", "kb_doc: zh-content-review.pdf",
         "kb_doc: policies/zh-content-review.pdf")  # the manifest path works as well as the file name
    edit(tree / "demo-course/01-review-basics/module.yaml", "id: review-basics", "id: review")
    edit(tree / "demo-course/course.yaml", "id: demo-course", "id: demo")
    problems = validate(tree)
    assert found(problems, "quiz.yaml", 2, "'rev-01' is already used", "01-review-basics/quiz.yaml:3")
    assert found(problems, "module.yaml", 1, "id 'review' differs from the folder name '01-review-basics'")
    assert found(problems, "course.yaml", 1, "id 'demo' differs")
    assert len(problems) == 3


def test_files_and_folders(tree: Path) -> None:
    module = tree / "demo-course/02-messages"
    (module / "quiz.yaml").unlink()
    (module / "lessons/01-deadlines.en.md").rename(module / "lessons/02-deadlines.en.md")
    (module / "lessons/notes.md").write_text("scratch", encoding="utf-8")
    (tree / "demo-course/01-review-basics/lessons/02-corrections.zh.md").write_text("## 无前言 {#x}\n")
    shutil.copytree(module, tree / "demo-course/02-messages-copy")
    shutil.copytree(module, tree / "demo-course/03-messages")
    (tree / "_drafts").mkdir()  # ignored
    problems = validate(tree)
    assert found(problems, "02-messages", None, "has no quiz.yaml")
    assert found(problems, "02-deadlines.en.md", None, "different NN")
    assert found(problems, "notes.md", None, "NN-lesson-id.zh.md")
    assert found(problems, "02-corrections.zh.md", 1, "no front matter")
    assert found(problems, "02-messages-copy", None, "same number 02")
    assert found(problems, "demo-course", None, "module id 'messages' is used by two modules")


def test_load_catalog_raises_with_every_problem() -> None:
    with pytest.raises(ContentInvalid) as info:
        load_catalog(FIXTURES / "broken-quiz")
    assert len(info.value.problems) == 16
    assert "python -m courses validate" in str(info.value) and "quiz.yaml:8:" in str(info.value)


def test_missing_root_and_default_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ContentNotFound, match="APP_COURSES_DIR"):
        validate(tmp_path / "nope")
    assert default_root() == PACKAGE_CONTENT
    monkeypatch.setenv("APP_COURSES_DIR", str(VALID))
    assert default_root() == VALID
    assert check().counts["questions"] == 6
    empty = tmp_path / "empty"
    empty.mkdir()
    assert load_catalog(empty).courses == []


# --- module files: reading, finding, writing back ------------------------------------------------------------


def test_find_module(tree: Path) -> None:
    found_module = find_module(tree, "review-basics")
    assert (found_module.course_id, found_module.path.name) == ("demo-course", "01-review-basics")
    assert find_module(tree, "demo-course/messages").id == "messages"
    with pytest.raises(NotFound, match="No module 'nope'"):
        find_module(tree, "nope")
    shutil.copytree(tree / "demo-course", tree / "other-course")
    with pytest.raises(NotFound, match="more than one course"):
        find_module(tree, "messages")


def test_read_questions_reports_schema_problems(tree: Path) -> None:
    quiz = tree / QUIZ_1
    assert [q.id for q in read_questions(quiz)] == ["rev-01", "rev-02", "rev-03", "rev-04", "rev-05"]
    edit(quiz, "        feedback: {zh: 未经审核不得发布。, en: Nothing is published without review.}\n", "")
    with pytest.raises(ContentInvalid) as info:
        read_questions(quiz)
    assert [(p.line, "needs feedback" in p.message) for p in info.value.problems] == [(16, True)]  # the line of option b


def test_save_questions_edits_in_place_and_keeps_comments(tree: Path) -> None:
    quiz = tree / QUIZ_1
    before = quiz.read_text(encoding="utf-8")
    questions = read_questions(quiz)
    changed = questions[2].model_copy(update={"prompt": Text(zh="新的题目：22:00", en="A new prompt, with a comma")})
    added = questions[0].model_copy(update={"id": "rev-09"})
    save_questions(quiz, [*questions[:2], changed, *questions[3:], added])
    after = quiz.read_text(encoding="utf-8")
    assert after.startswith("# Questions for the review basics module.\n")
    assert after.count("\n  - id: ") == 6
    assert [q.id for q in read_questions(quiz)] == ["rev-01", "rev-02", "rev-03", "rev-04", "rev-05", "rev-09"]
    assert read_questions(quiz)[2].prompt.zh == "新的题目：22:00"
    untouched = before.split("  - id: rev-04")[1]
    assert untouched in after  # questions that did not change keep their exact text
    assert validate(tree) == []


def test_save_questions_writes_a_new_file(tmp_path: Path) -> None:
    questions = read_questions(VALID / QUIZ_1)
    target = tmp_path / "quiz.yaml"
    save_questions(target, questions)
    assert read_questions(target) == questions
    assert target.read_text(encoding="utf-8").startswith("# Question pool")


# --- the real content ------------------------------------------------------------------------------------------


def test_real_content_is_valid() -> None:
    if not PACKAGE_CONTENT.is_dir() or not any(PACKAGE_CONTENT.glob("*/*/module.yaml")):
        pytest.skip("courses/content has no modules yet")
    problems = validate(PACKAGE_CONTENT)
    assert not problems, "\n".join(str(p) for p in problems)
