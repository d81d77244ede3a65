"""Load: many simulated users at once on ONE app process, in real browsers (issue 8).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/load_test.py [--users 30] [--questions 3] [--timeout 900]

Starts one ``streamlit run streamlit_app.py`` on a free loopback port with a fresh data folder (the
sample knowledge base seeded, the shipped course, learner accounts made with ``trainer.people.accounts``),
then drives it with Playwright: one headless Chromium, one browser context per user. Each user
signs in (start-up staggered), and once everybody is signed in they all, at the same time, ask
their questions in the chat (mixed Chinese and English, from bench/eval/questions-*.jsonl) and
submit the first module's graded quiz (the single-choice and true/false questions answered with
the first option shown, so some right and some wrong). Before the crowd, one user alone asks the
same kind of questions on the same server, for the single-user latency.

Answer latency is measured in the browser, from pressing Enter to the answer's final render (its
feedback widget appearing); quiz latency from clicking "Submit the quiz" to the result page.
Afterwards the run is checked, not only timed:

- no lost writes: per user, exactly one ``asks`` row per question sent, one refused question in
  knowledge.db's ``gaps`` per refused answer, one submitted graded attempt per quiz submitted
  with every answer given stored, and no attempt left open;
- no errors: no Streamlit exception element and no unexpected error alert in any page (refusals,
  "not passed" and "not correct" are expected content), no browser-side failure, and no
  traceback or "database is locked" in the server's output.

Results: bench/results/load.json. ``run_load`` is also what tests/test_load.py runs, smaller.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.browser import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402
from trainer.i18n import TEXT, t  # noqa: E402

RESULTS = ROOT / "bench" / "results"
EVAL_DIR = ROOT / "bench" / "eval"
PASSWORD = "load-test horse battery"
SOLO = "solo"  # the single-user baseline's account
COURSE_MODULE = 0  # the first module: unlocked for everyone

# Error alerts that are content, not failures: a refusal, a failed quiz, a wrong answer.
EXPECTED_ERRORS = tuple(
    TEXT[key][lang].split("{")[0] for key in ("not_found_title", "result_failed", "wrong") for lang in ("zh", "en")
)
LOG_PROBLEMS = re.compile(r"Traceback|Exception|database is locked|\bERROR\b|Error:")


# ---------------------------------------------------------------------- plans and results
@dataclass(frozen=True)
class Plan:
    username: str
    lang: str  # interface language (browser locale and saved account language)
    questions: tuple[str, ...]
    quiz: bool = True
    warm_up: str = ""  # asked first and not timed (the solo user's first question loads the model)


@dataclass
class UserRun:
    username: str
    sent: int = 0  # questions sent (Enter pressed)
    answered: int = 0  # answers rendered
    answer_s: list[float] = field(default_factory=list)
    step: str = "signed in"  # what the user was doing last (named when the run is cut off)
    quiz_started: bool = False
    quiz_clicked: bool = False  # "Submit the quiz" clicked
    quiz_submitted: bool = False  # and the result page seen
    quiz_answered: int = 0  # quiz questions answered before submitting
    quiz_submit_s: float | None = None
    errors: list[str] = field(default_factory=list)  # browser-side failures (timeouts, missing elements)
    page_problems: list[str] = field(default_factory=list)  # exceptions or error alerts rendered
    cut_off: bool = False  # stopped by the overall time limit, maybe in the middle of a request
    began: float = 0.0  # perf_counter when the user's work (after sign-in) began
    ended: float = 0.0
    spans: list[tuple[float, float]] = field(default_factory=list)  # each question, sent -> rendered
    repeated_clicks: list[str] = field(default_factory=list)  # clicks made again after no response
    sockets: list[str] = field(default_factory=list)  # the page's websockets: "open", then "closed" (reconnects)


def question_pool(docs: Sequence[str] | None = None) -> list[str]:
    """The evaluation questions, Chinese and English alternating (answerable and not); with ``docs``,
    only those about these documents and those nothing answers."""
    rows = []
    for path in sorted(EVAL_DIR.glob("questions-*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if docs is not None:
        rows = [r for r in rows if r["doc"] is None or r["doc"] in docs]
    zh = [r["question"] for r in rows if r["lang"] == "zh"]
    en = [r["question"] for r in rows if r["lang"] == "en"]
    pool = [q for pair in zip(zh, en, strict=False) for q in pair]
    return pool + zh[len(en) :] + en[len(zh) :]


def make_plans(users: int, questions: int, pool: Sequence[str], *, prefix: str = "load") -> list[Plan]:
    """``users`` learners, every other one with the Chinese interface, ``questions`` each from ``pool``."""
    return [
        Plan(
            f"{prefix}{i + 1:02d}",
            "zh" if i % 2 == 0 else "en",
            tuple(pool[(i * questions + j) % len(pool)] for j in range(questions)),
        )
        for i in range(users)
    ]


# ---------------------------------------------------------------------- the data folder
def prepare(
    data_dir: Path, plans: Sequence[Plan], *, samples: Sequence[str] | None = None, embedder: Any = None
) -> int:
    """A fresh data folder: the sample knowledge base (all of it, or the ``samples`` file names) and one
    learner account per plan, made through the packages. Returns the number of chunks indexed."""
    from knowledge.kb import KnowledgeBase
    from knowledge.seed import read_manifest, seed_samples
    from knowledge.settings import Settings
    from trainer.people.accounts import Accounts
    from trainer.storage.db import open_db

    settings = Settings.from_env(data_dir=data_dir)
    kb = KnowledgeBase(settings, embedder=embedder) if embedder is not None else KnowledgeBase(settings)
    try:
        if samples is None:
            results = seed_samples(kb)
        else:
            entries = [e for e in read_manifest() if e.file in set(samples)]
            results = [kb.ingest_file(e.path, kind=e.kind, title=e.title, added_by="samples") for e in entries]
        failed = [r for r in results if r.status == "failed"]
        if failed or not results:
            raise RuntimeError(f"seeding failed: {failed or 'no documents'}")
        chunks = kb.catalog.counts()[1]
        kb.calibration()  # as the CLI's ingest and the Library do after indexing
    finally:
        kb.close()
    db = open_db(data_dir / "app.db")
    try:
        accounts = Accounts(db)
        for plan in plans:
            accounts.create_user(
                plan.username, PASSWORD, "learner", name=f"Load {plan.username}", department="load test",
                language=plan.lang,
            )  # fmt: skip
    finally:
        db.conn.close()
    return int(chunks)


# ---------------------------------------------------------------------- one user in a browser
async def sign_in(page: Any, url: str, plan: Plan) -> None:
    L = plan.lang
    await page.goto(url)
    await page.get_by_label(t("username", L)).fill(plan.username)
    await page.get_by_label(t("password", L), exact=True).fill(PASSWORD)
    await page.get_by_role("button", name=t("sign_in", L)).click()
    await page.get_by_placeholder(t("ask_placeholder", L)).wait_for()


async def ask(page: Any, plan: Plan, question: str, run: UserRun, *, timed: bool = True) -> None:
    """One chat question; timed from Enter to the answer's feedback widget (rendered last)."""
    box = page.get_by_placeholder(t("ask_placeholder", plan.lang))
    await box.fill(question)
    before = run.answered
    run.step = f"waiting for answer {before + 1}"
    start = time.perf_counter()
    await box.press("Enter")
    run.sent += 1
    await page.locator("[data-testid=stFeedback]").nth(before).wait_for()
    end = time.perf_counter()
    run.answered += 1
    if timed:
        run.answer_s.append(end - start)
        run.spans.append((start, end))


