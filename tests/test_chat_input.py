"""Hostile chat input: empty, very long, invisible characters, markup in the question itself.

Document-side markup is covered in test_app.py (test_document_markup_is_never_rendered).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.answer import MAX_QUESTION_CHARS, answer
from knowledge.errors import EmptyQuestion
from knowledge.kb import KnowledgeBase
from tests.apptest import open_page
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
RULES = (
    "# 发布审核规定\n\n第五条 稿件发布前实行三审：一审责任编辑，二审科室负责人，三审分管领导。\n\n"
    "# Reply rules\n\nEvery message from the public gets a reply within 2 working days.\n"
)


@pytest.fixture
def rules(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    doc = tmp_path / "rules.md"
    doc.write_text(RULES, encoding="utf-8")
    kb.ingest([doc], kind="policy")
    return kb


@pytest.mark.parametrize("question", ["", "   \n\t ", "？？？", "\x00\x07\u200b\u202e", "!!! ... ???"])
def test_a_question_with_nothing_to_ask_gets_a_clear_error(rules: KnowledgeBase, question: str) -> None:
    with pytest.raises(EmptyQuestion, match="Type a question first"):
        answer(rules, question)


def test_invisible_and_control_characters_do_not_change_the_answer(rules: KnowledgeBase) -> None:
    clean = answer(rules, "发布前需要几审？")
    dirty = answer(rules, "发布前\u200b需要\x00几审\u202e？\x07")
    assert clean.grounded and dirty.grounded
    assert dirty.question == "发布前需要几审？"
    assert [c.text for c in dirty.citations] == [c.text for c in clean.citations]


def test_a_pasted_document_is_cut_to_question_length(rules: KnowledgeBase) -> None:
    question = "Which drone may we fly over the river festival? " + "really " * 50_000
    result = answer(rules, question, asked_by="lin")
    assert len(result.question) == MAX_QUESTION_CHARS
    assert result.question.startswith("Which drone may we fly")
    assert not result.grounded  # refused, so the question is recorded as a knowledge gap...
    gaps = rules.catalog.db.execute("SELECT question FROM gaps").fetchall()
    assert len(gaps) == 1 and len(gaps[0][0]) == MAX_QUESTION_CHARS  # ...cut like the question


def test_markup_in_a_question_is_shown_as_text(rules: KnowledgeBase) -> None:
    accounts = Accounts(open_db(rules.settings.app_db))
    accounts.create_user("lin", PASSWORD, "learner", name="Lin", language="en")
    at = open_page("streamlit_app.py", "lin", lang="en", timeout=120)
    hostile = (
        "<img src=x onerror=alert(1)> <script>alert(2)</script> [reply](javascript:alert(3)) "
        "![x](http://example.invalid/t.png) **reply** within how many working days?"
    )
    at.chat_input[0].set_value(hostile).run()
    assert not at.exception
    rendered = "\n".join(str(m.value) for m in at.markdown)
    assert "img src" in rendered and "script" in rendered  # the question is echoed, as text
    unescaped = re.sub(r"\*\*(Sources|Not found in the knowledge base)\*\*", "", rendered)
    assert not re.search(r"(?<!\\)[<>\[\]!`]", unescaped)
    assert not re.search(r"(?<!\\)\*\*reply", rendered)  # no bold from the question either
