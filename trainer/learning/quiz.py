"""The quiz engine and learner progress: attempts, grading, unlocking, certificates.

Everything a trainer must be able to trust is decided here on the server, not in the page:
which questions an attempt showed and in which option order, the time limit, the attempt limit,
the grade (highest or last attempt), what counts as passed and completed. Attempts are rows in
``app.db``; the questions themselves come from the validated course content (``courses``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from courses.errors import CourseError, ResponseError
from courses.grading import Grade, draw_questions, grade, passed, present
from courses.models import Catalog, Course, Module, Question, Text
from sqlstore.migrations import immediate
from trainer.errors import PermissionDenied, TrainerError
from trainer.people.accounts import User, require_role

MODES = ("practice", "graded")
STAFF = ("trainer", "admin")
EVERYONE = ("learner", "trainer", "admin")
# Answers saved this many seconds after the deadline still count: the request was on its way.
GRACE_S = 5.0
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper


class LearningError(TrainerError):
    "Base class of quiz and progress errors a learner can see"


class ModuleLocked(LearningError):
    "The previous module's quiz has to be passed first"


class NoAttemptsLeft(LearningError):
    "Every allowed graded attempt has been used"


class AttemptClosed(LearningError):
    "The attempt was submitted or its time ran out"


class EmptyAnswer(LearningError):
    "Nothing was answered"


class Unanswered(LearningError):
    "Submitting would leave questions unanswered"

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions
        shown = ", ".join(str(p + 1) for p in positions)
        super().__init__(
            f"Questions {shown} have no answer yet - answer them, or submit anyway and they score 0 · "
            f"第{shown}题尚未作答，请作答，或确认提交（未答题计0分）"
        )


class AttemptNotFound(LearningError):
    "No attempt with that id"


class NotCompleted(LearningError):
    "The course is not completed yet"


@dataclass(frozen=True)
class ShownQuestion:
    pos: int
    question: Question
    order: tuple[str, ...]  # option or item ids in the order shown (empty for true/false, short)
    response: Any
    score: float | None
    max_score: float

    @property
    def answered(self) -> bool:
        return self.response is not None


@dataclass(frozen=True)
class Attempt:
    id: int
    username: str
    course: str
    module: str
    mode: str
    started_at: float
    deadline: float | None
    submitted_at: float | None
    status: str  # open | submitted | expired
    score: float | None
    max_score: float
    passed: bool | None
    questions: tuple[ShownQuestion, ...]

    @property
    def finished(self) -> bool:
        return self.status != "open"

    def seconds_left(self, now: float) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - now)

    def unanswered(self) -> list[int]:
        return [q.pos for q in self.questions if not q.answered]


@dataclass(frozen=True)
class ReviewItem:
    """One question after grading, with where to read up when it went wrong."""

    shown: ShownQuestion
    grade: Grade
    lesson: str | None  # lesson id
    anchor: str | None
    lesson_title: Text | None
    kb_doc: str | None  # the knowledge-base document's file name
    # The question was edited after the attempt (its type, options or key): the recorded score
    # stands, and the current question cannot show what the learner picked then.
    changed: bool = False


@dataclass(frozen=True)
class ModuleProgress:
    module: str
    order: int
    lessons_read: int
    lessons_total: int
    attempts_used: int  # graded attempts started
    max_attempts: int  # 0 = unlimited
    grade: float | None  # share of the maximum, by the module's grading method
    passed: bool
    unlocked: bool
    open_attempt: int | None
    has_quiz: bool = True  # a module without questions is completed by reading alone

    @property
    def completed(self) -> bool:
        return (self.passed or not self.has_quiz) and self.lessons_read >= self.lessons_total

    @property
    def attempts_left(self) -> int | None:
        return None if self.max_attempts == 0 else max(0, self.max_attempts - self.attempts_used)


@dataclass(frozen=True)
class CourseProgress:
    course: str
    username: str
    modules: tuple[ModuleProgress, ...]

    @property
    def completed(self) -> bool:
        return bool(self.modules) and all(m.completed for m in self.modules)

    @property
    def lessons_read(self) -> int:
        return sum(min(m.lessons_read, m.lessons_total) for m in self.modules)

    @property
    def lessons_total(self) -> int:
        return sum(m.lessons_total for m in self.modules)

    @property
    def quizzes_passed(self) -> int:
        return sum(m.passed for m in self.modules if m.has_quiz)

    @property
    def quizzes_total(self) -> int:
        return sum(m.has_quiz for m in self.modules)

    @property
    def share(self) -> float:
        """The progress bar: lessons read and quizzes passed, out of all lessons and quizzes. Counting
        only completed modules left the bar at 0% through a whole module's work."""
        total = self.lessons_total + self.quizzes_total
        return (self.lessons_read + self.quizzes_passed) / total if total else 0.0

    def module(self, module_id: str) -> ModuleProgress:
        return next(m for m in self.modules if m.module == module_id)


