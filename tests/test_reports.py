"""Trainer reports: gradebook, attempts, item analysis on first attempts, gaps, usage, exports, and
the dashboard page for each role."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from courses.content import load_catalog
from knowledge.answer import answer
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.coursemaker import RIGHT, make_course
from tests.filemakers import pdf_bytes
from trainer import library, reports
from trainer.accounts import Accounts, User
from trainer.asklog import AskLog
from trainer.db import open_db
from trainer.errors import PermissionDenied
from trainer.learning import Learning

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture
def world(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    root = make_course(tmp_path / "content")
    monkeypatch.setenv("APP_COURSES_DIR", str(root))
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    people = {
        "tom": accounts.create_user("tom", PASSWORD, "trainer"),
        "ada": accounts.create_user("ada", PASSWORD, "admin"),
        "lin": accounts.create_user("lin", PASSWORD, "learner", department="柳塘街道"),
        "wu": accounts.create_user("wu", PASSWORD, "learner", department="柳塘街道"),
        "li": accounts.create_user("li", PASSWORD, "learner", department="新桥镇"),
    }
    return Learning(db, load_catalog(root)), accounts, people


def take(learning: Learning, user: User, answers: dict[str, object]) -> None:
    attempt = learning.start(user, "c1", "m1")
    for shown in attempt.questions:
        if shown.question.id in answers:
            learning.answer(user, attempt.id, shown.pos, answers[shown.question.id])
    learning.submit(user, attempt.id, allow_unanswered=True)


def test_gradebook_roles_groups_and_overdue(world) -> None:  # type: ignore[no-untyped-def]
    learning, accounts, p = world
    take(learning, p["lin"], RIGHT)
    learning.mark_read(p["lin"], "c1", "m1", "basics")
    yesterday = dt.date.today() - dt.timedelta(days=1)
    reports.assign(p["tom"], learning.db, ["lin", "wu"], "c1", yesterday)
    with pytest.raises(PermissionDenied):
        reports.assign(p["lin"], learning.db, ["wu"], "c1", None)

    rows = reports.gradebook(p["tom"], learning, accounts, "c1")
    assert {r.username for r in rows} == {"lin", "wu", "li"} and len(rows) == 6
    lin_m1 = next(r for r in rows if r.username == "lin" and r.module == "m1")
    assert (lin_m1.grade, lin_m1.passed, lin_m1.completed, lin_m1.overdue) == (100.0, True, True, False)
    lin_m2 = next(r for r in rows if r.username == "lin" and r.module == "m2")
    assert lin_m2.overdue  # assigned, due yesterday, not completed
    assert not next(r for r in rows if r.username == "li").overdue  # never assigned
    assert {r.username for r in reports.gradebook(p["tom"], learning, accounts, "c1", group="新桥镇")} == {"li"}
    own = reports.gradebook(p["wu"], learning, accounts, "c1")
    assert {r.username for r in own} == {"wu"}  # a learner sees only their own row
    with pytest.raises(PermissionDenied):
        reports.groups(p["wu"], accounts)


def test_attempt_rows_hold_every_answer_and_learners_see_their_own(world) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    take(learning, p["lin"], RIGHT)
    take(learning, p["wu"], {"m1-q1": "b"})
    rows = reports.attempt_rows(p["tom"], learning, "c1")
    assert len(rows) == 6 and {r["username"] for r in rows} == {"lin", "wu"}
    wu_q1 = next(r for r in rows if r["username"] == "wu" and r["question"] == "m1-q1")
    assert (wu_q1["response"], wu_q1["mark"]) == ("b", 0.0)
    assert {r["username"] for r in reports.attempt_rows(p["wu"], learning, "c1", username="lin")} == {"wu"}


def test_item_analysis_uses_first_attempts_only(world) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    take(learning, p["lin"], RIGHT)  # 3/3
    take(learning, p["wu"], {"m1-q1": "a", "m1-q2": ["a", "b"]})  # 2/3
    take(learning, p["li"], {"m1-q1": "b"})  # 0/3
    take(learning, p["li"], RIGHT)  # a retake: not counted
    result = reports.item_analysis(p["tom"], learning, "c1", "m1")
    assert result.analysis is not None and result.analysis.quiz.attempts == 3
    facility = {q.question: q.facility for q in result.analysis.questions}
    # q1: right for lin and wu, wrong for li -> 2/3; q3: right only for lin -> 1/3
    assert facility["m1-q1"] == pytest.approx(200 / 3)
    assert facility["m1-q3"] == pytest.approx(100 / 3)
    table = result.options["m1-q1"]
    counts = {row.option: (row.count, row.correct) for row in table.rows}
    assert counts["a"] == (2, True) and counts["b"] == (1, False)
    with pytest.raises(PermissionDenied):
        reports.item_analysis(p["lin"], learning, "c1", "m1")
    assert reports.item_analysis(p["tom"], learning, "c1", "m2").analysis is None


def test_gaps_cluster_become_faq_and_close(world, kb: KnowledgeBase, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    library.upload(p["ada"], kb, [("rules.pdf", pdf_bytes(["Replies are due within 2 working days."]))])
    log = AskLog(learning.db)
    for question in (
        "How do I book the district meeting room?",
        "How can I reserve the meeting room in the district office?",
        "Where is the staff canteen menu published?",
    ):
        result = answer(kb, question, asked_by="lin")
        assert not result.grounded
        log.record(p["lin"], result)
    grounded = answer(kb, "How many working days do we have to reply?")
    ask_id = log.record(p["lin"], grounded)
    log.rate(p["lin"], ask_id, -1, "too vague")

    items = reports.gap_items(p["tom"], kb, learning.db)
    assert sorted(i.source for i in items) == ["refused", "refused", "refused", "thumbs_down"]

    def embed(texts: list[str]) -> list:  # type: ignore[type-arg]
        return [kb.embedder.embed_query(t) for t in texts]

    clusters = reports.cluster_gaps(items, embed)
    sizes = sorted(c.count for c in clusters)
    assert sizes == [1, 1, 2]  # the two meeting-room questions are one topic
    room = next(c for c in clusters if c.count == 2)
    assert room.trend()[-1] == 2
    reports.answer_gap(p["tom"], kb, learning.db, room, "Book it on the intranet under Facilities.", "Office manual")
    left = reports.gap_items(p["tom"], kb, learning.db)
    assert len(left) == 2 and not any("meeting room" in i.question for i in left)
    again = answer(kb, "How do I book the district meeting room?")
    assert again.mode == "faq" and "intranet" in again.text
    with pytest.raises(PermissionDenied):
        reports.gap_items(p["lin"], kb, learning.db)
    rows = reports.gap_rows(clusters)
    assert {r["count"] for r in rows} == {1, 2}


def test_usage_counts_questions_and_active_people(world, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    library.upload(p["ada"], kb, [("rules.pdf", pdf_bytes(["Replies are due within 2 working days."]))])
    log = AskLog(learning.db)
    log.record(p["lin"], answer(kb, "How many working days do we have to reply?"))
    log.record(p["wu"], answer(kb, "Which canteen has the best dumplings?"))
    take(learning, p["li"], RIGHT)
    today = reports.usage(p["tom"], learning.db)["days"][-1]
    assert (today["answered"], today["refused"], today["active"]) == (1, 1, 3)
    assert reports.usage(p["tom"], learning.db)["top_documents"] == [("rules.pdf", 1)]


def test_exports_csv_and_excel_are_safe_and_readable() -> None:
    rows = [{"name": "林小红", "note": '=HYPERLINK("http://x")', "grade": 90.5}]
    data = reports.to_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf") and "林小红".encode() in data
    assert b"'=HYPERLINK" in data  # a formula arrives as text
    book = load_workbook(io.BytesIO(reports.to_xlsx({"gradebook": rows, "empty": []})))
    sheet = book["gradebook"]
    assert [c.value for c in sheet[1]] == ["name", "note", "grade"]
    assert [c.value for c in sheet[2]] == ["林小红", '\'=HYPERLINK("http://x")', 90.5]


@pytest.mark.parametrize(("who", "allowed"), [("tom", True), ("ada", True), ("lin", False)])
def test_dashboard_page_for_each_role(world, who: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    take(learning, p["lin"], RIGHT)
    at = open_page("app_pages/dashboard.py", who)
    assert not at.exception
    refused = any("Your role may not use this page" in e.value for e in at.error)
    assert refused != allowed
    if allowed:
        assert "Trainer dashboard" in at.title[0].value
        gradebook = at.dataframe[0].value
        assert "lin" in [idx[0] for idx in gradebook.index]
        assert any("Only 1 first attempts" in w.value for w in at.warning)
        labels = [str(b.label) for b in at.get("download_button")]
        assert "Gradebook (CSV)" in labels and "Everything as Excel" in labels