async def take_quiz(page: Any, plan: Plan, run: UserRun) -> None:
    """Start the first module's graded quiz, answer every single-choice and true/false question with
    its first option, submit (the rest unanswered) and wait for the result page."""
    L = plan.lang
    run.step = "opening Courses"
    await page.get_by_role("link", name=t("page_courses", L), exact=True).click()
    run.step = "opening the quiz tab"
    await page.get_by_role("tab", name=t("tab_quiz", L)).click()
    run.step = "starting the graded quiz"
    await page.get_by_role("button", name=t("start_graded", L)).click()
    run.quiz_started = True
    submit = page.get_by_role("button", name=t("submit_quiz", L))
    await submit.wait_for()
    run.step = "answering the quiz"
    groups = page.locator("[data-testid=stForm] [data-testid=stRadio]")
    back = page.get_by_role("button", name=t("back_to_module", L))
    anyway = page.get_by_role("button", name=t("submit_anyway", L))
    start = time.perf_counter()
    for attempt in range(2):
        run.quiz_answered = 0
        for k in range(await groups.count()):
            await groups.nth(k).locator("[role=radiogroup] label").first.click()
            run.quiz_answered += 1
        run.step = "submitting the quiz"
        await submit.click()
        run.quiz_clicked = True
        try:  # a click the page never answers is made once more, as a person would (and counted)
            await back.or_(anyway).first.wait_for(timeout=NO_RESPONSE_S * 1000 if attempt == 0 else None)
            break
        except Exception:
            if attempt or not await submit.count():
                raise
            run.repeated_clicks.append(f"submit (websockets {run.sockets})")
            say(f"{run.username}: no response to Submit in {NO_RESPONSE_S} s; clicking again")
    if await anyway.count():  # a question the radios did not cover (ordering, text) is left open
        run.step = "confirming the submission"
        await anyway.click()
    run.step = "waiting for the result page"
    await back.wait_for()
    run.quiz_submit_s = time.perf_counter() - start
    run.quiz_submitted = True


