"""What trainers read: assignments, the gradebook, attempts, item analysis, knowledge gaps, usage,
and their CSV / Excel exports.

Every function takes the viewer and checks the role itself. Learners get only their own rows from
the functions that allow them at all; everything else is for trainers and admins.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from courses.models import MultipleChoice, SingleChoice
from trainer.analytics.itemstats import ItemAnalysis, Note, OptionTable, Response, analyse, option_frequencies
from trainer.errors import TrainerError
from trainer.i18n import t
from trainer.learning.quiz import EVERYONE, STAFF, Learning
from trainer.learning.review import Refreshers, Review
from trainer.people.accounts import Accounts, User, require_role

# Two questions whose e5 embeddings are at least this similar are one topic. e5-small's
# similarities bunch high (unrelated questions score ~0.75-0.8), hence the high bar.
CLUSTER_SIMILARITY = 0.88


class ReportError(TrainerError):
    "A report cannot be made as asked"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# ---------------------------------------------------------------------- assignments
def assign(actor: User, db: sqlite_utils.Database, usernames: Iterable[str], course: str, due: dt.date | None) -> int:
    """Assign a course (with an optional due date) to people; assigning again updates the due date."""
    require_role(actor, *STAFF)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    count = 0
    for username in usernames:
        db.execute(
            "INSERT INTO assignments (username, course, due, assigned_by, at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(username, course) DO UPDATE SET due = excluded.due, assigned_by = excluded.assigned_by,"
            " at = excluded.at",
            [username, course, due.isoformat() if due else None, actor.username, now],
        )
        count += 1
    return count


def assignments(viewer: User, db: sqlite_utils.Database) -> dict[tuple[str, str], str | None]:
    """(username lower-cased, course) -> due date; learners see their own."""
    require_role(viewer, *EVERYONE)
    rows = db.execute("SELECT username, course, due FROM assignments").fetchall()
    mine = viewer.role == "learner"
    return {(u.lower(), c): d for u, c, d in rows if not mine or u.lower() == viewer.username.lower()}


# ---------------------------------------------------------------------- gradebook
@dataclass(frozen=True)
class GradeRow:
    username: str
    name: str
    department: str
    module: str
    module_order: int
    grade: float | None  # % by the module's grading method
    attempts: int
    passed: bool
    completed: bool
    due: str | None
    overdue: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "name": self.name,
            "department": self.department,
            "module": self.module,
            "grade": None if self.grade is None else round(self.grade, 1),
            "attempts": self.attempts,
            "passed": self.passed,
            "completed": self.completed,
            "due": self.due or "",
            "overdue": self.overdue,
        }


# ---------------------------------------------------------------------- who counts
# Staff (trainers and admins) try quizzes and the chat while preparing a course: their attempts and
# questions are left out of every learner statistic (gradebook, attempts, item analysis, usage) unless
# the caller asks for them with ``include_staff=True`` (the Dashboard's one switch). Knowledge gaps
# keep everyone's questions: a question the knowledge base cannot answer is a gap whoever asked it.
_STAFF_SQL = "(SELECT lower(username) FROM users WHERE role IN ({}))".format(", ".join(f"'{r}'" for r in STAFF))


def _not_staff(column: str = "username") -> str:
    """An SQL condition: ``column`` is not the user name of a trainer or an admin (as app.db has them now)."""
    return f"lower({column}) NOT IN {_STAFF_SQL}"


def _learners(viewer: User, accounts: Accounts, group: str | None, include_staff: bool = False) -> list[User]:
    if viewer.role == "learner":
        return [viewer]
    people = [u for u in accounts.users() if include_staff or u.role == "learner"]
    return [u for u in people if not group or u.department == group]


def gradebook(
    viewer: User,
    learning: Learning,
    accounts: Accounts,
    course_id: str,
    *,
    group: str | None = None,
    include_staff: bool = False,
) -> list[GradeRow]:
    """Learners x modules (with ``include_staff``, trainers and admins too). Overdue: the course was
    assigned with a due date that has passed and the module is not completed."""
    require_role(viewer, *EVERYONE)
    due_dates = assignments(viewer, learning.db)
    course = learning.catalog.course(course_id)
    rows = []
    today = _today().isoformat()
    for person in _learners(viewer, accounts, group, include_staff):
        progress = learning.progress(viewer, course_id, person.username)
        due = due_dates.get((person.username.lower(), course_id))
        for module, state in zip(course.modules, progress.modules, strict=True):
            rows.append(
                GradeRow(
                    username=person.username,
                    name=person.name,
                    department=person.department,
                    module=module.id,
                    module_order=module.order,
                    grade=None if state.grade is None else state.grade * 100,
                    attempts=state.attempts_used,
                    passed=state.passed,
                    completed=state.completed,
                    due=due,
                    overdue=due is not None and due < today and not state.completed,
                )
            )
    return rows


def groups(viewer: User, accounts: Accounts) -> list[str]:
    require_role(viewer, *STAFF)
    return sorted({u.department for u in accounts.users() if u.department})


# ---------------------------------------------------------------------- spaced review
EXPIRY_BANDS = (30, 60, 90)  # days ahead the dashboard counts certificates lapsing within


def retention_rows(
    viewer: User,
    review: Review,
    accounts: Accounts,
    course_id: str,
    *,
    group: str | None = None,
    include_staff: bool = False,
) -> list[dict[str, Any]]:
    """Learners x modules of the course with review cards: cards, predicted recall today (%, from
    the scheduler's stability; None before a card's first review), due today, overdue."""
    require_role(viewer, *STAFF)
    people = {u.username.lower(): u for u in _learners(viewer, accounts, group, include_staff)}
    return [
        {
            "username": r["username"],
            "name": people[r["username"].lower()].name,
            "department": people[r["username"].lower()].department,
            "module": r["module"],
            "cards": r["cards"],
            "recall": r["recall"],
            "due_today": r["due_today"],
            "overdue": r["overdue"],
        }
        for r in review.retention_table(viewer, course_id, usernames=list(people))
    ]


def expiring_rows(
    viewer: User,
    refreshers: Refreshers,
    accounts: Accounts,
    course_id: str,
    *,
    group: str | None = None,
    include_staff: bool = False,
) -> list[dict[str, Any]]:
    """Certificates in force for the course that lapse within the last band (or have lapsed),
    soonest first, of the learners in ``group``."""
    require_role(viewer, *STAFF)
    people = {u.username.lower(): u for u in _learners(viewer, accounts, group, include_staff)}
    return [
        {
            "username": r["username"],
            "name": r["name"],
            "department": people[r["username"].lower()].department,
            "code": r["code"],
            "expires": r["expires"],
            "days_left": r["days_left"],
        }
        for r in refreshers.expiring(viewer, course_id, within_days=EXPIRY_BANDS[-1])
        if r["username"].lower() in people
    ]


def expiry_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many lapsed already, and how many lapse within each band (cumulative: the 60-day count
    includes the 30-day one), from :func:`expiring_rows`."""
    left = [int(r["days_left"]) for r in rows]
    counts = {"lapsed": sum(d < 0 for d in left)}
    counts.update({str(band): sum(0 <= d < band for d in left) for band in EXPIRY_BANDS})
    return counts


