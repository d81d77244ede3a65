"""Item statistics against values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.analytics.itemstats import (
    MIN_ATTEMPTS,
    ResponseError,
    analyse,
    option_frequencies,
    parse_responses_csv,
)


def matrix(rows: dict[str, list[float]], max_mark: float = 1.0) -> list[tuple[str, str, float, float]]:
    """{attempt: [mark of q1, q2, ...]} -> response rows."""
    return [(a, f"q{j + 1}", m, max_mark) for a, marks in rows.items() for j, m in enumerate(marks)]


# 5 attempts x 4 questions, marks 0/1.
#        q1 q2 q3 q4   total T
#   a1    1  1  0  0   2
#   a2    1  1  1  0   3
#   a3    1  0  0  1   2
#   a4    1  1  1  1   4
#   a5    1  1  1  1   4
FIVE_BY_FOUR = matrix(
    {
        "a1": [1, 1, 0, 0],
        "a2": [1, 1, 1, 0],
        "a3": [1, 0, 0, 1],
        "a4": [1, 1, 1, 1],
        "a5": [1, 1, 1, 1],
    }
)


def by_question(rows):
    result = analyse(rows)
    return result, {q.question: q for q in result.questions}


def test_question_everyone_gets_right_has_no_discrimination():
    _, q = by_question(FIVE_BY_FOUR)
    q1 = q["q1"]
    # facility = 100 * mean(1,1,1,1,1) = 100; SD = 0 (no spread).
    assert q1.n == 5 and q1.facility == 100 and q1.sd == 0
    # var(x) = 0, so the correlation's denominator is 0: undefined, said, not divided.
    assert q1.discrimination is None and q1.efficiency is None
    assert "everyone scored the same" in q1.notes["discrimination"]
    assert "efficiency" in q1.notes
    assert q1.flags == ("very_easy",)


def test_weak_question_by_hand():
    _, q = by_question(FIVE_BY_FOUR)
    q2 = q["q2"]
    # x = [1,1,0,1,1], rest r = T - x = [1,2,2,3,3]; mean x = 0.8, mean r = 2.2
    # dx = [.2,.2,-.8,.2,.2], dr = [-1.2,-.2,-.2,.8,.8]
    # sum dx*dr = -.24 -.04 +.16 +.16 +.16 = 0.2 -> cov = 0.2/4 = 0.05
    # var x = (4*.04 + .64)/4 = 0.2; var r = (1.44+.04+.04+.64+.64)/4 = 0.7
    # D = 100 * .05 / sqrt(.2*.7) = 5 / 0.374166 = 13.363
    # sorted x = [0,1,1,1,1], sorted r = [1,2,2,3,3]:
    # sum = (-.8)(-1.2) + (.2)(-.2) + (.2)(-.2) + (.2)(.8) + (.2)(.8) = .96-.04-.04+.16+.16 = 1.2 -> covmax = 0.3
    # DE = 100 * .05/.3 = 16.667
    # facility = 80; SD = 100 * sqrt(.2) = 44.721
    assert q2.facility == pytest.approx(80)
    assert q2.sd == pytest.approx(44.7214, abs=1e-3)
    assert q2.discrimination == pytest.approx(13.3631, abs=1e-3)
    assert q2.efficiency == pytest.approx(16.6667, abs=1e-3)
    assert q2.flags == ("low_discrimination",)  # 13.4 < 30; efficiency 16.7 is not below 15
    assert not q2.strong and not q2.notes


def test_good_question_by_hand():
    _, q = by_question(FIVE_BY_FOUR)
    q3 = q["q3"]
    # x = [0,1,0,1,1], r = [2,2,2,3,3]; means 0.6 and 2.4
    # dx = [-.6,.4,-.6,.4,.4], dr = [-.4,-.4,-.4,.6,.6]
    # sum = .24 -.16 +.24 +.24 +.24 = 0.8 -> cov = 0.2; var x = (2*.36+3*.16)/4 = 0.3; var r = (3*.16+2*.36)/4 = 0.3
    # D = 100 * .2/.3 = 66.667; sorted pairs give the same sum (0.8) -> DE = 100
    # SD = 100 * sqrt(.3) = 54.772
    assert q3.facility == pytest.approx(60)
    assert q3.sd == pytest.approx(54.7723, abs=1e-3)
    assert q3.discrimination == pytest.approx(66.6667, abs=1e-3)
    assert q3.efficiency == pytest.approx(100)
    assert q3.flags == ()


def test_negative_discrimination_by_hand():
    _, q = by_question(FIVE_BY_FOUR)
    q4 = q["q4"]
    # x = [0,0,1,1,1], r = [2,3,1,3,3]; means 0.6 and 2.4
    # dx = [-.6,-.6,.4,.4,.4], dr = [-.4,.6,-1.4,.6,.6]
    # sum = .24 -.36 -.56 +.24 +.24 = -0.2 -> cov = -0.05; var x = 0.3; var r = (.16+.36+1.96+.36+.36)/4 = 0.8
    # D = 100 * -.05 / sqrt(.24) = -10.206
    # sorted x = [0,0,1,1,1], sorted r = [1,2,3,3,3]: dx = [-.6,-.6,.4,.4,.4], dr = [-1.4,-.4,.6,.6,.6]
    # sum = .84+.24+.24+.24+.24 = 1.8 -> covmax = .45; DE = 100 * -.05/.45 = -11.111
    assert q4.discrimination == pytest.approx(-10.2062, abs=1e-3)
    assert q4.efficiency == pytest.approx(-11.1111, abs=1e-3)
    assert q4.flags == ("negative_discrimination", "low_efficiency")
    assert q4.strong


def test_quiz_statistics_by_hand():
    result, _ = by_question(FIVE_BY_FOUR)
    quiz = result.quiz
    # item variances: q1 0, q2 .2, q3 .3, q4 .3 -> sum .8
    # T = [2,3,2,4,4], mean 3, sum of squared deviations 1+0+1+1+1 = 4, var T = 4/4 = 1
    # alpha = 4/3 * (1 - .8/1) = 0.26667 -> 26.667%
    # ER = 100 * sqrt(1 - .26667) = 85.635
    # totals in % of 4: [50,75,50,100,100]: mean 75, SD = 100 * sqrt(1)/4 = 25
    # SE = .85635 * 25 = 21.409
    assert quiz.attempts == 5 and quiz.questions == 4
    assert quiz.mean == pytest.approx(75)
    assert quiz.sd == pytest.approx(25)
    assert quiz.alpha == pytest.approx(26.6667, abs=1e-3)
    assert quiz.error_ratio == pytest.approx(85.6349, abs=1e-3)
    assert quiz.standard_error == pytest.approx(21.4087, abs=1e-3)
    assert not quiz.notes
    assert quiz.attempts < MIN_ATTEMPTS and "Only 5 attempts" in quiz.warnings[0]


def test_cronbach_alpha_four_by_three_by_hand():
    # Guttman pattern:  q1 q2 q3   T
    #   a1               1  1  1   3
    #   a2               1  1  0   2
    #   a3               1  0  0   1
    #   a4               0  0  0   0
    # var q1: mean .75, squared deviations 3*.0625 + .5625 = .75 -> /3 = .25
    # var q2: mean .5, 4*.25 = 1 -> 1/3
    # var q3: mean .25, .5625 + 3*.0625 = .75 -> .25           sum = 5/6
    # var T: mean 1.5, 2.25+.25+.25+2.25 = 5 -> 5/3
    # alpha = 3/2 * (1 - (5/6)/(5/3)) = 1.5 * .5 = .75 -> 75%; ER = 100*sqrt(.25) = 50
    # totals in % of 3: [100, 66.7, 33.3, 0]: mean 50, SD = 100*sqrt(5/3)/3 = 43.033; SE = .5 * 43.033 = 21.517
    result = analyse(matrix({"a1": [1, 1, 1], "a2": [1, 1, 0], "a3": [1, 0, 0], "a4": [0, 0, 0]}))
    quiz = result.quiz
    assert quiz.alpha == pytest.approx(75)
    assert quiz.error_ratio == pytest.approx(50)
    assert quiz.mean == pytest.approx(50)
    assert quiz.sd == pytest.approx(43.0331, abs=1e-3)
    assert quiz.standard_error == pytest.approx(21.5166, abs=1e-3)
    q1 = result.questions[0]
    # q1: x = [1,1,1,0], r = [2,1,0,0]; means .75 and .75
    # dx = [.25,.25,.25,-.75], dr = [1.25,.25,-.75,-.75]
    # sum = .3125 + .0625 - .1875 + .5625 = .75 -> cov .25; var x .25; var r = (1.5625+.0625+.5625+.5625)/3 = 2.75/3
    # D = 100 * .25 / sqrt(.25 * .91667) = 52.223; a Guttman pattern is already sorted, so DE = 100
    assert q1.discrimination == pytest.approx(52.2233, abs=1e-3)
    assert q1.efficiency == pytest.approx(100)


def test_partial_credit_uses_fraction_of_max_mark():
    # q1 out of 2 marks: [2, 1, 0] -> fractions [1, .5, 0]: facility 50, SD = 100*sqrt((.25+0+.25)/2) = 50
    result = analyse([("a", "q1", 2, 2), ("b", "q1", 1, 2), ("c", "q1", 0, 2)])
    (q1,) = result.questions
    assert q1.facility == pytest.approx(50) and q1.sd == pytest.approx(50)
    # the only question: the rest of the test is 0 for everyone
    assert q1.discrimination is None and "rest of the test" in q1.notes["discrimination"]
    assert result.quiz.alpha is None and "2 questions" in result.quiz.notes["alpha"]


def test_single_attempt_is_undefined_not_an_error():
    result = analyse(matrix({"a1": [1, 0, 1]}))
    assert all(q.sd is None and q.discrimination is None and "at least 2" in q.notes["sd"] for q in result.questions)
    assert result.quiz.mean == pytest.approx(200 / 3)
    assert result.quiz.sd is None and result.quiz.alpha is None and result.quiz.notes["alpha"]


def test_empty_matrix():
    result = analyse([])
    assert result.questions == () and result.quiz.attempts == 0 and result.quiz.mean is None


def test_questions_drawn_at_random_have_no_alpha_but_item_stats():
    # a1 and a2 saw q1,q2; a3 saw q1,q3: not a complete matrix
    rows = [("a1", "q1", 1, 1), ("a1", "q2", 1, 1), ("a2", "q1", 0, 1), ("a2", "q2", 0, 1)]
    rows += [("a3", "q1", 1, 1), ("a3", "q3", 0, 1)]
    result = analyse(rows)
    assert result.quiz.alpha is None and "drawn at random" in result.quiz.notes["alpha"]
    assert result.quiz.error_ratio is None and result.quiz.standard_error is None
    assert [q.n for q in result.questions] == [3, 2, 1]
    # q1: x = [1,0,1], r = [1,0,0]; cov = ((1/3)(2/3) + (-2/3)(-1/3) + (1/3)(-1/3))/2 = (2/9+2/9-1/9)/2 = 1/6
    # var x = var r = (1/9+4/9+1/9)/2 = 1/3 -> D = 100 * (1/6)/(1/3) = 50
    assert result.questions[0].discrimination == pytest.approx(50)


def test_enough_attempts_no_warning():
    rows = matrix({f"a{i}": [i % 2, (i // 2) % 2] for i in range(MIN_ATTEMPTS)})
    assert analyse(rows).quiz.warnings == ()


def test_bad_rows_are_refused():
    with pytest.raises(ResponseError, match="outside"):
        analyse([("a", "q", 2, 1)])
    with pytest.raises(ResponseError, match="twice"):
        analyse([("a", "q", 1, 1), ("a", "q", 0, 1)])
    with pytest.raises(ResponseError, match="above 0"):
        analyse([("a", "q", 0, 0)])


def test_as_json_shape_and_rounding():
    data = analyse(FIVE_BY_FOUR).as_json()
    assert set(data["quiz"]) >= {"attempts", "mean", "sd", "alpha", "error_ratio", "standard_error", "warnings"}
    assert data["quiz"]["alpha"] == 26.67
    q4 = data["questions"][3]
    assert set(q4) == {"question", "n", "facility", "sd", "discrimination", "efficiency", "flags", "notes"}
    assert q4["discrimination"] == -10.21 and q4["flags"] == ["negative_discrimination", "low_efficiency"]
    assert data["questions"][0]["discrimination"] is None and data["questions"][0]["notes"]["discrimination"]


# ---------------------------------------------------------------------------------------------- distractors
def test_option_frequencies_single_choice():
    table = option_frequencies(["a", "b", "a", None, "c"], ["a", "b", "c", "d"], correct={"a"})
    assert table.attempts == 5 and table.no_answer == 1 and table.no_answer_percent == pytest.approx(20)
    rows = {r.option: r for r in table.rows}
    assert [r.option for r in table.rows] == ["a", "b", "c", "d"]
    assert rows["a"].count == 2 and rows["a"].percent == pytest.approx(40) and rows["a"].correct
    assert rows["b"].count == 1 and not rows["b"].correct
    assert rows["d"].count == 0 and rows["d"].percent == 0  # a distractor nobody picks does no work


def test_option_frequencies_multiple_choice_and_unknown_option():
    table = option_frequencies([["a", "b"], ["a"], [], ["z"]], ["a", "b", "c"], correct=["a", "b"])
    rows = {r.option: r for r in table.rows}
    assert rows["a"].count == 2 and rows["a"].percent == pytest.approx(50)
    assert rows["b"].correct and rows["b"].count == 1
    assert rows["z"].count == 1 and not rows["z"].correct  # an option since removed from the content
    assert table.no_answer == 1


def test_option_frequencies_without_responses():
    table = option_frequencies([], ["a", "b"], correct=["a"])
    assert table.attempts == 0 and all(r.percent is None for r in table.rows) and table.no_answer_percent is None


# ---------------------------------------------------------------------------------------------- CSV
def test_parse_responses_csv_errors_name_file_and_line():
    ok = parse_responses_csv("\ufeffattempt,question,mark,max_mark,extra\n1,q1,1,1,x\n\n2,q1,0.5,1,y\n", "r.csv")
    assert ok == [("1", "q1", 1.0, 1.0), ("2", "q1", 0.5, 1.0)]
    with pytest.raises(ResponseError, match=r"^r.csv:1: missing column max_mark"):
        parse_responses_csv("attempt,question,mark\n1,q1,1\n", "r.csv")
    with pytest.raises(ResponseError, match=r"^r.csv:3: mark 'x' is not a number"):
        parse_responses_csv("attempt,question,mark,max_mark\n1,q1,1,1\n2,q1,x,1\n", "r.csv")
    with pytest.raises(ResponseError, match=r"^r.csv:2: mark 3 is above max_mark 2"):
        parse_responses_csv("attempt,question,mark,max_mark\n1,q1,3,2\n", "r.csv")
    with pytest.raises(ResponseError, match=r"^r.csv:3: attempt 1 already has question q1 \(line 2\)"):
        parse_responses_csv("attempt,question,mark,max_mark\n1,q1,1,1\n1,q1,0,1\n", "r.csv")


# ---------------------------------------------------------------------------------------------- properties
@st.composite
def response_matrices(draw):
    attempts = draw(st.integers(min_value=0, max_value=12))
    questions = draw(st.integers(min_value=1, max_value=5))
    maxima = [draw(st.sampled_from([1.0, 2.0, 0.5, 3.0])) for _ in range(questions)]
    mark = st.one_of(
        st.sampled_from([0.0, 0.25, 0.5, 1.0]),  # marks on a grid, as quizzes give them
        st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    )
    rows = []
    for a in range(attempts):
        for q in range(questions):
            if draw(st.booleans()) or q == 0:  # some attempts skip questions (random draws)
                rows.append((a, f"q{q}", draw(mark) * maxima[q], maxima[q]))
    return rows


def _finite_or_none(value):
    return value is None or math.isfinite(value)


@settings(max_examples=300, deadline=None)
@given(response_matrices())
def test_statistics_stay_in_range_and_never_nan(rows):
    result = analyse(rows)
    for q in result.questions:
        assert 0 <= q.facility <= 100
        assert q.discrimination is None or -100 <= q.discrimination <= 100
        assert q.efficiency is None or q.efficiency <= 100
        for name in ("sd", "discrimination", "efficiency"):
            value = getattr(q, name)
            assert _finite_or_none(value)
            assert (value is None) == (name in q.notes)
    quiz = result.quiz
    for name in ("mean", "sd", "alpha", "error_ratio", "standard_error"):
        value = getattr(quiz, name)
        assert _finite_or_none(value)
        assert (value is None) == (name in quiz.notes)
    assert quiz.alpha is None or quiz.alpha <= 100


def test_a_note_reads_in_one_language_and_prints_in_both() -> None:
    from trainer.analytics.itemstats import FLAG_TEXT, FLAGS, Note

    result = analyse([("a1", "q1", 1, 1), ("a1", "q2", 0, 1)])  # one attempt: most values cannot exist
    notes = result.quiz.notes
    assert {n.key for n in notes.values()} == {"note_two_attempts"}  # one reason for all four fields
    note = notes["alpha"]
    assert (
        isinstance(note, Note)
        and note.text("zh") == "至少需要2次作答"
        and note.text("en") == "needs at least 2 attempts"
    )
    assert str(note) == "needs at least 2 attempts · 至少需要2次作答"  # what the CLI and JSON print
    assert set(FLAG_TEXT) == set(FLAGS) and all(" · " in text for text in FLAG_TEXT.values())
