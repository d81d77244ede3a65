"""Courses and My progress pages in AppTest: read a lesson, fail a quiz, retry, pass, see progress;
one lesson at a time, the ordering control, practice keeping the answer, the countdown, the
unanswered confirmation, and opening a past attempt from My progress."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from courses.content import load_catalog
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.coursemaker import RIGHT, make_course
from trainer.learning.quiz import Learning
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

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


def progress_page(username: str = "lin", lang: str = "en") -> AppTest:
    """My progress through the app's router: its links to reviews need the registered pages."""
    at = open_page("streamlit_app.py", username, lang=lang, timeout=TIMEOUT)
    return at.switch_page("app_pages/progress.py").run()


def open_linked(query: str, username: str) -> AppTest:
    """The Courses page opened from a link such as My progress gives (``?attempt=ID``)."""
    at = page("learn.py", username)
    at.query_params.update(dict(part.split("=") for part in query.lstrip("?").split("&")))
    return at.run()


def extend_course(root: Path) -> Path:
    """Module m1 of tests/coursemaker.py with a second lesson and a three-item ordering question,
    all four questions drawn."""
    base = root / "c1" / "01-m1"
    for lang, title, body in (
        ("zh", "流程", "先撰稿，再初审，后终审。"),
        ("en", "Steps", "Draft, then first and final review."),
    ):
        (base / "lessons" / f"02-steps.{lang}.md").write_text(
            f"---\nid: steps\ntitle: {title}\nminutes: 2\n---\n\n## {title} {{#order}}\n{body}\n", encoding="utf-8"
        )
    module = base / "module.yaml"
    module.write_text(module.read_text(encoding="utf-8").replace("draw: 3", "draw: 4"), encoding="utf-8")
    quiz = base / "quiz.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8")
        + textwrap.indent(
            textwrap.dedent(
                """
                - id: m1-q4
                  type: ordering
                  kind: recall
                  topic: reviews
                  lesson: steps#order
                  prompt: {zh: 排出顺序, en: "Put the steps in order"}
                  items:
                    - {id: draft, text: {zh: 撰稿, en: Draft}}
                    - {id: first, text: {zh: 初审, en: First review}}
                    - {id: final, text: {zh: 终审, en: Final review}}
                  explanation: {zh: 先撰稿后审。, en: Draft first.}
                """
            ),
            "  ",
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture
def long_course(course_dir: Path) -> Path:
    return extend_course(course_dir)


def move_into_order(at: AppTest, key: str, right: list[str]) -> None:
    """Press Up until the items stand in ``right`` order, as a learner would (bubble the next one up)."""
    for target, item in enumerate(right):
        while (order := at.session_state[f"{key}:order"]).index(item) > target:
            at.button(key=f"{key}:move_up:{item}").click().run()
    assert order == right


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

    progress = progress_page()
    rows = progress.dataframe[0].value
    assert list(rows["Completed"]) == [True, False]
    assert list(rows["Grade"]) == ["100%", "—"] and list(rows["Attempts"])[0] == "2/2"


def test_unanswered_questions_need_confirmation(accounts: Accounts, settings: Settings, course_dir) -> None:  # type: ignore[no-untyped-def]
    at = page("learn.py")
    at.button(key="start:graded:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    single = at.radio[0]  # answer the single-choice question only, wherever it was drawn
    single.set_value("a")
    answered = int(str(single.key).rsplit(":", 1)[1])
    others = [p for p in range(3) if p != answered]
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Submit the quiz").click().run()
    which = ", ".join(str(p + 1) for p in others)
    assert any(f"2 of 3 questions have no answer (question {which})" in w.value for w in at.warning), at.warning
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    attempt = learning.attempt(learning_user(learning), attempt_id)
    assert attempt.status == "open" and attempt.unanswered() == others  # asked first; the answer given is saved
    at.button(key=f"keep:{attempt_id}").click().run()
    assert not at.warning and learning.attempt(learning_user(learning), attempt_id).status == "open"
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Submit the quiz").click().run()
    at.button(key=f"anyway:{attempt_id}").click().run()
    assert learning.attempt(learning_user(learning), attempt_id).status == "submitted"
    assert any("Review: attempt 1" in h.value for h in at.subheader)


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
    kept = at.text_input(key=f"pd:{attempt_id}:{short.pos}")  # the answer stays next to its feedback
    assert kept.value == "三审三校" and kept.disabled

    multi = next(q for q in attempt.questions if q.question.type == "multiple")
    at.checkbox(key=f"p:{attempt_id}:{multi.pos}:a").check()
    at.button(key=f"FormSubmitter:practice:{attempt_id}:{multi.pos}-检查答案").click().run()
    assert any("部分正确（0.5 分）" in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.checkbox(key=f"pd:{attempt_id}:{multi.pos}:a").value  # the pick is still ticked
    assert not at.checkbox(key=f"pd:{attempt_id}:{multi.pos}:b").value


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
    from desk.reply_practice import load_samples, score_reply
    from desk.replydesk import ReplyDesk

    sample = load_samples()[0]
    reply = "您好，感谢留言。我们将在3个工作日内答复，联系电话：12345。"
    desk = ReplyDesk(open_db(settings.app_db))
    desk.record_practice(accounts.get("lin"), reply, score_reply(sample, reply, "zh"))
    at = progress_page()
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


def test_a_module_shows_one_lesson_at_a_time(accounts: Accounts, long_course: Path) -> None:
    at = page("learn.py")
    shown = lambda: "\n".join(m.value for m in at.markdown)  # noqa: E731
    assert "Posts get three reviews." in shown() and "Draft, then first" not in shown()
    assert any("Lesson 1 of 2 · 0 of 2 read" in c.value for c in at.caption)
    assert at.button(key="prev:m1").disabled
    at.button(key="read:m1:basics").click().run()
    at.button(key="next:m1").click().run()
    assert "Draft, then first" in shown() and "Posts get three reviews." not in shown()
    assert any("Lesson 2 of 2 · 1 of 2 read" in c.value for c in at.caption)
    assert at.button(key="next:m1").disabled
    at.button(key="read:m1:steps").click().run()
    at.button(key="prev:m1").click().run()
    assert "Posts get three reviews." in shown()
    assert any(s.value == "Read" for s in at.success)

    again = page("learn.py")  # a new visit: the reading marks were kept
    assert any("Lesson 1 of 2 · 2 of 2 read" in c.value for c in again.caption)
    assert again.selectbox(key="lesson_pick:c1:m1").options == ["1. Three reviews ✓", "2. Steps ✓"]


def test_ordering_is_put_in_order_with_buttons_and_feedback_lists_the_right_order(
    accounts: Accounts, settings: Settings, long_course: Path
) -> None:
    at = page("learn.py")
    at.button(key="start:practice:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    learning = Learning(open_db(settings.app_db), load_catalog(long_course))
    attempt = learning.attempt(learning_user(learning), attempt_id)
    ordering = next(q for q in attempt.questions if q.question.type == "ordering")
    key = f"p:{attempt_id}:{ordering.pos}"
    assert not at.get("multiselect")  # no "Select all" that fills the shown order
    check = f"FormSubmitter:practice:{attempt_id}:{ordering.pos}-Check"
    move_into_order(at, key, ["draft", "final", "first"])  # wrong: final before first
    at.button(key=check).click().run()
    assert any("Not correct" in e.value for e in at.error)
    feedback = "\n".join(m.value for m in at.markdown)
    assert "1. Draft\n2. First review\n3. Final review" in feedback  # the right order, numbered
    assert "1. Draft\n2. Final review\n3. First review" in feedback  # and the learner's order, kept
    stored = learning.attempt(learning_user(learning), attempt_id).questions[ordering.pos].response
    assert stored == ["draft", "final", "first"]


def test_graded_ordering_answer_is_saved_in_the_learners_order(
    accounts: Accounts, settings: Settings, long_course: Path
) -> None:
    at = page("learn.py")
    at.button(key="start:graded:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    learning = Learning(open_db(settings.app_db), load_catalog(long_course))
    attempt = learning.attempt(learning_user(learning), attempt_id)
    ordering = next(q for q in attempt.questions if q.question.type == "ordering")
    for shown in attempt.questions:
        if shown.question.type != "ordering":
            fill_one(at, f"g:{attempt_id}:{shown.pos}", shown.question.type, shown.order, RIGHT[shown.question.id])
    move_into_order(at, f"g:{attempt_id}:{ordering.pos}", ["draft", "first", "final"])
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Submit the quiz").click().run()
    assert not at.exception
    assert any("Passed! 4/4" in s.value for s in at.success)


def fill_one(at: AppTest, key: str, qtype: str, order: tuple[str, ...], response: object) -> None:
    if qtype == "multiple":
        for oid in order:
            at.checkbox(key=f"{key}:{oid}").set_value(oid in response)  # type: ignore[operator]
    elif qtype == "short":
        at.text_input(key=key).input(str(response))
    else:
        at.radio(key=key).set_value(response)


def test_graded_quiz_shows_a_countdown(accounts: Accounts) -> None:
    at = page("learn.py")
    at.button(key="start:graded:m1").click().run()
    timer = [h.proto.body for h in at.get("html") if "Time left" in h.proto.body]
    assert timer and re.search(
        r"Time left <span class=\"gm-left\">(10:00|9:[0-5]\d)</span> \(ends \d\d:\d\d, server time\)", timer[0]
    ), timer
    assert not any("About" in m.value for m in at.markdown)


def test_my_progress_explains_the_bar_and_links_each_attempt_to_its_review(
    accounts: Accounts, settings: Settings, course_dir: Path
) -> None:
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    lin = learning_user(learning)
    learning.mark_read(lin, "c1", "m1", "basics")
    attempt = learning.start(lin, "c1", "m1")
    first = next(q for q in attempt.questions if q.question.id == "m1-q2")
    learning.answer(lin, attempt.id, first.pos, ["a"])  # half of 1 point
    learning.submit(lin, attempt.id, allow_unanswered=True)

    at = progress_page()
    assert not at.exception
    bar = at.get("progress")[0].proto
    assert bar.value == 25 and bar.text == "25%: 1 of 2 lessons read, 0 of 2 quizzes passed"
    assert any("lessons read + quizzes passed" in c.value for c in at.caption)
    rows = at.dataframe[0].value
    assert list(rows["Grade"]) == ["17%", "—"]  # 0.5 of 3; a dash where there is no grade
    [link] = at.get("page_link")
    assert link.proto.page == "learn" and link.proto.query_string == f"attempt={attempt.id}"
    assert any("0.5/3" in m.value and "not passed" in m.value for m in at.markdown), [m.value for m in at.markdown]

    review = open_linked(f"?attempt={attempt.id}", "lin")
    assert not review.exception
    assert any("Review: attempt 1" in h.value for h in review.subheader)
    assert any("Not passed: 0.5/3" in e.value for e in review.error)
    assert any("Partly correct (0.5 points)" in w.value for w in review.warning)


def test_a_learner_cannot_open_someone_elses_attempt(accounts: Accounts, settings: Settings, course_dir: Path) -> None:
    accounts.create_user("wu", PASSWORD, "learner")
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    attempt = learning.start(learning_user(learning), "c1", "m1")
    learning.submit(learning_user(learning), attempt.id, allow_unanswered=True)
    at = open_linked(f"?attempt={attempt.id}", "wu")
    assert not at.exception
    assert any("Learners can see only their own results" in e.value for e in at.error), [e.value for e in at.error]
    assert not any("Review" in h.value for h in at.subheader)
    assert "attempt:c1:m1" not in at.session_state


def test_a_review_link_opens_its_own_module(accounts: Accounts, settings: Settings, course_dir: Path) -> None:
    learning = Learning(open_db(settings.app_db), load_catalog(course_dir))
    lin = learning_user(learning)
    passed = learning.start(lin, "c1", "m1")
    for shown in passed.questions:
        learning.answer(lin, passed.id, shown.pos, RIGHT[shown.question.id])
    learning.submit(lin, passed.id)
    later = learning.start(lin, "c1", "m2")
    learning.submit(lin, later.id, allow_unanswered=True)
    at = page("learn.py")  # the learner is on module m1
    at.query_params["attempt"] = str(later.id)
    at.run()
    assert not at.exception and not at.warning  # no "value set via Session State" notice either
    assert at.header[0].value == "Module m2" and at.selectbox(key="module_pick").value == "m2"
    assert any("Review: attempt 1" in h.value for h in at.subheader)
    at.button(key=f"back:{later.id}").click().run()
    assert at.header[0].value == "Module m2" and not any("Review" in h.value for h in at.subheader)