def assign_refresher(
    actor: User,
    refreshers: Refreshers,
    accounts: Accounts,
    course_id: str,
    usernames: Iterable[str],
    due: dt.date | None = None,
) -> tuple[int, list[str]]:
    """Ask people to take the course's refresher now. Only holders of a certificate in force get it
    (a refresher renews a certificate; one earned later starts its own year): returns how many were
    assigned and who was left out for having none."""
    require_role(actor, *STAFF)
    holders = {
        u.lower()
        for (u,) in refreshers.db.execute(
            "SELECT DISTINCT username FROM certificates WHERE course = ? AND superseded_by IS NULL", [course_id]
        ).fetchall()
    }
    wanted = sorted(set(usernames), key=str.lower)
    chosen = [u for u in wanted if u.lower() in holders]
    n = refreshers.assign(actor, chosen, course_id, due) if chosen else 0
    return n, [u for u in wanted if u.lower() not in holders]


# ---------------------------------------------------------------------- attempts
def attempt_rows(
    viewer: User, learning: Learning, course_id: str, *, username: str | None = None, include_staff: bool = False
) -> list[dict[str, Any]]:
    """One row per question of every attempt: what was shown, answered and scored. Without a
    ``username``, staff attempts only with ``include_staff``."""
    require_role(viewer, *EVERYONE)
    if viewer.role == "learner":
        username = viewer.username
    sql = "SELECT * FROM attempts WHERE course = ?"
    if username:
        sql += " AND username = ?"
    elif not include_staff:
        sql += " AND " + _not_staff()
    sql += " ORDER BY id"
    params = [course_id, username] if username else [course_id]
    rows: list[dict[str, Any]] = []
    for a in learning.db.query(sql, params):
        for q in learning.db.query("SELECT * FROM attempt_questions WHERE attempt_id = ? ORDER BY pos", [a["id"]]):
            rows.append(
                {
                    "attempt": a["id"],
                    "username": a["username"],
                    "module": a["module"],
                    "mode": a["mode"],
                    "status": a["status"],
                    "started": _ts(a["started_at"]),
                    "submitted": _ts(a["submitted_at"]),
                    "attempt_score": a["score"],
                    "attempt_max": a["max_score"],
                    "passed": None if a["passed"] is None else bool(a["passed"]),
                    "position": q["pos"] + 1,
                    "question": q["question"],
                    "shown_order": " ".join(json.loads(q["shown_order"])),
                    "response": "" if q["response"] is None else _response_text(json.loads(q["response"])),
                    "mark": q["score"],
                    "max_mark": q["max_score"],
                }
            )
    return rows


