"""The trainer dashboard's Retention tab in AppTest: predicted recall per learner and module (checked
against fsrs replaying the same review), cards overdue, certificates lapsing within 30/60/90 days (per
group too), both in the Excel export, and a refresher assigned to a whole group - which its learners
then see, while people without a certificate are left out and named."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path
from typing import Any

import pytest
from fsrs import Card, Rating
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from courses.content import load_catalog
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.coursemaker import make_course
from trainer.analytics import reports
from trainer.errors import PermissionDenied
from trainer.learning.quiz import Learning, issue_certificate
from trainer.learning.review import Refreshers, Review, make_scheduler
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
DAY = 86_400
SHIFT_DAYS = 3  # the dashboard is read three days after the quizzes
# Days each certificate has left when the dashboard is read; None: no certificate.
LEFT = {"lin": 20, "wu": 200, "zhou": -10, "li": 50, "xu": 80, "nocert": None}
GROUP = {"lin": "柳塘街道", "wu": "柳塘街道", "zhou": "柳塘街道", "nocert": "柳塘街道", "li": "新桥镇", "xu": "新桥镇"}




@pytest.fixture
def office(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, review_clock: Path) -> dict[str, Any]:
    """lin missed m1-q1 and wu missed m1-q2 in practice; certificates lapsing as LEFT says, seen
    SHIFT_DAYS from now (the review clock moved on)."""
    root = make_course(tmp_path / "content")
    monkeypatch.setenv("APP_COURSES_DIR", str(root))
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    accounts.create_user("tom", PASSWORD, "trainer")
    people = {u: accounts.create_user(u, PASSWORD, "learner", name=u.upper(), department=g) for u, g in GROUP.items()}
    catalog = load_catalog(root)
    learning = Learning(db, catalog)
    missed_at = {}
    for who, qid in (("lin", "m1-q1"), ("wu", "m1-q2")):
        attempt = learning.start(people[who], "c1", "m1", mode="practice")
        pos = next(q.pos for q in attempt.questions if q.question.id == qid)
        missed_at[who] = time.time()
        learning.answer(people[who], attempt.id, pos, "b" if qid == "m1-q1" else ["c"])
        Review(db, catalog).sync(people[who])  # as the learner's next page does
    seen_at = time.time() + SHIFT_DAYS * DAY
    for who, left in LEFT.items():
        if left is None:
            continue
        # Issued so that the 12-month certificate lapses ``left`` days (and a half) after seen_at.
        lapse = dt.datetime.fromtimestamp(seen_at + (left + 0.5) * DAY, dt.UTC)
        issued = lapse.replace(year=lapse.year - 1).timestamp()
        issue_certificate(db, who, who.upper(), catalog.course("c1"), issued)
    review_clock.write_text(str(SHIFT_DAYS * DAY), encoding="utf-8")
    return {"db": db, "catalog": catalog, "accounts": accounts, "people": people, "missed_at": missed_at}


def recall_by_fsrs(missed_at: float, seen_at: float) -> float:
    """fsrs's own retrievability for a card whose one review was Again at ``missed_at``."""
    scheduler = make_scheduler()
    card, _ = scheduler.review_card(Card(), Rating.Again, dt.datetime.fromtimestamp(int(missed_at), dt.UTC))
    return scheduler.get_card_retrievability(card, dt.datetime.fromtimestamp(seen_at, dt.UTC))