@dataclass(frozen=True)
class Certificate:
    code: str
    username: str
    name: str
    course: str
    issued_at: str
    expires_at: str | None = None  # ISO time; the course's ``certificate_months`` after issue
    superseded_by: str | None = None  # the code of the certificate that renewed this one

    def status(self, now: float) -> str:
        """valid | expired (from ``expires_at`` on) | superseded (renewed: a newer code holds)."""
        if self.superseded_by:
            return "superseded"
        if self.expires_at and now >= dt.datetime.fromisoformat(self.expires_at).timestamp():
            return "expired"
        return "valid"

    def days_left(self, now: float) -> int | None:
        if not self.expires_at:
            return None
        return int((dt.datetime.fromisoformat(self.expires_at).timestamp() - now) // 86_400)


def _iso(ts: float | None = None) -> str:
    moment = dt.datetime.now(dt.UTC) if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)
    return moment.isoformat(timespec="seconds")


def add_months(iso: str, months: int) -> str:
    """The same day and time ``months`` later; a day the month lacks becomes its last day (31 Jan + 1
    month = 28 or 29 Feb)."""
    start = dt.datetime.fromisoformat(iso)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return start.replace(year=year, month=month, day=min(start.day, last_day)).isoformat(timespec="seconds")


def new_certificate_code() -> str:
    return "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))


def issue_certificate(
    db: sqlite_utils.Database, username: str, name: str, course: Course, now: float, supersedes: str | None = None
) -> str:
    """Write a certificate valid for the course's ``certificate_months`` (inside the caller's
    transaction); ``supersedes``: the code it renews, which then verifies as superseded."""
    code = new_certificate_code()
    issued = _iso(now)
    db.execute(
        "INSERT INTO certificates (code, username, name, course, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        [code, username, name, course.id, issued, add_months(issued, course.certificate_months)],
    )
    if supersedes:
        db.execute("UPDATE certificates SET superseded_by = ? WHERE code = ?", [code, supersedes])
    return code