def _ts(value: float | None) -> str:
    return "" if value is None else dt.datetime.fromtimestamp(value, dt.UTC).isoformat(timespec="seconds")


def _response_text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------- item analysis
@dataclass(frozen=True)
class ModuleAnalysis:
    module: str
    analysis: ItemAnalysis | None  # None when there are no finished graded attempts yet
    options: dict[str, OptionTable] = field(default_factory=dict)  # question id -> distractor table


def first_attempts(learning: Learning, course_id: str, module_id: str, *, include_staff: bool = False) -> list[int]:
    """The first finished graded attempt of each learner: statistics on first attempts, as Moodle
    does by default, so that retakes by the weaker learners do not distort them."""
    staff = "" if include_staff else " AND " + _not_staff()
    rows = learning.db.execute(
        "SELECT min(id) FROM attempts WHERE course = ? AND module = ? AND mode = 'graded' AND status != 'open'"
        f"{staff} GROUP BY username",
        [course_id, module_id],
    ).fetchall()
    return sorted(r[0] for r in rows)


def item_analysis(
    viewer: User, learning: Learning, course_id: str, module_id: str, *, include_staff: bool = False
) -> ModuleAnalysis:
    require_role(viewer, *STAFF)
    module = learning.catalog.module(course_id, module_id)
    ids = first_attempts(learning, course_id, module_id, include_staff=include_staff)
    if not ids:
        return ModuleAnalysis(module_id, None)
    marks = ",".join("?" * len(ids))
    rows = list(
        learning.db.query(
            f"SELECT attempt_id, question, response, score, max_score FROM attempt_questions"
            f" WHERE attempt_id IN ({marks}) ORDER BY attempt_id, pos",
            ids,
        )
    )
    result = analyse(Response(r["attempt_id"], r["question"], r["score"] or 0.0, r["max_score"]) for r in rows)
    picks: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        picks[r["question"]].append(None if r["response"] is None else json.loads(r["response"]))
    options = {}
    for question in module.questions:
        if isinstance(question, SingleChoice | MultipleChoice) and question.id in picks:
            options[question.id] = option_frequencies(
                picks[question.id], [o.id for o in question.options], [o.id for o in question.options if o.correct]
            )
    return ModuleAnalysis(module_id, result, options)


# ---------------------------------------------------------------------- knowledge gaps
OUTCOMES = ("answered", "related", "not_found")  # the chat's outcomes (knowledge.answer.Answer.confidence)
# What a knowledge gap was, for its label and export column: the chat's outcome for a gap that
# knowledge.db recorded, or a thumbs-down on an answer.
GAP_KINDS = ("not_found", "related", "thumbs_down")


@dataclass
class GapItem:
    source: str  # "refused" (knowledge.db gaps: not answered) or "thumbs_down" (app.db rating)
    id: int  # gap id or ask id
    question: str
    asked_by: str
    asked_at: str
    closest: list[str]
    reason: str = ""
    confidence: str = "not_found"  # the chat's outcome: a gap's "not_found" or "related"; the rated answer's

    @property
    def kind(self) -> str:
        """One of GAP_KINDS: not found, related passages only, or a thumbs-down."""
        return "thumbs_down" if self.source == "thumbs_down" else self.confidence


def outcome_label(kind: str, lang: str) -> str:
    """A chat outcome or GAP_KINDS value in the interface language (the value itself if unknown)."""
    return t("outcome_" + kind, lang) if kind in OUTCOMES or kind in GAP_KINDS else kind