def dashboard() -> AppTest:
    at = open_page("app_pages/dashboard.py", "tom", timeout=120)
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str) -> Any:
    """The table that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_recall_overdue_and_expiring_certificates_on_the_dashboard_and_in_excel(
    office: dict[str, Any], deferred: list[tuple[str | None, Any]]
) -> None:
    at = dashboard()
    seen_at = time.time() + SHIFT_DAYS * DAY
    counts = metrics(at)
    assert counts["Lapsing in the next 30 days"] == "1"  # lin
    assert counts["Lapsing in the next 60 days"] == "2"  # lin, li
    assert counts["Lapsing in the next 90 days"] == "3"  # lin, li, xu (wu has 200 days)
    assert counts["Lapsed"] == "1"  # zhou
    assert counts["Cards overdue"] == "2" and counts["Learners with cards"] == "2"
    expiring = table(at, "Days left")
    assert list(expiring["User name"]) == ["zhou", "lin", "li", "xu"]  # soonest first
    recall = table(at, "Recall today")
    assert list(recall["User name"]) == ["lin", "wu"]
    for who in ("lin", "wu"):
        row = recall[recall["User name"] == who].iloc[0]
        expected = 100 * recall_by_fsrs(office["missed_at"][who], seen_at)
        assert expected < 90  # three days after a miss: well under the 90% the schedule aims at
        assert row["Recall today"] == f"{expected:.0f}%"
        assert (row["Cards"], row["Due today"], row["Overdue"]) == (1, 1, 1)  # due the day after the miss

    at.selectbox(key="rt_group").set_value("新桥镇").run()
    counts = metrics(at)
    assert (counts["Lapsing in the next 30 days"], counts["Lapsing in the next 60 days"]) == ("0", "1")
    assert (counts["Lapsing in the next 90 days"], counts["Lapsed"]) == ("2", "0")
    assert any("No learner has review cards yet" in i.value for i in at.info)  # neither li nor xu missed one

    [(_, build)] = [(n, b) for n, b in deferred if n and n.startswith("govmedia-c1-")][-1:]
    book = load_workbook(io.BytesIO(build()))
    sheet = book["retention"]
    header = [c.value for c in sheet[1]]
    assert header == ["username", "name", "department", "module", "cards", "recall", "due_today", "overdue"]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"lin", "wu"} and rows["lin"]["overdue"] == 1
    assert abs(rows["lin"]["recall"] - 100 * recall_by_fsrs(office["missed_at"]["lin"], seen_at)) < 0.06
    days = {r[0]: r[5] for r in book["expiring"].iter_rows(min_row=2, values_only=True)}
    assert days == {"zhou": -10, "lin": 20, "li": 50, "xu": 80}


def test_a_trainer_assigns_a_refresher_to_a_group(office: dict[str, Any], review_clock: Path) -> None:
    at = dashboard()
    at.selectbox(key="rt_assign_group").set_value("柳塘街道")
    next(b for b in at.button if b.label == "Assign the refresher").click().run()
    assert not at.exception
    assert any("Refresher assigned to 3 people" in s.value for s in at.success)
    assert any("1 without a certificate" in i.value and "nocert" in i.value for i in at.info)
    db = office["db"]
    assigned = {u for (u,) in db.execute("SELECT username FROM refresher_assignments WHERE course = 'c1'")}
    assert assigned == {"lin", "wu", "zhou"}

    # wu's certificate has 200 days to go: without the assignment she would be offered nothing yet.
    deck = Review.from_env(db, office["catalog"], {"APP_REVIEW_CLOCK_FILE": str(review_clock)})
    people = office["people"]
    [offer] = Refreshers(deck).offers(people["wu"])
    assert offer.assigned and offer.days_left > 60
    assert Refreshers(deck).offers(people["xu"]) == []  # 80 days left, another group: nothing offered
    with pytest.raises(PermissionDenied):
        reports.assign_refresher(people["lin"], Refreshers(deck), office["accounts"], "c1", ["wu"])


def test_the_tab_is_for_staff_only(office: dict[str, Any]) -> None:
    at = open_page("app_pages/dashboard.py", "lin")
    assert any("Your role may not use this page" in e.value for e in at.error)
    assert not at.metric and not at.dataframe
    deck = Review(office["db"], office["catalog"])
    with pytest.raises(PermissionDenied):
        reports.retention_rows(office["people"]["lin"], deck, office["accounts"], "c1")
    with pytest.raises(PermissionDenied):
        reports.expiring_rows(office["people"]["lin"], Refreshers(deck), office["accounts"], "c1")


def test_the_table_follows_content_changes_and_needs_no_sqlite_math(office: dict[str, Any], tmp_path: Path) -> None:
    """The table is summed in SQL: after the course files change it reconciles the decks first (a
    card whose answer changed starts again, one whose question went is not counted), and SQLite
    without its math functions gets pow from Python, with the same figures."""
    from trainer.learning import review as review_module
    db, tom = office["db"], office["accounts"].get("tom")
    before = Review(db, office["catalog"]).retention_table(tom, "c1")
    db.conn.create_function("pow", 2, review_module._pow, deterministic=True)  # as on a build without it
    assert Review(db, office["catalog"]).retention_table(tom, "c1") == before
    quiz = tmp_path / "content" / "c1" / "01-m1" / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    text = text.replace(  # m1-q1's key moves from a to b; m1-q2 is removed
        "{id: a, text: {zh: 三审, en: Three}, correct: true}",
        "{id: a, text: {zh: 三审, en: Three}, feedback: {zh: 否, en: No}}",
    ).replace("text: {zh: 一审, en: One}\n", "text: {zh: 一审, en: One}\n        correct: true\n", 1)
    start, end = text.index("  - id: m1-q2"), text.index("  - id: m1-q3")
    quiz.write_text(text[:start] + text[end:], encoding="utf-8")
    module = quiz.parent / "module.yaml"
    module.write_text(module.read_text(encoding="utf-8").replace("draw: 3", "draw: 2"), encoding="utf-8")
    edited = Review(db, load_catalog(tmp_path / "content"), clock=lambda: time.time() + SHIFT_DAYS * DAY)
    [row] = edited.retention_table(tom, "c1")
    assert (row["username"], row["cards"], row["recall"], row["overdue"]) == ("lin", 1, None, 0)  # reset, due now
    assert db.execute("SELECT count(*) FROM review_cards WHERE retired_at IS NOT NULL").fetchone()[0] == 1
