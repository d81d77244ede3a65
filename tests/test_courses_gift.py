"""GIFT import and export: round trips, Moodle's own syntax, escaping, merging into a pool."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.content import PACKAGE_CONTENT, read_questions
from courses.gift import GiftImport, escape, export_gift, guess_lang, import_gift, merge_questions
from courses.models import (
    MultipleChoice,
    Question,
    ShortAnswer,
    SingleChoice,
    Text,
    TrueFalse,
    parse_question,
)

QUIZ = Path(__file__).parent / "fixtures" / "courses" / "valid" / "demo-course" / "01-review-basics" / "quiz.yaml"
POOL = read_questions(QUIZ)
SUPPORTED = [q for q in POOL if q.type != "ordering"]


def ok(result: GiftImport) -> list[Question]:
    assert not result.errors, [str(e) for e in result.errors]
    return result.questions


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_import_export_is_stable(lang: str) -> None:
    first = export_gift(POOL, lang, category="demo-course/review-basics")  # type: ignore[arg-type]
    assert first.exported == ["rev-01", "rev-02", "rev-03", "rev-04"]
    assert first.warnings == ["rev-05: ordering questions have no GIFT form - skipped"]
    imported = import_gift(first.text, lang)  # type: ignore[arg-type]
    assert imported.categories == ["demo-course/review-basics"] and not imported.warnings
    second = export_gift(ok(imported), lang, category="demo-course/review-basics")  # type: ignore[arg-type]
    assert second.text == first.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_supported_type_survives_in_its_language(lang: str) -> None:
    other = "en" if lang == "zh" else "zh"
    back = ok(import_gift(export_gift(POOL, lang).text, lang))  # type: ignore[arg-type]
    assert [q.type for q in back] == ["single", "multiple", "truefalse", "short"]
    for original, q in zip(SUPPORTED, back, strict=True):
        assert q.untranslated == other
        # The language that was exported comes back exactly; the other one is a flagged copy of it.
        assert q.model_copy(update={"untranslated": None}) == _only(original, lang)
        assert q.prompt[other] == q.prompt[lang]  # type: ignore[index]


def _only(q: Question, lang: str) -> Question:
    """``q`` with every text set to its ``lang`` version in both languages."""
    data = q.model_dump()

    def walk(value: object) -> object:
        if isinstance(value, dict):
            if set(value) == {"zh", "en"}:
                return {"zh": value[lang], "en": value[lang]}
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return parse_question(walk(data))


def test_export_layout_follows_moodle() -> None:
    text = export_gift(POOL, "en").text
    assert "::rev-01::At 22\\:00 on Friday" in text
    assert "\t=Send it to the first review\n\t~Publish it right away#Nothing is published without review.\n" in text
    assert "\t~%33.33333%First review\n" in text and "\t~%-33.33333%A public vote#" in text
    assert "{FALSE#It is corrected within 2 hours.####Errors are corrected quickly.}" in text
    assert "\t=three reviews\n\t=3 reviews\n\t=%0%*#The answer is the three reviews.\n" in text
    assert '// @govmedia {"kind": "scenario", "topic": "three-reviews", "lesson": "three-reviews#why"' in text
    assert "Put them in order" not in text


def test_escaping() -> None:
    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


gift_text = (
    st.lists(st.sampled_from([*"ab n三审~=#{}:\\%\n.,?!-", "中文", "%50%", "####", "->", "//"]), min_size=1, max_size=12)
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(prompt=gift_text, right=gift_text, wrong=gift_text, feedback=gift_text, explanation=gift_text)
def test_any_text_survives_escaping(prompt: str, right: str, wrong: str, feedback: str, explanation: str) -> None:
    def t(s: str) -> dict[str, str]:
        return {"zh": s, "en": s}

    q = parse_question({
        "id": "x-01", "type": "single", "prompt": t(prompt), "explanation": t(explanation),
        "options": [{"id": "a", "text": t(right), "correct": True},
                    {"id": "b", "text": t(wrong), "feedback": t(feedback)}],
    })
    back = ok(import_gift(export_gift([q], "zh").text, "zh"))
    assert back[0].model_copy(update={"untranslated": None}) == q


MOODLE = """// Questions written by hand, the way Moodle's documentation shows them.
$CATEGORY: $course$/Review

