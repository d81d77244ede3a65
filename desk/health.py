"""Account health check: import an account's publishing record, measure it against the national checks.

Reading (no database): :func:`preview` reads an ``.xlsx`` (openpyxl, read-only) or ``.csv`` (UTF-8,
UTF-8 with BOM, GB18030) export of published articles, finds the header row and maps its columns by
the name table in ``health_headers.yaml``; :func:`parse` reads every row with the mapping (which
the user may correct) into :class:`Post` rows. Times are China Standard Time (Asia/Shanghai).

Measuring (no database): :func:`measure` turns one account's posts into an :class:`AccountReport`
with a traffic light per measure and findings that name the course module teaching the fix.

Storing: :class:`HealthStore` keeps accounts, their managers and posts in app.db, checks roles
(trainers and admins: every account; learners: the accounts they manage) and saves an import in one
transaction, so a bad file leaves nothing half-saved.

The veto test, as we read it (DOMAIN.md A2.5, "no update within the 2 weeks before the monitoring
date"; the national indicator table itself was not available, so the exact window is our reading,
unverified): a monitoring date M fails when no article was published on the 14 calendar days
M-14 ... M-1. Hence an account whose last article is on day L fails every monitoring date from
L+15 on, and must publish again by L+14.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import statistics
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from desk.health_kinds import KINDS, classify
from sqlstore.migrations import immediate
from trainer.errors import PermissionDenied, TrainerError
from trainer.people.accounts import User, require_role

CST = zoneinfo.ZoneInfo("Asia/Shanghai")
MAX_BYTES = 50 * 1024 * 1024  # a bigger export is not one district's record: split it by year
MAX_ROWS = 200_000
PREVIEW_ROWS = 10
HEADER_SCAN_ROWS = 20  # title rows above the header that exports put in
VETO_DAYS = 14
COURSE = "platform-manager-basics"
FIELDS = ("account", "title", "published", "reads", "shares", "likes", "wows", "original", "body", "url")
ACCOUNT_FIELDS = ("account", "department", "kind", "managers")
ACCOUNT_KINDS = ("government", "department", "town")
STAFF = ("trainer", "admin")
EVERYONE = ("learner", "trainer", "admin")
HEADERS_FILE = Path(__file__).with_name("health_headers.yaml")


class HealthError(TrainerError):
    "A publishing record could not be read or saved; the message says what to change"


class HealthAccountNotFound(TrainerError):
    "No such account in the health check"


def _error(en: str, zh: str) -> HealthError:
    return HealthError(f"{en} · {zh}")


# ---------------------------------------------------------------------- header names
def _norm(text: object) -> str:
    """A header as compared: lower case, no spaces, brackets or units (阅读数(次) = 阅读数)."""
    s = str(text or "").strip().lower()
    s = re.sub(r"[（(【\[].*?[)）】\]]", "", s)
    return re.sub(r"[\s_:：*]+", "", s)


@lru_cache(maxsize=1)
def header_table() -> dict[str, str]:
    """Normalised header name -> field, from ``health_headers.yaml``."""
    data = yaml.safe_load(HEADERS_FILE.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for name, variants in data.items():
        for v in variants:
            table.setdefault(_norm(v), name)
    return table


def field_of(header: object) -> str | None:
    return header_table().get(_norm(header)) if str(header or "").strip() else None


# ---------------------------------------------------------------------- reading files
@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # as read; the first rows may be title and header rows
    row_numbers: list[int]  # the spreadsheet's own row number of each row, for messages
    truncated: bool = False  # only the first rows were read (a preview)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _error(
        "The CSV is neither UTF-8 nor GB18030 - save it again as CSV UTF-8",
        "CSV 文件既不是 UTF-8 也不是 GB18030 编码，请另存为“CSV UTF-8”后再导入",
    )


def _too_many_rows(n: int) -> HealthError:
    return _error(
        f"The sheet has more than {MAX_ROWS:,} rows - split the export by year and import each part",
        f"表格超过 {MAX_ROWS:,} 行，请按年度拆分导出后分别导入",
    )


def read_sheets(filename: str, data: bytes, *, limit: int | None = None) -> list[Sheet]:
    """The sheets of an ``.xlsx`` (every worksheet) or ``.csv`` (one sheet); ``limit`` rows at most each."""
    if len(data) > MAX_BYTES:
        raise _error(
            f"The file is {len(data) / 1048576:.0f} MB; the limit is {MAX_BYTES // 1048576} MB - "
            "export a shorter period and import the parts one by one",
            f"文件大小 {len(data) / 1048576:.0f} MB，超过 {MAX_BYTES // 1048576} MB 上限，请分时间段导出后分别导入",
        )
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, limit)
    if suffix in (".csv", ".txt"):
        return [_read_csv(filename, data, limit)]
    raise _error(
        f"{Path(filename).name}: only .xlsx and .csv exports can be imported - save the sheet as one of them",
        f"{Path(filename).name}：只能导入 .xlsx 或 .csv 文件，请另存为其中一种格式",
    )


def _read_csv(filename: str, data: bytes, limit: int | None) -> Sheet:
    text = _decode(data)
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for i, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if limit is not None and len(rows) >= limit:
            return Sheet(Path(filename).stem, rows, numbers, truncated=True)
        if len(rows) >= MAX_ROWS + HEADER_SCAN_ROWS:
            raise _too_many_rows(len(rows))
        rows.append(row)
        numbers.append(i)
    return Sheet(Path(filename).stem, rows, numbers)


def _read_xlsx(data: bytes, limit: int | None) -> list[Sheet]:
    """Streams the rows (``desk.health_xlsx``: openpyxl's read-only mode was too slow for 100k rows).
    Merged cells are not reported: a merged header cell holds its text in its first cell and leaves the
    others empty, which :func:`_find_header` fills from the left and from above."""
    from desk.health_xlsx import XlsxTooLarge, XlsxUnreadable, read_xlsx

    try:
        found = read_xlsx(io.BytesIO(data), limit=limit, max_rows=MAX_ROWS + HEADER_SCAN_ROWS)
    except XlsxUnreadable as exc:
        raise _error(
            f"The .xlsx file cannot be opened ({str(exc)[:80]}) - open it in Excel or WPS and save it again",
            "无法打开该 .xlsx 文件，请用 Excel 或 WPS 打开后重新保存",
        ) from None
    except XlsxTooLarge:
        raise _error(
            "The workbook unpacks to more than 1 GB - export a shorter period and import the parts one by one",
            "该工作簿解压后超过 1 GB，请分时间段导出后分别导入",
        ) from None
    except OverflowError as exc:
        raise _too_many_rows(int(exc.args[0])) from None
    return [Sheet(s.name, s.rows, s.numbers, s.truncated) for s in found]


# ---------------------------------------------------------------------- header row and mapping
@dataclass
class Table:
    """One sheet's header as found: the column names and which field each column is."""

    sheet: str
    columns: list[str]  # display name of each column (merged headers joined with "/")
    mapping: dict[str, int]  # field -> column index
    header_rows: int  # rows up to and including the header
    role: str  # "posts" (has a publish time), "accounts" (an account list) or "other"

    @property
    def unrecognised(self) -> list[str]:
        used = set(self.mapping.values())
        return [c for i, c in enumerate(self.columns) if i not in used and c]

    def field_of_column(self, i: int) -> str:
        return next((f for f, c in self.mapping.items() if c == i), "")


def _header_candidates(rows: list[list[Any]], h: int) -> list[list[str]]:
    """For each column of header row ``h``: its own text, the text above it (a cell merged down, or a
    group heading merged across, filled to the right), and the two joined."""
    width = max(len(r) for r in rows[: h + 1])
    own = [str(rows[h][c]).strip() if c < len(rows[h]) and rows[h][c] is not None else "" for c in range(width)]
    above = [""] * width
    if h > 0:
        last = ""
        prev = rows[h - 1]
        for c in range(width):
            v = str(prev[c]).strip() if c < len(prev) and prev[c] is not None else ""
            if v:
                last = v
            above[c] = v or (last if own[c] else "")
    out = []
    for c in range(width):
        cands = [x for x in (own[c], above[c], f"{above[c]}{own[c]}" if above[c] and own[c] else "") if x]
        out.append(cands)
    return out


def _find_header(sheet: Sheet) -> Table:
    best: tuple[int, int] = (-1, 0)  # (score, row)
    for h in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        fields = set()
        for cands in _header_candidates(sheet.rows, h):
            f = next((field_of(x) for x in cands if field_of(x)), None)
            if f:
                fields.add(f)
        score = len(fields) + (2 if "published" in fields else 0)
        if score > best[0]:
            best = (score, h)
    h = best[1]
    columns, mapping = [], {}
    for c, cands in enumerate(_header_candidates(sheet.rows, h)):
        found = next(((x, field_of(x)) for x in cands if field_of(x)), None)
        if found and found[1] not in mapping:
            columns.append(found[0])
            mapping[str(found[1])] = c
        else:
            columns.append(cands[0] if cands else "")
    return Table(sheet.name, columns, mapping, h + 1, _role(mapping))


def _role(mapping: Mapping[str, int]) -> str:
    if "published" in mapping:
        return "posts"
    if "account" in mapping and ("department" in mapping or "kind" in mapping or "managers" in mapping):
        return "accounts"
    return "other"


def apply_overrides(table: Table, overrides: Mapping[str, str]) -> Table:
    """``overrides``: column name -> field (or "" to ignore the column), as the user corrected it."""
    mapping = dict(table.mapping)
    for i, name in enumerate(table.columns):
        if name not in overrides:
            continue
        target = overrides[name]
        mapping = {f: c for f, c in mapping.items() if c != i and (not target or f != target)}
        if target:
            if target not in FIELDS + ACCOUNT_FIELDS:
                raise _error(f"Unknown field '{target}'", f"未知字段“{target}”")
            mapping[target] = i
    return Table(table.sheet, table.columns, mapping, table.header_rows, _role(mapping))


# ---------------------------------------------------------------------- values
_DATE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(?:(上午|下午|AM|PM)\s*)?(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?\s*(?:[:：]?\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?"
    r"\s*(AM|PM)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?\s*$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER = re.compile(r"\d+(\.\d+)?")
# A subset of _DATE that datetime.fromisoformat reads the same way (hours 00-23, no zone, no fraction).
_PLAIN = re.compile(r"\d{4}-[01]\d-[0-3]\d (?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?")


def parse_time(value: Any) -> dt.datetime | None:
    """A publish time as China Standard Time (naive), from a datetime cell, an Excel serial number,
    Unix seconds, or text such as 2024-03-05 14:30, 2024/3/5, 2024年3月5日 14时30分, 20240305,
    2024-03-05T06:30:00Z (converted from UTC). None when it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(CST).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(float(value))
    text = str(value).strip()
    if _PLAIN.fullmatch(text):  # the usual export form, 2024-03-05 14:30(:09): read in C (speed: 100k rows)
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass  # such as 2024-02-30: the general reading below says None
    if _NUMBER.fullmatch(text) and not _COMPACT.match(text):
        return _from_number(float(text))
    m = _COMPACT.match(text)
    if m:
        y, mo, d, hh, mi, ss = m.groups()
        return _make(y, mo, d, hh, mi, ss)
    m = _DATE.match(text)
    if not m:
        return None
    y, mo, d, half, hh, mi, ss, half2, tz = m.groups()
    hour = int(hh) if hh else 0
    half = (half or half2 or "").upper()
    if half in ("下午", "PM") and hour < 12:
        hour += 12
    if half in ("上午", "AM") and hour == 12:
        hour = 0
    when = _make(y, mo, d, str(hour), mi, ss)
    if when is None or not tz:
        return when
    offset = dt.UTC if tz.upper() == "Z" else _offset(tz)
    return when.replace(tzinfo=offset).astimezone(CST).replace(tzinfo=None)


def _offset(tz: str) -> dt.timezone:
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _make(y: str, mo: str, d: str, hh: str | None, mi: str | None, ss: str | None) -> dt.datetime | None:
    try:
        return dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(float(ss or 0)))
    except ValueError:
        return None


def _from_number(x: float) -> dt.datetime | None:
    if 20000 <= x < 80000:  # an Excel serial day (1954-2119), fraction = time of day, to the second
        return _EXCEL_EPOCH + dt.timedelta(seconds=round(x * 86400))
    if 946684800 <= x < 4102444800:  # Unix seconds (2000-2100), a moment: shown in CST
        return dt.datetime.fromtimestamp(x, CST).replace(tzinfo=None)
    return None


def parse_count(value: Any) -> int | None:
    """Reads and shares: 1234, "1,234", "1.2万", "10万+" (WeChat's cap); None if not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip().replace(",", "").replace("，", "").rstrip("+")
    if not text:
        return None
    scale = 1
    if text.endswith("万"):
        text, scale = text[:-1], 10000
    elif text[-1:] in ("w", "W"):
        text, scale = text[:-1], 10000
    try:
        return int(round(float(text) * scale))
    except ValueError:
        return None


_YES = {"是", "原创", "yes", "y", "true", "1", "已声明原创", "√", "✓"}
_NO = {"否", "非原创", "no", "n", "false", "0", "未声明", "转载", "×"}


def parse_original(value: Any) -> bool | None:
    text = str(value if value is not None else "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def account_kind(value: Any) -> str:
    text = str(value or "").strip().lower()
    if text in ACCOUNT_KINDS:
        return text
    if any(w in text for w in ("镇", "街道", "乡", "town")):
        return "town"
    if any(w in text for w in ("政府", "区委", "government", "district")):
        return "government"
    return "department" if text else ""


# ---------------------------------------------------------------------- preview and parse
@dataclass(frozen=True)
class Post:
    account: str
    published: dt.datetime  # China Standard Time
    title: str
    reads: int | None = None
    shares: int | None = None
    likes: int | None = None
    wows: int | None = None
    original: bool | None = None
    body: str = ""
    url: str = ""


@dataclass(frozen=True)
class AccountInfo:
    name: str
    department: str = ""
    kind: str = ""
    managers: tuple[str, ...] = ()


@dataclass
class Preview:
    """What a file holds before anything is saved: each sheet's header and mapping, the first rows."""

    filename: str
    tables: list[Table]
    sample: dict[str, list[list[Any]]]  # sheet -> first data rows

    @property
    def posts_tables(self) -> list[Table]:
        return [t for t in self.tables if t.role == "posts"]

    @property
    def usable(self) -> bool:
        return any(t.role in ("posts", "accounts") for t in self.tables)

    @property
    def needs_account(self) -> bool:
        """No account column: the user names the one account the file belongs to."""
        return any("account" not in t.mapping for t in self.posts_tables)


def _check_tables(filename: str, sheets: list[Sheet], tables: list[Table], *, usable: bool = True) -> None:
    name = Path(filename).name
    if not any(len(s.rows) > 0 for s in sheets):
        raise _error(f"{name}: the sheet is empty - export the articles again", f"{name}：表格是空的，请重新导出")
    if usable and not any(t.role in ("posts", "accounts") for t in tables):
        raise _error(
            f"{name}: no publish-time column found (such as 发布时间 or Publish time) - "
            "choose which column holds the date, or add the column",
            f"{name}：没有找到发布时间列（如“发布时间”“群发时间”），请指定哪一列是日期，或补上该列",
        )


def preview(filename: str, data: bytes, overrides: Mapping[str, str] | None = None, *, usable: bool = True) -> Preview:
    """The file's sheets, their mapping (with ``overrides``) and first rows; HealthError if it is empty or,
    with ``usable``, has no sheet of articles (the page asks ``usable=False`` to let the user map a column)."""
    sheets = read_sheets(filename, data, limit=HEADER_SCAN_ROWS + PREVIEW_ROWS)
    tables = [apply_overrides(_find_header(s), overrides or {}) if s.rows else _empty(s) for s in sheets]
    _check_tables(filename, sheets, tables, usable=usable)
    sample = {
        t.sheet: s.rows[t.header_rows : t.header_rows + PREVIEW_ROWS] for s, t in zip(sheets, tables, strict=True)
    }
    return Preview(filename, tables, sample)


def _empty(sheet: Sheet) -> Table:
    return Table(sheet.name, [], {}, 0, "other")


@dataclass
class Parsed:
    """Every row of a file, read with its mapping: the articles and any account list."""

    filename: str
    posts: list[Post]
    accounts: list[AccountInfo]
    rows: int

    @property
    def account_names(self) -> list[str]:
        return sorted({p.account for p in self.posts} | {a.name for a in self.accounts})


def parse(filename: str, data: bytes, overrides: Mapping[str, str] | None = None, *, account: str = "") -> Parsed:
    """Read the whole file. ``account`` names the account of sheets with no account column (default:
    the file name). Any unreadable publish time stops the import with its row number."""
    sheets = read_sheets(filename, data)
    tables = [apply_overrides(_find_header(s), overrides or {}) if s.rows else _empty(s) for s in sheets]
    _check_tables(filename, sheets, tables)
    default_account = account.strip() or Path(filename).stem
    posts: list[Post] = []
    infos: list[AccountInfo] = []
    rows = 0
    name = Path(filename).name
    for sheet, table in zip(sheets, tables, strict=True):
        if table.role == "accounts":
            infos += _account_rows(sheet, table)
            continue
        if table.role != "posts":
            continue
        m = table.mapping
        # Speed (100k rows): each field's column once per sheet; -1 reads as no value.
        i_account, i_title, i_published, i_reads, i_shares, i_likes, i_wows, i_original, i_body, i_url = (
            m.get(f, -1) for f in FIELDS
        )
        has_original = "original" in m
        for row, number in zip(sheet.rows[table.header_rows :], sheet.row_numbers[table.header_rows :], strict=True):
            width = len(row)
            raw = row[i_published] if 0 <= i_published < width else None
            title = str((row[i_title] if 0 <= i_title < width else None) or "").strip()
            if raw is None or str(raw).strip() == "":
                if not title:
                    continue  # a blank or a totals row
                raise _error(
                    f"{name}, {sheet.name} row {number}: no publish time - fill it in or delete the row",
                    f"{name}，{sheet.name} 第 {number} 行：没有发布时间，请补上或删除该行",
                )
            when = parse_time(raw)
            if when is None:
                raise _error(
                    f"{name}, {sheet.name} row {number}: cannot read the date '{str(raw)[:40]}' - "
                    "write it as 2024-03-05 14:30",
                    f"{name}，{sheet.name} 第 {number} 行：无法识别日期“{str(raw)[:40]}”，"
                    "请写成 2024-03-05 14:30 的格式",
                )
            rows += 1
            if rows > MAX_ROWS:
                raise _too_many_rows(rows)
            posts.append(
                Post(
                    account=str((row[i_account] if 0 <= i_account < width else None) or "").strip() or default_account,
                    published=when,
                    title=title,
                    reads=parse_count(row[i_reads] if 0 <= i_reads < width else None),
                    shares=parse_count(row[i_shares] if 0 <= i_shares < width else None),
                    likes=parse_count(row[i_likes] if 0 <= i_likes < width else None),
                    wows=parse_count(row[i_wows] if 0 <= i_wows < width else None),
                    original=parse_original(row[i_original] if 0 <= i_original < width else None)
                    if has_original
                    else None,
                    body=str((row[i_body] if 0 <= i_body < width else None) or "")[:2000],
                    url=str((row[i_url] if 0 <= i_url < width else None) or "").strip()[:500],
                )
            )
    if not posts and not infos:
        raise _error(f"{name}: the sheet has no articles below its header", f"{name}：表头下面没有文章数据")
    return Parsed(filename, posts, infos, rows)


def _account_rows(sheet: Sheet, table: Table) -> list[AccountInfo]:
    m = table.mapping
    out = []
    for row in sheet.rows[table.header_rows :]:

        def cell(f: str, row: list[Any] = row) -> str:
            i = m.get(f)
            return str(row[i] or "").strip() if i is not None and i < len(row) else ""

        if not cell("account"):
            continue
        managers = tuple(u for u in re.split(r"[,，;；\s、]+", cell("managers")) if u)
        out.append(AccountInfo(cell("account"), cell("department"), account_kind(cell("kind")), managers))
    return out


# ---------------------------------------------------------------------- measures
@dataclass(frozen=True)
class Finding:
    """One thing to fix: the measure, how bad, the i18n key and values of its sentence, and the course
    module (and lesson) that teaches the fix."""

    measure: str
    level: str  # red, amber
    key: str
    values: dict[str, Any]
    module: str
    lesson: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "level": self.level, "key": self.key, "values": self.values,
                "course": COURSE, "module": self.module, "lesson": self.lesson}  # fmt: skip


# Measure -> the module (course module id) and lesson that teach the fix.
MODULE_FOR = {
    "update": ("frequency-and-duty", "update-floor"),
    "next_check": ("frequency-and-duty", "update-floor"),
    "interaction": ("message-handling", "message-workflow"),
    "frequency": ("frequency-and-duty", "update-floor"),
    "timing": ("frequency-and-duty", "release-times"),
    "original": ("review-and-correction", "originality"),
    "mix": ("positioning", "account-audit"),
}
# The veto tests first, then the rest; the overview's columns in this order.
MEASURES = ("update", "interaction", "next_check", "frequency", "timing", "original", "mix")
LATE_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5, 6})
# Our own thresholds (not national rules): the national checks set only the 2-week veto.
MIN_PER_WEEK = 1.0  # fewer posts a week on average: amber
LATE_SHARE = 0.3  # more of the posts between 22:00 and 06:59: amber
ORIGINAL_AMBER, ORIGINAL_RED = 0.3, 0.1
SELF_SHARE = 0.5  # more of the posts about meetings, leaders and publicity: amber
RISK_DAYS = 7  # must publish within this many days to stay safe: amber


@dataclass(frozen=True)
class Gap:
    after: dt.date  # the last day with a post
    before: dt.date | None  # the next day with a post (None: still silent on the monitoring date)
    days: int  # days without a post in between

    @property
    def veto_from(self) -> dt.date:
        """The first monitoring date this silence fails."""
        return self.after + dt.timedelta(days=VETO_DAYS + 1)

    def as_json(self) -> dict[str, Any]:
        return {"after": self.after.isoformat(), "before": self.before.isoformat() if self.before else None,
                "days": self.days, "veto_from": self.veto_from.isoformat()}  # fmt: skip


@dataclass(frozen=True)
class ReplyRecord:
    messages: int
    replied: int
    on_time: int  # replied on or before the deadline day
    overdue: int  # open past the deadline
    open: int

    def as_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class AccountReport:
    account: str
    department: str
    kind: str
    start: dt.date
    end: dt.date
    as_of: dt.date  # the monitoring date
    next_check: dt.date | None
    posts: int
    last_post: dt.date | None
    publish_by: dt.date | None  # the last day a new post keeps the account out of the veto
    per_week: float
    per_month: float
    weeks: list[tuple[dt.date, int]]  # Monday (CST) -> posts
    months: list[tuple[str, int]]  # YYYY-MM -> posts
    gaps: list[Gap]  # every silence of 14 days or more, longest first
    longest_gaps: list[Gap]  # the three longest silences
    heat: dict[tuple[int, int], int]  # (weekday 0=Monday, hour) -> posts
    reads_by_hour: dict[int, float]  # publish hour -> median reads
    late_share: float
    original_share: float | None  # None: the export does not say
    mix: dict[str, int]  # kind -> posts
    kind_cues: dict[str, list[str]]  # kind -> the commonest cue words
    replies: ReplyRecord | None
    lights: dict[str, str] = field(default_factory=dict)  # measure -> green/amber/red/grey
    findings: list[Finding] = field(default_factory=list)

    @property
    def vetoed(self) -> bool:
        return self.lights.get("update") == "red"

    @property
    def at_risk(self) -> bool:
        return self.lights.get("update") == "red" or self.lights.get("next_check") in ("red", "amber")

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account, "department": self.department, "kind": self.kind,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "as_of": self.as_of.isoformat(),
            "next_check": self.next_check.isoformat() if self.next_check else None,
            "posts": self.posts, "last_post": self.last_post.isoformat() if self.last_post else None,
            "publish_by": self.publish_by.isoformat() if self.publish_by else None,
            "per_week": round(self.per_week, 2), "per_month": round(self.per_month, 2),
            "gaps": [g.as_json() for g in self.gaps], "longest_gaps": [g.as_json() for g in self.longest_gaps],
            "heat": [{"weekday": d, "hour": h, "posts": n} for (d, h), n in sorted(self.heat.items())],
            "median_reads_by_hour": {str(h): v for h, v in sorted(self.reads_by_hour.items())},
            "late_share": round(self.late_share, 3),
            "original_share": None if self.original_share is None else round(self.original_share, 3),
            "mix": self.mix, "replies": self.replies.as_json() if self.replies else None,
            "lights": self.lights, "findings": [f.as_json() for f in self.findings],
        }  # fmt: skip


@dataclass(frozen=True)
class Row:
    """What :func:`measure` needs of a post (kind already classified)."""

    published: dt.datetime
    reads: int | None
    original: bool | None
    kind: str
    cues: tuple[str, ...] = ()


def gaps_of(days: Sequence[dt.date], as_of: dt.date) -> list[Gap]:
    """Every silence between post days up to the monitoring date (that day itself not counted: the
    check looks at the days before it), including the one still running on the monitoring date."""
    out = []
    for a, b in zip(days, days[1:], strict=False):
        out.append(Gap(a, b, (b - a).days - 1))
    if days and days[-1] < as_of:
        out.append(Gap(days[-1], None, (as_of - days[-1]).days - 1))
    return [g for g in out if g.days > 0]


def update_veto(days: Sequence[dt.date], monitoring: dt.date) -> bool:
    """True when ``monitoring`` fails the veto test: no post on the 14 days before it."""
    window_start = monitoring - dt.timedelta(days=VETO_DAYS)
    return not any(window_start <= d < monitoring for d in days)


def measure(
    account: str,
    rows: Iterable[Row],
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    next_check: dt.date | None = None,
    replies: ReplyRecord | None = None,
    department: str = "",
    kind: str = "",
) -> AccountReport:
    """One account's measures for ``start``..``end`` (default: the year before ``as_of``), with the veto
    test on the monitoring date ``as_of`` and, if given, the next monitoring date."""
    end = end or as_of
    start = start or end - dt.timedelta(days=364)
    all_rows = sorted(rows, key=lambda r: r.published)
    in_range = [r for r in all_rows if start <= r.published.date() <= end]
    # The veto looks at every post before the monitoring date, whatever range is shown.
    before_check = sorted({r.published.date() for r in all_rows if r.published.date() < as_of})
    last = before_check[-1] if before_check else None
    publish_by = last + dt.timedelta(days=VETO_DAYS) if last else None

    span_days = (end - start).days + 1
    monday0 = start - dt.timedelta(days=start.weekday())
    weekly: Counter[dt.date] = Counter()
    monthly: Counter[tuple[int, int]] = Counter()  # (year, month)
    heat: Counter[tuple[int, int]] = Counter()
    reads_at: dict[int, list[int]] = defaultdict(list)
    mix: Counter[str] = Counter()
    cue_lists: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)  # kind -> cue list -> posts
    originals = [r.original for r in in_range if r.original is not None]
    for r in in_range:
        d = r.published.date()
        weekly[d - dt.timedelta(days=d.weekday())] += 1
        monthly[(d.year, d.month)] += 1
        heat[(d.weekday(), r.published.hour)] += 1
        if r.reads is not None:
            reads_at[r.published.hour].append(r.reads)
        mix[r.kind] += 1
        if r.cues:
            cue_lists[r.kind][r.cues] += 1
    # Speed (an overview of 3 years measures 100k posts): the few distinct cue lists are counted above,
    # their words here, first seen first as when counting post by post (most_common keeps that order).
    cues: dict[str, Counter[str]] = defaultdict(Counter)
    for post_kind, lists in cue_lists.items():
        for words, n in lists.items():
            for word in words:
                cues[post_kind][word] += n
    weeks = []
    w = monday0
    while w <= end:
        weeks.append((w, weekly.get(w, 0)))
        w += dt.timedelta(days=7)
    months = []
    m = dt.date(start.year, start.month, 1)
    while m <= end:
        months.append((m.strftime("%Y-%m"), monthly.get((m.year, m.month), 0)))
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    range_days = sorted({r.published.date() for r in in_range})
    range_gaps = gaps_of(range_days, min(as_of, end + dt.timedelta(days=1))) if range_days else []
    gaps = sorted((g for g in range_gaps if g.days >= VETO_DAYS), key=lambda g: (-g.days, g.after))
    longest = sorted(range_gaps, key=lambda g: (-g.days, g.after))[:3]
    n = len(in_range)
    report = AccountReport(
        account=account, department=department, kind=kind, start=start, end=end, as_of=as_of,
        next_check=next_check, posts=n, last_post=last, publish_by=publish_by,
        per_week=n / span_days * 7 if span_days > 0 else 0.0,
        per_month=n / span_days * 30.4375 if span_days > 0 else 0.0,
        weeks=weeks, months=months, gaps=gaps, longest_gaps=longest, heat=dict(heat),
        reads_by_hour={h: float(statistics.median(v)) for h, v in sorted(reads_at.items())},
        late_share=sum(1 for r in in_range if r.published.hour in LATE_HOURS) / n if n else 0.0,
        original_share=sum(originals) / len(originals) if originals else None,
        mix={k: mix.get(k, 0) for k in KINDS},
        kind_cues={k: [c for c, _ in cues[k].most_common(5)] for k in KINDS if cues[k]},
        replies=replies,
    )  # fmt: skip
    _judge(report, before_check)
    return report


