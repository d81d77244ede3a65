"""The 柳塘区 health-check sample: reproducible, documented headers, and each account's failing measurable from its rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from desk.health_kinds import KINDS, classify

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_health_sample.py"
SAMPLE = ROOT / "desk" / "samples" / "health"
END = dt.date(2026, 11, 30)
MONITORING = (dt.date(2026, 5, 20), END)
XLSX_HEADER = ("公众号名称", "标题", "发布时间", "阅读数", "分享数", "在看数", "点赞数", "是否原创", "文章链接")
CSV_HEADER = ["标题", "群发时间", "阅读人数", "分享人数", "在看数", "点赞数", "是否原创"]
ACCOUNTS_HEADER = ["公众号名称", "主办单位", "部门或镇街", "账号类型", "kind", "数据文件", "样例特点"]
READING_HOURS = {7, 8, 12, 18, 19, 20, 21}


def generate(out: Path) -> Path:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True, timeout=300)
    return out


def workbook_rows(folder: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(folder / "liutang_district.xlsx", read_only=True)
    try:
        return list(wb["发布记录"].iter_rows(values_only=True))
    finally:
        wb.close()


@pytest.fixture(scope="module")
def posts() -> dict[str, list[dict]]:
    """The committed sample's articles per account, read the way an importer would."""
    by_account: dict[str, list[dict]] = {}
    for row in workbook_rows(SAMPLE)[1:]:
        name, title, when, reads, shares, _, _, original, _ = row
        by_account.setdefault(name, []).append(
            {"title": title, "at": when, "reads": reads, "original": original == "是"}
        )
    text = (SAMPLE / "hewan_town.csv").read_bytes().decode("gb18030")
    for r in csv.DictReader(io.StringIO(text)):
        at = dt.datetime.strptime(r["群发时间"], "%Y/%m/%d %H:%M")
        by_account.setdefault("河湾镇", []).append(
            {"title": r["标题"], "at": at, "reads": int(r["阅读人数"]), "original": r["是否原创"] == "原创"}
        )
    return by_account


def days(rows: list[dict]) -> list[dt.date]:
    return sorted({r["at"].date() for r in rows})


def longest_gap(rows: list[dict]) -> int:
    d = days(rows)
    return max((b - a).days for a, b in zip(d, d[1:], strict=False))


def silent_before(rows: list[dict], monitoring: dt.date) -> int:
    """Days from the last publishing day on or before ``monitoring`` to it (the veto test looks at 14)."""
    return (monitoring - max(d for d in days(rows) if d <= monitoring)).days


def share(rows: list[dict], test: Callable[[dict], bool]) -> float:
    return sum(1 for r in rows if test(r)) / len(rows)


def kind_share(rows: list[dict]) -> dict[str, float]:
    counts = Counter(classify(r["title"]).kind for r in rows)
    return {k: counts[k] / len(rows) for k in KINDS}