::Q1 Who reviews:: Who does the first review?{
  =The editor # Right, the editor.
  ~The deputy head # No, the deputy head does the final review.
  ~A resident # Residents do not review posts.
  ####The editor does the first review.
}

::Q2::Grant is buried in Grant's tomb.{FALSE#He is entombed, not buried.#Right.####Trick question.}

::Q3::Which are reviews? {
  ~%50%First review
  ~%50%Final review
  ~%-100%A vote#Not a review.
  ####First and final reviews.
}

What is the review rule called?{=three reviews =three reviews and three proofreads =%0%*#No. ####The three reviews.}

::Q5::Two plus two {#4} equals...

::Q6::When was Grant born?{#1822:5####1822.}

::Q7::Match.{=cat -> food =dog -> bone ####x}

::Q8::Describe your account.{####Any text.}

::Q9::Instructions only, no answers.

::Q10::Capital?{=%100%Paris =%50%paris, France #close ####Paris.}

::Q11::Grant is {~buried#No. =entombed ~living#No.} in Grant's tomb.{T}
"""


def test_import_moodle_syntax() -> None:
    result = import_gift(MOODLE, "en", id_prefix="rev", reserved_ids={"rev-01"})
    qs = {q.id: q for q in result.questions}
    assert result.categories == ["$course$/Review"]
    assert list(qs) == ["q1-who-reviews", "q2", "q3", "rev-02", "q10"]  # rev-01 is taken: the next free id

    q1 = qs["q1-who-reviews"]
    assert isinstance(q1, SingleChoice) and q1.correct_ids == ["a"]
    assert q1.prompt == Text.same("Who does the first review?") and q1.untranslated == "zh"
    assert q1.options[0].feedback == Text.same("Right, the editor.")
    assert q1.options[1].feedback == Text.same("No, the deputy head does the final review.")
    assert q1.explanation.en == "The editor does the first review."
    assert q1.kind is None and q1.lesson is None  # filled in by hand; validate asks for them

    q2 = qs["q2"]
    assert isinstance(q2, TrueFalse) and q2.answer is False
    assert q2.feedback_wrong == Text.same("He is entombed, not buried.")

    q3 = qs["q3"]
    assert isinstance(q3, MultipleChoice) and q3.correct_ids == ["a", "b"]

    q4 = qs["rev-02"]
    assert isinstance(q4, ShortAnswer) and q4.accept.en == ["three reviews", "three reviews and three proofreads"]
    assert q4.feedback_wrong == Text.same("No.")

    q10 = qs["q10"]
    assert isinstance(q10, ShortAnswer) and q10.accept.en == ["Paris"]

    warnings = " | ".join(str(w) for w in result.warnings)
    assert "feedback for a right answer is not kept" in warnings  # Q2's second feedback
    assert "weights differ" in warnings  # Q3: the wrong answer costs 100%, the app takes 50%
    assert "numerical" in warnings and "matching" in warnings and "essay" in warnings
    assert "description" in warnings and "'paris, France' at 50% is dropped" in warnings

    assert [str(e) for e in result.errors] == [
        "line 34: Q11: more than one answer block: one { ... } per question (escape literal braces as \\{ \\})"
    ]


@pytest.mark.parametrize(
    ("gift", "message"),
    [
        ("::a::Q{=x ~y ####E}", "wrong answer 'y' has no feedback"),
        ("::a::Q{=x ~y#no}", "no general feedback"),
        ("::a::Q{=x =y ~z#no ####E}", "2 answers are marked ="),
        ("::a::Q{~x#no ~y#no ####E}", "no answer is right"),
        ("::a::Q{=x ~y#1 ~z#2 ~w#3 ~v#4 ~u#5 ~t#6 ####E}", "give 2 to 6"),
        ("::a::Q{=x ~y#no ####E", "braces do not match"),
        ("::a::{=x ~y#no ####E}", "no text"),
        ("::a Q{=x ~y#no ####E}", "not closed"),
        ("::a::Q{=x ~y#no ####E}\n\n::a::R{T####E}", "used twice"),
    ],
)
def test_import_errors(gift: str, message: str) -> None:
    result = import_gift(gift, "en")
    assert any(message in str(e) for e in result.errors), [str(e) for e in result.errors]


def test_fill_in_the_blank_keeps_the_blank() -> None:
    q = ok(import_gift("::b::Two plus {=two =2 ####E} equals four.", "en"))
    assert q[0].prompt.en == "Two plus _____ equals four."


def test_guess_lang() -> None:
    assert guess_lang("::a::周五晚上一位市民留言{=答复#好}") == "zh"
    assert guess_lang("::a::What comes next?{=Review}") == "en"


# --- merging -------------------------------------------------------------------------------------------------


def test_merge_updates_one_language_and_keeps_the_other() -> None:
    gift = export_gift(POOL, "en").text.replace("Publish it right away", "Publish it at once")
    merged = merge_questions(POOL, ok(import_gift(gift, "en")), "en")
    assert merged.updated == ["rev-01"] and merged.unchanged == ["rev-02", "rev-03", "rev-04"]
    assert merged.added == [] and merged.replaced == []
    q = merged.questions[0]
    assert isinstance(q, SingleChoice)
    assert q.options[1].text == Text(zh="直接发布", en="Publish it at once")
    assert q.untranslated is None and q.options[2].fixed_last and q.kb_doc == "zh-content-review.pdf"
    assert merged.questions[1:] == POOL[1:]


def test_merge_replaces_a_restructured_question_and_adds_new_ones() -> None:
    gift = (
        "::rev-03::An error may wait a week.{TRUE#No.####Errors are corrected quickly.}\n\n"
        "::rev-10::A new one?{=Yes ~No#Because. ####E}\n"
    )
    merged = merge_questions(POOL, ok(import_gift(gift, "en")), "en")
    assert merged.replaced == ["rev-03"] and merged.added == ["rev-10"]
    rev3 = merged.questions[2]
    assert isinstance(rev3, TrueFalse) and rev3.answer is True and rev3.untranslated == "zh"
    assert (rev3.kind, rev3.topic, rev3.lesson) == ("recall", "corrections", "corrections#two-hours")  # carried over
    assert [q.id for q in merged.questions] == ["rev-01", "rev-02", "rev-03", "rev-04", "rev-05", "rev-10"]


def test_merge_into_an_untranslated_question_clears_the_flag() -> None:
    zh_only = ok(import_gift(export_gift(POOL, "zh").text, "zh"))
    assert all(q.untranslated == "en" for q in zh_only)
    merged = merge_questions(zh_only, ok(import_gift(export_gift(POOL, "en").text, "en")), "en")
    assert merged.questions == SUPPORTED


def test_short_answer_merge_replaces_only_that_languages_answers() -> None:
    gift = "::rev-04::Name it.{=three reviews =the three reviews ####E}"
    merged = merge_questions(POOL, ok(import_gift(gift, "en")), "en")
    q = merged.questions[3]
    assert isinstance(q, ShortAnswer)
    assert q.accept.zh == ["三审三校", "三审"] and q.accept.en == ["three reviews", "the three reviews"]
    assert q.feedback_wrong == POOL[3].feedback_wrong  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_shipped_course_survives_a_gift_round_trip(lang: str) -> None:
    """Every shipped module exported to GIFT and imported back is unchanged (issue 20 rewrote the pool)."""
    quizzes = sorted(PACKAGE_CONTENT.glob("*/*/quiz.yaml"))
    assert quizzes
    for quiz in quizzes:
        questions = read_questions(quiz)
        exported = export_gift(questions, lang, category=quiz.parent.name)
        result = import_gift(exported.text, lang, id_prefix="x", reserved_ids=set())
        assert not result.errors, (quiz, result.errors)
        merged = merge_questions(questions, result.questions, lang)
        assert merged.unchanged == exported.exported and not (merged.added or merged.updated or merged.replaced), quiz
        assert merged.questions == questions
