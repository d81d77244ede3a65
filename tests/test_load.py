"""Many users at once on one app process (issue 8), briefly: no errors, no lost writes.

The browser test is a small run of bench/load_test.py (which measures latency; this asserts
nothing about time): 30 learners in 30 Chromium contexts on one ``streamlit run`` server, each
asking one chat question and submitting a graded quiz at the same time. The thread test hammers
the quiz engine the way Streamlit's session threads do, without a browser.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bench.load_test import question_pool, run_load
from courses.content import default_root, load_catalog
from courses.models import MultipleChoice, Ordering, SingleChoice, TrueFalse
from tests.conftest import ARTIFACTS
from trainer.learning.quiz import Learning, ShownQuestion
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

USERS = 30
SAMPLES = ["policies/zh-account-lifecycle.pdf", "policies/en-account-security.pdf"]


def test_quiz_engine_shared_by_threads_loses_nothing(clean_env: Path):
    """Streamlit runs each session in its own thread on one shared connection. Before
    sqlstore.shared.SharedDatabase, a read's savepoint made another thread's BEGIN IMMEDIATE fail with
    "cannot start a transaction within a transaction" - and the quiz submission was lost."""
    db = open_db(clean_env / "app.db")
    users = [Accounts(db).create_user(f"t{i}", "correct horse battery", "learner") for i in range(8)]
    learning = Learning(open_db(clean_env / "app.db"), load_catalog(default_root()))
    course = learning.catalog.courses[0]
    module = course.modules[0]
    errors: list[BaseException] = []
    start = threading.Barrier(len(users))

    def session(user) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            for _ in range(3):
                attempt = learning.start(user, course.id, module.id, mode="practice")
                learning.answer(user, attempt.id, 0, _first_option(attempt.questions[0]))
                learning.submit(user, attempt.id, allow_unanswered=True)
                learning.progress(user, course.id)
            graded = learning.start(user, course.id, module.id, mode="graded")
            learning.submit(user, graded.id, allow_unanswered=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(u,)) for u in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    for user in users:
        attempts = learning.attempts(user, user.username, course.id, module.id)
        assert [a.status for a in attempts] == ["submitted"] * 4
        assert all(a.questions[0].answered for a in attempts if a.mode == "practice")


def _first_option(shown: ShownQuestion) -> Any:
    """A response of the right form (right or wrong does not matter here)."""
    q = shown.question
    if isinstance(q, SingleChoice):
        return shown.order[0]
    if isinstance(q, MultipleChoice):
        return [shown.order[0]]
    if isinstance(q, Ordering):
        return list(shown.order)
    if isinstance(q, TrueFalse):
        return True
    return "an answer"


@pytest.mark.e2e
def test_thirty_users_at_once_in_real_browsers(tmp_path: Path, e5):  # type: ignore[no-untyped-def]
    docs = [s.split("/")[-1] for s in SAMPLES]
    result = run_load(
        tmp_path / "load", users=USERS, questions=1, solo_questions=0, samples=SAMPLES, pool=question_pool(docs),
        embedder=e5, stagger_s=0.3, spread_s=1.0, timeout_s=600, action_timeout_s=240, screenshots=ARTIFACTS,
    )  # fmt: skip
    assert result.ok, result.problems()
    # A click the page never answered (a dropped connection) is made again once, as a person would;
    # more than a few of them would be a defect of ours, not the machine's.
    assert len(result.repeated_clicks) <= USERS // 10, result.repeated_clicks
    assert result.questions_sent == result.answers_rendered == USERS
    assert result.quizzes_submitted == USERS
    assert result.max_users_in_flight == USERS  # all of them at the same time, not one after another
