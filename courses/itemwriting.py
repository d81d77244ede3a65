"""Item-writing statistics of a question pool: the cues that let a learner guess without knowing.

Test-wise learners pick the longest option, "pick three" in a multiple-choice item, "false" in a
true/false item, or the first option. A pool where those strategies pay rewards guessing, so
``python -m courses validate`` and ``import-gift`` print these figures per quiz and warn past the
thresholds below (issue 20). Shares are only judged from ``MIN_ITEMS`` items of a kind up: with fewer,
one item swings the share too far for a warning to mean anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from courses.models import LANGS, Lang, MultipleChoice, Question, SingleChoice, TrueFalse

LONGEST_KEY_MAX = 0.40      # share of single-choice items whose key is the longest option
TRUE_SHARE = (0.35, 0.65)   # share of true/false items whose answer is "true"
PATTERN_MAX = 0.60          # share of multiple-choice items with one k-of-n pattern
MIN_ITEMS = 4               # fewer items of a kind: report, do not warn
MIN_KEY_POSITIONS = 3       # single-choice items needed before "the key is always in one place" means something


def _longest_is_key(question: SingleChoice, lang: Lang) -> bool:
    """True when the keyed option is strictly longer (in characters) than every other option."""
    key = next(o for o in question.options if o.correct)
    others = [len(o.text.get(lang)) for o in question.options if not o.correct and not o.fixed_last]
    return bool(others) and len(key.text.get(lang)) > max(others)


@dataclass
class QuizStats:
    """The figures of one pool and the warnings they raise."""

    questions: int = 0
    single: int = 0
    longest_key: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LANGS, 0))
    key_positions: Counter[int] = field(default_factory=Counter)  # 0-based index of the key in the file
    multiple: int = 0
    patterns: Counter[str] = field(default_factory=Counter)      # "2-of-5"
    truefalse: int = 0
    true: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line a trainer can read: what the pool looks like to a guesser."""
        parts = [f"{self.questions} question(s)"]
        if self.single:
            longest = ", ".join(f"{lang} {self.longest_key[lang]}" for lang in LANGS)
            positions = " ".join(f"{chr(97 + i)}:{n}" for i, n in sorted(self.key_positions.items()))
            parts.append(f"single {self.single}: key is the longest option in {longest}; key position {positions}")
        if self.multiple:
            patterns = ", ".join(f"{p} x{n}" for p, n in sorted(self.patterns.items()))
            parts.append(f"multiple {self.multiple}: {patterns}")
        if self.truefalse:
            parts.append(f"true/false {self.truefalse}: {self.true} true, {self.truefalse - self.true} false")
        return "; ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "single": self.single,
            "longest_is_key": dict(self.longest_key),
            "key_positions": {chr(97 + i): n for i, n in sorted(self.key_positions.items())},
            "multiple": self.multiple,
            "multiple_patterns": dict(sorted(self.patterns.items())),
            "truefalse": self.truefalse,
            "true": self.true,
            "warnings": list(self.warnings),
        }


def quiz_stats(questions: Sequence[Question]) -> QuizStats:
    """Count the guessing cues of one pool and judge them against the thresholds."""
    s = QuizStats(questions=len(questions))
    for q in questions:
        if isinstance(q, SingleChoice):
            s.single += 1
            for lang in LANGS:
                s.longest_key[lang] += _longest_is_key(q, lang)
            s.key_positions[next(i for i, o in enumerate(q.options) if o.correct)] += 1
        elif isinstance(q, MultipleChoice):
            s.multiple += 1
            s.patterns[f"{len(q.correct_ids)}-of-{len(q.options)}"] += 1
        elif isinstance(q, TrueFalse):
            s.truefalse += 1
            s.true += q.answer
    if s.single >= MIN_ITEMS:
        for lang in LANGS:
            share = s.longest_key[lang] / s.single
            if share > LONGEST_KEY_MAX:
                s.warnings.append(
                    f"the key is the longest option in {s.longest_key[lang]} of {s.single} single-choice items "
                    f"({share:.0%}, {lang}; at most {LONGEST_KEY_MAX:.0%}): shorten those keys or lengthen a "
                    "distractor so length gives nothing away")
    if s.single >= MIN_KEY_POSITIONS and len(s.key_positions) == 1:
        (position,) = s.key_positions
        s.warnings.append(f"the key of every single-choice item is option {chr(97 + position)} in the file: "
                          "move keys to other positions (learners taking a printed or unshuffled quiz see it)")
    if s.multiple >= MIN_ITEMS:
        pattern, n = s.patterns.most_common(1)[0]
        if n / s.multiple > PATTERN_MAX:
            s.warnings.append(f"{n} of {s.multiple} multiple-choice items are {pattern} ({n / s.multiple:.0%}; at most "
                              f"{PATTERN_MAX:.0%}): vary how many options are correct")
    if s.truefalse >= MIN_ITEMS:
        share = s.true / s.truefalse
        low, high = TRUE_SHARE
        if not low <= share <= high:
            s.warnings.append(f"{s.true} of {s.truefalse} true/false items are true ({share:.0%}; keep it between "
                              f"{low:.0%} and {high:.0%}): rewrite some statements so the other answer is right")
    return s


__all__ = ["LONGEST_KEY_MAX", "MIN_ITEMS", "PATTERN_MAX", "TRUE_SHARE", "QuizStats", "quiz_stats"]