class Learning:
    """Progress and quizzes for the courses in ``catalog``, stored in ``db`` (app.db)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        catalog: Catalog,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self._lock = threading.RLock()  # one writer at a time on the shared connection

    # ------------------------------------------------------------------ helpers
    def _transaction(self) -> AbstractContextManager[None]:
        """A second tab or process waits instead of interleaving (double submits)."""
        return immediate(self.db, self._lock)

    def _module(self, course_id: str, module_id: str) -> tuple[Course, Module]:
        course = self.catalog.course(course_id)
        return course, course.module(module_id)

    @staticmethod
    def _may_see(viewer: User, username: str) -> None:
        require_role(viewer, *EVERYONE)
        if viewer.role == "learner" and viewer.username.lower() != username.lower():
            raise PermissionDenied("Learners can see only their own results · 学员只能查看自己的成绩")

    # ------------------------------------------------------------------ lessons
    def mark_read(self, user: User, course_id: str, module_id: str, lesson_id: str) -> None:
        require_role(user, *EVERYONE)
        _, module = self._module(course_id, module_id)
        module.lesson(lesson_id)  # NotFound for a wrong id
        self.db.execute(
            "INSERT OR IGNORE INTO lesson_reads (username, course, module, lesson, at) VALUES (?, ?, ?, ?, ?)",
            [user.username, course_id, module_id, lesson_id, _iso(self.clock())],
        )

    def lessons_read(self, viewer: User, username: str, course_id: str, module_id: str) -> set[str]:
        self._may_see(viewer, username)
        rows = self.db.execute(
            "SELECT lesson FROM lesson_reads WHERE username = ? AND course = ? AND module = ?",
            [username, course_id, module_id],
        ).fetchall()
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ progress
    def progress(self, viewer: User, course_id: str, username: str | None = None) -> CourseProgress:
        """A learner's progress through a course; learners may ask only about themselves."""
        username = username or viewer.username
        self._may_see(viewer, username)
        course = self.catalog.course(course_id)
        self._expire_overdue(username)
        modules: list[ModuleProgress] = []
        previous_passed = True
        for module in course.modules:
            read = self.lessons_read(viewer, username, course_id, module.id)
            finished = self._finished_graded(username, course_id, module.id)
            module_grade = self._module_grade(module, finished)
            is_passed = any(a["passed"] for a in finished)
            used = self.db.execute(
                "SELECT count(*) FROM attempts WHERE username = ? AND course = ? AND module = ? AND mode = 'graded'",
                [username, course_id, module.id],
            ).fetchone()[0]
            open_row = self.db.execute(
                "SELECT id FROM attempts WHERE username = ? AND course = ? AND module = ? AND status = 'open'"
                " ORDER BY id DESC LIMIT 1",
                [username, course_id, module.id],
            ).fetchone()
            modules.append(
                ModuleProgress(
                    module=module.id,
                    order=module.order,
                    lessons_read=len(read & {lesson.id for lesson in module.lessons}),
                    lessons_total=len(module.lessons),
                    attempts_used=used,
                    max_attempts=module.quiz.max_attempts,
                    grade=module_grade,
                    passed=is_passed,
                    unlocked=previous_passed or not course.sequential,
                    open_attempt=open_row[0] if open_row else None,
                    has_quiz=bool(module.questions),
                )
            )
            previous_passed = previous_passed and (is_passed or not module.questions)
        return CourseProgress(course_id, username, tuple(modules))

    def _finished_graded(self, username: str, course_id: str, module_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM attempts WHERE username = ? AND course = ? AND module = ? AND mode = 'graded'"
                " AND status != 'open' ORDER BY id",
                [username, course_id, module_id],
            )
        )

    @staticmethod
    def _module_grade(module: Module, finished: list[dict[str, Any]]) -> float | None:
        """The module's grade as a share of the maximum: the best or the last finished attempt."""
        shares = [a["score"] / a["max_score"] for a in finished if a["max_score"]]
        if not shares:
            return None
        return shares[-1] if module.quiz.grading == "last" else max(shares)

    # ------------------------------------------------------------------ attempts
    def start(self, user: User, course_id: str, module_id: str, mode: str = "graded") -> Attempt:
        """A new attempt, or the attempt of this mode still open (a second tab resumes, not restarts)."""
        require_role(user, *EVERYONE)
        if mode not in MODES:
            raise ValueError(f"mode is one of {MODES}")
        course, module = self._module(course_id, module_id)
        progress = self.progress(user, course_id)
        state = progress.module(module_id)
        if not state.unlocked:
            raise ModuleLocked(
                "Pass the previous module's quiz first - this module unlocks then · "
                "请先通过上一模块的测验，本模块随后解锁"
            )
        now = self.clock()
        with self._transaction():
            row = self.db.execute(
                "SELECT id FROM attempts WHERE username = ? AND course = ? AND module = ? AND mode = ?"
                " AND status = 'open' ORDER BY id DESC LIMIT 1",
                [user.username, course_id, module_id, mode],
            ).fetchone()
            if row is not None:
                attempt_id = int(row[0])
            else:
                if mode == "graded" and state.attempts_left == 0:
                    raise NoAttemptsLeft(
                        f"All {module.quiz.max_attempts} attempts are used - ask your trainer if you need another · "
                        f"{module.quiz.max_attempts}次测验机会已用完，如需再次参加请联系培训师"
                    )
                attempt_id = self._create(user, course, module, mode, now)
        return self.attempt(user, attempt_id)

    def _create(self, user: User, course: Course, module: Module, mode: str, now: float) -> int:
        rng = random.Random(secrets.randbits(64))
        quiz = module.quiz
        chosen = draw_questions(module.questions, quiz, rng)
        limit = quiz.time_limit_min
        deadline = now + limit * 60 if (limit and mode == "graded") else None
        total = float(sum(q.points for q in chosen))
        cur = self.db.execute(
            "INSERT INTO attempts (username, course, module, mode, started_at, deadline, status, max_score)"
            " VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
            [user.username, course.id, module.id, mode, now, deadline, total],
        )
        attempt_id = int(cur.lastrowid or 0)
        for pos, question in enumerate(chosen):
            order = present(question, rng, shuffle=quiz.shuffle_options)
            self.db.execute(
                "INSERT INTO attempt_questions (attempt_id, pos, question, shown_order, max_score)"
                " VALUES (?, ?, ?, ?, ?)",
                [attempt_id, pos, question.id, json.dumps(list(order)), float(question.points)],
            )
        return attempt_id

    def attempt(self, viewer: User, attempt_id: int) -> Attempt:
        row = self._row(attempt_id)
        self._may_see(viewer, row["username"])
        if row["status"] == "open" and row["deadline"] is not None and self.clock() > row["deadline"] + GRACE_S:
            self._finish(attempt_id, expired=True)
            row = self._row(attempt_id)
        _, module = self._module(row["course"], row["module"])
        shown = []
        for q in self.db.query("SELECT * FROM attempt_questions WHERE attempt_id = ? ORDER BY pos", [attempt_id]):
            shown.append(
                ShownQuestion(
                    pos=q["pos"],
                    question=module.question(q["question"]),
                    order=tuple(json.loads(q["shown_order"])),
                    response=_load_response(q["response"]),
                    score=q["score"],
                    max_score=q["max_score"],
                )
            )
        return Attempt(
            id=row["id"],
            username=row["username"],
            course=row["course"],
            module=row["module"],
            mode=row["mode"],
            started_at=row["started_at"],
            deadline=row["deadline"],
            submitted_at=row["submitted_at"],
            status=row["status"],
            score=row["score"],
            max_score=row["max_score"],
            passed=None if row["passed"] is None else bool(row["passed"]),
            questions=tuple(shown),
        )

    def _row(self, attempt_id: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM attempts WHERE id = ?", [attempt_id]))
        if not rows:
            raise AttemptNotFound(f"No quiz attempt #{attempt_id} · 找不到该次测验")
        return rows[0]

    def answer(self, user: User, attempt_id: int, pos: int, response: Any) -> Grade | None:
        """Save one answer. Practice attempts return the grade at once (immediate feedback); graded
        attempts return None and show feedback only after submission. Changing an answer is allowed
        until the attempt is submitted (graded) or the question was answered (practice)."""
        attempt = self.attempt(user, attempt_id)
        if attempt.username.lower() != user.username.lower():
            raise PermissionDenied("This is someone else's attempt · 这不是您的测验")
        if attempt.finished:
            raise AttemptClosed(_closed_message(attempt.status))
        shown = next((q for q in attempt.questions if q.pos == pos), None)
        if shown is None:
            raise AttemptNotFound(f"Attempt #{attempt_id} has no question {pos + 1}")
        response = _normalise_response(response)
        result = grade(shown.question, response)
        if result.empty:
            raise EmptyAnswer("Choose or type an answer first · 请先选择或填写答案")
        if attempt.mode == "practice" and shown.answered:
            return self._stored_grade(shown)
        with self._transaction():
            # The attempt must still be open when the answer is written, not only when it was read
            # above: a second tab's "save" landing just after the first tab's submit used to
            # overwrite a graded answer and its score after the attempt's total was fixed.
            cur = self.db.execute(
                "UPDATE attempt_questions SET response = ?, answered_at = ?, score = ?"
                " WHERE attempt_id = ? AND pos = ?"
                " AND EXISTS (SELECT 1 FROM attempts WHERE id = ? AND status = 'open')",
                [json.dumps(response, ensure_ascii=False), self.clock(), result.score,
                 attempt_id, pos, attempt_id],
            )  # fmt: skip
            if cur.rowcount == 0:
                raise AttemptClosed(_closed_message(self._row(attempt_id)["status"]))
        return result if attempt.mode == "practice" else None

    @staticmethod
    def _stored_grade(shown: ShownQuestion) -> Grade:
        return grade(shown.question, shown.response)

    def submit(self, user: User, attempt_id: int, *, allow_unanswered: bool = False) -> Attempt:
        """Grade and close the attempt. Submitting twice (two tabs, a double click) returns the first
        result unchanged."""
        attempt = self.attempt(user, attempt_id)
        if attempt.username.lower() != user.username.lower():
            raise PermissionDenied("This is someone else's attempt · 这不是您的测验")
        if attempt.finished:
            return attempt
        missing = attempt.unanswered()
        if missing and not allow_unanswered:
            raise Unanswered(missing)
        self._finish(attempt_id, expired=False)
        return self.attempt(user, attempt_id)

    def _finish(self, attempt_id: int, *, expired: bool) -> None:
        with self._transaction():
            row = self._row(attempt_id)
            if row["status"] != "open":
                return  # someone else finished it meanwhile
            _, module = self._module(row["course"], row["module"])
            cutoff = (row["deadline"] + GRACE_S) if row["deadline"] is not None else None
            total = 0.0
            for q in self.db.query("SELECT * FROM attempt_questions WHERE attempt_id = ?", [attempt_id]):
                response = _load_response(q["response"])
                late = cutoff is not None and q["answered_at"] is not None and q["answered_at"] > cutoff
                score = 0.0 if (response is None or late) else grade(module.question(q["question"]), response).score
                total += score
                self.db.execute(
                    "UPDATE attempt_questions SET score = ? WHERE attempt_id = ? AND pos = ?",
                    [score, attempt_id, q["pos"]],
                )
            ok = passed(total, row["max_score"], module.quiz.pass_mark)
            ended = min(self.clock(), row["deadline"]) if expired and row["deadline"] else self.clock()
            self.db.execute(
                "UPDATE attempts SET status = ?, submitted_at = ?, score = ?, passed = ?"
                " WHERE id = ? AND status = 'open'",
                ["expired" if expired else "submitted", ended, total, int(ok), attempt_id],
            )

    def _expire_overdue(self, username: str) -> None:
        now = self.clock()
        overdue = self.db.execute(
            "SELECT id FROM attempts WHERE username = ? AND status = 'open' AND deadline IS NOT NULL AND deadline < ?",
            [username, now - GRACE_S],
        ).fetchall()
        for (attempt_id,) in overdue:
            self._finish(attempt_id, expired=True)

    def review(self, viewer: User, attempt_id: int) -> list[ReviewItem]:
        """Each question with its grade and where to read up. Graded attempts only after they end,
        so feedback cannot leak answers mid-attempt; practice questions once answered."""
        attempt = self.attempt(viewer, attempt_id)
        if attempt.mode == "graded" and not attempt.finished:
            raise AttemptClosed("Feedback is shown after you submit · 提交后才显示反馈")
        _, module = self._module(attempt.course, attempt.module)
        items = []
        for shown in attempt.questions:
            if attempt.mode == "practice" and not shown.answered:
                continue
            q = shown.question
            lesson = module.lesson(q.lesson_id) if q.lesson_id else None
            regraded, changed = _regrade(shown)
            items.append(
                ReviewItem(
                    shown=shown,
                    grade=regraded,
                    lesson=q.lesson_id,
                    anchor=q.anchor,
                    lesson_title=lesson.title if lesson else None,
                    kb_doc=q.kb_doc_name,
                    changed=changed,
                )
            )
        return items

    def attempts(self, viewer: User, username: str, course_id: str, module_id: str) -> list[Attempt]:
        self._may_see(viewer, username)
        ids = self.db.execute(
            "SELECT id FROM attempts WHERE username = ? AND course = ? AND module = ? ORDER BY id",
            [username, course_id, module_id],
        ).fetchall()
        return [self.attempt(viewer, i) for (i,) in ids]

    # ------------------------------------------------------------------ certificates
    def certificate(self, user: User, course_id: str) -> Certificate:
        """The learner's certificate for a completed course: issued once, the same code afterwards
        (expired or not) until a refresher quiz renews it (``trainer.learning.review``)."""
        require_role(user, *EVERYONE)
        with self._lock:
            existing = self.current_certificate(user, user.username, course_id)
            if existing:
                return existing
            if not self.progress(user, course_id).completed:
                raise NotCompleted("Finish every module first: read its lessons and pass its quiz · 请先完成所有模块")
            with self._transaction():
                code = issue_certificate(
                    self.db, user.username, user.name or user.username, self.catalog.course(course_id), self.clock()
                )  # fmt: skip
        cert = self._certificate_where("code = ?", [code])
        assert cert is not None
        return cert

    def verify_certificate(self, code: str) -> Certificate | None:
        """Anyone holding a printed certificate can check its code."""
        return self._certificate_where("code = ?", [code.strip().upper()])

    def current_certificate(self, viewer: User, username: str, course_id: str) -> Certificate | None:
        """The newest certificate not superseded (it may have expired), or None."""
        self._may_see(viewer, username)
        return self._certificate_where(
            "username = ? AND course = ? AND superseded_by IS NULL ORDER BY issued_at DESC, rowid DESC",
            [username, course_id],
        )

    def _certificate_where(self, where: str, params: list[Any]) -> Certificate | None:
        rows = list(self.db.query(f"SELECT * FROM certificates WHERE {where}", params))
        if not rows:
            return None
        r = rows[0]
        expires = r["expires_at"]
        if expires is None:  # issued before certificates expired: by the course's validity now
            try:
                expires = add_months(r["issued_at"], self.catalog.course(r["course"]).certificate_months)
            except CourseError:
                expires = None
        return Certificate(
            r["code"], r["username"], r["name"], r["course"], r["issued_at"], expires, r["superseded_by"]
        )


def _regrade(shown: ShownQuestion) -> tuple[Grade, bool]:
    """The review's grade and whether the question changed since it was answered: a stored answer
    the current question cannot take (a choice question that was free text, an option id it no
    longer has), or one that grades differently now (the key moved). Then the recorded score."""
    try:
        now = grade(shown.question, shown.response)
    except ResponseError:
        now = None
    if now is not None and (shown.score is None or abs(now.score - shown.score) < 1e-9):
        return now, False
    score = float(shown.score or 0.0)
    return Grade(score=score, max=shown.max_score, correct=score >= shown.max_score > 0), True


def certificate_html(cert: Certificate, course_title: Text, lang: str) -> str:
    """A printable, self-contained certificate page; every value is HTML-escaped."""
    e = html.escape
    date = cert.issued_at[:10]
    until = (cert.expires_at or "")[:10]
    if lang == "en":
        heading, body, verify = (
            "Certificate of completion",
            f"<p class=name>{e(cert.name)}</p><p>has completed the course</p><p class=course>{e(course_title.en)}</p>",
            "Verification code",
        )
        date += f" · valid until {until}" if until else ""
    else:
        heading, body, verify = (
            "结业证书",
            f"<p class=name>{e(cert.name)}</p><p>已完成课程</p><p class=course>{e(course_title.zh)}</p>",
            "验证码",
        )
        date += f" · 有效期至 {until}" if until else ""
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{e(heading)}</title><style>"
        "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;text-align:center;padding:4em}"
        ".frame{border:6px double #8a1c1c;padding:3em}.name{font-size:2em;font-weight:bold}"
        ".course{font-size:1.4em}.code{font-family:monospace;font-size:1.2em}"
        "@media print{body{padding:0}}</style></head><body><div class=frame>"
        f"<h1>{e(heading)}</h1>{body}<p>{e(date)}</p>"
        f"<p>GovMedia Academy · 政务新媒体学院</p><p>{e(verify)}: <span class=code>{e(cert.code)}</span></p>"
        "</div></body></html>"
    )


def points(value: float | None) -> str:
    """A score for people: at most two decimals, no trailing zeros ("4.33", "10", "0.5"); a dash
    for no score. Partial credit is a fraction such as 1/3, which ``:g`` printed as 0.333333."""
    if value is None:
        return "—"
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _closed_message(status: str) -> str:
    if status == "expired":
        return "Time is up: the answers saved before the limit were graded · 答题时间已到，已按时限内保存的答案评分"
    return "This attempt was already submitted · 本次测验已提交"


def _normalise_response(response: Any) -> Any:
    """What pages send, in the form grading expects (lists for multi-pick and ordering)."""
    if isinstance(response, set | frozenset):
        return sorted(response)
    if isinstance(response, tuple):
        return list(response)
    return response


def _load_response(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)
