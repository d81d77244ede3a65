"""Item analysis: the statistics of Moodle's quiz statistics report, as pure functions.

Input is a response matrix: one :class:`Response` (attempt, question, mark, max_mark) per question
an attempt showed. Choosing which attempts count (Moodle's default and ours: each learner's FIRST
attempt) is the caller's job. Nothing here touches a database, a file or Streamlit.

The formulas follow Moodle's ``question/classes/statistics/questions/calculator.php`` (per question)
and ``mod/quiz/report/statistics/classes/calculator.php`` (per quiz), with every variance and
covariance a SAMPLE one (divided by n - 1) as there. Notation, for one question q:

    x_a      mark of attempt a on q;           m = max_mark of q
    T_a      total of attempt a (sum of its marks);  r_a = T_a - x_a, the REST of the test
    n        number of attempts that showed q; sums run over those attempts
    var(v)   = sum (v_a - mean v)^2 / (n - 1)
    cov(v,w) = sum (v_a - mean v)(w_a - mean w) / (n - 1)

    facility F       = 100 * mean(x_a / m)                  (= 100 * mean(x) / m when m is fixed)
    SD               = 100 * sqrt(var(x_a / m))
    discrimination D = 100 * cov(x, r) / sqrt(var(x) * var(r))     (Pearson r of mark and rest)
    efficiency DE    = 100 * cov(x, r) / covmax(x, r)
        covmax pairs the i-th smallest x with the i-th smallest r:
        covmax = sum_i (x_(i) - mean x)(r_(i) - mean r) / (n - 1),
        the largest covariance any pairing of these two sets of values can reach (rearrangement
        inequality), so DE says how much of the discrimination the question's and the rest's
        score distributions allow it actually achieves.

For the quiz, over N attempts and p questions:

    mean, SD         of the attempts' totals, each as % of that attempt's maximum (Moodle reports
                     quiz statistics as % of the quiz's maximum grade)
    alpha            = 100 * p / (p - 1) * (1 - sum_q var(x_q) / var(T))   Cronbach's alpha, Moodle's
                     "coefficient of internal consistency" (CIC), marks in points
    error ratio ER   = 100 * sqrt(1 - alpha / 100)     share of the SD that is random error
    standard error   = ER / 100 * SD                   in % of the maximum, like SD

A value that cannot be computed (fewer than 2 attempts, everyone scoring the same, ...) is ``None``
and ``notes[field]`` says why, in English and Chinese: never a division by zero, never NaN.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from trainer.errors import TrainerError
from trainer.i18n import t

# Below this many attempts the statistics move a lot when one more learner takes the quiz;
# psychometric guides ask for 20-30 at the very least before acting on them.
MIN_ATTEMPTS = 20

# Flag thresholds (issue #7, after the usual reading of Moodle's report): a question nearly everyone gets
# right or wrong tells little; discrimination below 30% is weak and below 0 means stronger learners do
# worse (often a wrong key); efficiency below 15% means the question uses little of what it could.
VERY_HARD_MAX = 5.0  # facility <= this
VERY_EASY_MIN = 95.0  # facility >= this
LOW_DISCRIMINATION = 30.0  # discrimination < this
LOW_EFFICIENCY = 15.0  # efficiency < this

FLAGS = ("very_hard", "very_easy", "low_discrimination", "negative_discrimination", "low_efficiency")
# Each flag's meaning in both languages (the CLI's legend); pages show ``t("flag_" + flag, lang)``.
FLAG_TEXT: dict[str, str] = {f: f"{t('flag_' + f, 'en')} · {t('flag_' + f, 'zh')}" for f in FLAGS}
# Flags that mean the question is probably wrong, not just easy or hard.
STRONG_FLAGS = frozenset({"negative_discrimination"})

# Values closer together than this count as equal: marks are sums of floats (0.1 + 0.2 ...), and a
# variance of 1e-33 from rounding must not turn into a correlation.
_EPS = 1e-9


class Note(str):
    """Why a value is missing. As a string it reads "English · 中文" (the CLI and JSON print it);
    ``text(lang)`` gives one language, and ``key`` is the same for every field one reason empties,
    so a page can show the reason once."""

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, **values: object) -> Note:
        note = super().__new__(cls, f"{t(key, 'en', **values)} · {t(key, 'zh', **values)}")
        note.key, note.values = key, values
        return note

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


class ResponseError(TrainerError, ValueError):
    "A response matrix row cannot be used (bad mark, duplicate, missing column)"


class Response(NamedTuple):
    """One question shown in one attempt. ``attempt`` is any id (int or str)."""

    attempt: Hashable
    question: str
    mark: float
    max_mark: float


@dataclass(frozen=True)
class QuestionStats:
    """Statistics of one question; percentages (0-100) or ``None`` with ``notes[field]`` saying why."""

    question: str
    n: int  # attempts that showed it
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    flags: tuple[str, ...] = ()  # keys of FLAG_TEXT
    notes: Mapping[str, Note] = field(default_factory=dict)

    @property
    def strong(self) -> bool:
        return any(f in STRONG_FLAGS for f in self.flags)


@dataclass(frozen=True)
class QuizStats:
    """Statistics of the whole quiz; percentages or ``None`` with ``notes[field]`` saying why."""

    attempts: int
    questions: int
    mean: float | None
    sd: float | None
    alpha: float | None
    error_ratio: float | None
    standard_error: float | None
    warnings: tuple[str, ...] = ()
    notes: Mapping[str, Note] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemAnalysis:
    quiz: QuizStats
    questions: tuple[QuestionStats, ...]  # in the order questions first appear in the input

    def as_json(self, digits: int = 2) -> dict[str, Any]:
        """The CLI's JSON shape; percentages rounded to ``digits`` like Moodle's report."""

        def r(v: float | None) -> float | None:
            return None if v is None else round(v, digits)

        q = self.quiz
        return {
            "quiz": {
                "attempts": q.attempts,
                "questions": q.questions,
                "mean": r(q.mean),
                "sd": r(q.sd),
                "alpha": r(q.alpha),
                "error_ratio": r(q.error_ratio),
                "standard_error": r(q.standard_error),
                "warnings": list(q.warnings),
                "notes": dict(q.notes),
            },
            "questions": [
                {
                    "question": s.question,
                    "n": s.n,
                    "facility": r(s.facility),
                    "sd": r(s.sd),
                    "discrimination": r(s.discrimination),
                    "efficiency": r(s.efficiency),
                    "flags": list(s.flags),
                    "notes": dict(s.notes),
                }
                for s in self.questions
            ],
        }


# ---------------------------------------------------------------------------------------------- helpers
def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _constant(values: Sequence[float]) -> bool:
    return max(values) - min(values) <= _EPS * max(1.0, max(abs(v) for v in values))


def _cov(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Sample covariance (n - 1), as Moodle; len(xs) >= 2."""
    mx, my = _mean(xs), _mean(ys)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def _var(xs: Sequence[float]) -> float:
    return _cov(xs, xs)


