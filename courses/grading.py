"""Grading and presenting questions, exactly as ``courses/FORMAT.md`` says; pure functions, no state.

Responses by question type:

    single     option id, or None
    multiple   a collection of option ids (empty = no answer)
    truefalse  True / False, or None
    short      the typed text, or None
    ordering   item ids in the learner's order, or None / empty
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from courses.errors import ResponseError
from courses.models import (
    MultipleChoice,
    Ordering,
    Question,
    QuizSettings,
    ShortAnswer,
    SingleChoice,
    Text,
    TrueFalse,
)
from courses.normalize import normalize_answer

__all__ = [
    "Grade",
    "draw_questions",
    "grade",
    "grade_multiple",
    "grade_ordering",
    "grade_short",
    "grade_single",
    "grade_truefalse",
    "normalize_answer",
    "passed",
    "present",
]


@dataclass(frozen=True)
class Grade:
    """The mark for one response and what to tell the learner."""

    score: float
    max: float
    correct: bool  # full marks
    empty: bool = False  # nothing was answered: the page may ask again before it counts
    feedback: dict[str, Text] = field(default_factory=dict)  # option id -> why that wrong pick is wrong
    missed: tuple[str, ...] = ()  # correct options that were not picked
    feedback_wrong: Text | None = None  # truefalse / short / ordering answered wrongly
    explanation: Text | None = None

    @property
    def partial(self) -> bool:
        return 0 < self.score < self.max


def _grade(
    question: Question,
    score: Fraction,
    *,
    empty: bool = False,
    feedback: dict[str, Text] | None = None,
    missed: tuple[str, ...] = (),
    feedback_wrong: Text | None = None,
) -> Grade:
    # Fractions keep 1/3 + 1/3 + 1/3 exactly 1, so `correct` never misses full marks by a rounding error.
    top = Fraction(question.points)
    return Grade(
        score=float(score),
        max=float(top),
        correct=score == top,
        empty=empty,
        feedback=feedback or {},
        missed=missed,
        feedback_wrong=feedback_wrong,
        explanation=question.explanation,
    )


def _check_ids(question: SingleChoice | MultipleChoice | Ordering, ids: Collection[str]) -> None:
    known = {o.id for o in question.options} if not isinstance(question, Ordering) else {i.id for i in question.items}
    unknown = sorted(set(ids) - known)
    if unknown:
        raise ResponseError(f"Question {question.id} has no option or item {', '.join(unknown)}: "
                            "the page sent ids the question does not have")


def grade_single(question: SingleChoice, picked: str | None) -> Grade:
    if not picked:
        return _grade(question, Fraction(0), empty=True, missed=tuple(question.correct_ids))
    _check_ids(question, [picked])
    option = next(o for o in question.options if o.id == picked)
    if option.correct:
        return _grade(question, Fraction(question.points))
    feedback = {option.id: option.feedback} if option.feedback else {}
    return _grade(question, Fraction(0), feedback=feedback, missed=tuple(question.correct_ids))


def grade_multiple(question: MultipleChoice, picked: Collection[str] | None) -> Grade:
    """Each correct pick earns points/n_correct, each wrong pick costs as much; never below zero."""
    chosen = set(picked or ())
    missed = tuple(o.id for o in question.options if o.correct and o.id not in chosen)
    if not chosen:
        return _grade(question, Fraction(0), empty=True, missed=missed)
    _check_ids(question, chosen)
    share = Fraction(question.points) / len(question.correct_ids)
    right = sum(1 for o in question.options if o.correct and o.id in chosen)
    wrong = {o.id: o.feedback for o in question.options if not o.correct and o.id in chosen}
    score = max(Fraction(0), share * right - share * len(wrong))
    return _grade(question, score, feedback={k: v for k, v in wrong.items() if v is not None}, missed=missed)


def grade_truefalse(question: TrueFalse, answer: bool | None) -> Grade:
    if answer is None:
        return _grade(question, Fraction(0), empty=True)
    if answer == question.answer:
        return _grade(question, Fraction(question.points))
    return _grade(question, Fraction(0), feedback_wrong=question.feedback_wrong)


def grade_short(question: ShortAnswer, answer: str | None) -> Grade:
    """Compared after :func:`normalize_answer`; an answer in either language's list counts."""
    given = normalize_answer(answer or "")
    if not given:
        return _grade(question, Fraction(0), empty=True)
    accepted = {normalize_answer(a) for a in (*question.accept.zh, *question.accept.en)}
    if given in accepted:
        return _grade(question, Fraction(question.points))
    return _grade(question, Fraction(0), feedback_wrong=question.feedback_wrong)