async def page_problems(page: Any) -> list[str]:
    """Exceptions and unexpected error alerts the page shows now."""
    problems = [
        "exception: " + text.strip()[:300] for text in await page.locator("[data-testid=stException]").all_inner_texts()
    ]
    for text in await page.locator("[data-testid=stAlertContentError]").all_inner_texts():
        if not any(line.strip().startswith(EXPECTED_ERRORS) for line in text.splitlines()):  # after the icon
            problems.append("error alert: " + text.strip()[:300])
    body = await page.locator("body").inner_text()
    for marker in ("Traceback", "database is locked", "Connection error"):
        if marker in body:
            problems.append(f"page shows {marker!r}")
    return problems


T0 = time.perf_counter()
NO_RESPONSE_S = 120  # a click with no answer from the page this long is made again


def say(message: str) -> None:
    """Progress on stderr, seconds since the module was loaded (pytest shows it on failure)."""
    print(f"[{time.perf_counter() - T0:7.1f} s] {message}", file=sys.stderr, flush=True)


async def work(page: Any, plan: Plan, run: UserRun, *, delay_s: float = 0.0) -> None:
    """A signed-in user's session: the questions, then the quiz; errors are recorded, not raised."""
    await asyncio.sleep(delay_s)
    run.began = time.perf_counter()
    try:
        if plan.warm_up:
            await ask(page, plan, plan.warm_up, run, timed=False)
        for question in plan.questions:
            await ask(page, plan, question, run)
        run.page_problems += await page_problems(page)
        if plan.quiz:
            await take_quiz(page, plan, run)
            run.page_problems += await page_problems(page)
        say(f"{plan.username} done: {run.answered} answers, quiz {'submitted' if run.quiz_submitted else '-'}")
    except Exception as exc:  # a timeout or a missing element: the run goes on for the others
        run.errors.append(
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]} ({run.step}; websockets {run.sockets})"
        )
        say(f"{plan.username} failed: {run.errors[-1]}")
        try:
            run.page_problems += await page_problems(page)
        except Exception:
            pass
    finally:
        run.ended = time.perf_counter()