def _add(report: AccountReport, measure_: str, level: str, key: str, **values: Any) -> None:
    report.lights[measure_] = level
    if level in ("red", "amber"):
        module, lesson = MODULE_FOR[measure_]
        report.findings.append(Finding(measure_, level, key, values, module, lesson))


def _judge(report: AccountReport, days: list[dt.date]) -> None:
    r = report
    # 1. Veto: no update in the 14 days before the monitoring date.
    if update_veto(days, r.as_of):
        silent = (r.as_of - r.last_post).days - 1 if r.last_post else None
        _add(r, "update", "red", "health_f_update_veto" if r.last_post else "health_f_update_none",
             as_of=r.as_of.isoformat(), last=r.last_post.isoformat() if r.last_post else "", days=silent)  # fmt: skip
    else:
        _add(r, "update", "green", "")
    # 2. Veto: interaction - messages left unanswered past their deadline (the reply desk's record).
    rep = r.replies
    if rep is None or rep.messages == 0:
        r.lights["interaction"] = "grey"
    elif rep.overdue:
        _add(r, "interaction", "red", "health_f_interaction_overdue", overdue=rep.overdue, messages=rep.messages)
    elif rep.replied and rep.on_time < rep.replied:
        _add(r, "interaction", "amber", "health_f_interaction_late", late=rep.replied - rep.on_time,
             messages=rep.messages)  # fmt: skip
    else:
        _add(r, "interaction", "green", "")
    # 3. The next monitoring date: a known post in its window, or the days left to publish.
    if r.publish_by is None:
        r.lights["next_check"] = "red"
    elif r.next_check is not None:
        window = (r.next_check - dt.timedelta(days=VETO_DAYS), r.next_check - dt.timedelta(days=1))
        if any(window[0] <= d <= window[1] for d in days):
            _add(r, "next_check", "green", "")
        else:
            _add(r, "next_check", "amber" if window[1] >= r.as_of else "red", "health_f_next_check",
                 check=r.next_check.isoformat(), first=max(window[0], r.as_of).isoformat(),
                 last=window[1].isoformat())  # fmt: skip
    else:
        left = (r.publish_by - r.as_of).days
        if left < 0:
            r.lights["next_check"] = "red"  # already the veto above; no second finding
        elif left <= RISK_DAYS:
            _add(r, "next_check", "amber", "health_f_publish_by", date=r.publish_by.isoformat(), days=left)
        else:
            _add(r, "next_check", "green", "")
    # 4. The rest: our own thresholds.
    if r.posts == 0:
        for m in ("frequency", "timing", "original", "mix"):
            r.lights[m] = "grey" if m != "frequency" else "red"
        if r.lights["update"] != "red":
            _add(r, "frequency", "red", "health_f_frequency", per_week=0.0)
        return
    if r.per_week < MIN_PER_WEEK or r.gaps:
        key = "health_f_frequency_gaps" if r.gaps else "health_f_frequency"
        _add(r, "frequency", "red" if r.gaps else "amber", key,
             per_week=round(r.per_week, 1), gaps=len(r.gaps),
             longest=r.gaps[0].days if r.gaps else 0)  # fmt: skip
    else:
        _add(r, "frequency", "green", "")
    if r.late_share > LATE_SHARE:
        _add(r, "timing", "amber", "health_f_timing", share=round(r.late_share * 100))
    else:
        _add(r, "timing", "green", "")
    if r.original_share is None:
        r.lights["original"] = "grey"
    elif r.original_share < ORIGINAL_AMBER:
        _add(r, "original", "red" if r.original_share < ORIGINAL_RED else "amber", "health_f_original",
             share=round(r.original_share * 100))  # fmt: skip
    else:
        _add(r, "original", "green", "")
    self_share = (r.mix.get("meeting", 0) + r.mix.get("publicity", 0)) / r.posts
    service_share = (r.mix.get("service", 0) + r.mix.get("policy", 0)) / r.posts
    if self_share > SELF_SHARE:
        _add(r, "mix", "amber", "health_f_mix", share=round(self_share * 100), service=round(service_share * 100))
    else:
        _add(r, "mix", "green", "")


