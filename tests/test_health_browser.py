"""The account health check in a real browser: a trainer imports an export, reads the report and assigns
the module its finding names. Screenshots land in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from desk.health import COURSE, today_cst
from tests.browser import app_server, chromium, fill_sign_in, new_tab
from tests.conftest import ARTIFACTS
from tests.test_e2e_browser import choose_file
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"


def export_xlsx(path: Path) -> Path:
    """A town account that stopped posting 40 days ago, and the account list naming its manager."""
    today = today_cst()
    wb = Workbook()
    ws = wb.active
    ws.title = "已发表文章"
    ws.append(["公众号名称", "标题", "发布时间", "阅读数", "是否原创"])
    for i in range(12):
        day = today - dt.timedelta(days=40 + 7 * i)
        ws.append(["新桥镇", f"新桥镇召开第{12 - i}次安全生产会议", f"{day.isoformat()} 23:10", 20 + i, "否"])
    accounts = wb.create_sheet("账号")
    accounts.append(["公众号名称", "部门/镇街", "账号类型", "管理员用户名"])
    accounts.append(["新桥镇", "新桥镇", "镇街", "lin"])
    wb.save(path)
    return path


@pytest.fixture
def server(clean_env: Path) -> Iterator[str]:
    accounts = Accounts(open_db(clean_env / "app.db"))
    accounts.create_user("tom", PASSWORD, "trainer", name="Tom", language="en")
    accounts.create_user("lin", PASSWORD, "learner", name="林小红", language="zh")
    accounts.db.conn.close()
    with app_server(clean_env) as running:
        yield running.url


def shot(tab, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"health-{name}.png"), full_page=True)


def test_trainer_imports_reads_the_report_and_assigns_the_module(server: str, clean_env: Path, tmp_path: Path) -> None:
    workbook = export_xlsx(tmp_path / "柳塘区公众号.xlsx")
    with chromium() as browser:
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
        tab = new_tab(context, 90_000)
        tab.goto(server)
        fill_sign_in(tab, "tom", PASSWORD)
        tab.get_by_role("link", name="Account health").click()
        tab.get_by_text("Account health check").first.wait_for()

        tab.get_by_role("tab", name="Import a publishing record").click()
        choose_file(tab, workbook)
        tab.get_by_text("Preview (nothing saved yet)").wait_for()
        tab.get_by_text("Sheet “账号”: account list").wait_for()
        shot(tab, "1-preview")
        tab.get_by_role("button", name="Save the import").click()
        tab.get_by_text("Articles imported: 12, new: 12").wait_for()

        tab.get_by_role("tab", name="Account report").click()
        # The finding on the report (the overview's at-risk list says it too, in its hidden tab).
        tab.locator("[data-testid=stAlert]").filter(
            has_text="No post in the 14 days before the monitoring date"
        ).wait_for()
        report = tab.locator("[data-testid=stMain]").inner_text()
        assert "last on " + (today_cst() - dt.timedelta(days=40)).isoformat() in report
        assert "Taught in module 4" in report
        tab.locator("[data-testid=stVegaLiteChart]").first.wait_for()
        shot(tab, "2-report")
        tab.get_by_role("button", name="Assign module 4 to this account's managers").first.click()
        tab.get_by_text("Module 4 assigned to lin").wait_for()
        shot(tab, "3-assigned")
        context.close()

    db = open_db(clean_env / "app.db")
    deadline = time.time() + 10
    while time.time() < deadline:
        rows = db.execute("SELECT username, course FROM assignments").fetchall()
        if rows:
            break
        time.sleep(0.2)
    assert rows == [("lin", COURSE)]
    assert db.execute("SELECT username, module FROM health_training").fetchall() == [("lin", "frequency-and-duty")]
    assert db.execute("SELECT count(*) FROM health_posts").fetchone()[0] == 12
