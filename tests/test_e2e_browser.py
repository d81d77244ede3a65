"""End to end in a real browser: Debian's headless Chromium, driven by Playwright, against
``streamlit run`` on loopback with a fresh data folder.

The journeys: first start creates the admin, the admin uploads a PDF, asks about it, sees the cited
answer and gives it a thumbs-up; a learner's chat meets the three outcomes (answered, related, not
found), each in its own style; a learner takes a course; a trainer imports staff and exports the
gradebook. Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import outcomes
from tests.browser import app_server, browser_tab, run_app
from tests.conftest import ARTIFACTS
from tests.filemakers import make_pdf
from trainer.analytics.asklog import AskLog
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"


@pytest.fixture
def server(clean_env: Path) -> Iterator[str]:
    yield from run_app(clean_env)


@pytest.fixture
def browser_page():
    with browser_tab(timeout_ms=90_000) as tab:  # the first question may wait for the model to load
        yield tab


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-{name}.png"), full_page=True)


def choose_file(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Pick a file and wait until the server has it: the browser sends it in the background, and
    a click that beats it (on a loaded machine) submits the form with no file."""
    with page.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT"):
        page.locator("input[type=file]").set_input_files(str(path))


def test_first_admin_uploads_a_pdf_asks_and_rates(server: str, browser_page, clean_env: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    page = browser_page
    pdf = make_pdf(
        tmp_path / "duty-rota.pdf",
        [
            "Liutang District duty rota for the government account.",
            "On public holidays the duty editor checks messages every 4 hours, from 08:00 to 22:00.",
        ],
    )

    page.goto(server)
    page.get_by_text("Create the first administrator").wait_for()
    page.get_by_label("User name").fill("chief")
    page.get_by_label("Full name").fill("Chief Editor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    shot(page, "1-first-admin")
    page.get_by_role("button", name="Create administrator and sign in").click()
    page.get_by_text("Ask the knowledge base").first.wait_for()

    page.get_by_role("link", name="Library").click()
    page.get_by_text("Knowledge-base documents").wait_for()
    choose_file(page, pdf)
    page.get_by_role("button", name="Upload and index").click()
    page.get_by_text("added · duty-rota.pdf").wait_for()
    shot(page, "2-library-upload")

    page.get_by_role("link", name="Ask").click()
    page.get_by_text("Try asking:").wait_for()
    box = page.get_by_placeholder("e.g. How fast must we answer a message?")
    box.fill("How often does the duty editor check messages on public holidays?")
    box.press("Enter")
    page.get_by_text("Sources", exact=True).wait_for()
    answer_text = "\n".join(page.locator("[data-testid=stChatMessage]").all_inner_texts())
    assert "every 4 hours" in answer_text, answer_text
    page.get_by_text("[1] duty").first.click()  # open the citation
    page.get_by_role("button", name="Download page 2").wait_for()
    shot(page, "3-cited-answer")

    page.locator("[data-testid=stFeedback]").last.get_by_role("radio").first.click()  # thumbs up
    page.get_by_label("Reason (optional)").wait_for()
    shot(page, "4-rated")

    db = open_db(clean_env / "app.db")
    chief = Accounts(db).get("chief")
    deadline = time.time() + 10
    while True:
        [row] = AskLog(db).asks(chief)
        if row["rating"] == 1 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert row["rating"] == 1
    assert row["grounded"] == 1 and row["citations"][0]["doc"] == "duty-rota.pdf"
    assert row["citations"][0]["page"] == 2


@pytest.fixture
def outcomes_server(clean_env: Path, outcomes_kb: tuple[Path, dict[str, str]]) -> Iterator[tuple[str, dict[str, str]]]:
    """The app over the knowledge base of tests/outcomes.py (a question found for each outcome,
    asked in this order in one chat), with a learner account."""
    template, questions = outcomes_kb
    outcomes.copy_into(template, clean_env)
    Accounts(open_db(clean_env / "app.db")).create_user("lin", PASSWORD, "learner", name="Lin", language="en")
    with app_server(clean_env) as server:
        yield server.url, questions


def test_ask_shows_answered_related_and_not_found_each_in_its_own_style(outcomes_server, browser_page, clean_env):  # type: ignore[no-untyped-def]
    url, questions = outcomes_server
    page = browser_page
    page.goto(url)
    page.get_by_label("User name").fill("lin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Try asking:").wait_for()
    page.set_default_timeout(180_000)  # the first answer waits for the model; the machine may be busy
    answers = page.locator("[data-testid=stChatMessage]")
    warnings = page.locator("[data-testid=stAlertContentWarning]")
    errors = page.locator("[data-testid=stAlertContentError]")

    def ask(outcome: str, n: int):  # type: ignore[no-untyped-def]
        """Send the question for ``outcome``; the n-th answer (0-based), once finished (rated-able)."""
        box = page.get_by_placeholder("e.g. How fast must we answer a message?")
        box.fill(questions[outcome])
        box.press("Enter")
        page.locator("[data-testid=stFeedback]").nth(n).wait_for()
        return answers.nth(2 * n + 1)

    answered = ask("answered", 0)
    assert answered.get_by_text("Sources", exact=True).count() == 1, answered.inner_text()
    assert "From the knowledge base:" in answered.inner_text()
    assert answered.locator("[data-testid=stAlert]").count() == 0  # a plain answer, no box

    related = ask("related", 1)
    warning = related.locator("[data-testid=stAlertContentWarning]")
    assert warning.locator("strong").first.inner_text() == "Related passages — not a confirmed answer"
    assert "No passage in the knowledge base confirms an answer" in warning.inner_text()
    related.get_by_text("Related passages (check the originals)", exact=True).wait_for()
    related.get_by_text("[1] Liutang District Rules").first.click()  # the passage, as cited
    related.get_by_role("button", name="Download original").first.wait_for()
    assert "Closest documents:" in related.inner_text()

    not_found = ask("not_found", 2)
    error = not_found.locator("[data-testid=stAlertContentError]")
    assert error.locator("strong").first.inner_text() == "Not found in the knowledge base"
    assert not_found.locator("[data-testid=stExpander]").count() == 0  # nothing offered as a source
    # One box of each kind, each in its own answer: the styles do not leak between outcomes.
    assert (warnings.count(), errors.count()) == (1, 1)
    assert answered.locator("[data-testid=stAlert]").count() == 0
    # The chat scrolls inside the page: a window as tall as the chat shows all three at once.
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 100, 4000)})
    page.mouse.move(0, 0)
    shot(page, "11-ask-three-outcomes")

    db = open_db(clean_env / "app.db")
    rows = AskLog(db).asks(Accounts(db).get("lin"))
    assert [(r["question"], r["confidence"]) for r in reversed(rows)] == [(questions[o], o) for o in outcomes.ORDER]