@dataclass
class GapCluster:
    question: str  # the most frequent wording
    items: list[GapItem]
    closest: list[str]  # documents, most often offered first

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def last_asked(self) -> str:
        return max(i.asked_at for i in self.items)

    def kinds(self) -> list[str]:
        """The GAP_KINDS among the items, most frequent first."""
        counts = Counter(i.kind for i in self.items)
        return sorted(counts, key=lambda k: (-counts[k], GAP_KINDS.index(k) if k in GAP_KINDS else len(GAP_KINDS)))

    def trend(self, weeks: int = 8, today: dt.date | None = None) -> list[int]:
        """Questions per week, oldest first, ending with the current week."""
        today = today or _today()
        counts = [0] * weeks
        for item in self.items:
            asked = dt.date.fromisoformat(item.asked_at[:10])
            age = (today - asked).days // 7
            if 0 <= age < weeks:
                counts[weeks - 1 - age] += 1
        return counts


def gap_items(viewer: User, kb: Any, db: sqlite_utils.Database) -> list[GapItem]:
    """Open questions the chat did not answer (not found, or related passages only) and unhandled
    thumbs-down answers."""
    require_role(viewer, *STAFF)
    items = [
        GapItem(
            "refused",
            g["id"],
            g["question"],
            g["asked_by"],
            g["asked_at"],
            list(g["closest"]),
            confidence=g.get("confidence") or "not_found",  # a knowledge.db from before the column
        )
        for g in kb.catalog.gaps("open")
    ]
    # A thumbs-down on an answer that was already a gap (related or not found) is the same question
    # once: its reason joins the gap instead of making a second entry.
    unanswered = {(i.question, i.asked_by.lower()): i for i in items}
    for row in db.query(
        "SELECT a.id, a.question, a.username, f.at, a.citations, f.reason, a.confidence FROM answer_feedback f"
        " JOIN asks a ON a.id = f.ask_id WHERE f.rating = -1 AND f.handled = 0 ORDER BY f.at"
    ):
        same = unanswered.get((row["question"], row["username"].lower()))
        if same is not None and row["confidence"] != "answered":
            same.reason = same.reason or row["reason"]
            continue
        cited = [c["doc"] for c in json.loads(row["citations"])]
        items.append(
            GapItem(
                "thumbs_down",
                row["id"],
                row["question"],
                row["username"],
                row["at"],
                cited,
                row["reason"],
                row["confidence"],
            )
        )
    return items


def cluster_gaps(items: Sequence[GapItem], embed: Any, threshold: float = CLUSTER_SIMILARITY) -> list[GapCluster]:
    """Group similar questions: each joins the first cluster whose centroid is similar enough.

    ``embed`` maps a list of texts to unit vectors (the knowledge base's embedder). Greedy
    single-pass clustering is enough at the scale of one office's questions and is stable: the
    same questions in the same order give the same clusters.
    """
    import numpy as np

    if not items:
        return []
    vectors = np.asarray(embed([i.question for i in items]), dtype=np.float32)
    centroids: list[Any] = []
    members: list[list[int]] = []
    for idx, vec in enumerate(vectors):
        best, best_sim = -1, threshold
        for c, centroid in enumerate(centroids):
            sim = float(vec @ centroid / (np.linalg.norm(centroid) or 1.0))
            if sim >= best_sim:
                best, best_sim = c, sim
        if best < 0:
            centroids.append(vec.copy())
            members.append([idx])
        else:
            members[best].append(idx)
            centroids[best] = centroids[best] + vec
    clusters = []
    for group in members:
        chosen = [items[i] for i in group]
        wording = Counter(i.question for i in chosen).most_common(1)[0][0]
        docs = Counter(d for i in chosen for d in i.closest)
        clusters.append(GapCluster(wording, chosen, [d for d, _ in docs.most_common(3)]))
    clusters.sort(key=lambda c: (-c.count, c.question))
    return clusters


def mark_handled(viewer: User, kb: Any, db: sqlite_utils.Database, items: Iterable[GapItem]) -> int:
    require_role(viewer, *STAFF)
    items = list(items)
    changed = kb.catalog.set_gap_status([i.id for i in items if i.source == "refused"], "handled")
    for item in items:
        if item.source == "thumbs_down":
            changed += db.execute("UPDATE answer_feedback SET handled = 1 WHERE ask_id = ?", [item.id]).rowcount
        else:  # the thumbs-down that gap_items folded into this gap is handled with it
            db.execute(
                "UPDATE answer_feedback SET handled = 1 WHERE rating = -1 AND ask_id IN"
                " (SELECT id FROM asks WHERE question = ? AND lower(username) = lower(?) AND confidence != 'answered')",
                [item.question, item.asked_by],
            )
    return int(changed)