def _sd(xs: Sequence[float]) -> float:
    return math.sqrt(max(0.0, _var(xs)))


def _clamp(v: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, v))


def _check(rows: Iterable[Sequence[Any]]) -> list[Response]:
    seen: set[tuple[Hashable, str]] = set()
    out = []
    for raw in rows:
        row = Response(*raw)
        mark, top = float(row.mark), float(row.max_mark)
        if not (math.isfinite(mark) and math.isfinite(top)):
            raise ResponseError(f"{row.attempt}/{row.question}: mark and max_mark must be numbers · 分数须为数字")
        if top <= 0:
            raise ResponseError(f"{row.attempt}/{row.question}: max_mark must be above 0 · 满分须大于0")
        if not 0 <= mark <= top + _EPS:
            raise ResponseError(
                f"{row.attempt}/{row.question}: mark {mark:g} is outside 0..{top:g} · 得分须在0与满分之间"
            )
        key = (row.attempt, str(row.question))
        if key in seen:
            raise ResponseError(
                f"{row.attempt}/{row.question}: the question appears twice in one attempt · 同一次答题中该题重复出现"
            )
        seen.add(key)
        out.append(Response(row.attempt, str(row.question), min(mark, top), top))
    return out


# ---------------------------------------------------------------------------------------------- analysis
def analyse(responses: Iterable[Response | Sequence[Any]]) -> ItemAnalysis:
    """Item statistics of a response matrix (see the module docstring for every formula).

    Raises :class:`ResponseError` for a mark outside 0..max_mark, max_mark <= 0 or a question
    listed twice for one attempt.
    """
    rows = _check(responses)
    totals: dict[Hashable, float] = {}
    maxima: dict[Hashable, float] = {}
    per_question: dict[str, list[Response]] = {}
    for row in rows:
        totals[row.attempt] = totals.get(row.attempt, 0.0) + row.mark
        maxima[row.attempt] = maxima.get(row.attempt, 0.0) + row.max_mark
        per_question.setdefault(row.question, []).append(row)

    questions = tuple(_question_stats(q, qrows, totals) for q, qrows in per_question.items())
    return ItemAnalysis(_quiz_stats(totals, maxima, per_question), questions)


