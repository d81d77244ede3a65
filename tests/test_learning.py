"""The quiz engine: attempts, shuffling, limits, time, grading methods, unlocking, certificates."""

from __future__ import annotations

from pathlib import Path

import pytest

from courses.content import load_catalog
from courses.models import Catalog
from tests.conftest import Clock
from tests.coursemaker import RIGHT, make_course
from trainer.errors import PermissionDenied
from trainer.learning.quiz import (
    AttemptClosed,
    EmptyAnswer,
    Learning,
    ModuleLocked,
    NoAttemptsLeft,
    NotCompleted,
    Unanswered,
    certificate_html,
    points,
)
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return load_catalog(make_course(tmp_path / "content"))


@pytest.fixture
def setup(settings, catalog: Catalog, clock: Clock):  # type: ignore[no-untyped-def]
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    users = {
        "lin": accounts.create_user("lin", PASSWORD, "learner", name="林小红"),
        "wu": accounts.create_user("wu", PASSWORD, "learner"),
        "tom": accounts.create_user("tom", PASSWORD, "trainer"),
    }
    return Learning(db, catalog, clock=clock), users


def answer_all(learning: Learning, user: User, attempt_id: int, answers: dict[str, object]) -> None:
    for shown in learning.attempt(user, attempt_id).questions:
        learning.answer(user, attempt_id, shown.pos, answers[shown.question.id])


def pass_module(learning: Learning, user: User, module: str) -> None:
    attempt = learning.start(user, "c1", module)
    answer_all(learning, user, attempt.id, RIGHT)
    assert learning.submit(user, attempt.id).passed