def test_two_runs_give_identical_files_and_the_committed_sample(tmp_path: Path) -> None:
    first, second = generate(tmp_path / "a"), generate(tmp_path / "b")
    for name in ("liutang_district.xlsx", "hewan_town.csv", "accounts.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # The committed files are this script's output: CSVs byte for byte, the workbook row for row
    # (its zip bytes may change with the openpyxl version, its rows may not).
    for name in ("hewan_town.csv", "accounts.csv"):
        assert (first / name).read_bytes() == (SAMPLE / name).read_bytes(), f"{name}: run the script and commit"
    assert workbook_rows(first) == workbook_rows(SAMPLE)


def test_headers_are_the_documented_ones() -> None:
    assert workbook_rows(SAMPLE)[0] == XLSX_HEADER
    raw = (SAMPLE / "hewan_town.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really GB18030, as a Chinese Windows export is
    assert next(csv.reader(io.StringIO(raw.decode("gb18030")))) == CSV_HEADER
    with (SAMPLE / "accounts.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ACCOUNTS_HEADER
    wb = openpyxl.load_workbook(SAMPLE / "liutang_district.xlsx", read_only=True)
    accounts = list(wb["账号清单"].iter_rows(values_only=True))
    wb.close()
    assert list(accounts[0]) == ACCOUNTS_HEADER


def test_values_look_like_an_export(posts: dict[str, list[dict]]) -> None:
    rows = workbook_rows(SAMPLE)[1:]
    assert all(isinstance(r[2], dt.datetime) for r in rows)  # real Excel date-times
    assert {r[7] for r in rows} == {"是", "否"}
    assert all(str(r[8]).startswith("https://mp.weixin.qq.com/s/") for r in rows)
    for name, items in posts.items():
        reads = [r["reads"] for r in items]
        assert min(reads) >= 1 and max(reads) < 50_000, name
        assert 50 <= statistics.median(reads) <= 3000, name


def test_every_listed_account_is_present_for_two_years(posts: dict[str, list[dict]]) -> None:
    with (SAMPLE / "accounts.csv").open(encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert {a["公众号名称"] for a in listed} == set(posts)
    kinds = Counter(a["kind"] for a in listed)
    assert kinds["government"] == 1 and kinds["department"] >= 3 and kinds["town"] == 2
    for name, rows in posts.items():
        d = days(rows)
        assert d[0] >= dt.date(2024, 12, 1) and d[0] < dt.date(2025, 1, 1), name
        assert d[-1] <= END, name
        if name != "河湾镇":  # every account but the zombie is still alive at the end
            assert (END - d[-1]).days <= 7, name


def test_files_are_small() -> None:
    assert sum(p.stat().st_size for p in SAMPLE.iterdir()) < 1_000_000


def test_zombie_town_is_silent_before_the_monitoring_dates(posts: dict[str, list[dict]]) -> None:
    rows = posts["河湾镇"]
    assert longest_gap(rows) >= 60  # months
    assert all(silent_before(rows, m) >= 14 for m in MONITORING)  # fails the veto test on both dates
    assert len(days(rows)) < 150


def test_night_poster_posts_at_23(posts: dict[str, list[dict]]) -> None:
    hours = [r["at"].hour for r in posts["柳塘住建"]]
    assert statistics.median(hours) == 23


def test_district_account_is_nearly_all_meetings(posts: dict[str, list[dict]]) -> None:
    mix = kind_share(posts["柳塘发布"])
    assert mix["meeting"] >= 0.6
    assert max(mix, key=mix.__getitem__) == "meeting"


def test_healthy_account_is_healthy(posts: dict[str, list[dict]]) -> None:
    rows = posts["柳塘人社"]
    assert longest_gap(rows) <= 7
    assert all(silent_before(rows, m) < 14 for m in MONITORING)
    mix = kind_share(rows)
    assert max(mix, key=mix.__getitem__) == "service" and mix["meeting"] < 0.1
    assert sum(1 for v in mix.values() if v >= 0.05) >= 4  # varied
    assert share(rows, lambda r: r["at"].hour in READING_HOURS) >= 0.85
    assert share(rows, lambda r: r["original"]) >= 0.7


def test_low_originality_account(posts: dict[str, list[dict]]) -> None:
    assert share(posts["柳塘医保"], lambda r: r["original"]) <= 0.2
    assert all(share(rows, lambda r: r["original"]) > 0.2 for name, rows in posts.items() if name != "柳塘医保")


def test_mixed_account_has_several_problems(posts: dict[str, list[dict]]) -> None:
    rows = posts["东坪镇"]
    assert longest_gap(rows) >= 14
    assert kind_share(rows)["meeting"] >= 0.35
    assert share(rows, lambda r: r["original"]) < 0.3
    assert share(rows, lambda r: r["at"].hour >= 22) >= 0.3
    assert share(rows, lambda r: r["at"].weekday() >= 5) >= 0.15


def test_first_start_loads_the_sample_moved_up_to_today_and_only_once(tmp_path: Path) -> None:
    """``python -m trainer seed-health`` (scripts/start.sh): six accounts whose record reaches today,
    moved by whole weeks (weekdays and hours kept), nothing in the future; a second run, or a data
    folder that already holds an account, is left alone."""
    from desk.health import CST, HealthStore
    from desk.health_sample import SAMPLE_LOADER, sample_files, seed_sample
    from trainer.storage.db import open_db

    def cli() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "trainer", "--data-dir", str(tmp_path / "data"), "seed-health"],
            capture_output=True, text=True, timeout=120, cwd=ROOT, check=True,
        )  # fmt: skip
        return done.stdout

    assert "sample loaded" in cli()
    db = open_db(tmp_path / "data" / "app.db")
    names = [r[0] for r in db.execute("SELECT name FROM health_accounts ORDER BY name")]
    assert len(names) == 6 and "河湾镇" in names
    stored = [dt.datetime.fromisoformat(r[0]) for r in db.execute("SELECT published FROM health_posts")]
    now = dt.datetime.now(CST).replace(tzinfo=None)
    assert max(stored) <= now and (now - max(stored)).days < 7  # the record reaches this week
    original = [p.published for parsed in sample_files(dt.datetime(2026, 11, 30, 23, 59)) for p in parsed.posts]
    assert len(original) == 2915 and max(original).date() == END
    shift = {(s - o).days % 7 for s, o in zip(sorted(stored), sorted(original), strict=False)}
    assert shift == {0}  # whole weeks: the weekday and hour patterns are the sample's
    assert "not loaded" in cli()
    assert db.execute("SELECT count(*) FROM health_posts").fetchone()[0] == len(stored)

    other = open_db(tmp_path / "other.db")  # an office that imported its own account first
    HealthStore(other).save(SAMPLE_LOADER, sample_files()[2])
    assert seed_sample(other) == []
    assert [r[0] for r in other.execute("SELECT name FROM health_accounts")] == ["河湾镇"]
