"""The "Reply to a message" page in AppTest: roles, a cited draft, the tracked list, practice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from desk.replies import ReplyDraft
from desk.replydesk import ReplyDesk
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests.apptest import open_page
from tests.outcomes import force_reply_outcome
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
RULES_EN = ROOT / "knowledge" / "samples" / "policies" / "en-message-handling.md"
RULES_ZH = ROOT / "knowledge" / "samples" / "policies" / "zh-message-handling.docx"
POST = ROOT / "knowledge" / "samples" / "posts" / "zh-post-faq-reply.html"
PASSWORD = "correct horse battery"
TIMEOUT = 90


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    accounts = Accounts(open_db(settings.app_db))
    accounts.create_user("tom", PASSWORD, "trainer", name="Tom", language="en")
    accounts.create_user("lin", PASSWORD, "learner", name="林小红", language="zh")
    accounts.create_user("wang", PASSWORD, "learner", name="王强", language="zh")
    return accounts


def page_as(username: str | None, lang: str = "en") -> AppTest:
    return open_page("app_pages/reply_desk.py", username, lang=lang, timeout=TIMEOUT)


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.error]
    parts += [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.info]
    return "\n".join(str(p) for p in parts)


def _draft(message: str, deadline: dt.date) -> ReplyDraft:
    received = deadline - dt.timedelta(days=14)
    return ReplyDraft(message, "complaint", "zh", "答复", (), received, deadline, 10, received)


def test_signed_out_is_refused(accounts: Accounts) -> None:
    at = page_as(None)
    assert not at.exception
    assert any("Your role may not use this page" in e.value for e in at.error)
    assert not at.button and not at.text_area


def test_learner_drafts_a_cited_reply_and_tracks_it(accounts: Accounts, kb: KnowledgeBase, settings: Settings) -> None:
    assert kb.ingest([RULES_EN])[0].status == "added"
    at = page_as("lin")
    assert not at.exception
    assert "Reply to a citizen's message" in [t.value for t in at.title]
    at.text_area(key="reply_message").input(
        "I want to complain: the bins on Willow Road have not been emptied for weeks. <b>Fix it</b> [now](http://x.test)"
    )
    at.date_input(key="reply_received").set_value(dt.date(2025, 9, 30))
    at.button(key="reply_draft_button").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "complaint" in shown and "2025\\-10\\-21" in shown and "10 working days" in shown
    draft = at.text_area(key="reply_text").value
    assert "[office to fill in]" in draft and "21 October 2025" in draft
    assert any(e.label.startswith("\\[1\\]") for e in at.expander)  # citations, escaped
    at.text_area(key="reply_text").input(draft + "\nEdited by Lin.")
    at.button(key="reply_track").click().run()
    assert not at.exception
    items = ReplyDesk(open_db(settings.app_db)).items(accounts.get("lin"))
    assert len(items) == 1 and items[0]["deadline"] == "2025-10-21" and items[0]["reply"].endswith("Edited by Lin.")
    assert "<b>" not in "".join(str(m.value) for m in at.markdown if "Fix it" in str(m.value))


def test_the_draft_shows_what_the_knowledge_base_says_about_the_subject(
    accounts: Accounts, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each outcome for the message's subject in its own box (forced: the calibration is not under
    test); related passages are listed for the officer and stay out of the draft."""
    assert kb.ingest([RULES_EN])[0].status == "added"
    at = page_as("lin")
    at.text_area(key="reply_message").input("How often do staff check the back end on working days?")
    at.date_input(key="reply_received").set_value(dt.date(2025, 6, 3))
    boxes = {}
    for outcome, box in (("answered", "success"), ("related", "warning"), ("not_found", "info")):
        force_reply_outcome(monkeypatch, outcome)
        at.button(key="reply_draft_button").click().run()
        assert not at.exception, at.exception
        boxes[outcome] = [str(e.value) for e in getattr(at, box)]
        draft = at.session_state["reply_draft"]
        labels = [str(e.label) for e in at.expander]
        # The subject's passages are listed once, as citations "[n] title", whatever the outcome.
        assert all(sum(f"\\[{c.n}\\]" in label for label in labels) == 1 for c in draft.citations)
        if outcome != "not_found":
            assert draft.topic
        if outcome == "related":
            reply = at.text_area(key="reply_text").value
            assert "[the answer, naming the policy document" in reply and "Under " not in reply
    assert any(v.startswith("**Answered from the knowledge base**") for v in boxes["answered"])
    assert any(v.startswith("**Related passages — check before using**") for v in boxes["related"])
    assert any("not in the draft" in v for v in boxes["related"])
    assert any(v.startswith("**Not found in the knowledge base**") for v in boxes["not_found"])
    chinese = page_as("lin", lang="zh")
    chinese.session_state["reply_draft"] = draft
    chinese.run()
    assert any(str(i.value).startswith("**知识库中没有找到依据**") for i in chinese.info)