def rows_of(posts: Iterable[Post]) -> dict[str, list[Row]]:
    """Posts read from files, classified, by account (the CLI measures files without storing them)."""
    out: dict[str, list[Row]] = defaultdict(list)
    for p in posts:
        k = classify(p.title, p.body)
        out[p.account].append(Row(p.published, p.reads, p.original, k.kind, k.cues))
    return out


# ---------------------------------------------------------------------- storage and roles
def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def today_cst() -> dt.date:
    return dt.datetime.now(CST).date()


@dataclass(frozen=True)
class SaveResult:
    accounts: list[str]
    rows: int
    added: int  # new articles; the rest were already there (their figures updated)


class HealthStore:
    """Accounts, managers and posts in app.db, with the role rules."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -------------------------------------------------------------- accounts and who sees them
    def accounts(self, viewer: User) -> list[dict[str, Any]]:
        """Accounts the viewer may see, by name, each with ``managers`` (a list of user names)."""
        require_role(viewer, *EVERYONE)
        rows = list(self.db.query("SELECT * FROM health_accounts ORDER BY department, name"))
        managers = self._managers()
        for row in rows:
            row["managers"] = managers.get(row["id"], [])
        if viewer.role == "learner":
            me = viewer.username.lower()
            rows = [r for r in rows if me in (m.lower() for m in r["managers"])]
        return rows

    def _managers(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = defaultdict(list)
        for account_id, username in self.db.execute(
            "SELECT account_id, username FROM health_managers ORDER BY username"
        ).fetchall():
            out[account_id].append(username)
        return out

    def account(self, viewer: User, account_id: int) -> dict[str, Any]:
        for row in self.accounts(viewer):
            if row["id"] == account_id:
                return row
        require_role(viewer, *EVERYONE)
        exists = self.db.execute("SELECT 1 FROM health_accounts WHERE id = ?", [account_id]).fetchone()
        if exists:
            raise PermissionDenied("You can see only the accounts you manage · 只能查看自己管理的账号")
        raise HealthAccountNotFound(f"No account #{account_id} in the health check · 健康检查中没有这个账号")

    def set_managers(self, actor: User, account_id: int, usernames: Iterable[str]) -> None:
        require_role(actor, *STAFF)
        self.account(actor, account_id)
        names = sorted({u.strip() for u in usernames if u.strip()}, key=str.lower)
        with immediate(self.db):
            self.db.execute("DELETE FROM health_managers WHERE account_id = ?", [account_id])
            for u in names:
                self.db.execute("INSERT INTO health_managers (account_id, username) VALUES (?, ?)", [account_id, u])

    # -------------------------------------------------------------- import
    def save(self, user: User, parsed: Parsed) -> SaveResult:
        """Store a parsed file in one transaction. Learners may import only for accounts they manage
        or new ones (which they then manage); account lists (department, kind, managers) are staff's."""
        require_role(user, *EVERYONE)
        if parsed.accounts and user.role == "learner":
            raise PermissionDenied(
                "Only trainers and administrators import account lists · 只有培训师和管理员可以导入账号清单"
            )
        existing = {r["name"].lower(): r for r in self.db.query("SELECT id, name FROM health_accounts")}
        managers = self._managers()
        names = {p.account for p in parsed.posts}
        if user.role == "learner":
            me = user.username.lower()
            for name in sorted(names):
                row = existing.get(name.lower())
                if row and me not in (m.lower() for m in managers.get(row["id"], [])):
                    raise PermissionDenied(
                        f"'{name}' is managed by others: ask a trainer to add you as its manager · "
                        f"“{name}”由其他人管理，请培训师把您添加为该账号管理员"
                    )
        now = _now()
        before = self.db.execute("SELECT count(*) FROM health_posts").fetchone()[0]
        with immediate(self.db):
            ids: dict[str, int] = {}
            for info in parsed.accounts:
                ids[info.name.lower()] = self._upsert_account(info.name, now, info.department, info.kind)
                if info.managers:
                    for m in info.managers:
                        self.db.execute(
                            "INSERT OR IGNORE INTO health_managers (account_id, username) VALUES (?, ?)",
                            [ids[info.name.lower()], m],
                        )
            for name in names:
                if name.lower() not in ids:
                    ids[name.lower()] = self._upsert_account(name, now)
                    if user.role == "learner":
                        self.db.execute(
                            "INSERT OR IGNORE INTO health_managers (account_id, username) VALUES (?, ?)",
                            [ids[name.lower()], user.username],
                        )
            import_id = int(
                self.db.execute(
                    "INSERT INTO health_imports (username, filename, rows, added, at) VALUES (?, ?, ?, 0, ?)",
                    [user.username, Path(parsed.filename).name, parsed.rows, now],
                ).lastrowid
                or 0
            )
            stored = self._stored(parsed.posts, ids, {r["id"] for r in existing.values()})
            self.db.conn.executemany(
                "INSERT INTO health_posts (account_id, published, title, reads, shares, likes, wows, original, kind,"
                " cues, url, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(account_id, published, title) DO UPDATE SET"
                " reads = coalesce(excluded.reads, reads), shares = coalesce(excluded.shares, shares),"
                " likes = coalesce(excluded.likes, likes), wows = coalesce(excluded.wows, wows),"
                " original = coalesce(excluded.original, original), url = excluded.url",
                self._post_rows(parsed.posts, ids, import_id, stored),
            )
            added = self.db.execute("SELECT count(*) FROM health_posts").fetchone()[0] - before
            self.db.execute("UPDATE health_imports SET added = ? WHERE id = ?", [added, import_id])
        return SaveResult(parsed.account_names, parsed.rows, added)

    def _stored(self, posts: list[Post], ids: dict[str, int], before: set[int]) -> set[int]:
        """Positions in ``posts`` of articles already stored (same account, time and title), among the
        accounts that existed ``before`` this import: a re-import updates their figures only, so they
        need not be classified again. One account's keys in memory at a time."""
        todo: dict[int, list[int]] = defaultdict(list)
        for i, p in enumerate(posts):
            account_id = ids[p.account.lower()]
            if account_id in before:
                todo[account_id].append(i)
        stored: set[int] = set()
        for account_id, positions in todo.items():
            keys = set(self.db.execute("SELECT published, title FROM health_posts WHERE account_id = ?", [account_id]))
            if keys:
                stored.update(i for i in positions if (posts[i].published.isoformat(sep=" "), posts[i].title) in keys)
        return stored

    @staticmethod
    def _post_rows(
        posts: list[Post], ids: dict[str, int], import_id: int, stored: AbstractSet[int] = frozenset()
    ) -> Iterator[tuple[Any, ...]]:
        """The rows to upsert. An article already ``stored`` keeps its kind (the upsert does not change
        it), so it is not classified again; the kind given for it is never written."""
        cue_json: dict[tuple[str, ...], str] = {}  # the same few cue lists recur: encode each once
        for i, p in enumerate(posts):
            if i in stored:
                kind, cues = "", "[]"
            else:
                k = classify(p.title, p.body)
                kind = k.kind
                if k.cues not in cue_json:
                    cue_json[k.cues] = json.dumps(list(k.cues), ensure_ascii=False)
                cues = cue_json[k.cues]
            yield (
                ids[p.account.lower()], p.published.isoformat(sep=" "), p.title, p.reads, p.shares, p.likes,
                p.wows, None if p.original is None else int(p.original), kind, cues, p.url, import_id,
            )  # fmt: skip

    def _upsert_account(self, name: str, now: str, department: str = "", kind: str = "") -> int:
        row = self.db.execute("SELECT id FROM health_accounts WHERE name = ?", [name]).fetchone()
        if row:
            if department or kind:
                self.db.execute(
                    "UPDATE health_accounts SET department = coalesce(nullif(?, ''), department),"
                    " kind = coalesce(nullif(?, ''), kind), updated_at = ? WHERE id = ?",
                    [department, kind, now, row[0]],
                )
            return int(row[0])
        cur = self.db.execute(
            "INSERT INTO health_accounts (name, department, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [name, department, kind, now, now],
        )
        return int(cur.lastrowid or 0)

    # -------------------------------------------------------------- measures
    def _rows(self, account_ids: Sequence[int]) -> dict[int, list[Row]]:
        out: dict[int, list[Row]] = defaultdict(list)
        if not account_ids:
            return out
        marks = ",".join("?" * len(account_ids))
        cur = self.db.execute(
            "SELECT account_id, published, reads, original, kind, cues FROM health_posts"
            f" WHERE account_id IN ({marks})",
            list(account_ids),
        )
        parse_dt = dt.datetime.fromisoformat
        # Few distinct cue lists recur: decode each once.
        cue_lists: dict[str | None, tuple[str, ...]] = {None: (), "": (), "[]": ()}
        for account_id, published, reads, original, kind, cues in cur:
            found = cue_lists.get(cues)
            if found is None:
                found = cue_lists[cues] = tuple(json.loads(cues))
            out[account_id].append(
                Row(parse_dt(published), reads, None if original is None else bool(original), kind, found)
            )
        return out

    def reply_record(self, usernames: Sequence[str], today: dt.date) -> ReplyRecord | None:
        """The reply desk's messages of these managers. "Replied on time" counts a message marked
        replied on or before its deadline day (the desk records when its status last changed)."""
        if not usernames:
            return None
        marks = ",".join("?" * len(usernames))
        rows = self.db.execute(
            f"SELECT status, deadline, updated_at FROM reply_items WHERE username IN ({marks})",
            list(usernames),
        ).fetchall()
        replied = on_time = overdue = still_open = 0
        for status, deadline, updated_at in rows:
            if status == "replied":
                replied += 1
                when = dt.datetime.fromisoformat(updated_at).astimezone(CST).date()
                on_time += when <= dt.date.fromisoformat(deadline)
            elif status == "open":
                still_open += 1
                overdue += dt.date.fromisoformat(deadline) < today
        return ReplyRecord(len(rows), replied, on_time, overdue, still_open)

    def report(
        self,
        viewer: User,
        account_id: int,
        *,
        as_of: dt.date,
        start: dt.date | None = None,
        end: dt.date | None = None,
        next_check: dt.date | None = None,
    ) -> AccountReport:
        acc = self.account(viewer, account_id)  # learners: only their own
        rows = self._rows([account_id])[account_id]
        return measure(
            acc["name"], rows, as_of=as_of, start=start, end=end, next_check=next_check,
            replies=self.reply_record(acc["managers"], as_of), department=acc["department"], kind=acc["kind"],
        )  # fmt: skip

    def overview(
        self,
        viewer: User,
        *,
        as_of: dt.date,
        start: dt.date | None = None,
        end: dt.date | None = None,
        next_check: dt.date | None = None,
    ) -> list[AccountReport]:
        """Every account the viewer may see, measured; vetoed and at-risk accounts first."""
        accounts = self.accounts(viewer)
        rows = self._rows([a["id"] for a in accounts])
        reports = [
            measure(
                a["name"],
                rows.get(a["id"], []),
                as_of=as_of,
                start=start,
                end=end,
                next_check=next_check,
                replies=self.reply_record(a["managers"], as_of),
                department=a["department"],
                kind=a["kind"],
            )  # fmt: skip
            for a in accounts
        ]
        order = {"red": 0, "amber": 1, "grey": 2, "green": 3}
        return sorted(reports, key=lambda r: ([order[r.lights.get(m, "grey")] for m in MEASURES], r.account))

    def account_id(self, viewer: User, name: str) -> int:
        for row in self.accounts(viewer):
            if row["name"].lower() == name.strip().lower():
                return int(row["id"])
        raise HealthAccountNotFound(f"No account '{name}' you may see · 没有您可查看的账号“{name}”")

    # -------------------------------------------------------------- from findings to training
    def assign_module(
        self, actor: User, account_id: int, module: str, measure_: str, due: dt.date | None = None
    ) -> list[str]:
        """Assign the course to the account's managers (as People does) and record which module the
        finding points to; returns the user names. Trainers and admins only."""
        from trainer.analytics.reports import assign

        require_role(actor, *STAFF)
        acc = self.account(actor, account_id)
        if module not in {m for m, _ in MODULE_FOR.values()}:
            raise _error(f"Unknown module '{module}'", f"未知模块“{module}”")
        if not acc["managers"]:
            raise _error(
                f"'{acc['name']}' has no managers yet - add them under the account first",
                f"“{acc['name']}”还没有管理员，请先为该账号添加管理员",
            )
        now = _now()
        with immediate(self.db):
            assign(actor, self.db, acc["managers"], COURSE, due)
            for u in acc["managers"]:
                self.db.execute(
                    "INSERT INTO health_training (account_id, username, course, module, measure, assigned_by, at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account_id, username, course, module)"
                    " DO UPDATE SET measure = excluded.measure, assigned_by = excluded.assigned_by, at = excluded.at",
                    [account_id, u, COURSE, module, measure_, actor.username, now],
                )
        return list(acc["managers"])

    def training(self, viewer: User, account_id: int) -> list[dict[str, Any]]:
        """Modules assigned to the account's managers from its findings (learners: their own account)."""
        self.account(viewer, account_id)
        return list(
            self.db.query(
                "SELECT username, module, measure, assigned_by, at FROM health_training WHERE account_id = ?"
                " ORDER BY at DESC, username",
                [account_id],
            )
        )


