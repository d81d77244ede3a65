"""The account health check (desk/health.py): reading real exports, the veto arithmetic, storage and roles."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import sqlite_utils
from openpyxl import Workbook

from commands.trainer_cli import main
from desk import health
from desk.health import HealthError, HealthStore, Row, measure, parse, parse_time, preview
from desk.replydesk import ReplyDesk
from knowledge.settings import Settings
from trainer.errors import PermissionDenied
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
D = dt.date


def xlsx(rows: list[list[object]], *, merges: tuple[str, ...] = (), extra: dict[str, list[list[object]]] | None = None,
         number_format: dict[str, str] | None = None) -> bytes:  # fmt: skip
    """A real workbook: ``rows`` on the first sheet, ``merges`` merged, ``extra`` further sheets."""
    wb = Workbook()
    ws = wb.active
    ws.title = "文章"
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for cell, fmt in (number_format or {}).items():
        ws[cell].number_format = fmt
    for name, sheet_rows in (extra or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def gb_csv(text: str) -> bytes:
    return text.encode("gb18030")


# ---------------------------------------------------------------------- reading
def test_xlsx_with_merged_group_headers_a_title_row_and_serial_dates() -> None:
    data = xlsx(
        [
            ["柳塘发布 2024年文章数据"],
            ["标题", "群发时间", "互动数据", None, "是否原创", "栏目"],
            [None, None, "阅读人数(次)", "分享人数", None, None],
            ["关于暑期游泳馆开放时间的通知", 45474.75, 1520, 33, "原创", "便民"],  # 2024-07-01 18:00
            ["区长调研防汛工作", dt.datetime(2024, 7, 3, 23, 5), "10万+", "1.2万", "非原创", "要闻"],
            ["一图读懂新政策", "2024年7月5日 9时30分", "", None, "", "解读"],
        ],
        merges=("A1:F1", "C2:D2", "A2:A3", "B2:B3", "E2:E3", "F2:F3"),
    )
    p = preview("柳塘发布.xlsx", data)
    [table] = p.tables
    assert table.role == "posts" and table.header_rows == 3
    assert table.mapping == {"title": 0, "published": 1, "reads": 2, "shares": 3, "original": 4}
    assert table.unrecognised == ["栏目"] and p.needs_account
    assert len(p.sample["文章"]) == 3

    parsed = parse("柳塘发布.xlsx", data)
    assert [x.published for x in parsed.posts] == [
        dt.datetime(2024, 7, 1, 18, 0),
        dt.datetime(2024, 7, 3, 23, 5),
        dt.datetime(2024, 7, 5, 9, 30),
    ]
    assert [(x.reads, x.shares, x.original) for x in parsed.posts] == [
        (1520, 33, True),
        (100000, 12000, False),
        (None, None, None),
    ]
    assert {x.account for x in parsed.posts} == {"柳塘发布"}  # one account per file: the file's name


def test_gb18030_csv_with_an_unknown_header_mapped_by_the_user() -> None:
    data = gb_csv(
        "公众号名称,推文题目,发表时间,阅读次数,原创\r\n"
        "柳塘区人民政府,关于开展防汛演练的通知,2024/12/31 22:30,88,是\r\n"
        "新桥镇,新桥镇召开安全生产会议,20250101 0830,12,否\r\n"
    )
    p = preview("export.csv", data)
    [table] = p.tables
    assert "title" not in table.mapping and table.unrecognised == ["推文题目"] and not p.needs_account
    fixed = preview("export.csv", data, {"推文题目": "title"})
    assert fixed.tables[0].mapping["title"] == 1 and fixed.tables[0].unrecognised == []
    parsed = parse("export.csv", data, {"推文题目": "title"})
    assert [(x.account, x.title[:4], x.published) for x in parsed.posts] == [
        ("柳塘区人民政府", "关于开展", dt.datetime(2024, 12, 31, 22, 30)),
        ("新桥镇", "新桥镇召", dt.datetime(2025, 1, 1, 8, 30)),
    ]
    # The same file without the fix reads, but every title is empty.
    assert {x.title for x in parse("export.csv", data).posts} == {""}


def test_utf8_bom_csv_and_english_headers() -> None:
    data = "\ufeffTitle,Publish time,Reads,Shares,Original\nFlood warning,2025-06-30T16:00:00Z,900,10,yes\n"
    [post] = parse("city.csv", data.encode("utf-8")).posts
    assert post.published == dt.datetime(2025, 7, 1, 0, 0)  # UTC afternoon = next day in Beijing
    assert post.account == "city" and post.reads == 900 and post.original is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 14:30", dt.datetime(2024, 3, 5, 14, 30)),
        ("2024/3/5", dt.datetime(2024, 3, 5)),
        ("2024.03.05 08:00:09", dt.datetime(2024, 3, 5, 8, 0, 9)),
        ("2024年3月5日 14时30分", dt.datetime(2024, 3, 5, 14, 30)),
        ("2024-03-05 下午2:30", dt.datetime(2024, 3, 5, 14, 30)),
        ("20240305", dt.datetime(2024, 3, 5)),
        ("45356.5", dt.datetime(2024, 3, 5, 12, 0)),
        (45356, dt.datetime(2024, 3, 5)),
        ("1709620200", dt.datetime(2024, 3, 5, 14, 30)),
        ("2024-03-04T22:30:00-08:00", dt.datetime(2024, 3, 5, 14, 30)),
        ("2024-02-30", None),
        ("上周三", None),
    ],
)
def test_date_formats(text: object, expected: dt.datetime | None) -> None:
    assert parse_time(text) == expected


def test_a_sheet_with_no_date_column_says_so() -> None:
    data = xlsx([["标题", "阅读数"], ["关于停水的通知", 10]])
    with pytest.raises(HealthError, match="no publish-time column") as exc:
        preview("x.xlsx", data)
    assert "发布时间" in str(exc.value)


def test_an_unreadable_date_names_its_row() -> None:
    data = gb_csv("标题,发布时间\n甲,2024-01-02\n乙,2024-01-03\n丙,去年冬天\n")
    with pytest.raises(HealthError, match="row 4: cannot read the date '去年冬天'"):
        parse("x.csv", data)


def test_empty_sheet_and_wrong_type_and_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HealthError, match="the sheet is empty"):
        preview("x.xlsx", xlsx([]))
    with pytest.raises(HealthError, match="only .xlsx and .csv"):
        preview("x.pdf", b"%PDF-1.4")
    with pytest.raises(HealthError, match="cannot be opened"):
        preview("x.xlsx", b"not a zip")
    monkeypatch.setattr(health, "MAX_BYTES", 1000)
    with pytest.raises(HealthError, match=r"limit is 0 MB|limit is"):
        preview("x.csv", b"a" * 1001)
    monkeypatch.setattr(health, "MAX_BYTES", 50 * 1024 * 1024)
    monkeypatch.setattr(health, "MAX_ROWS", 5)
    rows = "".join(f"t{i},2024-01-{i + 1:02d}\n" for i in range(30))
    with pytest.raises(HealthError, match="more than 5 rows"):
        parse("x.csv", ("标题,发布时间\n" + rows).encode())


def test_accounts_sheet_gives_department_kind_and_managers() -> None:
    data = xlsx(
        [["公众号名称", "标题", "发布时间"], ["新桥镇", "新桥镇便民服务指南", "2024-05-01 10:00"]],
        extra={
            "账号": [["公众号名称", "部门/镇街", "账号类型", "管理员用户名"], ["新桥镇", "新桥镇", "镇街", "lin, wang"]]
        },
    )
    parsed = parse("district.xlsx", data)
    assert parsed.accounts == [health.AccountInfo("新桥镇", "新桥镇", "town", ("lin", "wang"))]
    assert [p.account for p in parsed.posts] == ["新桥镇"]


# ---------------------------------------------------------------------- the veto arithmetic
def rows_on(*days: D, hour: int = 10) -> list[Row]:
    return [Row(dt.datetime(d.year, d.month, d.day, hour), None, None, "service") for d in days]


@pytest.mark.parametrize(
    ("last", "monitoring", "vetoed"),
    [
        (D(2024, 12, 18), D(2025, 1, 1), False),  # 13 silent days across the year end
        (D(2024, 12, 17), D(2025, 1, 1), True),  # 14 silent days: Dec 18 .. Dec 31
        (D(2024, 2, 15), D(2024, 3, 1), True),  # leap year: Feb 16 .. Feb 29 is 14 days
        (D(2023, 2, 15), D(2023, 3, 1), False),  # common year: Feb 16 .. Feb 28 is 13 days
        (D(2025, 6, 15), D(2025, 6, 30), True),  # 14 silent days: Jun 16 .. Jun 29
        (D(2025, 6, 16), D(2025, 6, 30), False),
        (D(2025, 6, 30), D(2025, 6, 30), True),  # a post on the monitoring day itself does not count
    ],
)
def test_veto_window_around_month_and_year_ends(last: D, monitoring: D, vetoed: bool) -> None:
    report = measure("a", rows_on(D(2024, 1, 2), last) if last != D(2025, 6, 30) else rows_on(last), as_of=monitoring)
    assert (report.lights["update"] == "red") is vetoed
    assert health.update_veto([last], monitoring) is vetoed
    if last < monitoring:
        assert report.publish_by == last + dt.timedelta(days=14)


def test_late_night_post_counts_on_its_beijing_day() -> None:
    # 2024-12-17 16:30 UTC is 2024-12-18 00:30 in Beijing: 13 silent days before 2025-01-01.
    when = parse_time("2024-12-17T16:30:00Z")
    assert when is not None and when.date() == D(2024, 12, 18)
    assert measure("a", [Row(when, None, None, "service")], as_of=D(2025, 1, 1)).lights["update"] == "green"


def test_gaps_with_dates_and_the_running_silence() -> None:
    report = measure(
        "a",
        rows_on(D(2024, 11, 1), D(2024, 11, 30), D(2024, 12, 2), D(2024, 12, 20)),
        as_of=D(2025, 1, 20),
        start=D(2024, 11, 1),
        end=D(2025, 1, 20),
    )
    assert [(g.after, g.before, g.days, g.veto_from) for g in report.gaps] == [
        (D(2024, 12, 20), None, 30, D(2025, 1, 4)),
        (D(2024, 11, 1), D(2024, 11, 30), 28, D(2024, 11, 16)),
        (D(2024, 12, 2), D(2024, 12, 20), 17, D(2024, 12, 17)),
    ]
    assert report.lights["update"] == "red" and report.lights["frequency"] == "red"
    keys = [f.key for f in report.findings]
    assert keys[0] == "health_f_update_veto" and "health_f_frequency_gaps" in keys
    veto = report.findings[0]
    assert veto.module == "frequency-and-duty" and veto.values["days"] == 30


def test_next_check_and_publish_by() -> None:
    rows = rows_on(*(D(2025, 5, 1) + dt.timedelta(days=3 * i) for i in range(20)))  # every 3 days to Jun 27
    fine = measure("a", rows, as_of=D(2025, 6, 28))
    assert fine.publish_by == D(2025, 7, 11) and fine.lights["next_check"] == "green"
    soon = measure("a", rows, as_of=D(2025, 7, 8))
    assert soon.lights["next_check"] == "amber" and soon.findings[0].key == "health_f_publish_by"
    assert soon.findings[0].values == {"date": "2025-07-11", "days": 3}
    planned = measure("a", rows, as_of=D(2025, 6, 28), next_check=D(2025, 7, 20))
    assert planned.lights["next_check"] == "amber"
    assert planned.findings[0].values == {"check": "2025-07-20", "first": "2025-07-06", "last": "2025-07-19"}
    covered = measure("a", rows, as_of=D(2025, 6, 28), next_check=D(2025, 7, 5))
    assert covered.lights["next_check"] == "green"


def test_weeks_months_heat_reads_original_mix() -> None:
    rows = [
        Row(dt.datetime(2025, 3, 3, 23, 10), 100, True, "meeting", ("召开",)),  # Monday
        Row(dt.datetime(2025, 3, 4, 23, 40), 300, False, "meeting", ("调研",)),
        Row(dt.datetime(2025, 3, 12, 9, 0), 50, False, "service", ("办事指南",)),
        Row(dt.datetime(2025, 4, 1, 23, 0), 200, False, "publicity", ()),
    ]
    r = measure("a", rows, as_of=D(2025, 4, 2), start=D(2025, 3, 1), end=D(2025, 4, 2))
    assert r.weeks[:3] == [(D(2025, 2, 24), 0), (D(2025, 3, 3), 2), (D(2025, 3, 10), 1)]
    assert r.months == [("2025-03", 3), ("2025-04", 1)]
    assert r.heat == {(0, 23): 1, (1, 23): 2, (2, 9): 1}
    assert r.reads_by_hour == {9: 50.0, 23: 200.0}
    assert r.original_share == pytest.approx(1 / 4)
    assert r.mix["meeting"] == 2 and r.mix["service"] == 1 and r.kind_cues["meeting"] == ["召开", "调研"]
    levels = {f.measure: (f.level, f.module, f.lesson) for f in r.findings}
    assert levels["timing"] == ("amber", "frequency-and-duty", "release-times")
    assert levels["original"] == ("amber", "review-and-correction", "originality")
    assert levels["mix"] == ("amber", "positioning", "account-audit")


def test_every_finding_points_to_a_real_module_and_lesson() -> None:
    for measure_, (module, lesson) in health.MODULE_FOR.items():
        order, module_title, lesson_title = health.module_label(module, lesson, "zh")
        assert order > 0 and module_title != module and lesson_title != lesson, measure_


# ---------------------------------------------------------------------- storage and roles
@pytest.fixture
def db(settings: Settings) -> sqlite_utils.Database:
    return open_db(settings.app_db)


@pytest.fixture
def people(db: sqlite_utils.Database) -> dict[str, User]:
    accounts = Accounts(db)
    return {
        "tom": accounts.create_user("tom", PASSWORD, "trainer", name="Tom"),
        "lin": accounts.create_user("lin", PASSWORD, "learner", name="林小红"),
        "wang": accounts.create_user("wang", PASSWORD, "learner", name="王强"),
    }


DISTRICT = gb_csv(
    "公众号名称,标题,发布时间,阅读数,是否原创\n"
    "柳塘区人民政府,关于调整公交线路的通知,2025-06-20 10:00,500,是\n"
    "柳塘区人民政府,区长调研防汛工作,2025-06-25 23:30,80,否\n"
    "新桥镇,新桥镇召开安全生产会议,2025-05-02 09:00,12,否\n"
)


def count(db: sqlite_utils.Database, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_reimport_updates_without_duplicates(db: sqlite_utils.Database, people: dict[str, User]) -> None:
    store = HealthStore(db)
    first = store.save(people["tom"], parse("district.csv", DISTRICT))
    assert (first.rows, first.added, first.accounts) == (3, 3, ["新桥镇", "柳塘区人民政府"])
    newer = DISTRICT.replace("2025-06-20 10:00,500".encode("gb18030"), "2025-06-20 10:00,650".encode("gb18030"))
    again = store.save(people["tom"], parse("district.csv", newer))
    assert again.added == 0 and count(db, "health_posts") == 3 and count(db, "health_accounts") == 2
    reads = db.execute("SELECT reads FROM health_posts WHERE title LIKE '关于调整%'").fetchone()[0]
    assert reads == 650  # the newer export's figure


def test_a_bad_row_saves_nothing(db: sqlite_utils.Database, people: dict[str, User]) -> None:
    bad = DISTRICT + gb_csv("新桥镇,新桥镇便民服务指南,不知道哪天,1,否\n")
    with pytest.raises(HealthError, match="row 5"):
        HealthStore(db).save(people["tom"], parse("district.csv", bad))
    assert count(db, "health_posts") == 0 and count(db, "health_accounts") == 0


def test_a_failure_inside_the_transaction_rolls_everything_back(
    db: sqlite_utils.Database, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = parse("district.csv", DISTRICT)

    def broken(*args: object) -> object:
        yield (999999, "2025-01-01 00:00:00", "x", None, None, None, None, None, "service", "[]", "", 1)

    monkeypatch.setattr(HealthStore, "_post_rows", staticmethod(broken))  # a foreign key that does not exist
    with pytest.raises(Exception, match="FOREIGN KEY"):
        HealthStore(db).save(people["tom"], parsed)
    assert count(db, "health_accounts") == 0 and count(db, "health_imports") == 0


def test_roles(db: sqlite_utils.Database, people: dict[str, User]) -> None:
    store = HealthStore(db)
    tom, lin, wang = people["tom"], people["lin"], people["wang"]
    store.save(tom, parse("district.csv", DISTRICT))
    town = store.account_id(tom, "新桥镇")
    gov = store.account_id(tom, "柳塘区人民政府")
    assert store.accounts(lin) == []
    with pytest.raises(PermissionDenied):
        store.set_managers(lin, town, ["lin"])
    store.set_managers(tom, town, ["lin"])
    assert [a["name"] for a in store.accounts(lin)] == ["新桥镇"]
    assert store.report(lin, town, as_of=D(2025, 6, 30)).account == "新桥镇"
    with pytest.raises(PermissionDenied):
        store.report(lin, gov, as_of=D(2025, 6, 30))
    with pytest.raises(PermissionDenied):
        store.report(wang, town, as_of=D(2025, 6, 30))
    assert [r.account for r in store.overview(lin, as_of=D(2025, 6, 30))] == ["新桥镇"]
    assert len(store.overview(tom, as_of=D(2025, 6, 30))) == 2
    # A learner imports only into her own accounts or a new one, which she then manages.
    with pytest.raises(PermissionDenied, match="managed by others"):
        store.save(wang, parse("x.csv", gb_csv("公众号名称,标题,发布时间\n新桥镇,冒名文章,2025-06-01\n")))
    store.save(wang, parse("水务.csv", gb_csv("标题,发布时间\n停水通知,2025-06-01 09:00\n")))
    assert [a["name"] for a in store.accounts(wang)] == ["水务"]
    with pytest.raises(PermissionDenied):
        store.assign_module(lin, town, "frequency-and-duty", "update")


def test_assign_module_to_managers_and_reply_record(db: sqlite_utils.Database, people: dict[str, User]) -> None:
    from desk.replies import ReplyDraft

    store = HealthStore(db)
    tom, lin = people["tom"], people["lin"]
    store.save(tom, parse("district.csv", DISTRICT))
    town = store.account_id(tom, "新桥镇")
    with pytest.raises(HealthError, match="no managers"):
        store.assign_module(tom, town, "frequency-and-duty", "update")
    store.set_managers(tom, town, ["lin", "wang"])
    assert store.assign_module(tom, town, "frequency-and-duty", "update") == ["lin", "wang"]
    rows = db.execute("SELECT username, course FROM assignments ORDER BY username").fetchall()
    assert rows == [("lin", health.COURSE), ("wang", health.COURSE)]
    assert [(t["username"], t["module"]) for t in store.training(lin, town)] == [
        ("lin", "frequency-and-duty"),
        ("wang", "frequency-and-duty"),
    ]
    # Lin's messages on the reply desk: one overdue, one replied.
    desk = ReplyDesk(db)
    received = D(2025, 6, 2)
    for deadline in (D(2025, 6, 16), dt.date.today() + dt.timedelta(days=30)):  # the second replied today
        desk.add(lin, ReplyDraft("路灯坏了", "complaint", "zh", "答复", (), received, deadline, 10, received))
    desk.set_status(lin, 2, "replied")
    report = store.report(tom, town, as_of=D(2025, 6, 30))
    assert report.replies is not None and report.replies.as_json() == {
        "messages": 2, "replied": 1, "on_time": 1, "overdue": 1, "open": 1,
    }  # fmt: skip
    assert report.lights["interaction"] == "red"
    finding = next(f for f in report.findings if f.measure == "interaction")
    assert finding.module == "message-handling"
    assert health.finding_text(finding, "en").startswith("1 of 2 messages are past their deadline")


# ---------------------------------------------------------------------- CLI
def test_cli_reads_files_without_signing_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "district.csv"
    path.write_bytes(DISTRICT)
    assert main(["health", str(path), "--as-of", "2025-06-30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    by_name = {r["account"]: r for r in out}
    assert by_name["新桥镇"]["lights"]["update"] == "red"
    assert by_name["新桥镇"]["findings"][0]["module"] == "frequency-and-duty"
    assert by_name["柳塘区人民政府"]["lights"]["update"] == "green"
    assert main(["health", str(path), "--as-of", "2025-06-30", "--lang", "zh"]) == 0
    text = capsys.readouterr().out
    assert "监测日 2025-06-30 前14天内没有更新" in text and "对应课程：第4模块" in text


def test_cli_bad_file_and_stored_accounts_need_sign_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(gb_csv("标题,阅读数\n甲,1\n"))
    assert main(["health", str(path)]) == 1
    assert "no publish-time column" in capsys.readouterr().err
    assert main(["health"]) == 2  # stored accounts: --as is needed