def test_the_draft_says_back_the_message_and_labels_sample_posts(
    accounts: Accounts, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply restates the citizen's matter; a sample post about another town's street lights is
    shown apart, labelled as a reference, and stays out of the reply."""
    kb.ingest([RULES_ZH, POST])
    force_reply_outcome(monkeypatch, "answered")
    at = page_as("lin", lang="zh")
    at.text_area(key="reply_message").input("请问石门村村口的路灯晚上不亮，能修吗？已经半个月了，打过12345。")
    at.date_input(key="reply_received").set_value(dt.date(2025, 6, 3))
    at.button(key="reply_draft_button").click().run()
    assert not at.exception, at.exception
    reply = at.text_area(key="reply_text").value
    assert "石门村村口" in reply and "路灯" in reply and "12345" in reply
    draft = at.session_state["reply_draft"]
    assert draft.references and not any(f"[{n}]" in reply for n in draft.references)
    assert any(str(w.value).startswith("**样例推文（其他案例，仅供参考）**") for w in at.warning)
    assert any("留言要点" in str(c.value) and "路灯" in str(c.value) for c in at.caption)
    labels = [str(e.label) for e in at.expander]
    assert all(sum(f"\\[{n}\\]" in label for label in labels) == 1 for n in draft.references)


def test_learner_sees_only_their_own_tracked_items(accounts: Accounts, settings: Settings) -> None:
    desk = ReplyDesk(open_db(settings.app_db))
    desk.add(accounts.get("lin"), _draft("林的留言：路灯坏了", dt.date(2020, 1, 6)))
    desk.add(accounts.get("wang"), _draft("王的留言：垃圾没人收", dt.date(2099, 1, 6)))
    at = page_as("lin")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Added by"]) == ["lin"]
    assert "1 messages are past their deadline" in texts(at)


def test_trainer_sees_everyone_and_updates_a_status(accounts: Accounts, settings: Settings) -> None:
    desk = ReplyDesk(open_db(settings.app_db))
    desk.add(accounts.get("lin"), _draft("林的留言：路灯坏了", dt.date(2020, 1, 6)))
    wang = desk.add(accounts.get("wang"), _draft("王的留言：垃圾没人收", dt.date(2099, 1, 6)))
    at = page_as("tom")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Added by"]) == {"lin", "wang"}
    assert list(table["Overdue"]) == ["⚠", ""]
    at.selectbox(key="reply_item").set_value(wang)
    at.selectbox(key="reply_new_status").set_value("escalated")
    at.button(key="reply_update_button").click().run()
    assert not at.exception
    assert desk.item(accounts.get("tom"), wang)["status"] == "escalated"
    assert "Updated the status of #2" in texts(at)


def test_practice_gives_scored_feedback_and_is_recorded(accounts: Accounts, settings: Settings) -> None:
    at = page_as("lin", lang="zh")
    assert not at.exception
    at.selectbox(key="practice_sample").set_value("streetlight")
    at.run()
    at.text_area(key="practice_reply_streetlight").input("路灯不归我们管，请自行查询。")
    at.button(key="practice_check").click().run()
    assert not at.exception
    shown = texts(at)
    assert "得分：" in shown and "请自行查询" in shown and "2025年10月16日" in shown
    results = ReplyDesk(open_db(settings.app_db)).practice_results(accounts.get("tom"))
    assert [(r["username"], r["sample"]) for r in results] == [("lin", "streetlight")]
    assert results[0]["score"] < results[0]["max_score"]
    trainer = page_as("tom")
    assert "lin" in list(trainer.dataframe[-1].value["Added by"])