def answer_gap(viewer: User, kb: Any, db: sqlite_utils.Database, cluster: GapCluster, answer: str, source: str) -> int:
    """Turn a gap into a curated FAQ answer (returned verbatim for close questions) and close it."""
    require_role(viewer, *STAFF)
    faq_id = int(kb.add_faq(cluster.question, answer, source, created_by=viewer.username))
    mark_handled(viewer, kb, db, cluster.items)
    return faq_id


# ---------------------------------------------------------------------- usage
def usage(viewer: User, db: sqlite_utils.Database, *, days: int = 30, include_staff: bool = False) -> dict[str, Any]:
    """Questions per day by outcome (answered / related / not found), active people per day, the
    documents most cited by answers; learners' use only unless ``include_staff``."""
    require_role(viewer, *STAFF)
    since = (_today() - dt.timedelta(days=days - 1)).isoformat()
    staff = "" if include_staff else " AND " + _not_staff()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for day, confidence, count in db.execute(
        f"SELECT substr(at, 1, 10), confidence, count(*) FROM asks WHERE substr(at, 1, 10) >= ?{staff} GROUP BY 1, 2",
        [since],
    ).fetchall():
        per_day[day][confidence if confidence in OUTCOMES else "not_found"] += count
    active: dict[str, set[str]] = defaultdict(set)
    for day, user in db.execute(
        f"SELECT substr(at, 1, 10), username FROM asks WHERE substr(at, 1, 10) >= ?{staff}", [since]
    ).fetchall():
        active[day].add(user.lower())
    for started, user in db.execute(
        f"SELECT started_at, username FROM attempts WHERE started_at >= ?{staff}",
        [dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC).timestamp()],
    ).fetchall():
        active[_ts(started)[:10]].add(user.lower())
    cited: Counter[str] = Counter()
    # Documents that answered: a related answer's passages are cited too, but confirm nothing.
    for (citations,) in db.execute(
        f"SELECT citations FROM asks WHERE substr(at, 1, 10) >= ? AND confidence = 'answered'{staff}", [since]
    ).fetchall():
        cited.update({c["doc"] for c in json.loads(citations)})
    all_days = [(_today() - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    return {
        "days": [
            {"day": d, **{o: per_day[d][o] for o in OUTCOMES}, "active": len(active.get(d, set()))} for d in all_days
        ],
        "top_documents": cited.most_common(10),
    }


# ---------------------------------------------------------------------- exports
def to_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Chinese correctly when the file is opened."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        if rows:
            headers = list(rows[0])
            sheet.append(headers)
            for row in rows:
                sheet.append([_cell(row.get(h)) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Spreadsheet-safe: a text cell starting with = + - @ would run as a formula in Excel."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def distinct_notes(notes: Mapping[str, Note], lang: str) -> list[str]:
    """Why values are missing, each reason once in ``lang`` (one reason often empties alpha, error
    ratio and standard error together)."""
    return list(dict.fromkeys(note.text(lang) if isinstance(note, Note) else str(note) for note in notes.values()))


def item_rows(result: ModuleAnalysis) -> list[dict[str, Any]]:
    """Item statistics as flat rows for a table or an export."""
    if result.analysis is None:
        return []
    return [
        {
            "module": result.module,
            "question": q.question,
            "n": q.n,
            "facility": _round(q.facility),
            "sd": _round(q.sd),
            "discrimination": _round(q.discrimination),
            "efficiency": _round(q.efficiency),
            "flags": " ".join(q.flags),
            "notes": "; ".join(f"{k}: {v}" for k, v in q.notes.items()),
        }
        for q in result.analysis.questions
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def gap_rows(clusters: Sequence[GapCluster], lang: str | None = None) -> list[dict[str, Any]]:
    """One row per cluster; ``outcome`` names its kinds of gap (most frequent first) in ``lang``,
    or as GAP_KINDS keys when None (the CLI's JSON)."""
    return [
        {
            "question": c.question,
            "count": c.count,
            "outcome": " | ".join(outcome_label(k, lang) if lang else k for k in c.kinds()),
            "not_found": sum(i.kind == "not_found" for i in c.items),
            "related": sum(i.kind == "related" for i in c.items),
            "thumbs_down": sum(i.kind == "thumbs_down" for i in c.items),
            "last_asked": c.last_asked,
            "closest_documents": " | ".join(c.closest),
            "wordings": " | ".join(sorted({i.question for i in c.items})),
        }
        for c in clusters
    ]


def require_course(learning: Learning, course_id: str) -> None:
    if course_id not in {c.id for c in learning.catalog.courses}:
        raise ReportError(f"No course '{course_id}' - known: {', '.join(c.id for c in learning.catalog.courses)}")