async def drive(
    url: str,
    plans: Sequence[Plan],
    *,
    solo: Plan | None = None,
    stagger_s: float = 0.5,
    spread_s: float = 3.0,
    action_timeout_s: float = 300,
    timeout_s: float = 900,
    contexts: str = "user",
    screenshots: Path | None = None,
) -> tuple[UserRun | None, list[UserRun], float]:
    """The solo baseline (if any), then every plan at once; returns the runs and the crowd's wall time.
    After ``timeout_s`` the users still busy are stopped and recorded as errors.

    ``contexts="user"``: a browser context (own cache and cookies) per user, as people at their own
    computers; ``"language"``: one per interface language, each user in a tab of its own, which saves
    browser CPU but shares the sign-in cookie: a tab that loads after another tab of its context signed in
    opens signed in as that user (a reload or a second tab stays signed in), so its own sign-in fails."""
    from playwright.async_api import async_playwright

    deadline = time.perf_counter() + timeout_s

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            shared: dict[str, Any] = {}

            async def new_context(lang: str) -> Any:
                return await browser.new_context(
                    locale="zh-CN" if lang == "zh" else "en-US",
                    viewport={"width": 1100, "height": 800},
                    reduced_motion="reduce",  # no spinner animations to paint in 30 tabs
                )

            async def open_page(plan: Plan, run: UserRun, delay_s: float) -> Any:
                await asyncio.sleep(delay_s)
                if contexts == "user":
                    context = await new_context(plan.lang)
                else:
                    if plan.lang not in shared:
                        shared[plan.lang] = asyncio.ensure_future(new_context(plan.lang))
                    context = await shared[plan.lang]
                page = await context.new_page()
                page.set_default_timeout(action_timeout_s * 1000)

                def socket(ws: Any) -> None:  # a dropped connection explains a click that went nowhere
                    run.sockets.append("open")
                    ws.on("close", lambda _ws: run.sockets.append("closed"))

                page.on("websocket", socket)
                await sign_in(page, url, plan)
                say(f"{plan.username} signed in")
                return page

            solo_run = None
            if solo is not None:
                solo_run = UserRun(solo.username)
                try:
                    solo_page = await open_page(solo, solo_run, 0)
                    await work(solo_page, solo, solo_run)
                    await solo_page.close()
                except Exception as exc:
                    solo_run.errors.append(f"sign-in: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")

            runs = [UserRun(p.username) for p in plans]
            # Everybody signs in first (staggered, as people arrive), then all work at the same time.
            opening = [
                asyncio.ensure_future(open_page(plan, run, i * stagger_s))
                for i, (plan, run) in enumerate(zip(plans, runs, strict=True))
            ]
            await asyncio.wait(opening, timeout=max(1.0, deadline - time.perf_counter()))
            started = time.perf_counter()
            say("everybody signed in: the crowd starts")
            jobs = []
            for i, (plan, run, opened) in enumerate(zip(plans, runs, opening, strict=True)):
                if not opened.done():
                    opened.cancel()
                    run.errors.append(f"sign-in: not done in {timeout_s:.0f} s")
                elif opened.exception() is not None:
                    exc = opened.exception()
                    run.errors.append(f"sign-in: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
                else:
                    job = work(opened.result(), plan, run, delay_s=spread_s * i / max(1, len(plans)))
                    jobs.append((run, asyncio.ensure_future(job)))
            if jobs:
                await asyncio.wait([j for _, j in jobs], timeout=max(1.0, deadline - time.perf_counter()))
            for run, job in jobs:
                if not job.done():
                    job.cancel()
                    run.cut_off = True
                    run.errors.append(
                        f"not done in {timeout_s:.0f} s ({run.answered} answers; {run.step}; websockets {run.sockets})"
                    )
            wall = time.perf_counter() - started
            pages = [o.result() if o.done() and not o.cancelled() and not o.exception() else None for o in opening]
            if screenshots is not None:
                screenshots.mkdir(parents=True, exist_ok=True)
                for k, (plan, page) in enumerate(zip(plans, pages, strict=True)):
                    if page is not None and (k < 2 or runs[k].cut_off or runs[k].errors):  # two, and any stuck
                        await page.screenshot(path=str(screenshots / f"load-{plan.username}.png"), full_page=True)
            return solo_run, runs, wall
        finally:
            await browser.close()


# ---------------------------------------------------------------------- checks after the run
def lost_writes(data_dir: Path, runs: Sequence[UserRun]) -> list[str]:
    """What the browsers did, compared with what app.db and knowledge.db hold; [] when nothing is lost.

    Every answer a browser rendered and every quiz result it showed must be stored, nothing twice;
    for a user that finished, the counts match exactly. (A user cut off by the time limit may have
    left a request the server completed without the browser seeing it.)"""
    app = sqlite3.connect(f"file:{data_dir / 'app.db'}?mode=ro", uri=True)
    kdb = sqlite3.connect(f"file:{data_dir / 'knowledge.db'}?mode=ro", uri=True)
    problems = []
    try:
        for run in runs:
            u = run.username
            asks, refused = app.execute(
                "SELECT count(*), coalesce(sum(grounded = 0 AND mode != 'faq'), 0) FROM asks WHERE username = ?", [u]
            ).fetchone()
            gaps = kdb.execute("SELECT count(*) FROM gaps WHERE asked_by = ?", [u]).fetchone()[0]
            attempts = app.execute(
                "SELECT id, status, mode FROM attempts WHERE username = ? ORDER BY id", [u]
            ).fetchall()
            finished = [a for a in attempts if a[1] == "submitted" and a[2] == "graded"]
            if asks < run.answered or asks > run.sent or (not run.cut_off and asks != run.sent):
                problems.append(f"{u}: {run.sent} questions sent, {run.answered} answered, {asks} rows in asks")
            if gaps != refused and not run.cut_off:
                problems.append(f"{u}: {refused} refused answers in asks, {gaps} rows in gaps")
            if len(attempts) > int(run.quiz_started) or (run.quiz_submitted and not finished):
                problems.append(f"{u}: quiz started {run.quiz_started}, submitted {run.quiz_submitted}; {attempts}")
            if not run.cut_off and len(finished) != int(run.quiz_clicked):
                problems.append(f"{u}: quiz submitted {run.quiz_clicked}; attempts {attempts}")
            if finished and run.quiz_submitted:
                stored = app.execute(
                    "SELECT count(*) FROM attempt_questions WHERE attempt_id = ? AND response IS NOT NULL",
                    [finished[0][0]],
                ).fetchone()[0]
                if stored != run.quiz_answered:
                    problems.append(f"{u}: {run.quiz_answered} quiz answers given, {stored} stored")
    finally:
        app.close()
        kdb.close()
    return problems


def log_problems(log: Path) -> list[str]:
    return [line.strip()[:300] for line in log.read_text(errors="replace").splitlines() if LOG_PROBLEMS.search(line)]


def proc_stats(pid: int) -> dict[str, float]:
    """Peak and current resident memory (MB) and CPU seconds of a process, from /proc."""
    stats: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                stats[{"VmHWM": "peak_rss_mb", "VmRSS": "rss_mb"}[key]] = int(value.split()[0]) / 1024
            if key == "Threads":
                stats["threads"] = int(value)
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        stats["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return stats


def max_overlap(spans: Sequence[tuple[float, float]]) -> int:
    """The most intervals in progress at one moment."""
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    best = now = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    return {
        "n": len(values),
        "p50_s": percentile(values, 0.5),
        "p95_s": percentile(values, 0.95),
        "max_s": max(values) if values else None,
        "mean_s": sum(values) / len(values) if values else None,
    }


# ---------------------------------------------------------------------- the whole run
@dataclass
class LoadResult:
    users: int
    questions_per_user: int
    contexts: str
    questions_sent: int
    answers_rendered: int
    answer_latency: dict[str, Any]
    quiz_submit_latency: dict[str, Any]
    quizzes_submitted: int
    repeated_clicks: list[str]  # "user: what" for each click the page did not answer and was made again
    single_user: dict[str, Any] | None
    max_users_in_flight: int
    max_answers_in_flight: int
    errors: list[str]
    page_problems: list[str]
    lost_writes: list[str]
    server_log_problems: list[str]
    wall_s: float  # the crowd: from everybody signed in to the last user done
    setup_s: float
    server: dict[str, float]
    chunks: int
    loadavg_before: list[float]
    loadavg_after: list[float]
    cpus: int | None
    runs: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not (self.errors or self.page_problems or self.lost_writes or self.server_log_problems)

    def problems(self) -> str:
        return json.dumps(
            {k: getattr(self, k) for k in ("errors", "page_problems", "lost_writes", "server_log_problems")},
            indent=1,
            ensure_ascii=False,
        )


def run_load(
    workdir: Path,
    *,
    users: int = 30,
    questions: int = 3,
    solo_questions: int = 10,
    samples: Sequence[str] | None = None,
    pool: Sequence[str] | None = None,
    embedder: Any = None,
    stagger_s: float = 0.5,
    spread_s: float = 3.0,
    timeout_s: float = 900,
    action_timeout_s: float = 300,
    contexts: str = "user",
    screenshots: Path | None = None,
) -> LoadResult:
    """Prepare ``workdir/data``, serve it from one streamlit process, drive ``users`` browsers at once
    (after a solo baseline of ``solo_questions``, 0 for none), then check the databases and the log."""
    setup_start = time.perf_counter()
    data_dir = workdir / "data"
    pool = list(pool or question_pool())
    plans = make_plans(users, questions, pool)
    solo = Plan(SOLO, "en", tuple(pool[-solo_questions:]), warm_up=pool[0] if pool else "") if solo_questions else None
    chunks = prepare(data_dir, plans + ([solo] if solo else []), samples=samples, embedder=embedder)
    setup_s = time.perf_counter() - setup_start
    say(f"data folder ready: {chunks} chunks, {len(plans)} users")
    loadavg_before = list(os.getloadavg())
    with app_server(data_dir, log=workdir / "streamlit.log") as server:
        say(f"server up at {server.url}")
        solo_run, runs, wall = asyncio.run(
            drive(
                server.url, plans, solo=solo, stagger_s=stagger_s, spread_s=spread_s,
                action_timeout_s=action_timeout_s, timeout_s=timeout_s, contexts=contexts, screenshots=screenshots,
            )
        )  # fmt: skip
        time.sleep(1.0)  # let the last reruns finish writing before the checks
        stats = proc_stats(server.proc.pid)
    loadavg_after = list(os.getloadavg())
    all_runs = runs + ([solo_run] if solo_run else [])
    spans = [s for r in runs for s in r.spans]
    in_flight = [(r.began, r.ended) for r in runs if r.began]
    return LoadResult(
        users=users,
        questions_per_user=questions,
        contexts=contexts,
        questions_sent=sum(r.sent for r in runs),
        answers_rendered=sum(r.answered for r in runs),
        answer_latency=summary([s for r in runs for s in r.answer_s]),
        quiz_submit_latency=summary([r.quiz_submit_s for r in runs if r.quiz_submit_s is not None]),
        quizzes_submitted=sum(r.quiz_submitted for r in runs),
        repeated_clicks=[f"{r.username}: {c}" for r in runs for c in r.repeated_clicks],
        single_user=(
            {
                "questions": len(solo_run.answer_s),
                "answer_latency": summary(solo_run.answer_s),
                "quiz_submit_s": solo_run.quiz_submit_s,
            }
            if solo_run
            else None
        ),
        max_users_in_flight=max_overlap(in_flight),
        max_answers_in_flight=max_overlap(spans),
        errors=[f"{r.username}: {e}" for r in all_runs for e in r.errors],
        page_problems=[f"{r.username}: {p}" for r in all_runs for p in r.page_problems],
        lost_writes=lost_writes(data_dir, all_runs),
        server_log_problems=log_problems(server.log),
        wall_s=wall,
        setup_s=setup_s,
        server=stats,
        chunks=chunks,
        loadavg_before=loadavg_before,
        loadavg_after=loadavg_after,
        cpus=os.cpu_count(),
        runs=[
            {k: v for k, v in asdict(r).items() if k not in ("spans", "began", "ended")}
            | {"busy_s": r.ended - r.began if r.began else None}
            for r in all_runs
        ],
    )


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--questions", type=int, default=3, help="chat questions per user")
    parser.add_argument("--solo", type=int, default=10, help="questions of the single-user baseline (0: none)")
    parser.add_argument("--stagger", type=float, default=0.5, help="seconds between users' sign-ins")
    parser.add_argument("--spread", type=float, default=3.0, help="seconds over which the users start asking")
    parser.add_argument("--timeout", type=float, default=900, help="bound on the browser part, seconds")
    parser.add_argument(
        "--contexts", choices=["language", "user"], default="user", help="a browser context per language or user"
    )
    parser.add_argument("--keep", type=Path, help="work here (must not exist) instead of a temporary folder")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        result = run_load(
            workdir, users=args.users, questions=args.questions, solo_questions=args.solo,
            stagger_s=args.stagger, spread_s=args.spread, timeout_s=args.timeout, contexts=args.contexts,
            screenshots=ROOT / "test-artifacts",
        )  # fmt: skip
    payload = asdict(result) | {"ok": result.ok, "total_s": time.perf_counter() - started}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    a, s = result.answer_latency, result.single_user
    print(
        f"{result.users} users, {result.questions_sent} questions, {result.quizzes_submitted} quizzes in "
        f"{result.wall_s:.0f} s; answer p50 {a['p50_s']:.2f} s, p95 {a['p95_s']:.2f} s, max {a['max_s']:.2f} s"
        + (f"; alone p50 {s['answer_latency']['p50_s']:.2f} s" if s and s["answer_latency"]["n"] else "")
        + (f"; {len(result.repeated_clicks)} clicks made again" if result.repeated_clicks else "")
    )
    print(f"wrote {args.out}")
    if not result.ok:
        print("PROBLEMS:\n" + result.problems(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
