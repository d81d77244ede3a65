"""Today's review in a real browser (Debian's headless Chromium through Playwright, against
``streamlit run`` on loopback): a learner misses a practice question, nothing is due that day; the
review clock moves a day (APP_REVIEW_CLOCK_FILE, read by the server process), the sidebar counts the
card and Today's review asks it; she answers it right and is told when it comes back - the interval
fsrs itself gives for that history. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fsrs import Card, Rating

from tests.browser import browser_tab, run_app
from tests.conftest import ARTIFACTS
from tests.coursemaker import make_course
from trainer.learning.review import make_scheduler
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
DAY = 86_400


@pytest.fixture
def server(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, review_clock: Path) -> Iterator[str]:
    monkeypatch.setenv("APP_COURSES_DIR", str(make_course(tmp_path / "content")))
    Accounts(open_db(clean_env / "app.db")).create_user("lin", PASSWORD, "learner", name="Lin", language="en")
    yield from run_app(clean_env)


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    with browser_tab(height=1000) as tab:
        yield tab


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"), full_page=True)


def fsrs_interval(missed_at: float, answered_at: float) -> int:
    """Days to the next review after Again at ``missed_at`` then Good at ``answered_at``, by fsrs."""
    scheduler = make_scheduler()
    card, _ = scheduler.review_card(Card(), Rating.Again, dt.datetime.fromtimestamp(int(missed_at), dt.UTC))
    card, _ = scheduler.review_card(card, Rating.Good, dt.datetime.fromtimestamp(int(answered_at), dt.UTC))
    return (card.due - card.last_review).days  # type: ignore[operator]


def test_a_missed_question_comes_back_the_next_day_and_then_later(server: str, page, review_clock: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    page.get_by_label("User name").fill("lin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # A practice quiz: "How many reviews?" answered wrong.
    page.get_by_role("link", name="Courses").click()
    page.get_by_role("tab", name="Quiz").click()
    page.get_by_role("button", name="Practise (instant feedback, not graded)").click()
    single = page.locator("[data-testid=stForm]").filter(has_text="How many reviews?")
    single.get_by_text("One", exact=True).click()
    missed_at = time.time()
    single.get_by_role("button", name="Check").click()
    page.get_by_text("Too few").first.wait_for()
    shot(page, "1-missed-in-practice")

    # The same day: the card waits for tomorrow.
    page.get_by_role("link", name="Today's review").click()
    page.get_by_text("You are done for today.").wait_for()
    page.get_by_text(re.compile(r"Next: 1 card\(s\) on ")).wait_for()
    assert page.get_by_role("link", name=re.compile("Due for review today")).count() == 0

    # The next review day: counted in the sidebar and asked on Today's review.
    review_clock.write_text(str(DAY), encoding="utf-8")
    page.get_by_role("link", name="My progress").click()  # any page: the sidebar is drawn again
    due_link = page.get_by_role("link", name="Due for review today: 1")
    due_link.wait_for()
    due_link.click()
    form = page.locator("[data-testid=stForm]").filter(has_text="How many reviews?")
    form.wait_for()
    page.get_by_text("missed before", exact=False).first.wait_for()
    assert page.get_by_text("You are done for today.").count() == 0
    shot(page, "2-due-next-day")

    form.get_by_text("Three", exact=True).click()
    answered_at = time.time() + DAY
    form.get_by_role("button", name="Check").click()
    page.get_by_text("Correct", exact=True).wait_for()
    line = page.get_by_text(re.compile(r"Next review: in \d+ days")).first
    line.wait_for()
    days = int(re.search(r"in (\d+) days", line.inner_text()).group(1))  # type: ignore[union-attr]
    assert days == fsrs_interval(missed_at, answered_at) and days > 1
    form.wait_for(state="detached")  # the question's form gives way to its feedback
    shot(page, "3-answered-next-interval")

    page.get_by_role("button", name="Next card").click()
    page.get_by_text("You are done for today.").wait_for()
    page.get_by_role("link", name=re.compile("Due for review today")).wait_for(state="detached")
