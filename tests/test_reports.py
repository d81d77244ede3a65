"""Trainer reports: gradebook, attempts, item analysis on first attempts, gaps, usage, exports, and
the dashboard page for each role."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from courses.content import load_catalog
from knowledge.answer import Answer, Citation, answer
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.coursemaker import RIGHT, make_course
from tests.filemakers import pdf_bytes
from trainer import library
from trainer.analytics import reports
from trainer.analytics.asklog import AskLog
from trainer.errors import PermissionDenied
from trainer.learning.quiz import Learning
from trainer.people.accounts import Accounts, User
from trainer.storage.db import migration, open_db

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
    assert (today["answered"], today["not_found"], today["active"]) == (1, 1, 3)
    assert reports.usage(p["tom"], learning.db)["top_documents"] == [("rules.pdf", 1)]


# ---------------------------------------------------------------------- the chat's three outcomes
def made(confidence: str, question: str = "What is the reply deadline?") -> Answer:
    """An Answer with the given outcome, as knowledge.answer makes it (no model needed)."""
    cited = (Citation(1, "rules.pdf", "Reply rules", 1, "Replies are due within 2 working days."),)
    if confidence == "not_found":
        return Answer(question, "Not found.", False, (), "extractive", "en", closest=(("rules.pdf", "Reply rules"),))
    return Answer(question, "- Replies [1]", confidence == "answered", cited, "extractive", "en", confidence=confidence)


def test_usage_counts_each_outcome_per_day(world) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    log = AskLog(learning.db)
    for confidence in ("answered", "related", "related", "not_found"):
        log.record(p["lin"], made(confidence))
    today = reports.usage(p["tom"], learning.db)["days"][-1]
    assert {o: today[o] for o in reports.OUTCOMES} == {"answered": 1, "related": 2, "not_found": 1}
    assert reports.usage(p["tom"], learning.db)["top_documents"] == [("rules.pdf", 1)]  # answers' sources only
    rows = log.asks(p["tom"])
    assert sorted(r["confidence"] for r in rows) == ["answered", "not_found", "related", "related"]


def test_chat_records_from_before_the_outcomes_take_them_from_grounded(tmp_path: Path) -> None:
    db = open_db(tmp_path / "app.db")
    db.execute("ALTER TABLE asks DROP COLUMN confidence")  # as app.db was before m006
    db.execute("DELETE FROM _migrations WHERE name = 'm006_ask_confidence'")
    for grounded in (1, 0):
        db.execute(
            "INSERT INTO asks (username, question, answer, grounded, mode, language, at)"
            " VALUES ('lin', 'q', 'a', ?, 'extractive', 'en', '2025-01-02T03:04:05+00:00')",
            [grounded],
        )
    assert migration.apply(db) == ["m006_ask_confidence"]
    assert [r[0] for r in db.execute("SELECT confidence FROM asks ORDER BY id").fetchall()] == ["answered", "not_found"]


def record_gaps(kb: KnowledgeBase) -> None:
    kb.catalog.record_gap("Who keeps the message log?", "", "en", ["rules.pdf"], 0.4, "lin", "related")
    kb.catalog.record_gap("Which canteen serves dumplings?", "", "en", ["rules.pdf"], 0.01, "wu", "not_found")


def test_gaps_carry_their_outcome_into_labels_and_exports(world, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    record_gaps(kb)
    log = AskLog(learning.db)
    log.rate(p["lin"], log.record(p["lin"], made("answered", "Who approves replies?")), -1, "wrong office")
    items = reports.gap_items(p["tom"], kb, learning.db)
    assert sorted(i.kind for i in items) == ["not_found", "related", "thumbs_down"]
    clusters = reports.cluster_gaps(items, lambda texts: [kb.embedder.embed_query(t) for t in texts])
    assert len(clusters) == 3

    def row(rows: list[dict[str, object]], word: str) -> dict[str, object]:
        return next(r for r in rows if word in str(r["question"]))

    english, chinese, keys = (
        reports.gap_rows(clusters, "en"),
        reports.gap_rows(clusters, "zh"),
        reports.gap_rows(clusters),
    )
    assert row(english, "log")["outcome"] == "related" and row(english, "canteen")["outcome"] == "not found"
    assert row(english, "approves")["outcome"] == "thumbs-down"
    assert row(chinese, "log")["outcome"] == "相关段落" and row(chinese, "canteen")["outcome"] == "未找到"
    assert [row(keys, w)["outcome"] for w in ("log", "canteen", "approves")] == ["related", "not_found", "thumbs_down"]
    assert {k: row(keys, "log")[k] for k in ("related", "not_found", "thumbs_down")} == {
        "related": 1,
        "not_found": 0,
        "thumbs_down": 0,
    }
    csv_text = reports.to_csv(english).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("question,count,outcome,not_found,related,thumbs_down,")
    sheet = load_workbook(io.BytesIO(reports.to_xlsx({"gaps": chinese})))["gaps"]
    assert "相关段落" in [c.value for c in sheet["C"]]


def test_dashboard_labels_gaps_and_charts_usage_by_outcome(world, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    record_gaps(kb)
    log = AskLog(learning.db)
    for confidence in ("answered", "related", "not_found"):
        log.record(p["lin"], made(confidence))
    at = open_page("app_pages/dashboard.py", "tom", timeout=120)
    assert not at.exception
    labels = [str(e.label) for e in at.expander]
    assert any("Who keeps the message log" in label and label.rstrip().endswith("· related") for label in labels), (
        labels
    )
    assert any("canteen" in label and label.rstrip().endswith("· not found") for label in labels), labels
    markdown = "\n".join(str(m.value) for m in at.markdown)
    assert "\\(related\\, " in markdown and "\\(not found\\, " in markdown  # each wording's outcome, escaped
    assert "Questions per day (answered / related / not found)" in [s.value for s in at.subheader]
    chart = next(c for c in at.get("vega_lite_chart") if '"bar"' in c.proto.spec)
    # One series per outcome, named in the interface language, coloured as the Ask page shows them.
    assert '"domain": ["answered", "related", "not found"]' in chart.proto.spec
    chinese = open_page("app_pages/dashboard.py", "tom", lang="zh", timeout=120)
    assert any(str(e.label).rstrip().endswith("· 相关段落") for e in chinese.expander)


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
        assert "lin" in list(gradebook["User name"])
        assert any("Only 1 first attempts" in w.value for w in at.warning)
        labels = [str(b.label) for b in at.get("download_button")]
        assert "Gradebook (CSV)" in labels and "Everything as Excel" in labels


def test_staff_attempts_and_questions_stay_out_of_learner_statistics_unless_asked(world) -> None:  # type: ignore[no-untyped-def]
    learning, accounts, p = world
    take(learning, p["ada"], RIGHT)  # the admin tries the quiz first
    take(learning, p["lin"], {"m1-q1": "b"})
    log = AskLog(learning.db)
    log.record(p["tom"], made("answered"))
    log.record(p["lin"], made("not_found"))

    def analysed(**kw: bool) -> int:
        result = reports.item_analysis(p["tom"], learning, "c1", "m1", **kw)
        return 0 if result.analysis is None else result.analysis.quiz.attempts

    assert analysed() == 1 and analysed(include_staff=True) == 2  # was "2 人次": admin + learner
    assert {r["username"] for r in reports.attempt_rows(p["tom"], learning, "c1")} == {"lin"}
    assert {r["username"] for r in reports.attempt_rows(p["tom"], learning, "c1", include_staff=True)} == {"ada", "lin"}
    assert "ada" not in {r.username for r in reports.gradebook(p["tom"], learning, accounts, "c1")}
    assert "ada" in {r.username for r in reports.gradebook(p["tom"], learning, accounts, "c1", include_staff=True)}
    today = reports.usage(p["tom"], learning.db)["days"][-1]
    assert (today["answered"], today["not_found"], today["active"]) == (0, 1, 1)
    everyone = reports.usage(p["tom"], learning.db, include_staff=True)["days"][-1]
    assert (everyone["answered"], everyone["not_found"], everyone["active"]) == (1, 1, 3)  # tom, ada, lin
    assert reports.usage(p["tom"], learning.db)["top_documents"] == []

    at = open_page("app_pages/dashboard.py", "tom")
    assert "Attempts 1 ·" in "\n".join(str(m.value) for m in at.markdown)
    at.toggle(key="include_staff").set_value(True).run()
    assert not at.exception
    assert "Attempts 2 ·" in "\n".join(str(m.value) for m in at.markdown)
    assert "ada" in list(at.dataframe[0].value["User name"])


def test_a_reason_for_a_missing_value_is_shown_once_in_one_language(world) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    take(learning, p["lin"], RIGHT)
    quiz = reports.item_analysis(p["tom"], learning, "c1", "m1").analysis.quiz  # type: ignore[union-attr]
    # One reason (a single attempt) empties SD, alpha, error ratio and standard error at once.
    assert len(quiz.notes) >= 3 and len(set(quiz.notes.values())) == 1
    assert len(reports.distinct_notes(quiz.notes, "zh")) == 1
    [zh] = reports.distinct_notes(quiz.notes, "zh")
    [en] = reports.distinct_notes(quiz.notes, "en")
    assert not re.search("[A-Za-z]{3}", zh) and not re.search("[\u4e00-\u9fff]", en)
    at = open_page("app_pages/dashboard.py", "tom", lang="zh")
    captions = [str(c.value) for c in at.caption]
    assert sum(zh in c for c in captions) == 1, captions


def test_a_thumbs_down_on_an_unanswered_question_is_one_gap_handled_once(world, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    learning, _, p = world
    log = AskLog(learning.db)
    question = "Who keeps the message log?"
    log.rate(p["lin"], log.record(p["lin"], made("related", question)), -1, "not what I asked")
    kb.catalog.record_gap(question, "", "en", ["rules.pdf"], 0.4, "lin", "related")
    log.rate(p["wu"], log.record(p["wu"], made("answered", "Who approves replies?")), -1, "wrong office")
    items = reports.gap_items(p["tom"], kb, learning.db)
    assert sorted(i.kind for i in items) == ["related", "thumbs_down"]
    related = next(i for i in items if i.kind == "related")
    assert related.reason == "not what I asked"
    reports.mark_handled(p["tom"], kb, learning.db, [related])
    assert [i.question for i in reports.gap_items(p["tom"], kb, learning.db)] == ["Who approves replies?"]


def test_the_weekly_trend_reads_as_words(world, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    learning, _, _ = world
    kb.catalog.record_gap("Which canteen serves dumplings?", "", "en", [], 0.01, "wu", "not_found")
    at = open_page("app_pages/dashboard.py", "tom", lang="zh", timeout=120)
    captions = [str(c.value) for c in at.caption]
    assert "本周 1 次 · 上周 0 次 · 近 8 周共 1 次" in captions, captions
    assert not any("00000001" in c.replace(" ", "") for c in captions)