def _question_stats(question: str, rows: list[Response], totals: Mapping[Hashable, float]) -> QuestionStats:
    n = len(rows)
    notes: dict[str, Note] = {}
    fractions = [r.mark / r.max_mark for r in rows]
    facility = _clamp(100 * _mean(fractions), 0.0, 100.0)
    sd = discrimination = efficiency = None
    if n < 2:
        why = Note("note_one_attempt", n=n)
        notes.update(sd=why, discrimination=why, efficiency=why)
    else:
        sd = 100 * _sd(fractions)
        marks = [r.mark for r in rows]
        rests = [totals[r.attempt] - r.mark for r in rows]
        if _constant(marks):
            why = Note("note_same_score", facility=f"{facility:.0f}")
            notes.update(discrimination=why, efficiency=why)
        elif _constant(rests):
            why = Note("note_constant_rest")
            notes.update(discrimination=why, efficiency=why)
        else:
            cov = _cov(marks, rests)
            # Pearson correlation of mark and rest of test; clamped against rounding just past +-1.
            discrimination = _clamp(100 * cov / math.sqrt(_var(marks) * _var(rests)), -100.0, 100.0)
            # covmax: both lists sorted ascending, so the i-th lowest mark meets the i-th lowest rest.
            covmax = _cov(sorted(marks), sorted(rests))
            if covmax > 0:  # > 0 whenever neither list is constant (Chebyshev's sum inequality)
                efficiency = min(100.0, 100 * cov / covmax)
            else:
                notes["efficiency"] = Note("note_covmax_zero")
    flags: list[str] = []
    if facility <= VERY_HARD_MAX:
        flags.append("very_hard")
    if facility >= VERY_EASY_MIN:
        flags.append("very_easy")
    if discrimination is not None:
        if discrimination < 0:
            flags.append("negative_discrimination")
        elif discrimination < LOW_DISCRIMINATION:
            flags.append("low_discrimination")
    if efficiency is not None and efficiency < LOW_EFFICIENCY:
        flags.append("low_efficiency")
    return QuestionStats(question, n, facility, sd, discrimination, efficiency, tuple(flags), notes)


def _quiz_stats(
    totals: Mapping[Hashable, float], maxima: Mapping[Hashable, float], per_question: Mapping[str, list[Response]]
) -> QuizStats:
    attempts, p = len(totals), len(per_question)
    notes: dict[str, Note] = {}
    warnings: list[str] = []
    if attempts < MIN_ATTEMPTS:
        warnings.append(
            f"Only {attempts} attempts: with fewer than {MIN_ATTEMPTS} these statistics change a lot with each "
            f"new learner - read them as hints, not verdicts · 仅{attempts}次作答，少于{MIN_ATTEMPTS}次时统计结果"
            "不稳定，仅供参考"
        )
    if attempts == 0:
        why = Note("note_no_attempts")
        notes.update(mean=why, sd=why, alpha=why, error_ratio=why, standard_error=why)
        return QuizStats(0, p, None, None, None, None, None, tuple(warnings), notes)

    keys = list(totals)
    percents = [100 * totals[a] / maxima[a] for a in keys]
    mean = _mean(percents)
    sd = alpha = error_ratio = standard_error = None
    if attempts < 2:
        why = Note("note_two_attempts")
        notes.update(sd=why, alpha=why, error_ratio=why, standard_error=why)
    else:
        sd = _sd(percents)
        complete = all(len(rows) == attempts for rows in per_question.values())
        if p < 2:
            why = Note("note_two_questions")
            notes.update(alpha=why, error_ratio=why, standard_error=why)
        elif not complete:
            why = Note("note_random_questions")
            notes.update(alpha=why, error_ratio=why, standard_error=why)
        else:
            total_var = _var([totals[a] for a in keys])
            if total_var <= _EPS:
                why = Note("note_same_totals")
                notes.update(alpha=why, error_ratio=why, standard_error=why)
            else:
                item_var = math.fsum(_var([r.mark for r in rows]) for rows in per_question.values())
                # Cronbach's alpha; <= 100 in a complete matrix, may be negative for an incoherent test.
                alpha = min(100.0, 100 * p / (p - 1) * (1 - item_var / total_var))
                error_ratio = 100 * math.sqrt(max(0.0, 1 - alpha / 100))
                standard_error = error_ratio / 100 * sd
    return QuizStats(attempts, p, mean, sd, alpha, error_ratio, standard_error, tuple(warnings), notes)


