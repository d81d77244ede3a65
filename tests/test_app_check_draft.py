"""The "Check a draft" page in AppTest: refused signed out, a learner checks a draft (escaped, with a
review sheet), only an admin sees and uses the word-list form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from desk.drafts import load_wordlists
from knowledge.settings import Settings
from tests.apptest import open_page
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
TIMEOUT = 60


@pytest.fixture
def people(settings: Settings) -> Accounts:
    accounts = Accounts(open_db(settings.app_db))
    accounts.create_user("ada", PASSWORD, "admin", name="Ada", language="en")
    accounts.create_user("lin", PASSWORD, "learner", name="林小红", language="zh")
    return accounts


def page_as(username: str | None, lang: str = "en") -> AppTest:
    return open_page("app_pages/check_draft.py", username, lang=lang, timeout=TIMEOUT)


def test_signed_out_is_refused(people: Accounts) -> None:
    at = page_as(None)
    assert not at.exception
    assert any("Your role may not use this page" in e.value for e in at.error)
    assert not at.text_input and not at.button and not at.get("file_uploader")


def test_learner_checks_a_draft_and_gets_an_escaped_report(people: Accounts) -> None:
    at = page_as("lin")
    assert not at.exception
    assert "Check a draft before publishing" in [t.value for t in at.title]
    assert not any("Word list" in str(e.label) for e in at.expander)  # no admin form for a learner
    at.text_input(key="draft_in_title").input("重要通知")
    at.text_area(key="draft_in_body").input(
        "居民再接再励，请于2026年3月31日前办理。<img src=x onerror=alert(1)> [点我](javascript:alert(1))"
    )
    at.button[0].click().run()
    assert not at.exception
    rendered = "\n".join(str(m.value) for m in at.markdown)
    assert "Typo" in rendered and "再接再厉" in rendered
    assert "Vague title" in rendered
    assert "**Vague title**" in rendered  # bold that closes: no line-break spaces before the asterisks
    assert not re.search(r"\b(?:wording|title|fact|service|date)\.[a-z]+", rendered)  # names, not rule ids
    assert "img src" in rendered and not re.search(r"(?<!\\)[<>\[\]]", rendered.replace("> ", ""))
    subheaders = [str(s.value) for s in at.subheader]
    assert "Facts to double-check" in subheaders and "Suggested release" in subheaders
    assert at.get("download_button")
    assert any("manual" in str(c.value) or "手册" in str(c.value) for c in at.caption)


def test_learner_cannot_add_words_admin_can(people: Accounts, settings: Settings) -> None:
    learner = page_as("lin")
    assert not any(i.key == "draft_word_wrong" for i in learner.text_input)

    admin = page_as("ada")
    assert not admin.exception
    admin.text_input(key="draft_word_wrong").input("柳糖区")
    admin.text_input(key="draft_word_suggestion").input("柳塘区")
    admin.selectbox(key="draft_word_category").set_value("serious")
    [add] = [b for b in admin.button if b.label == "Add"]
    add.click().run()
    assert not admin.exception
    assert any("柳糖区" in str(s.value) for s in admin.success)
    assert any(r.wrong == "柳糖区" and r.category == "serious" for r in load_wordlists(settings.data_dir))


def test_the_chinese_interface_names_every_rule_in_chinese(people: Accounts) -> None:
    at = page_as("lin", lang="zh")
    assert not at.exception
    at.text_input(key="draft_in_title").input("速看！！社区活动")
    at.text_area(key="draft_in_body").input(
        "居民再接再励。2026年12月15日（星期三）上午请到社区服务站报名，逾期后果自负。"
        "确保百分之百满意。咨询电话：0755-2233 4455。"
    )
    at.button[0].click().run()
    assert not at.exception
    rendered = "\n".join(str(m.value) for m in at.markdown)
    for name in ("错别字", "标题党", "星期与日期不符", "威胁、训斥式措辞", "绝对化承诺", "缺少信息来源", "电话"):
        assert name in rendered, name
    assert "星期二" in rendered  # the finding names the right weekday
    assert not re.search(r"\b(?:wording|title|fact|service|date)\.[a-z]+", rendered)
    assert not re.search(r"\b(?:deadline|phone|typo|clickbait)\b", rendered)


def test_the_word_list_categories_are_named_in_the_interface_language(people: Accounts) -> None:
    at = page_as("ada", lang="zh")
    assert not at.exception
    options = at.selectbox(key="draft_word_category").options
    assert "严重表述错误" in options and "错别字" in options and "serious" not in options
