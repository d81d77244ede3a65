"""The Courses journey in a real browser (Debian's headless Chromium through Playwright, against
``streamlit run`` on loopback): read a lesson with next / previous, put an ordering question in
order with its buttons, check a practice answer and still see it, take a graded quiz while its
countdown ticks and confirm submitting with questions unanswered, then open that attempt from
My progress. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import browser_tab, run_app
from tests.conftest import ARTIFACTS
from tests.coursemaker import make_course
from tests.test_app_courses import extend_course
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
RIGHT_ORDER = ["Draft", "First review", "Final review"]


@pytest.fixture
def course_server(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app with the test course (module m1: two lessons, four questions, one of them ordering, a
    10-minute limit) and a learner."""
    monkeypatch.setenv("APP_COURSES_DIR", str(extend_course(make_course(tmp_path / "content"))))
    Accounts(open_db(clean_env / "app.db")).create_user("lin", PASSWORD, "learner", name="Lin", language="en")
    yield from run_app(clean_env)


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    with browser_tab(height=1000) as tab:
        yield tab


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"courses-{name}.png"), full_page=True)


def eventually(check, what: str, timeout_s: float = 30):  # type: ignore[no-untyped-def]
    """Poll ``check()`` until it returns something true (the page reruns after each click)."""
    deadline = time.time() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def item_rows(form) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """The ordering question's rows as (row index, item text), in the order the page numbers them."""
    rows = form.locator("[data-testid=stHorizontalBlock]").all_inner_texts()
    found = [(i, re.match(r"\s*\d+\.\s*(.+?)\s*$", row.split("\n")[0])) for i, row in enumerate(rows)]
    return [(i, m.group(1)) for i, m in found if m]


def shown_order(form) -> list[str]:  # type: ignore[no-untyped-def]
    return [text for _, text in item_rows(form)]


def put_in_order(form, wanted: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Press an item's Up button until every item stands where ``wanted`` has it."""
    for target, item in enumerate(wanted):
        while (order := shown_order(form)).index(item) > target:
            row = dict((text, i) for i, text in item_rows(form))[item]
            form.locator("[data-testid=stHorizontalBlock]").nth(row).get_by_role("button", name="Up").click()
            eventually(lambda before=order: shown_order(form) not in ([], before), f"{item} to move up")
    assert shown_order(form) == wanted


def ordered_lists(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [ol.locator("li").all_inner_texts() for ol in page.locator("[data-testid=stMarkdown] ol").all()]


def test_learner_reads_orders_practises_takes_a_timed_quiz_and_reviews_it(course_server: str, page):  # type: ignore[no-untyped-def]
    page.goto(course_server)
    page.get_by_label("User name").fill("lin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Courses").click()

    # One lesson at a time, with next / previous and its reading mark.
    first, second = (
        page.get_by_text("Posts get three reviews."),
        page.get_by_text("Draft, then first and final review."),
    )
    first.wait_for()
    assert second.count() == 0
    page.get_by_text("Lesson 1 of 2 · 0 of 2 read").wait_for()
    page.get_by_role("button", name="I have read this").click()
    page.get_by_text("Lesson 1 of 2 · 1 of 2 read").wait_for()
    page.get_by_role("button", name="Next lesson").click()
    second.wait_for()
    page.get_by_text("Lesson 2 of 2 · 1 of 2 read").wait_for()
    assert first.count() == 0
    shot(page, "1-second-lesson")
    page.get_by_role("button", name="Previous lesson").click()
    first.wait_for()
    assert second.count() == 0

    # Practice: an ordering question put in order with its buttons; answers stay next to feedback.
    page.get_by_role("tab", name="Quiz").click()
    page.get_by_role("button", name="Practise (instant feedback, not graded)").click()
    ordering = page.locator("[data-testid=stForm]").filter(has_text="Put the steps in order")
    ordering.wait_for()
    assert page.locator("[data-testid=stMultiSelect]").count() == 0  # no "Select all"
    wrong = ["Draft", "Final review", "First review"]
    put_in_order(ordering, wrong)
    ordering.get_by_role("button", name="Check").click()
    page.get_by_text("The right order:").wait_for()
    lists = eventually(lambda: ordered_lists(page) if len(ordered_lists(page)) >= 2 else None, "both orders")
    assert wrong in lists and RIGHT_ORDER in lists  # the learner's order is kept beside the right one

    single = page.locator("[data-testid=stForm]").filter(has_text="How many reviews?")
    single.get_by_text("Three", exact=True).click()
    single.get_by_role("button", name="Check").click()
    page.get_by_text("Correct", exact=True).wait_for()
    kept = page.get_by_role("radio", name="Three")
    assert kept.is_checked() and kept.is_disabled()  # the answer that was judged, still shown
    shot(page, "2-practice-feedback")
    page.get_by_role("button", name="End practice").click()

    # Graded: a live countdown that does not disturb the form; confirmation when questions are open.
    page.get_by_role("tab", name="Quiz").click()
    page.get_by_role("button", name="Start the graded quiz").click()
    timer = page.get_by_text(re.compile(r"Time left \d+:\d\d"))
    timer.wait_for()
    page.get_by_text("Three", exact=True).click()
    before = timer.inner_text()
    eventually(lambda: timer.inner_text() != before, "the countdown to tick", timeout_s=25)
    assert page.get_by_role("radio", name="Three").is_checked()  # the ticks kept the answer in the form
    page.get_by_role("button", name="Submit the quiz").scroll_into_view_if_needed()
    box = timer.bounding_box()
    assert box is not None and 0 <= box["y"] < 1000, box  # the countdown stays in view at the bottom of the quiz
    page.get_by_role("button", name="Submit the quiz").click()
    page.get_by_text("3 of 4 questions have no answer").wait_for()
    shot(page, "3-confirm-unanswered")
    page.get_by_role("button", name="Keep answering").click()
    page.get_by_text("3 of 4 questions have no answer").wait_for(state="detached")
    page.get_by_role("button", name="Submit the quiz").click()
    page.get_by_role("button", name="Submit anyway (unanswered questions score 0)").click()
    page.get_by_text("Not passed: 1/4").wait_for()

    # My progress: the bar says what it counts; the attempt opens its review.
    page.get_by_role("link", name="My progress").click()
    page.get_by_text("20%: 1 of 3 lessons read, 0 of 2 quizzes passed").wait_for()
    row = page.locator("[data-testid=stHorizontalBlock]").filter(has_text="attempt 1 ·").filter(has_text="not passed")
    row.get_by_role("link", name="Review").wait_for()
    shot(page, "4-progress")
    row.get_by_role("link", name="Review").click()
    page.get_by_text("Review: attempt 1").wait_for()
    page.get_by_text("Not passed: 1/4").wait_for()
    shot(page, "5-review")
