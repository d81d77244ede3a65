"""The "Account health" page in AppTest: roles, import with preview and a fixed column, report, assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from desk.health import COURSE, HealthStore, parse
from knowledge.settings import Settings
from tests.apptest import open_page
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
TIMEOUT = 90
AS_OF = dt.date(2025, 6, 30)

DISTRICT = (
    "公众号名称,推文题目,发布时间,阅读数,是否原创\n"
    "柳塘区人民政府,关于调整公交线路的通知,2025-06-20 10:00,500,是\n"
    "柳塘区人民政府,区长调研防汛工作,2025-06-25 23:30,80,否\n"
    "新桥镇,新桥镇召开安全生产会议,2025-05-02 23:00,12,否\n"
).encode("gb18030")


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    accounts = Accounts(open_db(settings.app_db))
    accounts.create_user("tom", PASSWORD, "trainer", name="Tom", language="en")
    accounts.create_user("lin", PASSWORD, "learner", name="林小红", language="zh")
    accounts.create_user("wang", PASSWORD, "learner", name="王强", language="zh")
    return accounts


@pytest.fixture
def stored(accounts: Accounts) -> HealthStore:
    store = HealthStore(accounts.db)
    store.save(accounts.get("tom"), parse("district.csv", DISTRICT, {"推文题目": "title"}))
    store.set_managers(accounts.get("tom"), store.account_id(accounts.get("tom"), "新桥镇"), ["lin"])
    return store


def page_as(username: str | None, lang: str = "en", **state: object) -> AppTest:
    at = open_page("app_pages/health.py", username, lang=lang, timeout=TIMEOUT, state=state or None)
    if username and not at.exception and at.date_input:
        at.date_input(key="health_as_of").set_value(AS_OF).run()
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.error]
    parts += [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.info]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # Markdown escapes off: the words people read


def test_signed_out_is_refused(accounts: Accounts) -> None:
    at = page_as(None)
    assert not at.exception
    assert any("Your role may not use this page" in e.value for e in at.error)
    assert not at.button and not at.dataframe


def test_trainer_sees_every_account_and_assigns_the_suggested_module(stored: HealthStore, accounts: Accounts) -> None:
    at = page_as("tom")
    assert not at.exception, at.exception
    overview = at.dataframe[0].value
    assert sorted(overview["Account"]) == ["新桥镇", "柳塘区人民政府"]
    row = overview[overview["Account"] == "新桥镇"].iloc[0]
    assert row["Updates (veto)"] == "🔴 fails"
    assert "新桥镇" in texts(at)  # on the at-risk list
    at.selectbox(key="health_account").set_value(stored.account_id(accounts.get("tom"), "新桥镇")).run()
    shown = texts(at)
    assert "No post in the 14 days before the monitoring date 2025-06-30" in shown
    assert "Taught in module 4" in shown
    button = next(b for b in at.button if b.key and b.key.startswith("health_assign:0:update"))
    assert button.label == "Assign module 4 to this account's managers"
    button.click().run()
    assert not at.exception
    assert "Module 4 assigned to lin" in texts(at)
    rows = accounts.db.execute("SELECT username, course FROM assignments").fetchall()
    assert rows == [("lin", COURSE)]
    assert accounts.db.execute("SELECT module FROM health_training").fetchall() == [("frequency-and-duty",)]
    assert len(at.get("vega_lite_chart")) >= 3  # weeks, weekday x hour, mix


def test_learner_sees_only_her_account_in_chinese(stored: HealthStore, accounts: Accounts) -> None:
    at = page_as("lin", lang="zh")
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["账号"]) == ["新桥镇"]
    assert at.selectbox(key="health_account").options == ["新桥镇"]
    shown = texts(at)
    assert "监测日 2025-06-30 前14天内没有更新" in shown and "对应课程：第4模块" in shown
    assert not [b for b in at.button if b.key and b.key.startswith("health_assign")]  # trainers only
    wang = page_as("wang", lang="zh")
    assert not wang.exception and "还没有账号数据" in texts(wang)


def test_import_preview_fix_a_column_and_save(accounts: Accounts) -> None:
    at = page_as("tom", health_upload=("district.csv", DISTRICT))
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Preview (nothing saved yet)" in [h.value for h in at.subheader]
    assert "推文题目" in shown  # not recognised, and said so
    assert accounts.db.execute("SELECT count(*) FROM health_posts").fetchone()[0] == 0  # nothing saved yet
    at.selectbox(key="health_map:推文题目").set_value("title").run()
    at.button(key="health_save").click().run()
    assert not at.exception, at.exception
    assert "Articles imported: 3, new: 3" in texts(at)
    titles = {r[0] for r in accounts.db.execute("SELECT title FROM health_posts").fetchall()}
    assert "关于调整公交线路的通知" in titles


def test_a_file_without_a_date_column_is_fixed_by_choosing_it(accounts: Accounts) -> None:
    data = "标题,日子\n防汛通知,2025-06-01 09:00\n".encode("gb18030")
    at = page_as("tom", health_upload=("水务.csv", data))
    assert not at.exception
    assert "no publish-time column" in texts(at)
    assert not [b for b in at.button if b.key == "health_save"]
    at.selectbox(key="health_map:日子").set_value("published").run()
    assert not at.error
    at.text_input(key="health_account_name").input("区水务局").run()
    at.button(key="health_save").click().run()
    assert not at.exception and "Articles imported: 1, new: 1" in texts(at)
    assert accounts.db.execute("SELECT name FROM health_accounts").fetchall() == [("区水务局",)]


def test_nothing_english_on_the_chinese_page(stored: HealthStore, accounts: Accounts) -> None:
    """The trainer's page in Chinese with an account report open and a file in preview: no English word
    from the interface texts anywhere (tables, charts, options, labels)."""
    from tests.test_language import english_in, english_vocabulary

    accounts.set_language("tom", "zh")
    at = page_as("tom", lang="zh", health_upload=("柳塘区.csv", DISTRICT))  # a CSV's sheet is its file name
    at.selectbox(key="health_account").set_value(stored.account_id(accounts.get("tom"), "柳塘区人民政府")).run()
    assert not at.exception, at.exception
    assert len(at.get("vega_lite_chart")) == 4  # weeks, weekday x hour, reads by hour, mix
    assert english_in(at, english_vocabulary()) == []


def test_my_account_shows_the_findings_of_the_accounts_i_manage(stored: HealthStore, accounts: Accounts) -> None:
    def my_account(username: str) -> AppTest:  # through the app: the page links to another page
        return (
            open_page("streamlit_app.py", username, lang="zh", timeout=TIMEOUT)
            .switch_page("app_pages/account.py")
            .run()
        )

    lin = my_account("lin")
    assert not lin.exception, lin.exception
    shown = texts(lin) + "\n".join(str(e.value) for e in lin.error)
    assert (
        [s.value for s in lin.subheader if s.value == "我管理的公众号"]
        and "**新桥镇**" in shown
        and "柳塘区人民政府" not in shown
    )  # hers only
    assert "前14天内没有更新" in shown and "对应课程：第4模块" in shown  # silent since May 2025: the veto
    assert any(link.proto.label == "在账号健康检查中查看完整报告" for link in lin.get("page_link"))
    wang = my_account("wang")
    assert not wang.exception and not [s for s in wang.subheader if s.value == "我管理的公众号"]  # none of his