@pytest.fixture
def course_server(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app with the small test course and a learner account already made."""
    from tests.coursemaker import make_course

    monkeypatch.setenv("APP_COURSES_DIR", str(make_course(tmp_path / "content")))
    accounts = Accounts(open_db(clean_env / "app.db"))
    accounts.create_user("chief", PASSWORD, "admin")
    accounts.create_user("lin", PASSWORD, "learner", name="Lin Xiaohong", language="en")
    yield from run_app(clean_env)


def test_learner_reads_a_lesson_fails_retries_passes_and_sees_progress(course_server: str, browser_page):  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(course_server)
    page.get_by_label("User name").fill("lin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Courses").click()
    page.get_by_text("Posts get three reviews.").wait_for()
    page.get_by_role("button", name="I have read this").click()
    page.get_by_text("Read", exact=True).wait_for()
    shot(page, "5-lesson")

    page.get_by_role("tab", name="Quiz").click()
    page.get_by_role("button", name="Start the graded quiz").click()
    page.get_by_role("button", name="Submit the quiz").click()
    page.get_by_role("button", name="Submit anyway (unanswered questions score 0)").click()
    page.get_by_text("Not passed: 0/3").wait_for()
    page.get_by_text("Read again: Three reviews").first.wait_for()
    shot(page, "6-failed")

    page.get_by_role("button", name="Back to the module").click()
    page.get_by_role("tab", name="Quiz").click()
    page.get_by_role("button", name="Start the graded quiz").click()
    page.get_by_text("Three", exact=True).click()
    page.get_by_text("Editor", exact=True).click()
    page.get_by_text("Head", exact=True).click()
    page.locator("input[aria-label='Your answer']").fill("three reviews")
    page.get_by_role("button", name="Submit the quiz").click()
    page.get_by_text("Passed! 3/3").wait_for()
    shot(page, "7-passed")

    page.get_by_role("link", name="My progress").click()
    page.get_by_text("50%").wait_for()  # one module of two completed
    shot(page, "8-progress")


def test_trainer_imports_staff_views_the_gradebook_and_downloads_it(course_server: str, browser_page, tmp_path):  # type: ignore[no-untyped-def]
    page = browser_page
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "姓名,用户名,部门,角色\n王芳,wangfang,柳塘街道,学员\n赵磊,zhaolei,新桥镇,学员\n", encoding="utf-8-sig"
    )
    page.goto(course_server)
    page.get_by_label("User name").fill("chief")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="People").click()
    page.get_by_text("Import people from CSV").click()
    choose_file(page, staff)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported 2 people.").wait_for()
    with page.expect_download() as passwords:
        page.get_by_role("button", name="Download the new passwords (once only)").click()
    assert "wangfang" in Path(passwords.value.path()).read_text(encoding="utf-8-sig")
    shot(page, "9-people-import")

    page.get_by_role("link", name="Dashboard").click()
    page.get_by_text("Trainer dashboard").wait_for()
    page.locator("[data-testid=stDataFrame]").first.wait_for()
    shot(page, "10-gradebook")
    page.get_by_role("tab", name="Exports").click()
    with page.expect_download() as gradebook:
        page.get_by_role("button", name="Gradebook (CSV)").click()
    text = Path(gradebook.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("username,name,department,module") and "zhaolei" in text and "lin" in text
