"""Spaced review: a deck of cards per learner, scheduled by the ``fsrs`` package.

Cards come from the quizzes by themselves (:meth:`Review.sync`): a question answered wrong or
partly right in a graded or practice attempt becomes a card, and so does every question of a
completed module, as a refresher. A quiz answer is also the card's first review, so a question
missed today is due tomorrow and one answered right comes back a few days later.

The scheduler is fsrs's own (``fsrs.Scheduler``), with no minute-long learning steps - a learner
reviews once a day, not within ten minutes - and no fuzz, so that the schedule is the same for the
same history (tests/test_review.py checks it against fsrs replaying that history). Days are review
days: in China Standard Time unless configured, starting at 04:00 as in Anki, so a review at 01:00
counts for the day before.

A card remembers the fingerprint of its question's answer: when content changes, a question whose
answer changed resets its cards, a removed question retires them, and no one is shown a card whose
question is gone. Learners see and answer only their own deck; trainers and admins read everyone's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sqlite3
import threading
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from fsrs import Card, Rating, Scheduler, State

from courses.grading import Grade, grade, present
from courses.models import Catalog, MultipleChoice, Ordering, Question, ShortAnswer, SingleChoice, TrueFalse
from courses.normalize import normalize_answer
from sqlstore.migrations import immediate
from trainer.errors import PermissionDenied, TrainerError
from trainer.learning.quiz import EVERYONE, STAFF, EmptyAnswer
from trainer.people.accounts import User, require_role

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_DAY_START = 4  # hour; a review before it counts for the day before (Anki's default)
FEELINGS = ("hard", "easy")
DAY_S = 86_400


class ReviewError(TrainerError):
    "A review a learner cannot make as asked"


class CardGone(ReviewError):
    "The card's question was removed or changed"


def _shifted_clock(path: Path) -> Callable[[], float]:
    def clock() -> float:
        try:
            return time.time() + float(path.read_text(encoding="utf-8").strip() or 0)
        except (OSError, ValueError):
            return time.time()

    return clock


def make_scheduler() -> Scheduler:
    """fsrs's scheduler as we use it: day intervals from the first answer, none shorter (a wrong
    answer is due the next day), no random fuzz, 90% desired retention (fsrs's default)."""
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def answer_fingerprint(question: Question) -> str:
    """What a right answer is: a card survives an edit only while this stays the same. Prompt,
    explanation and wrong options may be reworded; a new key, a reworded key, another accepted
    answer or another order resets the cards."""
    key: Any
    if isinstance(question, SingleChoice | MultipleChoice):
        key = sorted((o.id, o.text.zh, o.text.en) for o in question.options if o.correct)
    elif isinstance(question, TrueFalse):
        key = question.answer
    elif isinstance(question, ShortAnswer):
        key = sorted({normalize_answer(a) for a in (*question.accept.zh, *question.accept.en)})
    elif isinstance(question, Ordering):
        key = [(i.id, i.text.zh, i.text.en) for i in question.items]
    else:  # pragma: no cover - the question types are closed
        raise TypeError(type(question))
    raw = json.dumps([question.type, key], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def passage(kb: Any, question: Question, lang: str) -> Any:
    """The knowledge-base passage of the question's ``kb_doc`` that best matches its prompt and
    explanation (a keyword search: no model to load), or None when the question names no document,
    the document is not in the knowledge base, or the search fails."""
    doc = question.kb_doc_name
    if not doc:
        return None
    query = f"{question.prompt.get(lang)} {question.explanation.get(lang)}"
    try:
        hits = kb.search(query, k=50, mode="lexical")
    except Exception:  # a passage is a help, never a reason for the review to fail
        return None
    return next((h for h in hits if h.doc == doc), None)


def rating_for(score: float | None, max_score: float, feeling: str | None = None) -> Rating:
    """Wrong -> Again, partly right -> Hard, right -> Good (Hard or Easy when the learner says so)."""
    if not score or score <= 0:
        return Rating.Again
    if score < max_score - 1e-9:
        return Rating.Hard
    if feeling == "easy":
        return Rating.Easy
    if feeling == "hard":
        return Rating.Hard
    return Rating.Good


@dataclass(frozen=True)
class ReviewCard:
    id: int
    username: str
    course: str
    module: str
    question: Question
    source: str  # missed | refresher
    state: int
    stability: float | None
    difficulty: float | None
    due: int  # epoch seconds
    last_review: int | None
    version: int
    reviews: int
    lapses: int

    def order(self) -> tuple[str, ...]:
        """The option (or item) order to show: fixed per card and version, so a rerun or a second
        tab shows the same order, and the next review another one."""
        return present(self.question, random.Random(f"{self.id}:{self.version}"), shuffle=True)


@dataclass(frozen=True)
class ReviewResult:
    grade: Grade
    rating: Rating
    counted: bool  # False: this version was already answered (another tab): nothing was written
    due: int  # the card's next due time
    interval_days: int  # review days from today to the next review
    stability: float | None


@dataclass(frozen=True)
class ModuleRetention:
    course: str
    module: str
    cards: int
    reviewed: int  # cards with at least one review (the others have no prediction yet)
    recall: float | None  # mean predicted recall today over reviewed cards
    due_today: int
    overdue: int  # due before today
    next_due: int | None  # epoch seconds of the next card due after today


@dataclass(frozen=True)
class _Event:
    at: int
    course: str
    module: str
    question: str
    score: float | None
    max_score: float
    answered_at: float  # as stored: the practice watermark compares with it exactly


class Review:
    """The review decks of every learner, over the courses in ``catalog``, in ``db`` (app.db)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        catalog: Catalog,
        *,
        clock: Callable[[], float] = time.time,
        tz: str = DEFAULT_TZ,
        day_start: int = DEFAULT_DAY_START,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.tz = zoneinfo.ZoneInfo(tz)
        self.day_start = day_start
        self.scheduler = scheduler or make_scheduler()
        self._lock = threading.RLock()
        # (course, question id) -> (module id, question, answer fingerprint) of the content now.
        self._questions: dict[tuple[str, str], tuple[str, Question, str]] = {
            (c.id, q.id): (m.id, q, answer_fingerprint(q))
            for c in catalog.courses
            for m in c.modules
            for q in m.questions
        }
        try:
            db.execute("SELECT pow(2, 0.5)")
        except sqlite3.OperationalError:  # SQLite built without its math functions: the retention table needs pow
            db.conn.create_function("pow", 2, _pow, deterministic=True)
        decay = -self.scheduler.parameters[20]
        self._decay, self._factor = decay, 0.9 ** (1 / decay) - 1  # fsrs's forgetting curve

    @classmethod
    def from_env(cls, db: sqlite_utils.Database, catalog: Catalog, environ: dict[str, str], **kw: Any) -> Review:
        """``APP_REVIEW_TZ`` (an IANA zone, default Asia/Shanghai) and ``APP_REVIEW_DAY_START`` (hour,
        default 4). ``APP_REVIEW_CLOCK_FILE`` names a file holding seconds to add to the time: a
        browser test moves the review day by hand with it (the app's server runs in another process)."""
        tz = environ.get("APP_REVIEW_TZ") or DEFAULT_TZ
        start = int(environ.get("APP_REVIEW_DAY_START") or DEFAULT_DAY_START)
        shift = environ.get("APP_REVIEW_CLOCK_FILE")
        if shift and "clock" not in kw:
            kw["clock"] = _shifted_clock(Path(shift))
        return cls(db, catalog, tz=tz, day_start=start, **kw)

    # ------------------------------------------------------------------ days
    def now(self) -> int:
        return int(self.clock())

    def review_day(self, ts: float) -> dt.date:
        """The review day a moment belongs to: local date, with the day starting at ``day_start``."""
        return (dt.datetime.fromtimestamp(ts, self.tz) - dt.timedelta(hours=self.day_start)).date()

    def day_begins(self, day: dt.date) -> int:
        return int(dt.datetime.combine(day, dt.time(self.day_start), tzinfo=self.tz).timestamp())

    def today_ends(self) -> int:
        """Cards due before this moment are due today (the next review day's start)."""
        return self.day_begins(self.review_day(self.now()) + dt.timedelta(days=1))

    def days_until(self, ts: float) -> int:
        return (self.review_day(ts) - self.review_day(self.now())).days

    # ------------------------------------------------------------------ access
    def _transaction(self) -> AbstractContextManager[None]:
        return immediate(self.db, self._lock)

    @staticmethod
    def _may_see(viewer: User, username: str) -> None:
        require_role(viewer, *EVERYONE)
        if viewer.role == "learner" and viewer.username.lower() != username.lower():
            raise PermissionDenied("Learners can see only their own review cards · 学员只能查看自己的复习卡片")

    # ------------------------------------------------------------------ fsrs state
    @staticmethod
    def _to_fsrs(row: dict[str, Any]) -> Card:
        utc = dt.UTC
        return Card(
            card_id=row["id"],
            state=State(row["state"]),
            step=row["step"],
            stability=row["stability"],
            difficulty=row["difficulty"],
            due=dt.datetime.fromtimestamp(row["due"], utc),
            last_review=None if row["last_review"] is None else dt.datetime.fromtimestamp(row["last_review"], utc),
        )

    def _apply(self, row: dict[str, Any], rating: Rating, at: int, origin: str) -> dict[str, Any] | None:
        """Give the card one review at ``at`` (inside a transaction). Returns the row as written, or
        None when the card changed meanwhile (its version moved on: someone answered it first)."""
        card, _ = self.scheduler.review_card(
            self._to_fsrs(row), rating, review_datetime=dt.datetime.fromtimestamp(at, dt.UTC)
        )  # fmt: skip
        due = int(card.due.timestamp())
        new = {
            **row,
            "state": int(card.state),
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": due,
            "last_review": at,
            "version": row["version"] + 1,
            "reviews": row["reviews"] + 1,
            "lapses": row["lapses"] + (rating == Rating.Again and row["last_review"] is not None),
        }
        cur = self.db.execute(
            "UPDATE review_cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?,"
            " version = ?, reviews = ?, lapses = ?, source = ? WHERE id = ? AND version = ?",
            [new["state"], new["step"], new["stability"], new["difficulty"], due, at, new["version"],
             new["reviews"], new["lapses"], new["source"], row["id"], row["version"]],
        )  # fmt: skip
        if cur.rowcount == 0:
            return None
        self.db.execute(
            "INSERT INTO review_log (card_id, version, rating, origin, reviewed_at, stability, difficulty, due)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [row["id"], row["version"], int(rating), origin, at, card.stability, card.difficulty, due],
        )
        return new

    def _new_card(
        self, username: str, course: str, question_id: str, source: str, due: int, now: int
    ) -> dict[str, Any]:
        module, _, fingerprint = self._questions[(course, question_id)]
        cur = self.db.execute(
            "INSERT INTO review_cards (username, course, module, question, source, fingerprint, state, step,"
            " due, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            [username, course, module, question_id, source, fingerprint, int(State.Learning), due, now],
        )
        return self._row_by_id(int(cur.lastrowid or 0))

    def _row_by_id(self, card_id: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM review_cards WHERE id = ?", [card_id]))
        if not rows:
            raise CardGone("This review card does not exist · 找不到该复习卡片")
        return rows[0]

    # ------------------------------------------------------------------ content changes
    def _content_groups(self, username: str | None = None) -> list[tuple[str, str, str, str, int, int]]:
        """(course, question, fingerprint, module, any live card, any retired card) of the cards (of one
        learner): a walk over the review_cards_content index, with no sort, for every deck."""
        where, params = ("username = ?", [username]) if username else ("1", [])
        return self.db.execute(
            "SELECT course, question, fingerprint, module, max(retired_at IS NULL), max(retired_at IS NOT NULL)"
            f" FROM review_cards WHERE {where} GROUP BY course, question, fingerprint, module",
            params,
        ).fetchall()

    def _stale(self, groups: Iterable[Sequence[Any]]) -> bool:
        """Would :meth:`_reconcile` change anything: a live card of a question gone, or a card whose
        question's answer changed, came back, or moved to another module?"""
        for course, qid, fingerprint, module, live, retired in groups:
            current = self._questions.get((course, qid))
            if current is None:
                if live:
                    return True
            elif current[2] != fingerprint or retired or current[0] != module:
                return True
        return False

    def _reconcile(self, username: str | None = None) -> tuple[int, int]:
        """Bring cards in line with the content now: a question whose answer changed resets its cards
        (a new card, due at once), a removed question retires them, a question back again (or moved
        to another module) is followed. Returns (reset, retired)."""
        now = self.now()
        where, params = ("username = ?", [username]) if username else ("1", [])
        reset = retired = 0
        for course, qid, fingerprint, module, live, is_retired in self._content_groups(username):
            current = self._questions.get((course, qid))
            scope = f"{where} AND course = ? AND question = ? AND fingerprint = ? AND module = ?"
            args = [*params, course, qid, fingerprint, module]
            if current is None:
                if live:
                    retired += self.db.execute(
                        f"UPDATE review_cards SET retired_at = ?, version = version + 1 WHERE {scope}"
                        " AND retired_at IS NULL",
                        [now, *args],
                    ).rowcount
                continue
            new_module, _, new_fp = current
            if new_fp != fingerprint or is_retired:
                reset += self.db.execute(
                    "UPDATE review_cards SET state = ?, step = 0, stability = NULL, difficulty = NULL, due = ?,"
                    " last_review = NULL, fingerprint = ?, module = ?, reset_at = ?, retired_at = NULL,"
                    f" version = version + 1 WHERE {scope}",
                    [int(State.Learning), now, new_fp, new_module, now, *args],
                ).rowcount
            elif new_module != module:
                self.db.execute(f"UPDATE review_cards SET module = ? WHERE {scope}", [new_module, *args])
        return reset, retired

    def reconcile(self, actor: User) -> tuple[int, int]:
        """Every deck against the content now (after the course files changed); staff only."""
        require_role(actor, *STAFF)
        with self._transaction():
            return self._reconcile()

    # ------------------------------------------------------------------ filling the deck
    def sync(self, viewer: User, username: str | None = None) -> int:
        """Read the learner's new quiz answers into their deck and add refresher cards for modules
        completed since; returns how many cards were added or reviewed. Cheap when nothing is new."""
        username = username or viewer.username
        self._may_see(viewer, username)
        if not self._news(username):
            return 0  # the usual case on every page: no write, so no one queues for the write lock
        now = self.now()
        changed = 0
        with self._transaction():
            self._reconcile(username)
            mark = self.db.execute(
                "SELECT graded_done, practice_at FROM review_sync WHERE username = ?", [username]
            ).fetchone()
            graded_done, practice_at = (mark[0], mark[1]) if mark else (0, 0.0)
            events = self._events(username, graded_done, practice_at)
            cards = {
                (r["course"], r["question"]): r
                for r in self.db.query("SELECT * FROM review_cards WHERE username = ?", [username])
            }
            for ev in events:
                if (ev.course, ev.question) not in self._questions:
                    continue
                rating = rating_for(ev.score, ev.max_score)
                row = cards.get((ev.course, ev.question))
                if row is None:
                    if rating == Rating.Good:
                        continue  # a right answer alone makes no card; a completed module does
                    row = self._new_card(username, ev.course, ev.question, "missed", ev.at, now)
                elif (
                    row["retired_at"] is not None
                    or ev.at <= (row["last_review"] or -1)
                    or ev.at < (row["reset_at"] or 0)
                ):
                    continue  # read before, or an answer to the question as it was before an edit
                if rating != Rating.Good:
                    row = {**row, "source": "missed"}
                written = self._apply(row, rating, ev.at, "quiz")
                if written is not None:
                    cards[(ev.course, ev.question)] = written
                    changed += 1
            changed += self._add_refreshers(username, cards, now)
            open_graded = self.db.execute(
                "SELECT min(id) FROM attempts WHERE username = ? AND mode = 'graded' AND status = 'open'", [username]
            ).fetchone()[0]
            last_graded = self.db.execute(
                "SELECT max(id) FROM attempts WHERE username = ? AND mode = 'graded'", [username]
            ).fetchone()[0]
            done = (open_graded - 1) if open_graded is not None else (last_graded or 0)
            latest_practice = max([practice_at, *(e.answered_at for e in events)])
            self.db.execute(
                "INSERT INTO review_sync (username, graded_done, practice_at) VALUES (?, ?, ?)"
                " ON CONFLICT(username) DO UPDATE SET graded_done = excluded.graded_done,"
                " practice_at = excluded.practice_at",
                [username, max(graded_done, done), latest_practice],
            )
        return changed

    def _news(self, username: str) -> bool:
        """Read-only: is there anything for :meth:`sync` to write - answers not read yet, a module
        completed since, or a card whose question changed or went?"""
        mark = self.db.execute(
            "SELECT graded_done, practice_at FROM review_sync WHERE username = ?", [username]
        ).fetchone()
        graded_done, practice_at = (mark[0], mark[1]) if mark else (0, 0.0)
        unread = self.db.execute(
            "SELECT 1 FROM attempts a JOIN attempt_questions q ON q.attempt_id = a.id WHERE a.username = ?"
            " AND q.answered_at IS NOT NULL AND ((a.mode = 'graded' AND a.status != 'open' AND a.id > ?)"
            " OR (a.mode = 'practice' AND q.answered_at > ?)) LIMIT 1",
            [username, graded_done, practice_at],
        ).fetchone()
        if unread:
            return True
        seen = {
            tuple(r)
            for r in self.db.execute("SELECT course, module FROM review_modules WHERE username = ?", [username])
        }
        if self._completed_modules(username) - seen:
            return True
        for course, qid, fingerprint, retired in self.db.execute(
            "SELECT DISTINCT course, question, fingerprint, retired_at IS NOT NULL FROM review_cards"
            " WHERE username = ?",
            [username],
        ).fetchall():
            current = self._questions.get((course, qid))
            if (current is None) != bool(retired) or (current is not None and current[2] != fingerprint):
                return True
        return False

    def _events(self, username: str, graded_done: int, practice_at: float) -> list[_Event]:
        """Answers not read yet: questions of graded attempts finished after ``graded_done`` and
        practice answers given after ``practice_at`` (a practice answer is final once given)."""
        rows = self.db.execute(
            "SELECT q.answered_at, a.course, a.module, q.question, q.score, q.max_score FROM attempts a"
            " JOIN attempt_questions q ON q.attempt_id = a.id WHERE a.username = ? AND q.answered_at IS NOT NULL"
            " AND ((a.mode = 'graded' AND a.status != 'open' AND a.id > ?)"
            " OR (a.mode = 'practice' AND q.answered_at > ?))",
            [username, graded_done, practice_at],
        ).fetchall()
        events = [_Event(int(at), c, m, q, s, mx, at) for at, c, m, q, s, mx in rows]
        events.sort(key=lambda e: e.at)
        return events

    def _completed_modules(self, username: str) -> set[tuple[str, str]]:
        read = defaultdict(set)
        for course, module, lesson in self.db.execute(
            "SELECT course, module, lesson FROM lesson_reads WHERE username = ?", [username]
        ).fetchall():
            read[(course, module)].add(lesson)
        passed = {
            (c, m)
            for c, m in self.db.execute(
                "SELECT DISTINCT course, module FROM attempts WHERE username = ? AND mode = 'graded' AND passed = 1",
                [username],
            ).fetchall()
        }
        done = set()
        for course in self.catalog.courses:
            for module in course.modules:
                key = (course.id, module.id)
                lessons = {lesson.id for lesson in module.lessons}
                if lessons <= read[key] and (key in passed or not module.questions):
                    done.add(key)
        return done

    def _add_refreshers(self, username: str, cards: dict[tuple[str, str], dict[str, Any]], now: int) -> int:
        """Every question of a module completed since the last time, as a refresher card: seeded with
        the learner's last answer to it (its first review), or new and due the next review day."""
        seen = {
            (c, m)
            for c, m in self.db.execute(
                "SELECT course, module FROM review_modules WHERE username = ?", [username]
            ).fetchall()
        }
        added = 0
        tomorrow = self.today_ends()
        for course_id, module_id in sorted(self._completed_modules(username) - seen):
            module = self.catalog.module(course_id, module_id)
            last = {
                q: (int(at), s, mx)
                for q, at, s, mx in self.db.execute(
                    "SELECT q.question, max(q.answered_at), q.score, q.max_score FROM attempts a"
                    " JOIN attempt_questions q ON q.attempt_id = a.id WHERE a.username = ? AND a.course = ?"
                    " AND a.module = ? AND q.answered_at IS NOT NULL AND (a.mode = 'practice' OR a.status != 'open')"
                    " GROUP BY q.question",
                    [username, course_id, module_id],
                ).fetchall()
            }
            for question in module.questions:
                if (course_id, question.id) in cards:
                    continue
                if question.id in last:
                    at, score, top = last[question.id]
                    row = self._new_card(username, course_id, question.id, "refresher", at, now)
                    row = self._apply(row, rating_for(score, top), at, "quiz") or row
                else:
                    row = self._new_card(username, course_id, question.id, "refresher", tomorrow, now)
                cards[(course_id, question.id)] = row
                added += 1
            self.db.execute(
                "INSERT OR IGNORE INTO review_modules (username, course, module, at) VALUES (?, ?, ?, ?)",
                [username, course_id, module_id, now],
            )
        return added

    # ------------------------------------------------------------------ the deck
    def _card(self, row: dict[str, Any]) -> ReviewCard | None:
        """The card with its question, or None when the question is gone or its answer changed."""
        current = self._questions.get((row["course"], row["question"]))
        if current is None or row["retired_at"] is not None or current[2] != row["fingerprint"]:
            return None
        return ReviewCard(
            id=row["id"],
            username=row["username"],
            course=row["course"],
            module=row["module"],
            question=current[1],
            source=row["source"],
            state=row["state"],
            stability=row["stability"],
            difficulty=row["difficulty"],
            due=row["due"],
            last_review=row["last_review"],
            version=row["version"],
            reviews=row["reviews"],
            lapses=row["lapses"],
        )

    def due(self, viewer: User, username: str | None = None, *, limit: int | None = None) -> list[ReviewCard]:
        """The cards due today (the earliest first): only cards whose question exists as carded."""
        username = username or viewer.username
        self._may_see(viewer, username)
        sql = "SELECT * FROM review_cards WHERE username = ? AND retired_at IS NULL AND due < ? ORDER BY due, id"
        cards = [c for r in self.db.query(sql, [username, self.today_ends()]) if (c := self._card(r)) is not None]
        return cards[:limit] if limit is not None else cards

    def due_count(self, viewer: User, username: str | None = None) -> int:
        return len(self.due(viewer, username))

    def card(self, viewer: User, card_id: int) -> ReviewCard:
        row = self._row_by_id(card_id)
        self._may_see(viewer, row["username"])
        card = self._card(row)
        if card is None:
            raise CardGone(
                "This question was changed or removed from the course - go on with the next card · "
                "该题已被修改或从课程中删除，请继续下一张卡片"
            )
        return card

    def answer(
        self, user: User, card_id: int, version: int, response: Any, *, feeling: str | None = None
    ) -> ReviewResult:
        """Grade the answer to a card shown at ``version`` and give the scheduler its review. The same
        card answered again at the same version (a second tab, a double click) counts once: the second
        answer is graded for the learner to see but changes nothing."""
        require_role(user, *EVERYONE)
        if feeling is not None and feeling not in FEELINGS:
            raise ValueError(f"feeling is one of {FEELINGS}")
        card = self.card(user, card_id)
        if card.username.lower() != user.username.lower():
            raise PermissionDenied("This is someone else's review card · 这不是您的复习卡片")
        if isinstance(response, set | frozenset):
            response = sorted(response)
        elif isinstance(response, tuple):
            response = list(response)
        result = grade(card.question, response)
        if result.empty:
            raise EmptyAnswer("Choose or type an answer first · 请先选择或填写答案")
        rating = rating_for(result.score, result.max, feeling)
        now = self.now()
        with self._transaction():
            row = self._row_by_id(card_id)
            written = None
            if row["version"] == version and row["retired_at"] is None:
                written = self._apply(row, rating, now, "review")
            current = written or row
        return ReviewResult(
            grade=result,
            rating=rating,
            counted=written is not None,
            due=current["due"],
            interval_days=self.days_until(current["due"]),
            stability=current["stability"],
        )

    def history(self, viewer: User, card_id: int) -> list[dict[str, Any]]:
        """The card's reviews, oldest first (rating, when, from where)."""
        row = self._row_by_id(card_id)
        self._may_see(viewer, row["username"])
        return list(self.db.query("SELECT * FROM review_log WHERE card_id = ? ORDER BY version", [card_id]))

    # ------------------------------------------------------------------ retention
    def recall(self, stability: float | None, last_review: int | None, at: float) -> float | None:
        """fsrs's predicted probability of recall at ``at`` (Scheduler.get_card_retrievability)."""
        if stability is None or last_review is None:
            return None
        elapsed = max(0, (int(at) - last_review) // DAY_S)
        return float((1 + self._factor * elapsed / stability) ** self._decay)

    def retention(self, viewer: User, username: str | None = None) -> list[ModuleRetention]:
        """Per module of every course: cards, mean predicted recall today, due today, overdue."""
        username = username or viewer.username
        self._may_see(viewer, username)
        rows = self.db.execute(
            "SELECT course, module, question, fingerprint, stability, last_review, due FROM review_cards"
            " WHERE username = ? AND retired_at IS NULL",
            [username],
        ).fetchall()
        return self._summarise(rows)

    def _summarise(self, rows: Iterable[Sequence[Any]]) -> list[ModuleRetention]:
        now, ends = self.now(), self.today_ends()
        begins = self.day_begins(self.review_day(now))
        acc: dict[tuple[str, str], list[Any]] = {}
        for course, module, question, fingerprint, stability, last, due in rows:
            current = self._questions.get((course, question))
            if current is None or current[2] != fingerprint:
                continue
            a = acc.setdefault((course, module), [0, 0, 0.0, 0, 0, None])
            a[0] += 1
            r = self.recall(stability, last, now)
            if r is not None:
                a[1] += 1
                a[2] += r
            if due < ends:
                a[3] += 1
                a[4] += due < begins
            elif a[5] is None or due < a[5]:
                a[5] = due
        order = {(c.id, m.id): (i, m.order) for i, c in enumerate(self.catalog.courses) for m in c.modules}
        return [
            ModuleRetention(c, m, n, k, (s / k) if k else None, d, o, nxt)
            for (c, m), (n, k, s, d, o, nxt) in sorted(acc.items(), key=lambda kv: order.get(kv[0], (0, 0)))
        ]

    def upcoming(self, viewer: User, username: str | None = None, *, days: int = 14) -> list[tuple[dt.date, int]]:
        """How many cards fall due on each of the next ``days`` review days (today included)."""
        username = username or viewer.username
        self._may_see(viewer, username)
        today = self.review_day(self.now())
        end = self.day_begins(today + dt.timedelta(days=days))
        counts: dict[dt.date, int] = defaultdict(int)
        for (due,) in self.db.execute(
            "SELECT due FROM review_cards WHERE username = ? AND retired_at IS NULL AND due < ?", [username, end]
        ).fetchall():
            counts[max(today, self.review_day(due))] += 1
        return [(today + dt.timedelta(days=i), counts.get(today + dt.timedelta(days=i), 0)) for i in range(days)]

    def retention_table(
        self, viewer: User, course_id: str, usernames: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """For trainers: one row per learner and module of ``course_id`` - cards, predicted recall today,
        due today, overdue. ``usernames`` limits it (a group); default every learner with cards."""
        require_role(viewer, *STAFF)
        # Checked on every call (one walk over an index), written only when the content changed.
        if self._stale(self._content_groups()):
            with self._transaction():
                self._reconcile()
        now, ends = self.now(), self.today_ends()
        begins = self.day_begins(self.review_day(now))
        wanted = None if usernames is None else {u.lower() for u in usernames}
        # Summed in SQL over the review_cards_learner_module index (600k cards in under a second, where
        # fetching them into Python took three): recall is fsrs's forgetting curve, as in recall().
        rows = self.db.execute(
            "SELECT username, module, count(*), count(last_review * stability),"
            " sum(pow(1 + ? * max(0, (? - last_review) / ?) / stability, ?)), sum(due < ?), sum(due < ?)"
            " FROM review_cards WHERE course = ? AND retired_at IS NULL GROUP BY username, module",
            [self._factor, now, DAY_S, self._decay, ends, begins, course_id],
        ).fetchall()
        order = {m.id: m.order for m in self.catalog.course(course_id).modules}
        return [
            {
                "username": u,
                "module": m,
                "cards": int(n),
                "recall": round(100 * s / k, 1) if k else None,
                "due_today": int(d),
                "overdue": int(o),
            }
            for u, m, n, k, s, d, o in sorted(rows, key=lambda r: (r[0].lower(), order.get(r[1], 0)))
            if wanted is None or u.lower() in wanted
        ]


def _pow(base: float | None, exponent: float | None) -> float | None:
    return None if base is None or exponent is None else float(base**exponent)


# ---------------------------------------------------------------------- refresher quizzes
REFRESHER_WINDOW_DAYS = 60  # a refresher is offered this long before the certificate lapses
REFRESHER_SIZE = 10
REFRESHER_PASS = 0.8


class RefresherNotDue(ReviewError):
    "No refresher quiz is open to this learner for this course"


@dataclass(frozen=True)
class Refresher:
    id: int
    username: str
    course: str
    questions: tuple[Question, ...]
    orders: dict[str, tuple[str, ...]]
    responses: dict[str, Any]
    started_at: int
    submitted_at: int | None
    score: float | None
    max_score: float
    passed: bool | None
    certificate: str | None  # the new code, when passing renewed the certificate

    @property
    def finished(self) -> bool:
        return self.submitted_at is not None


@dataclass(frozen=True)
class RefresherOffer:
    course: str
    code: str  # the certificate in force
    expires_at: str
    days_left: int  # negative once expired
    assigned: bool  # a trainer asked for it
    open_refresher: int | None


class Refreshers:
    """Refresher quizzes that renew certificates, over a :class:`Review` deck."""

    def __init__(self, review: Review, *, size: int = REFRESHER_SIZE) -> None:
        self.review = review
        self.db = review.db
        self.size = size

    def draw(self, username: str, course_id: str, rng: random.Random) -> list[Question]:
        """``size`` questions of the whole course's pool, weighted towards the learner's weak cards
        (weighted sampling without replacement, Efraimidis & Spirakis: the largest u ** (1 / w))."""
        pool = [q for m in self.review.catalog.course(course_id).modules for q in m.questions]
        weights = self._weights(username, course_id, pool)
        keyed = sorted(((rng.random() ** (1 / w), i) for i, w in enumerate(weights)), reverse=True)
        return [pool[i] for _, i in keyed[: self.size]]

    def _certificate(self, username: str, course_id: str) -> tuple[str, str] | None:
        from trainer.learning.quiz import add_months

        row = self.db.execute(
            "SELECT code, issued_at, expires_at FROM certificates WHERE username = ? AND course = ?"
            " AND superseded_by IS NULL ORDER BY issued_at DESC, rowid DESC LIMIT 1",
            [username, course_id],
        ).fetchone()
        if row is None:
            return None
        code, issued, expires = row
        return code, expires or add_months(issued, self.review.catalog.course(course_id).certificate_months)

    def offers(self, viewer: User, username: str | None = None) -> list[RefresherOffer]:
        """The courses whose certificate lapses within REFRESHER_WINDOW_DAYS (or has lapsed), or
        whose refresher a trainer assigned since the certificate was issued."""
        username = username or viewer.username
        self.review._may_see(viewer, username)
        now = self.review.now()
        found = []
        for course in self.review.catalog.courses:
            cert = self._certificate(username, course.id)
            if cert is None:
                continue
            code, expires = cert
            left = int((dt.datetime.fromisoformat(expires).timestamp() - now) // DAY_S)
            assigned = (
                self.db.execute(
                    "SELECT 1 FROM refresher_assignments r JOIN certificates c ON c.code = ?"
                    " WHERE r.username = ? AND r.course = ? AND r.at >= c.issued_at",
                    [code, username, course.id],
                ).fetchone()
                is not None
            )
            if left > REFRESHER_WINDOW_DAYS and not assigned:
                continue
            open_row = self.db.execute(
                "SELECT id FROM refreshers WHERE username = ? AND course = ? AND submitted_at IS NULL"
                " ORDER BY id DESC LIMIT 1",
                [username, course.id],
            ).fetchone()
            found.append(RefresherOffer(course.id, code, expires, left, assigned, open_row[0] if open_row else None))
        return found

    def _weights(self, username: str, course_id: str, questions: Sequence[Question]) -> list[float]:
        """Weak cards first: a card's chance of being forgotten today, more for a question missed
        before and for each lapse; a question never reviewed sits between weak and strong cards."""
        now = self.review.now()
        cards = {
            q: (s, last, source, lapses)
            for q, s, last, source, lapses in self.db.execute(
                "SELECT question, stability, last_review, source, lapses FROM review_cards WHERE username = ?"
                " AND course = ? AND retired_at IS NULL",
                [username, course_id],
            ).fetchall()
        }
        weights = []
        for q in questions:
            stability, last, source, lapses = cards.get(q.id, (None, None, "refresher", 0))
            recall = self.review.recall(stability, last, now)
            if recall is None:
                weights.append(0.4)
                continue
            weight = (1.0 - recall) + (0.5 if source == "missed" else 0.0) + 0.25 * min(lapses, 4)
            weights.append(max(0.05, weight))
        return weights

    def start(self, user: User, course_id: str, *, rng: random.Random | None = None) -> Refresher:
        """The open refresher for the course, or a new one of REFRESHER_SIZE questions drawn from
        the whole course's pool, weighted towards the learner's weak cards."""
        require_role(user, *EVERYONE)
        offer = next((o for o in self.offers(user) if o.course == course_id), None)
        if offer is None:
            raise RefresherNotDue(
                "There is no refresher quiz for this course now: it opens 60 days before your certificate lapses · "
                "该课程目前没有复习测验：证书到期前60天开放"
            )
        if offer.open_refresher is not None:
            return self.get(user, offer.open_refresher)
        self.review.sync(user)  # the weights read the deck as the quizzes left it
        rng = rng or random.Random()
        chosen = self.draw(user.username, course_id, rng)
        shown = [{"q": q.id, "order": list(present(q, rng, shuffle=True))} for q in chosen]
        with self.review._transaction():
            cur = self.db.execute(
                "INSERT INTO refreshers (username, course, questions, started_at, max_score) VALUES (?, ?, ?, ?, ?)",
                [user.username, course_id, json.dumps(shown), self.review.now(), float(sum(q.points for q in chosen))],
            )
        return self.get(user, int(cur.lastrowid or 0))

    def get(self, viewer: User, refresher_id: int) -> Refresher:
        rows = list(self.db.query("SELECT * FROM refreshers WHERE id = ?", [refresher_id]))
        if not rows:
            raise RefresherNotDue(f"No refresher quiz #{refresher_id} · 找不到该复习测验")
        r = rows[0]
        self.review._may_see(viewer, r["username"])
        course = self.review.catalog.course(r["course"])
        known = {q.id: q for m in course.modules for q in m.questions}
        shown = [s for s in json.loads(r["questions"]) if s["q"] in known]  # a removed question is left out
        return Refresher(
            id=r["id"],
            username=r["username"],
            course=r["course"],
            questions=tuple(known[s["q"]] for s in shown),
            orders={s["q"]: tuple(s["order"]) for s in shown},
            responses=json.loads(r["responses"]),
            started_at=r["started_at"],
            submitted_at=r["submitted_at"],
            score=r["score"],
            max_score=r["max_score"],
            passed=None if r["passed"] is None else bool(r["passed"]),
            certificate=r["certificate"],
        )

    def submit(self, user: User, refresher_id: int, responses: dict[str, Any]) -> Refresher:
        """Grade the refresher; passing renews the certificate with a new code (the old one verifies as
        superseded). Each answer is also a review of the learner's card for that question. Submitting
        twice (two tabs) returns the first result."""
        from trainer.learning.quiz import issue_certificate

        refresher = self.get(user, refresher_id)
        if refresher.username.lower() != user.username.lower():
            raise PermissionDenied("This is someone else's refresher quiz · 这不是您的复习测验")
        if refresher.finished:
            return refresher
        self.review.sync(user)
        now = self.review.now()
        total, top = 0.0, 0.0
        graded: list[tuple[Question, Grade]] = []
        for q in refresher.questions:
            given = responses.get(q.id)
            result = grade(q, sorted(given) if isinstance(given, set | frozenset) else given)
            total += result.score
            top += result.max
            graded.append((q, result))
        ok = top > 0 and total >= REFRESHER_PASS * top - 1e-9
        with self.review._transaction():
            cur = self.db.execute(
                "UPDATE refreshers SET submitted_at = ?, responses = ?, score = ?, max_score = ?, passed = ?"
                " WHERE id = ? AND submitted_at IS NULL",
                [now, json.dumps(responses, ensure_ascii=False, default=sorted), total, top, int(ok), refresher_id],
            )
            if cur.rowcount:
                cert = self._certificate(refresher.username, refresher.course)
                if ok and cert is not None:
                    course = self.review.catalog.course(refresher.course)
                    name_row = self.db.execute("SELECT name FROM certificates WHERE code = ?", [cert[0]]).fetchone()
                    code = issue_certificate(self.db, refresher.username, name_row[0], course, now, supersedes=cert[0])
                    self.db.execute("UPDATE refreshers SET certificate = ? WHERE id = ?", [code, refresher_id])
                for q, result in graded:
                    if result.empty:
                        continue
                    row = next(
                        iter(
                            self.db.query(
                                "SELECT * FROM review_cards WHERE username = ? AND course = ? AND question = ?"
                                " AND retired_at IS NULL",
                                [refresher.username, refresher.course, q.id],
                            )
                        ),
                        None,
                    )
                    if row is not None and (row["last_review"] or 0) < now:
                        self.review._apply(row, rating_for(result.score, result.max), now, "refresher")
        return self.get(user, refresher_id)

    def assign(self, actor: User, usernames: Iterable[str], course_id: str, due: dt.date | None = None) -> int:
        """A trainer asks people (a group) to take the course's refresher now, whatever their expiry."""
        require_role(actor, *STAFF)
        self.review.catalog.course(course_id)
        at = dt.datetime.fromtimestamp(self.review.now(), dt.UTC).isoformat(timespec="seconds")
        count = 0
        with self.review._transaction():
            for username in usernames:
                self.db.execute(
                    "INSERT INTO refresher_assignments (username, course, due, assigned_by, at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(username, course) DO UPDATE SET due = excluded.due,"
                    " assigned_by = excluded.assigned_by, at = excluded.at",
                    [username, course_id, due.isoformat() if due else None, actor.username, at],
                )
                count += 1
        return count

    def expiring(self, viewer: User, course_id: str, within_days: int = 90) -> list[dict[str, Any]]:
        """For trainers: certificates in force that lapse within ``within_days`` (or have lapsed),
        soonest first, with the 30/60/90-day band."""
        require_role(viewer, *STAFF)
        now = self.review.now()
        rows = []
        for username, name, code in self.db.execute(
            "SELECT username, name, code FROM certificates WHERE course = ? AND superseded_by IS NULL",
            [course_id],
        ).fetchall():
            cert = self._certificate(username, course_id)
            if cert is None or cert[0] != code:
                continue
            left = int((dt.datetime.fromisoformat(cert[1]).timestamp() - now) // DAY_S)
            if left > within_days:
                continue
            band = "expired" if left < 0 else next(str(b) for b in (30, 60, 90) if left < b or b == 90)
            rows.append(
                {
                    "username": username,
                    "name": name,
                    "code": code,
                    "expires": cert[1][:10],
                    "days_left": left,
                    "band": band,
                }
            )
        return sorted(rows, key=lambda r: r["days_left"])
