"""Grading and presenting questions exactly as courses/FORMAT.md says."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses.errors import ResponseError
from courses.grading import draw_questions, grade, normalize_answer, passed, present
from courses.models import Question, QuizSettings, Text, parse_question

T = {"zh": "中", "en": "en"}


def fb(tag: str) -> dict[str, str]:
    return {"zh": f"{tag}错", "en": f"{tag} wrong"}


def make(type_: str, points: float = 1, **fields: Any) -> Question:
    return parse_question({"id": "q", "type": type_, "prompt": T, "explanation": T, "points": points, **fields})


def options(correct: str, ids: str = "abcd", fixed: str = "") -> list[dict[str, Any]]:
    return [
        {"id": i, "text": T, "correct": i in correct, "fixed_last": i in fixed, **({} if i in correct else {"feedback": fb(i)})}
        for i in ids
    ]


SINGLE = make("single", options=options("b"))
MULTI = make("multiple", points=3, options=options("abc"))  # 1 point per right pick, -1 per wrong pick
MULTI2 = make("multiple", points=1, options=options("ab"))
TF = make("truefalse", answer=False, feedback_wrong=fb("tf"))
SHORT = make("short", accept={"zh": ["三审三校", "三审"], "en": ["three reviews", "3 reviews"]}, feedback_wrong=fb("s"))
ORDER = make("ordering", items=[{"id": x, "text": T} for x in ("draft", "first", "second", "final")])


@pytest.mark.parametrize(
    ("question", "response", "score", "correct", "empty", "feedback"),
    [
        # single: full points or zero, feedback for the wrong pick
        (SINGLE, "b", 1, True, False, []),
        (SINGLE, "a", 0, False, False, ["a"]),
        (SINGLE, None, 0, False, True, []),
        (SINGLE, "", 0, False, True, []),
        # multiple: points / n_correct per right pick, the same off per wrong pick, floor 0
        (MULTI, ["a", "b", "c"], 3, True, False, []),
        (MULTI, ["a", "b"], 2, False, False, []),
        (MULTI, ["a"], 1, False, False, []),
        (MULTI, ["a", "b", "c", "d"], 2, False, False, ["d"]),
        (MULTI, ["a", "d"], 0, False, False, ["d"]),
        (MULTI, ["d"], 0, False, False, ["d"]),
        (MULTI, [], 0, False, True, []),
        (MULTI, None, 0, False, True, []),
        (MULTI, {"c", "b", "a"}, 3, True, False, []),
        (MULTI2, ["a"], 0.5, False, False, []),
        (MULTI2, ["a", "c"], 0, False, False, ["c"]),
        (MULTI2, ["a", "b", "c"], 0.5, False, False, ["c"]),
        (MULTI2, ["a", "b", "c", "d"], 0, False, False, ["c", "d"]),
        # truefalse
        (TF, False, 1, True, False, []),
        (TF, True, 0, False, False, []),
        (TF, None, 0, False, True, []),
        # short: normalised, either language
        (SHORT, "三审三校", 1, True, False, []),
        (SHORT, "Three Reviews", 1, True, False, []),
        (SHORT, "Ｔhree　Reviews。", 1, True, False, []),
        (SHORT, "  3 REVIEWS!! ", 1, True, False, []),
        (SHORT, "三审！", 1, True, False, []),
        (SHORT, "三 审 三 校 。", 1, True, False, []),
        (SHORT, "三审\u200b三校", 1, True, False, []),
        (SHORT, "two reviews", 0, False, False, []),
        (SHORT, "", 0, False, True, []),
        (SHORT, "   ", 0, False, True, []),
        (SHORT, "。", 0, False, True, []),
        (SHORT, None, 0, False, True, []),
        # ordering: all or nothing
        (ORDER, ["draft", "first", "second", "final"], 1, True, False, []),
        (ORDER, ["draft", "second", "first", "final"], 0, False, False, []),
        (ORDER, [], 0, False, True, []),
    ],
)
def test_grade_table(question: Question, response: Any, score: float, correct: bool, empty: bool,
                     feedback: list[str]) -> None:
    result = grade(question, response)
    assert (result.score, result.correct, result.empty) == (pytest.approx(score), correct, empty)
    assert result.max == question.points
    assert sorted(result.feedback) == feedback
    assert result.explanation == question.explanation
    if feedback:
        assert result.feedback[feedback[0]] == Text(**fb(feedback[0]))


def test_partial_and_missed() -> None:
    result = grade(MULTI, ["a", "d"])
    assert result.missed == ("b", "c") and not result.partial
    result = grade(MULTI, ["a", "b"])
    assert result.partial and result.missed == ("c",)
    assert grade(SINGLE, "a").missed == ("b",)


def test_thirds_add_up_to_full_marks() -> None:
    q = make("multiple", points=1, options=options("abc"))
    assert grade(q, ["a", "b", "c"]).correct
    assert grade(q, ["a", "b"]).score == pytest.approx(2 / 3)


def test_wrong_answer_feedback_for_other_types() -> None:
    assert grade(TF, True).feedback_wrong == Text(**fb("tf"))
    assert grade(SHORT, "nope").feedback_wrong == Text(**fb("s"))
    assert grade(SHORT, "三审").feedback_wrong is None
    assert grade(ORDER, ["final", "draft", "first", "second"]).feedback_wrong is None  # none was written


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (SINGLE, "z"),
        (SINGLE, ["a"]),
        (MULTI, ["a", "z"]),
        (MULTI, "a"),
        (TF, "false"),
        (SHORT, 3),
        (ORDER, ["draft", "first", "second"]),
        (ORDER, ["draft", "draft", "second", "final"]),
        (ORDER, "draft"),
    ],
)
def test_responses_that_do_not_fit_raise(question: Question, response: Any) -> None:
    with pytest.raises(ResponseError):
        grade(question, response)


def test_normalize_answer() -> None:
    assert normalize_answer("Ｔhree　Reviews。") == "threereviews"
    assert normalize_answer("三审三校！？，") == "三审三校"
    assert normalize_answer("ＡＢＣ１２３") == "abc123"
    assert normalize_answer("e.g. a.b") == "e.g.a.b"  # only trailing punctuation goes


@given(
    n_correct=st.integers(1, 6),
    n_wrong=st.integers(0, 5),
    points=st.sampled_from([1, 2, 3, 0.5, 1.5, 7]),
    data=st.data(),
)
def test_multiple_choice_grade_stays_within_zero_and_max(n_correct: int, n_wrong: int, points: float,
                                                         data: st.DataObject) -> None:
    n_wrong = min(n_wrong, 6 - n_correct)
    ids = "abcdef"[: n_correct + n_wrong]
    if len(ids) < 2:
        ids, n_wrong = "ab", 1
    q = make("multiple", points=points, options=options(ids[:n_correct], ids))
    picked = data.draw(st.sets(st.sampled_from(list(ids))))
    result = grade(q, picked)
    assert 0 <= result.score <= result.max == points
    assert result.correct == (picked == set(ids[:n_correct]))
    assert result.empty == (not picked)


def test_present_keeps_fixed_last_at_the_end() -> None:
    q = make("single", options=options("a", "abcd", fixed="d"))
    orders = {present(q, random.Random(seed)) for seed in range(50)}
    assert all(order[-1] == "d" and sorted(order) == list("abcd") for order in orders)
    assert len(orders) > 1
    assert present(q, random.Random(1), shuffle=False) == ("a", "b", "c", "d")
    two_fixed = make("multiple", options=options("a", "abcd", fixed="bc"))
    assert all(present(two_fixed, random.Random(s))[-2:] == ("b", "c") for s in range(20))


def test_present_never_shows_ordering_in_the_correct_order() -> None:
    correct = ("draft", "first", "second", "final")
    for seed in range(200):
        order = present(ORDER, random.Random(seed), shuffle=False)
        assert order != correct and sorted(order) == sorted(correct)
    two = make("ordering", items=[{"id": "x", "text": T}, {"id": "y", "text": T}])
    assert all(present(two, random.Random(s)) == ("y", "x") for s in range(20))
    assert present(TF, random.Random(0)) == () and present(SHORT, random.Random(0)) == ()


def test_present_is_reproducible_with_a_seed() -> None:
    assert present(MULTI, random.Random(7)) == present(MULTI, random.Random(7))


def test_draw_questions() -> None:
    pool = [make("truefalse", answer=True).model_copy(update={"id": f"q{i}"}) for i in range(10)]
    drawn = draw_questions(pool, QuizSettings(draw=4), random.Random(3))
    assert len(drawn) == 4 and len({q.id for q in drawn}) == 4
    assert draw_questions(pool, QuizSettings(shuffle_questions=False), random.Random(3)) == pool
    in_order = draw_questions(pool, QuizSettings(draw=5, shuffle_questions=False), random.Random(3))
    assert [q.id for q in in_order] == sorted((q.id for q in in_order), key=lambda i: int(i[1:]))


def test_passed() -> None:
    assert passed(8, 10, 0.8) and not passed(7.9, 10, 0.8)
    assert passed(0.1 + 0.7, 1, 0.8)  # float sums that miss by a hair still pass
    assert not passed(0, 0, 0.8)
