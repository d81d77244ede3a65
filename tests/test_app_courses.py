"""Courses and My progress pages in AppTest: read a lesson, fail a quiz, retry, pass, see progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from courses.content import load_catalog
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.coursemaker import RIGHT, make_course
from trainer.accounts import Accounts
from trainer.db import open_db
from trainer.learning import Learning

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
TIMEOUT = 60


@pytest.fixture
def course_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_course(tmp_path / "content")
    monkeypatch.setenv("APP_COURSES_DIR", str(root))
    return root


@pytest.fixture
def accounts(settings: Settings, course_dir: Path) -> Accounts:
    accounts = Accounts(open_db(settings.app_db))
    accounts.create_user("lin", PASSWORD, "learner", name="林小红")
    return accounts


def page(name: str, username: str = "lin", lang: str = "en") -> AppTest:
    return open_page(f"app_pages/{name}", username, lang=lang, timeout=TIMEOUT)


def fill(at: AppTest, attempt_id: int, answers: dict[str, object], learning: Learning) -> None:
    attempt = learning.attempt(learning_user(learning), attempt_id)
    for shown in attempt.questions:
        key = f"g:{attempt_id}:{shown.pos}"
        response = answers[shown.question.id]
        if shown.question.type == "multiple":
            for oid in shown.order:
                at.checkbox(key=f"{key}:{oid}").set_value(oid in response)  # type: ignore[operator]
        elif shown.question.type == "short":
            at.text_input(key=key).input(str(response))
        else:
            at.radio(key=key).set_value(response)


def learning_user(learning: Learning):  # type: ignore[no-untyped-def]
    return Accounts(learning.db).get("lin")


def test_learner_reads_fails_retries_passes_and_sees_progress(accounts: Accounts, settings: Settings, course_dir):  # type: ignore[no-untyped-def]
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    at = page("learn.py")
    assert not at.exception
    assert "Module m1" in at.header[0].value
    assert any("Posts get three reviews." in m.value for m in at.markdown)  # the English lesson
    assert "locked" in at.selectbox(key="module_pick").options[1]

    at.button(key="read:m1:basics").click().run()
    assert any(s.value == "Read" for s in at.success)

    at.button(key="start:graded:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    wrong = {"m1-q1": "b", "m1-q2": ["c"], "m1-q3": "two reviews"}
    fill(at, attempt_id, wrong, learning)
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Submit the quiz").click().run()
    assert not at.exception
    assert any("Not passed: 0/3" in e.value for e in at.error)
    assert any("Read again: Three reviews" in str(x.label) for x in at.expander)
    assert any("Too few" in m.value for m in at.markdown)  # per-option feedback

    at.button(key=f"back:{attempt_id}").click().run()
    at.button(key="start:graded:m1").click().run()
    second = at.session_state["attempt:c1:m1"]
    assert second != attempt_id
    fill(at, second, RIGHT, learning)
    at.button(key=f"FormSubmitter:graded:{second}-Submit the quiz").click().run()
    assert any("Passed! 3/3" in s.value for s in at.success)
    assert any("Next module unlocked: Module m2" in i.value for i in at.info)

    progress = page("progress.py")
    rows = progress.dataframe[0].value
    assert list(rows["Completed"]) == [True, False]
    assert list(rows["Grade"])[0] == 100 and list(rows["Attempts"])[0] == "2/2"


def test_unanswered_questions_need_confirmation(accounts: Accounts, settings: Settings, course_dir) -> None:  # type: ignore[no-untyped-def]
    at = page("learn.py")
    at.button(key="start:graded:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Submit the quiz").click().run()
    assert any("have no answer yet" in w.value for w in at.warning)
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    assert learning.attempt(learning_user(learning), attempt_id).status == "open"  # nothing lost, still open


def test_practice_gives_feedback_per_question(accounts: Accounts, settings: Settings, course_dir) -> None:  # type: ignore[no-untyped-def]
    at = page("learn.py", lang="zh")
    at.button(key="start:practice:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    attempt = learning.attempt(learning_user(learning), attempt_id)
    short = next(q for q in attempt.questions if q.question.type == "short")
    at.button(key=f"FormSubmitter:practice:{attempt_id}:{short.pos}-检查答案").click().run()
    assert any("请先选择或填写答案" in w.value for w in at.warning)  # empty: asked again, nothing stored
    at.text_input(key=f"p:{attempt_id}:{short.pos}").input("三审三校")
    at.button(key=f"FormSubmitter:practice:{attempt_id}:{short.pos}-检查答案").click().run()
    assert any("回答正确" in s.value for s in at.success)


def test_a_locked_module_quiz_cannot_be_started(accounts: Accounts) -> None:
    at = page("learn.py")
    at.selectbox(key="module_pick").set_value("m2").run()
    assert any("unlocks when you pass" in i.value for i in at.info)
    assert not [b for b in at.button if str(b.key).startswith("start:")]


def test_broken_course_content_shows_a_clear_message(accounts: Accounts, course_dir: Path) -> None:
    (course_dir / "c1" / "01-m1" / "quiz.yaml").write_text("questions: [", encoding="utf-8")
    at = page("learn.py")
    assert not at.exception
    assert "course content has errors" in at.error[0].value
    assert "quiz.yaml" in at.code[0].value


def test_reply_practice_results_show_on_my_progress(accounts: Accounts, settings: Settings) -> None:
    from trainer.reply_practice import load_samples, score_reply
    from trainer.replydesk import ReplyDesk

    sample = load_samples()[0]
    reply = "您好，感谢留言。我们将在3个工作日内答复，联系电话：12345。"
    desk = ReplyDesk(open_db(settings.app_db))
    desk.record_practice(accounts.get("lin"), reply, score_reply(sample, reply, "zh"))
    at = page("progress.py")
    assert not at.exception
    practice = at.dataframe[-1].value
    assert list(practice["Sample message"]) == [sample.id]


def test_a_broken_course_is_hidden_and_named_to_trainers_only(accounts: Accounts, course_dir: Path) -> None:
    broken = course_dir / "c2"
    broken.mkdir()
    (broken / "course.yaml").write_text("id: c2\ntitle: {zh: 坏, en: Broken\nsummary: x\n", encoding="utf-8")
    accounts.create_user("tom", PASSWORD, "trainer", name="Tom")
    at = page("learn.py", "tom")
    assert not at.exception
    assert any("Some course content has errors" in w.value for w in at.warning)
    assert "course.yaml" in "\n".join(str(c.value) for c in at.code)  # which file, for whoever fixes it
    learner = page("learn.py", "lin")
    assert not learner.exception and not learner.warning  # learners just get the working course
    shown = "\n".join(str(e.value) for e in [*learner.markdown, *learner.subheader, *learner.selectbox])
    assert "Posts get three reviews." in shown  # the valid course's first lesson