# ---------------------------------------------------------------------------------------------- distractors
@dataclass(frozen=True)
class OptionCount:
    option: str
    count: int  # attempts that picked it
    percent: float | None  # of the attempts counted (None when there are none)
    correct: bool


@dataclass(frozen=True)
class OptionTable:
    """Option frequencies of one choice question; for multiple-pick questions percents can add up past 100."""

    attempts: int
    rows: tuple[OptionCount, ...]  # the question's options in the given order, then unknown picks
    no_answer: int
    no_answer_percent: float | None


def option_frequencies(responses: Iterable[Any], options: Sequence[str], correct: Collection[str]) -> OptionTable:
    """How often each option was picked (the distractor table).

    ``responses`` has one item per attempt: an option id (single choice, true/false), a list of ids
    (multiple choice) or ``None`` / empty for no answer. Picks of ids not in ``options`` (an option
    since removed from the content) get their own rows, marked not correct.
    """
    counts: dict[str, int] = {str(o): 0 for o in options}
    attempts = no_answer = 0
    for response in responses:
        attempts += 1
        many = isinstance(response, list | tuple | set | frozenset)
        if response is None or response == "" or (many and not response):
            no_answer += 1
            continue
        picked = response if many else [response]
        for option in {str(p) for p in picked}:  # a pick counts once per attempt
            counts[option] = counts.get(option, 0) + 1

    def pct(k: int) -> float | None:
        return 100 * k / attempts if attempts else None

    right = {str(c) for c in correct}
    rows = tuple(OptionCount(o, k, pct(k), o in right) for o, k in counts.items())
    return OptionTable(attempts, rows, no_answer, pct(no_answer))


# ---------------------------------------------------------------------------------------------- CSV input
RESPONSE_COLUMNS = ("attempt", "question", "mark", "max_mark")


def parse_responses_csv(text: str, source: str = "<responses>") -> list[Response]:
    """Rows of a CSV with columns ``attempt,question,mark,max_mark`` (others ignored).

    Errors name ``source:line`` so an editor can jump there, and say what to fix.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in RESPONSE_COLUMNS if c not in header]
    if missing:
        raise ResponseError(
            f"{source}:1: missing column {', '.join(missing)} - the header must be {','.join(RESPONSE_COLUMNS)} · "
            f"缺少列：{', '.join(missing)}"
        )
    reader.fieldnames = header
    out: list[Response] = []
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue  # blank line
        cells = {c: (record.get(c) or "").strip() for c in RESPONSE_COLUMNS}
        for c in ("attempt", "question"):
            if not cells[c]:
                raise ResponseError(f"{source}:{line}: {c} is empty · {c}为空")
        numbers: dict[str, float] = {}
        for c in ("mark", "max_mark"):
            try:
                numbers[c] = float(cells[c])
            except ValueError:
                numbers[c] = math.nan
            if not math.isfinite(numbers[c]):
                raise ResponseError(f"{source}:{line}: {c} {cells[c]!r} is not a number · {c}不是数字")
        mark, top = numbers["mark"], numbers["max_mark"]
        if top <= 0:
            raise ResponseError(f"{source}:{line}: max_mark must be above 0 · 满分须大于0")
        if mark < 0:
            raise ResponseError(f"{source}:{line}: mark {mark:g} is negative · 得分不能为负")
        if mark > top + _EPS:
            raise ResponseError(f"{source}:{line}: mark {mark:g} is above max_mark {top:g} · 得分超过满分")
        key = (cells["attempt"], cells["question"])
        if key in seen:
            raise ResponseError(
                f"{source}:{line}: attempt {key[0]} already has question {key[1]} (line {seen[key]}) · 重复记录"
            )
        seen[key] = line
        out.append(Response(cells["attempt"], cells["question"], mark, top))
    return out