def test_attempt_records_questions_and_option_order_keeping_fixed_last(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    orders = set()
    for _ in range(24):  # all 24 shuffles alike: odds 2 in 2**24
        attempt = learning.start(users["lin"], "c1", "m1", mode="practice")
        q1 = next(q for q in attempt.questions if q.question.id == "m1-q1")
        assert q1.order[-1] == "c"  # "none of the above" stays last
        orders.add(q1.order)
        learning.submit(users["lin"], attempt.id, allow_unanswered=True)
    assert len(orders) == 2  # a and b were shuffled in front of it
    again = learning.attempt(users["lin"], attempt.id)
    assert again.questions[0].order == attempt.questions[0].order  # stored, not re-shuffled


def test_random_draw_of_n_from_the_pool(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    pass_module(learning, users["lin"], "m1")
    drawn = set()
    for _ in range(10):
        attempt = learning.start(users["lin"], "c1", "m2")
        assert len(attempt.questions) == 2
        drawn.add(frozenset(q.question.id for q in attempt.questions))
        learning.submit(users["lin"], attempt.id, allow_unanswered=True)
    assert len(drawn) > 1


def test_practice_gives_immediate_feedback_graded_only_after_submit(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    practice = learning.start(lin, "c1", "m1", mode="practice")
    pos = next(q.pos for q in practice.questions if q.question.id == "m1-q1")
    feedback = learning.answer(lin, practice.id, pos, "b")
    assert feedback is not None and not feedback.correct and feedback.feedback["b"].en == "Too few"

    graded = learning.start(lin, "c1", "m1")
    graded_pos = next(q.pos for q in graded.questions if q.question.id == "m1-q1")  # its own shuffled order
    assert learning.answer(lin, graded.id, graded_pos, "b") is None
    with pytest.raises(AttemptClosed, match="after you submit"):
        learning.review(lin, graded.id)


def test_empty_answers_are_refused_and_unanswered_submit_needs_confirmation(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    pos = {q.question.id: q.pos for q in attempt.questions}
    for qid, empty in [
        ("m1-q3", None),
        ("m1-q3", ""),
        ("m1-q3", "   "),
        ("m1-q3", "。"),
        ("m1-q2", []),
        ("m1-q1", None),
    ]:
        with pytest.raises(EmptyAnswer):
            learning.answer(lin, attempt.id, pos[qid], empty)
    assert learning.attempt(lin, attempt.id).unanswered() == [0, 1, 2]
    answer_all(learning, lin, attempt.id, RIGHT)
    learning.answer(lin, attempt.id, 0, RIGHT[attempt.questions[0].question.id])  # changing an answer is fine
    fresh = learning.start(users["wu"], "c1", "m1")
    learning.answer(users["wu"], fresh.id, 1, RIGHT[fresh.questions[1].question.id])
    with pytest.raises(Unanswered, match="Questions 1, 3 have no answer"):
        learning.submit(users["wu"], fresh.id)
    result = learning.submit(users["wu"], fresh.id, allow_unanswered=True)
    assert result.score == 1.0 and result.status == "submitted"


def test_duplicate_submit_returns_the_first_result(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    answer_all(learning, lin, attempt.id, RIGHT)
    first = learning.submit(lin, attempt.id)
    second = learning.submit(lin, attempt.id)
    assert (first.score, first.submitted_at, first.passed) == (second.score, second.submitted_at, second.passed)
    with pytest.raises(AttemptClosed, match="already submitted"):
        learning.answer(lin, attempt.id, 0, "a")


def test_a_second_tab_resumes_the_open_attempt(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    one = learning.start(users["lin"], "c1", "m1")
    two = learning.start(users["lin"], "c1", "m1")
    assert one.id == two.id


def test_time_limit_is_enforced_on_the_server(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    first = attempt.questions[0]
    learning.answer(lin, attempt.id, first.pos, RIGHT[first.question.id])
    clock.now += 9 * 60
    assert learning.attempt(lin, attempt.id).seconds_left(clock.now) == 60
    clock.now += 2 * 60  # past the 10-minute limit
    with pytest.raises(AttemptClosed, match="Time is up"):
        learning.answer(lin, attempt.id, attempt.questions[1].pos, RIGHT[attempt.questions[1].question.id])
    closed = learning.attempt(lin, attempt.id)
    assert closed.status == "expired" and closed.score == 1.0  # only what was saved in time counts
    assert closed.submitted_at == attempt.deadline


def test_attempt_limit(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    for _ in range(2):
        attempt = learning.start(lin, "c1", "m1")
        learning.submit(lin, attempt.id, allow_unanswered=True)
    with pytest.raises(NoAttemptsLeft, match="All 2 attempts are used"):
        learning.start(lin, "c1", "m1")
    assert learning.start(lin, "c1", "m1", mode="practice").mode == "practice"  # practice is unlimited


def test_grading_methods_highest_and_last(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    pass_module(learning, lin, "m1")
    weak = learning.start(lin, "c1", "m1")
    learning.submit(lin, weak.id, allow_unanswered=True)
    assert learning.progress(lin, "c1").module("m1").grade == 1.0  # m1 keeps the highest

    pass_module(learning, lin, "m2")
    weak = learning.start(lin, "c1", "m2")
    learning.submit(lin, weak.id, allow_unanswered=True)
    state = learning.progress(lin, "c1").module("m2")
    assert state.grade == 0.0 and state.passed  # m2 grades by the last attempt; once passed stays passed


def test_multiple_choice_partial_credit_in_an_attempt(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    for shown in attempt.questions:
        response = ["a", "c"] if shown.question.id == "m1-q2" else RIGHT[shown.question.id]
        learning.answer(lin, attempt.id, shown.pos, response)
    result = learning.submit(lin, attempt.id)
    assert result.score == pytest.approx(2.0)  # 1 + (0.5 - 0.5) + 1
    review = {item.shown.question.id: item for item in learning.review(lin, attempt.id)}
    wrong = review["m1-q2"]
    assert not wrong.grade.correct and wrong.lesson == "basics" and wrong.anchor == "why"
    assert wrong.lesson_title is not None and wrong.lesson_title.en == "Three reviews"
    assert review["m1-q1"].kb_doc == "zh-content-review.pdf"


def test_modules_unlock_in_order_and_completion_needs_lessons(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    lin = users["lin"]
    with pytest.raises(ModuleLocked):
        learning.start(lin, "c1", "m2")
    pass_module(learning, lin, "m1")
    progress = learning.progress(lin, "c1")
    assert progress.module("m2").unlocked and progress.module("m1").passed
    assert not progress.module("m1").completed  # the lesson was not read yet
    learning.mark_read(lin, "c1", "m1", "basics")
    learning.mark_read(lin, "c1", "m1", "basics")  # twice is the same as once
    assert learning.progress(lin, "c1").module("m1").completed
    with pytest.raises(NotCompleted):
        learning.certificate(lin, "c1")
    pass_module(learning, lin, "m2")
    learning.mark_read(lin, "c1", "m2", "basics")
    assert learning.progress(lin, "c1").completed

    cert = learning.certificate(lin, "c1")
    assert learning.certificate(lin, "c1").code == cert.code  # issued once
    assert learning.verify_certificate(cert.code.lower()) == cert
    assert learning.verify_certificate("AAAA-BBBB-CCCC") is None
    page = certificate_html(cert, learning.catalog.course("c1").title, "zh")
    assert "林小红" in page and cert.code in page and "结业证书" in page


def test_certificate_page_escapes_names(setup) -> None:  # type: ignore[no-untyped-def]
    from trainer.learning.quiz import Certificate

    cert = Certificate("AAAA-BBBB-CCCC", "x", "<script>alert(1)</script>", "c1", "2026-11-24T10:00:00+00:00")
    page = certificate_html(cert, setup[0].catalog.course("c1").title, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_learners_see_only_their_own_attempts_and_progress(setup) -> None:  # type: ignore[no-untyped-def]
    learning, users = setup
    attempt = learning.start(users["lin"], "c1", "m1")
    with pytest.raises(PermissionDenied):
        learning.attempt(users["wu"], attempt.id)
    with pytest.raises(PermissionDenied):
        learning.progress(users["wu"], "c1", "lin")
    with pytest.raises(PermissionDenied):
        learning.answer(users["tom"], attempt.id, 0, "a")  # trainers may look, not answer
    assert learning.attempt(users["tom"], attempt.id).username == "lin"
    assert learning.progress(users["tom"], "c1", "lin").username == "lin"


def test_progress_bar_counts_lessons_read_and_quizzes_passed(setup) -> None:  # type: ignore[no-untyped-def]
    """Two modules, one lesson and one quiz each: four steps. Reading a lesson and failing a quiz
    is one step done, not the 0% the count of completed modules gave."""
    learning, users = setup
    lin = users["lin"]
    assert learning.progress(lin, "c1").share == 0.0
    learning.mark_read(lin, "c1", "m1", "basics")
    failed = learning.start(lin, "c1", "m1")
    learning.submit(lin, failed.id, allow_unanswered=True)
    progress = learning.progress(lin, "c1")
    assert (progress.lessons_read, progress.lessons_total, progress.quizzes_passed, progress.quizzes_total) == (
        1, 2, 0, 2,
    )  # fmt: skip
    assert progress.share == 0.25
    pass_module(learning, lin, "m1")
    assert learning.progress(lin, "c1").share == 0.5
    assert learning.progress(users["wu"], "c1").share == 0.0  # someone else's work does not count


def test_scores_are_written_for_people() -> None:
    assert points(13 / 3) == "4.33"  # not 4.33333
    assert points(1 / 3) == "0.33"
    assert points(10.0) == "10"
    assert points(0.5) == "0.5"
    assert points(2 / 3) == "0.67"
    assert points(0.0) == "0"
    assert points(None) == "—"  # no score: a dash, not "None"


def test_review_of_a_question_edited_after_the_attempt_keeps_the_recorded_score(
    setup, tmp_path: Path, settings, clock: Clock  # type: ignore[no-untyped-def]
) -> None:
    """A trainer moves a key and turns a free-text question into a choice after a learner's
    attempt: the review says so and keeps the recorded score instead of regrading or failing."""
    learning, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    answer_all(learning, lin, attempt.id, RIGHT)
    assert learning.submit(lin, attempt.id).score == pytest.approx(3.0)

    quiz = tmp_path / "content" / "c1" / "01-m1" / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    text = text.replace(
        "{id: a, text: {zh: 三审, en: Three}, correct: true}",
        "{id: a, text: {zh: 三审, en: Three}, feedback: {zh: 不对, en: No}}",
    )
    text = text.replace("text: {zh: 一审, en: One}", "text: {zh: 一审, en: One}\n        correct: true", 1)
    text = text.replace(
        "type: short",
        "type: single\n    options:\n      - {id: a, text: {zh: 三审三校, en: Three reviews}, correct: true}\n"
        "      - {id: b, text: {zh: 一审一校, en: One review}, feedback: {zh: 不对, en: No}}",
    ).replace("    accept: {zh: [三审三校], en: [three reviews]}\n", "")
    quiz.write_text(text, encoding="utf-8")
    edited = Learning(open_db(settings.app_db), load_catalog(tmp_path / "content"), clock=clock)

    review = {item.shown.question.id: item for item in edited.review(lin, attempt.id)}
    assert not review["m1-q2"].changed and review["m1-q2"].grade.correct
    for qid in ("m1-q1", "m1-q3"):  # key moved; free text -> choice
        item = review[qid]
        assert item.changed and item.grade.score == pytest.approx(1.0) and item.grade.correct