# ---------------------------------------------------------------------- text for people
@lru_cache(maxsize=4)
def _modules() -> dict[str, tuple[int, dict[str, str], dict[str, dict[str, str]]]]:
    """Module id -> (order, title by language, lesson id -> title by language), from the course."""
    from courses.content import load_catalog

    course = next(c for c in load_catalog().courses if c.id == COURSE)
    return {
        m.id: (
            m.order,
            {lang: m.title.get(lang) for lang in ("zh", "en")},
            {les.id: {lang: p.title for lang, p in les.pages.items()} for les in m.lessons},
        )
        for m in course.modules
    }


def module_label(module: str, lesson: str, lang: str) -> tuple[int, str, str]:
    """(order, module title, lesson title) in ``lang``; the ids themselves if the course lacks them."""
    found = _modules().get(module)
    if found is None:
        return 0, module, lesson
    order, titles, lessons = found
    return order, titles.get(lang) or module, lessons.get(lesson, {}).get(lang) or lesson


def finding_text(finding: Finding, lang: str) -> str:
    from trainer.i18n import t

    return t(finding.key, lang, **finding.values)


def finding_module_text(finding: Finding, lang: str) -> str:
    from trainer.i18n import t

    order, module, lesson = module_label(finding.module, finding.lesson, lang)
    return t("health_finding_module", lang, order=order, module=module, lesson=lesson)


def overview_rows(reports: Sequence[AccountReport], lang: str) -> list[dict[str, Any]]:
    """The district overview as table rows (column names and lights in ``lang``), for the page and Excel."""
    from trainer.i18n import t

    rows = []
    for r in reports:
        row: dict[str, Any] = {
            t("health_col_account", lang): r.account,
            t("health_col_department", lang): r.department,
            t("health_col_kind", lang): t(f"health_acc_{r.kind}", lang) if r.kind in ACCOUNT_KINDS else r.kind,
        }
        for m in MEASURES:
            row[t(f"health_m_{m}", lang)] = t(f"health_light_{r.lights.get(m, 'grey')}", lang)
        row[t("health_col_posts", lang)] = r.posts
        row[t("health_col_per_week", lang)] = round(r.per_week, 1)
        row[t("health_col_last", lang)] = r.last_post.isoformat() if r.last_post else ""
        row[t("health_col_publish_by", lang)] = r.publish_by.isoformat() if r.publish_by else ""
        rows.append(row)
    return rows
