"""Spaced review at county scale: 2,000 learners x 300 cards with a year of reviews in a real app.db.

    .venv/bin/python bench/review_bench.py [--learners 2000] [--cards 300] [--templates 4000] [--sample 200] [--seed 17]

The course (10 modules x 30 single-choice questions) is written in the real content format and loaded
by courses.content. The review history is made quickly but from fsrs itself: ``--templates`` card
histories are simulated over a year with the app's scheduler (trainer.learning.review.make_scheduler) - each
review on or a few days after its due day, the rating drawn from the card's predicted recall - and each
card takes one history, started on a random day of the year before now. The card's state is the
scheduler's state after its last review before now, and every review goes into review_log, in the
shapes trainer/learning/review.py writes (bulk inserts in one transaction instead of one review at a time).

Then, on that app.db: one learner's due queue as Today's review builds it (``Review.sync`` with nothing
new, then ``Review.due``), p50/p95 over ``--sample`` learners (goal p95 <= 20 ms); one review recorded
(``Review.answer``: grading, the scheduler, the write), p50/p95; the trainer's retention table for every
learner (``reports.retention_rows``, as the dashboard draws it; the first call also reconciles every
deck with the content, so it is reported apart; goal <= 2 s); and the database's size.
Writes bench/results/review.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402

OUT = ROOT / "bench" / "results" / "review.json"
DAY = 86_400
MODULES = 10
GOAL_DUE_P95_MS = 20.0
GOAL_TABLE_S = 2.0


def write_course(root: Path, questions: int) -> None:
    """One course, ``questions`` single-choice questions over MODULES modules."""
    per = math.ceil(questions / MODULES)
    course = root / "bench"
    course.mkdir(parents=True)
    (course / "course.yaml").write_text(
        "id: bench\ntitle: {zh: 复习基准, en: Review bench}\nsummary: {zh: 概要, en: Summary}\n", encoding="utf-8"
    )
    n = 0
    for m in range(1, MODULES + 1):
        base = course / f"{m:02d}-m{m}"
        (base / "lessons").mkdir(parents=True)
        (base / "module.yaml").write_text(
            f"id: m{m}\ntitle: {{zh: 模块{m}, en: Module {m}}}\nsummary: {{zh: 概要, en: Summary}}\n"
            "objectives: {zh: [目标], en: [Objective]}\n"
            "quiz:\n  pass_mark: 0.6\n  draw: 10\n  max_attempts: 0\n  time_limit_min: null\n  grading: highest\n",
            encoding="utf-8",
        )
        for lang in ("zh", "en"):
            (base / "lessons" / f"01-basics.{lang}.md").write_text(
                f"---\nid: basics\ntitle: T{m}\nminutes: 3\n---\n\n## T{m} {{#why}}\nText {m}.\n", encoding="utf-8"
            )
        lines = ["questions:"]
        for _ in range(per):
            if n >= questions:
                break
            n += 1
            lines += [
                f"  - id: q{n}",
                "    type: single",
                "    kind: recall",
                "    topic: t",
                "    lesson: basics#why",
                f'    prompt: {{zh: "第{n}题？", en: "Question {n}?"}}',
                "    options:",
                "      - {id: a, text: {zh: 对, en: Right}, correct: true}",
                "      - {id: b, text: {zh: 错, en: Wrong}, feedback: {zh: 不对, en: No}}",
                "      - {id: c, text: {zh: 也错, en: Also wrong}, feedback: {zh: 不对, en: No}}",
                f"    explanation: {{zh: 解释{n}, en: Why {n}}}",
            ]
        (base / "quiz.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def simulate(templates: int, seed: int) -> list[list[tuple[int, int, int, int, float, float, int]]]:
    """``templates`` one-year card histories from fsrs: (offset s, rating, state, step, stability,
    difficulty, due offset s) after each review, the first one the quiz answer at offset 0."""
    from fsrs import Card, Rating

    from trainer.learning.review import make_scheduler

    scheduler = make_scheduler()
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, 2, tzinfo=dt.UTC)
    out = []
    for _ in range(templates):
        card, at, history = Card(), start, []
        skill = rng.uniform(-0.15, 0.1)  # some learners remember better than the scheduler predicts
        first = Rating.Again if rng.random() < 0.4 else rng.choice([Rating.Hard, Rating.Good, Rating.Good])
        rating = first
        while (at - start).days < 366:
            card, _ = scheduler.review_card(card, rating, at)
            offset, due = int((at - start).total_seconds()), int((card.due - start).total_seconds())
            history.append((offset, int(rating), int(card.state), card.step or 0, card.stability, card.difficulty, due))
            # The learner comes back on the due day, or a few days late (weekends, busy weeks).
            late = rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 7])
            at = card.due + dt.timedelta(days=late, hours=rng.uniform(0, 10))
            recall = scheduler.get_card_retrievability(card, at) + skill
            if rng.random() > recall:
                rating = Rating.Again
            else:
                rating = rng.choices([Rating.Hard, Rating.Good, Rating.Easy], [0.15, 0.75, 0.10])[0]
        out.append(history)
    return out


def build(db: Any, catalog: Any, learners: int, cards: int, templates: int, seed: int, now: int) -> dict[str, int]:
    """Users, cards and review log in one transaction; returns row counts."""
    from trainer.learning.review import answer_fingerprint

    histories = simulate(templates, seed)
    rng = random.Random(seed + 1)
    questions = [(m.id, q.id, answer_fingerprint(q)) for c in catalog.courses for m in c.modules for q in m.questions]
    questions = questions[:cards]
    created = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
    departments = [f"镇街{i:02d}" for i in range(20)]
    conn = db.conn
    n_cards = n_log = 0
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (username, name, department, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(f"u{i:04d}", f"学员{i}", departments[i % 20], "learner", "-", created) for i in range(learners)]
        + [("trainer", "培训师", "", "trainer", "-", created)],
    )
    card_id = 0
    for i in range(learners):
        username = f"u{i:04d}"
        card_rows, log_rows = [], []
        for module, qid, fp in questions:
            card_id += 1
            history = histories[rng.randrange(len(histories))]
            began = now - rng.randrange(1, 366) * DAY - rng.randrange(DAY)  # the quiz answer, within the year
            past = [h for h in history if began + h[0] < now]
            for version, (off, rating, _state, _step, stab, diff, due) in enumerate(past):
                origin = "quiz" if version == 0 else "review"
                log_rows.append((card_id, version, rating, origin, began + off, stab, diff, began + due))
            off, _, state, step, stab, diff, due = past[-1]
            lapses = sum(1 for h in past[1:] if h[1] == 1)
            source = "missed" if past[0][1] == 1 else "refresher"
            card_rows.append((card_id, username, "bench", module, qid, source, fp, state, step, stab, diff,
                              began + due, began + off, len(past), len(past), lapses, began))  # fmt: skip
        conn.executemany(
            "INSERT INTO review_cards (id, username, course, module, question, source, fingerprint, state, step,"
            " stability, difficulty, due, last_review, version, reviews, lapses, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            card_rows,
        )
        conn.executemany(
            "INSERT INTO review_log (card_id, version, rating, origin, reviewed_at, stability, difficulty, due)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            log_rows,
        )
        # The deck has read everything: sync finds nothing new (as on most page views).
        conn.execute("INSERT INTO review_sync (username, graded_done, practice_at) VALUES (?, 0, ?)", [username, now])
        n_cards += len(card_rows)
        n_log += len(log_rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    return {"cards": n_cards, "review_log": n_log}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(1000 * statistics.median(values), 2), "p95_ms": round(1000 * pct(values, 0.95), 2),
            "max_ms": round(1000 * max(values), 2), "n": len(values)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--templates", type=int, default=4000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    started = time.perf_counter()

    from courses.content import load_catalog
    from trainer.analytics import reports
    from trainer.learning.review import Review
    from trainer.people.accounts import Accounts
    from trainer.storage.db import open_db

    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        folder = Path(tmp)
        write_course(folder / "content", args.cards)
        catalog = load_catalog(folder / "content")
        db = open_db(folder / "app.db")
        now = int(time.time())
        t0 = time.perf_counter()
        counts = build(db, catalog, args.learners, args.cards, args.templates, args.seed, now)
        build_s = time.perf_counter() - t0
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = sum(p.stat().st_size for p in folder.glob("app.db*"))
        print(f"built {counts} in {build_s:.1f} s; app.db {size / 2**20:.0f} MiB", flush=True)

        accounts = Accounts(db)
        review = Review(db, catalog)
        rng = random.Random(args.seed + 2)
        sample = rng.sample(range(args.learners), min(args.sample, args.learners))
        users = [accounts.get(f"u{i:04d}") for i in sample]

        queue, due_only, sizes = [], [], []
        for user in users:
            t = time.perf_counter()
            review.sync(user)
            cards = review.due(user)
            queue.append(time.perf_counter() - t)
            t = time.perf_counter()
            review.due(user)
            due_only.append(time.perf_counter() - t)
            sizes.append(len(cards))
        print(f"due queue (sync + due): {ms(queue)}; due only {ms(due_only)}", flush=True)

        answers = []
        for user in users:
            cards = review.due(user, limit=1)
            if not cards:
                continue
            card = cards[0]
            response = "a" if rng.random() < 0.85 else "b"
            t = time.perf_counter()
            result = review.answer(user, card.id, card.version, response)
            answers.append(time.perf_counter() - t)
            assert result.counted
        print(f"one review recorded: {ms(answers)}", flush=True)

        trainer = accounts.get("trainer")
        t = time.perf_counter()
        first = reports.retention_rows(trainer, review, accounts, "bench")
        table_first = time.perf_counter() - t
        table_warm = []
        for _ in range(3):
            t = time.perf_counter()
            rows = reports.retention_rows(trainer, review, accounts, "bench")
            table_warm.append(time.perf_counter() - t)
        assert len(rows) == len(first) == args.learners * MODULES
        t = time.perf_counter()
        review.retention_table(trainer, "bench")
        table_only = time.perf_counter() - t
        print(f"retention table: first {table_first:.2f} s, then {min(table_warm):.2f} s", flush=True)
        recalls = [r["recall"] for r in rows if r["recall"] is not None]
        overdue = sum(r["overdue"] for r in rows)
        db.conn.close()

    due_p95 = ms(queue)["p95_ms"]
    payload = {
        "command": " ".join(["bench/review_bench.py", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "data": {
            "learners": args.learners,
            "cards_per_learner": args.cards,
            "cards": counts["cards"],
            "review_log_rows": counts["review_log"],
            "history_templates": args.templates,
            "build_s": round(build_s, 1),
            "app_db_mib": round(size / 2**20, 1),
            "due_today_per_learner_mean": round(statistics.mean(sizes), 1),
            "mean_predicted_recall_pct": round(statistics.mean(recalls), 1),
            "cards_overdue": overdue,
        },
        "due_queue": {**ms(queue), "goal_p95_ms": GOAL_DUE_P95_MS, "met": due_p95 <= GOAL_DUE_P95_MS},
        "due_query_only": ms(due_only),
        "record_review": ms(answers),
        "retention_table": {
            "all_learners_rows": len(rows),
            "first_s": round(table_first, 2),
            "warm_s": round(min(table_warm), 2),
            "review_retention_table_only_s": round(table_only, 2),
            "goal_s": GOAL_TABLE_S,
            "met": table_first <= GOAL_TABLE_S,
        },
    }
    write_results(OUT, payload, started)


if __name__ == "__main__":
    main()
