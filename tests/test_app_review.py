"""Today's review in AppTest: a missed practice question is not due today, is due the next review
day (the review clock moved by hand through APP_REVIEW_CLOCK_FILE), is answered with instant
feedback and the next interval; a second tab's answer to the same card counts once; the sidebar
count; My progress shows retention per module."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from fsrs import Rating
from streamlit.testing.v1 import AppTest

from courses.content import load_catalog
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.coursemaker import RIGHT, make_course
from trainer.learning.quiz import Learning
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
TIMEOUT = 60
DAY = 86_400


@pytest.fixture
def missed(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, review_clock: Path) -> Learning:
    """lin missed m1-q1 in a practice attempt just now."""
    root = make_course(tmp_path / "content")
    monkeypatch.setenv("APP_COURSES_DIR", str(root))
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    lin = accounts.create_user("lin", PASSWORD, "learner", name="林小红")
    accounts.create_user("tom", PASSWORD, "trainer")
    learning = Learning(db, load_catalog(root))
    attempt = learning.start(lin, "c1", "m1", mode="practice")
    pos = next(q.pos for q in attempt.questions if q.question.id == "m1-q1")
    learning.answer(lin, attempt.id, pos, "b")
    return learning


def page(username: str = "lin") -> AppTest:
    """Through the app's router: the page links to Courses, which needs the registered pages."""
    at = open_page("streamlit_app.py", username, lang="en", timeout=TIMEOUT)
    return at.switch_page("app_pages/review.py").run()


def texts(at: AppTest) -> str:
    return " ".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
        + [e.value for e in at.error] + [i.value for i in at.info]
    )  # fmt: skip


def check_button(at: AppTest):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == "Check")


def test_missed_question_is_due_the_next_day_and_answered_with_feedback(missed: Learning, review_clock: Path) -> None:
    at = page()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert "You are done for today" in texts(at) and "Next: 1 card(s)" in texts(at)

    review_clock.write_text(str(DAY), encoding="utf-8")  # the next review day
    at = page()
    assert at.metric[0].value == "1"
    assert "How many reviews?" in texts(at) and "missed before" in texts(at)
    [radio] = at.radio
    radio.set_value("b")
    check_button(at).click().run()
    assert not at.exception
    assert "Not correct" in texts(at) and "Too few" in texts(at)
    assert "Next review: tomorrow" in texts(at)
    assert any("Read again" in e.label for e in at.expander)  # the lesson section that explains it
    at.button(key="review_next_card").click().run()
    assert at.metric[0].value == "0" and "You are done for today" in texts(at)

    review_clock.write_text(str(2 * DAY), encoding="utf-8")
    at = page()
    at.radio[0].set_value("a")
    next(w for w in at.segmented_control if str(w.key).startswith("rf:")).set_value("easy")
    check_button(at).click().run()
    assert "Correct" in texts(at) and "Next review:" in texts(at)
    ratings = missed.db.execute("SELECT rating FROM review_log ORDER BY version").fetchall()
    assert [r[0] for r in ratings] == [Rating.Again, Rating.Again, Rating.Easy]  # quiz, page, page ("easy")


def test_a_second_tab_answering_the_same_card_counts_once(missed: Learning, review_clock: Path) -> None:
    review_clock.write_text(str(DAY), encoding="utf-8")
    first, second = page(), page()  # both show the card at the same version
    first.radio[0].set_value("a")
    check_button(first).click().run()
    second.radio[0].set_value("a")
    check_button(second).click().run()
    assert "Correct" in texts(second) and "already answered in another tab" in texts(second)
    rows = missed.db.execute("SELECT origin FROM review_log ORDER BY version").fetchall()
    assert [r[0] for r in rows] == ["quiz", "review"]


def test_sidebar_count_and_retention_on_my_progress(missed: Learning, review_clock: Path) -> None:
    review_clock.write_text(str(DAY), encoding="utf-8")
    at = open_page("streamlit_app.py", "lin", lang="en", timeout=TIMEOUT)
    assert any("Due for review today: 1" in str(link.label) for link in at.sidebar.get("page_link"))
    at = at.switch_page("app_pages/progress.py").run()
    assert not at.exception
    assert "Retention" in texts(at) or any("Retention" in str(s.value) for s in at.subheader)


def test_staff_open_their_own_deck(missed: Learning, review_clock: Path) -> None:
    review_clock.write_text(str(DAY), encoding="utf-8")
    at = page("tom")
    assert not at.exception and at.metric[0].value == "0"


def test_a_refresher_before_the_lapse_renews_the_certificate(missed: Learning, review_clock: Path) -> None:
    lin = Accounts(missed.db).get("lin")
    for module in ("m1", "m2"):
        missed.mark_read(lin, "c1", module, "basics")
        attempt = missed.start(lin, "c1", module)
        for shown in attempt.questions:
            missed.answer(lin, attempt.id, shown.pos, RIGHT[shown.question.id])
        assert missed.submit(lin, attempt.id).passed
    cert = missed.certificate(lin, "c1")
    lapse = dt.datetime.fromisoformat(cert.expires_at or "").timestamp()
    at = page()
    assert not any("Certificate refresher" in s.value for s in at.subheader)  # a year to go
    review_clock.write_text(str(lapse - 30 * DAY - time.time()), encoding="utf-8")
    at = page()
    assert any("Certificate refresher" in s.value for s in at.subheader)
    assert any("days left" in i.value for i in at.info)
    at.button(key="refresher_start:c1").click().run()
    refresher_id = at.session_state["refresher:c1"]
    questions = json.loads(
        missed.db.execute("SELECT questions FROM refreshers WHERE id = ?", [refresher_id]).fetchone()[0]
    )
    for shown in questions:
        key, right = f"rq:{refresher_id}:{shown['q']}", RIGHT[shown["q"]]
        if isinstance(right, list):
            for oid in shown["order"]:
                at.checkbox(key=f"{key}:{oid}").set_value(oid in right)
        elif shown["q"].endswith("q3"):
            at.text_input(key=key).input(str(right))
        else:
            at.radio(key=key).set_value(right)
    next(b for b in at.button if b.label == "Submit the quiz").click().run()
    assert not at.exception
    at.run()  # as the browser shows it after the rerun the submit asked for
    [passed] = [s.value for s in at.success if "renewed" in s.value]
    new_code = missed.db.execute("SELECT certificate FROM refreshers WHERE id = ?", [refresher_id]).fetchone()[0]
    assert new_code in passed and new_code != cert.code

    progress = open_page("streamlit_app.py", "lin", lang="en", timeout=TIMEOUT)
    progress = progress.switch_page("app_pages/progress.py").run()
    progress.text_input(key="verify_code").input(cert.code).run()
    shown_code = new_code.replace("-", "\\-")  # as Markdown, escaped
    assert any("Superseded" in w.value and shown_code in w.value for w in progress.warning)
    progress.text_input(key="verify_code").input(new_code).run()
    assert any("Valid" in s.value for s in progress.success)
    review_clock.write_text(str(lapse + 400 * DAY - time.time()), encoding="utf-8")  # past the new one's lapse too
    progress = open_page("streamlit_app.py", "lin", lang="en", timeout=TIMEOUT)
    progress = progress.switch_page("app_pages/progress.py").run()
    progress.text_input(key="verify_code").input(new_code).run()
    assert any("Expired" in w.value for w in progress.warning)
    assert any("lapsed on" in w.value for w in progress.warning)  # the certificate shown, too