def grade_ordering(question: Ordering, order: Sequence[str] | None) -> Grade:
    if not order:
        return _grade(question, Fraction(0), empty=True)
    _check_ids(question, order)
    if sorted(order) != sorted(i.id for i in question.items):
        raise ResponseError(f"Question {question.id}: the response must list every item exactly once")
    if list(order) == [i.id for i in question.items]:
        return _grade(question, Fraction(question.points))
    return _grade(question, Fraction(0), feedback_wrong=question.feedback_wrong)


def grade(question: Question, response: object) -> Grade:
    """Grade any question; see the module docstring for the response of each type."""
    if isinstance(question, SingleChoice):
        if response is not None and not isinstance(response, str):
            raise ResponseError(f"Question {question.id} is single choice: send one option id")
        return grade_single(question, response)
    if isinstance(question, MultipleChoice):
        if isinstance(response, str) or not (response is None or isinstance(response, Collection)):
            raise ResponseError(f"Question {question.id} is multiple choice: send a collection of option ids")
        return grade_multiple(question, response)
    if isinstance(question, TrueFalse):
        if response is not None and not isinstance(response, bool):
            raise ResponseError(f"Question {question.id} is true/false: send True, False or None")
        return grade_truefalse(question, response)
    if isinstance(question, ShortAnswer):
        if response is not None and not isinstance(response, str):
            raise ResponseError(f"Question {question.id} is short answer: send the text")
        return grade_short(question, response)
    if isinstance(response, str) or not (response is None or isinstance(response, Sequence)):
        raise ResponseError(f"Question {question.id} is ordering: send the item ids in order")
    return grade_ordering(question, response)


def present(question: Question, rng: random.Random, shuffle: bool = True) -> tuple[str, ...]:
    """The order to show options (single / multiple) or items (ordering) in; () for other types.

    Options marked ``fixed_last`` stay at the end in their written order ("All of the above" must stay
    last). Ordering items are always shuffled - shown in the written order they would give the answer
    away - and never come out in the correct order when there are two or more.
    """
    if isinstance(question, SingleChoice | MultipleChoice):
        free = [o.id for o in question.options if not o.fixed_last]
        last = [o.id for o in question.options if o.fixed_last]
        if shuffle:
            rng.shuffle(free)
        return (*free, *last)
    if isinstance(question, Ordering):
        correct = [i.id for i in question.items]
        order = correct[:]
        while order == correct and len(correct) > 1:
            rng.shuffle(order)
        return tuple(order)
    return ()


def draw_questions(questions: Sequence[Question], settings: QuizSettings, rng: random.Random) -> list[Question]:
    """One attempt's questions: ``draw`` of the pool at random (all if unset), shuffled or in pool order."""
    n = settings.draw_count(len(questions))
    if n >= len(questions):
        chosen = list(questions)
    else:
        picked = set(rng.sample(range(len(questions)), n))
        chosen = [q for i, q in enumerate(questions) if i in picked]
    if settings.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def passed(score: float, max_score: float, pass_mark: float) -> bool:
    """Whether ``score`` out of ``max_score`` reaches ``pass_mark`` (a share); tolerant of float sums."""
    return max_score > 0 and score / max_score >= pass_mark - 1e-9
