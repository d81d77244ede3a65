"""The .xlsx reader's fast path (regular expressions over the common sheet XML) reads every sheet as the
element reader (lxml, one element per cell) does, and gives way to it on anything it does not know."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from desk import health_xlsx as hx
from desk.health import HealthError, parse

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="文章" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/></Relationships>'
)
SHARED = (
    f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>标题</t></si><si><t>关于停水&amp;停电的通知</t></si>'
    "<si><r><t>一图</t></r><r><rPr><b/></rPr><t>读懂</t></r><rPh><t>yi tu</t></rPh></si></sst>"
)


def package(sheet: str, shared: str | None = SHARED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            zf.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def sheet_xml(rows: str, root: str = f'<worksheet xmlns="{MAIN}">', head: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{root}{head}<sheetData>{rows}</sheetData></worksheet>'


def no_fast_path(fh: object, shared: object) -> object:
    raise hx._Fallback


def element_reading(data: bytes, monkeypatch: pytest.MonkeyPatch, **kw: object) -> object:
    with monkeypatch.context() as m:
        m.setattr(hx, "_fast_rows", no_fast_path)
        return read(data, **kw)


def read(data: bytes, *, limit: int | None = None, max_rows: int = 1000) -> Any:
    try:
        return [(s.name, s.rows, s.numbers, s.truncated) for s in hx.read_xlsx(io.BytesIO(data), limit=limit,
                                                                             max_rows=max_rows)]  # fmt: skip
    except hx.XlsxUnreadable:
        return "unreadable"


def fast_path_taken(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        shared = hx._shared_strings(zf)
        try:
            list(hx._fast_rows(fh, shared))
        except hx._Fallback:
            return False
    return True


def openpyxl_book(write_only: bool) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("已发表文章") if write_only else wb.active
    rows: list[list[object]] = [
        ["公众号名称", "标题", "发布时间", "阅读数", "分享数", "是否原创"],
        ["柳塘区人民政府", "关于停水 & 停电的<紧急>通知", "2024-03-05 14:30", 1234, 5, "是"],
        ["新桥镇", "  \"引号\" 与 '单引号'  ", dt.datetime(2024, 3, 5, 14, 30), 1.5, -3, True],
        ["新桥镇", "第一行\r\n第二行\r第三行", 45356.5, 2**60, 0.1, False],
        [None, "", None, None, None, None],
        ["新桥镇", "😀 emoji 与 ＆ 全角", "=1+1", "10万+", None, "否"],
        [None, None, None, None, None, "only the last column"],
    ]
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_openpyxl_workbooks_read_alike_and_fast(write_only: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    data = openpyxl_book(write_only)
    assert fast_path_taken(data)
    fast = read(data)
    assert fast == element_reading(data, monkeypatch)
    rows = fast[0][1]
    assert rows[1][1] == "关于停水 & 停电的<紧急>通知" and rows[3][1] == "第一行\r\n第二行\r第三行"
    assert rows[3][3] == pytest.approx(2.0**60) and rows[2][5] is True and rows[4][1] == "😀 emoji 与 ＆ 全角"
    assert read(data, limit=2) == element_reading(data, monkeypatch, limit=2)


EXCEL_ROOT = (
    f'<worksheet xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac"'
    ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
)
EXCEL_ROWS = (
    '<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2" t="s"><v>2</v></c>'
    '<c r="D1" t="b"><v>1</v></c></row>\n'
    '<row r="3" spans="1:4"><c r="A3" s="1"><v>45356.25</v></c><c r="B3" t="s"><v>1</v></c>'
    '<c r="C3" t="str"><f>A3&amp;"x"</f><v>45356.25x</v></c><c r="D3" t="e"><v>#N/A</v></c></row>'
    '<row r="4"><c r="A4" t="s"><v>99</v></c><c r="B4" s="3"/><c r="C4" t="inlineStr"><is><r><t>富</t></r>'
    '<r><t xml:space="preserve"> 文本 </t></r></is></c><c r="D4"><v></v></c></row>'
    '<row><c><v>7</v></c><c t="inlineStr"><is><t>no refs</t></is></c></row>'
    '<row r="9"/><row r="10"><c r="A10" t="inlineStr"><is><t>&#20844;&#x4F17;号 &lt;&gt; &amp;amp;</t></is></c>'
    '<c r="B10" t="n"><v> 12 </v></c><c r="C10" t="inlineStr"><v>3</v></c><c r="D10"><is><t>x</t></is></c></row>'
)


def test_excel_style_sheet_with_shared_strings_formulas_and_rich_text(monkeypatch: pytest.MonkeyPatch) -> None:
    data = package(sheet_xml(EXCEL_ROWS, EXCEL_ROOT, '<dimension ref="A1:D10"/><sheetFormatPr/>'))
    assert fast_path_taken(data)
    fast = read(data)
    assert fast == element_reading(data, monkeypatch)
    assert fast[0][1][0] == ["标题", "一图读懂", None, True]
    assert fast[0][1][-1] == ["公众号 <> &amp;", 12, None, None]
    assert fast[0][2] == [1, 3, 4, 5, 10]


@pytest.mark.parametrize(
    "sheet",
    [
        sheet_xml(EXCEL_ROWS.replace("</row>\n", "</row><!-- a comment -->\n", 1), EXCEL_ROOT),
        sheet_xml(EXCEL_ROWS.replace(">no refs<", "><![CDATA[no <refs>]]><", 1), EXCEL_ROOT),
        sheet_xml(EXCEL_ROWS.replace('<c r="A3" s="1">', '<c s="1" r="A3" >', 1), EXCEL_ROOT),
        sheet_xml('<row r="1"><c r="B1"><v>2</v></c><c r="A1"><v>1</v></c></row>'),  # out of order
        sheet_xml('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', f'<x:worksheet xmlns:x="{MAIN}">')
        .replace("<sheetData>", "<x:sheetData>")
        .replace("</sheetData></worksheet>", "</x:sheetData></x:worksheet>"),
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY e "entity">]>'
        + sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>').split("?>", 1)[1],
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>bad &#1; char</t></is></c></row>'),
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>never closed</t></is></c></row>')[:-20],
        sheet_xml('<row r="1"><c r="A1" t="s"><v></v></c></row>'),
        sheet_xml('<row r="1"><c r="A1" t="inlineStr" xmlns="urn:other"><is><t>x</t></is></c></row>'),
        sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="IW1"><v>far right</v></c></row>'),
    ],
    ids=[
        "comment",
        "cdata",
        "attribute-order",
        "out-of-order",
        "prefixed",
        "doctype",
        "control-char",
        "truncated",
        "empty-shared-index",
        "namespace",
        "column-257",
    ],  # fmt: skip
)
def test_other_forms_give_way_to_the_element_reader(sheet: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = package(sheet)
    assert read(data) == element_reading(data, monkeypatch)


def test_unusual_forms_are_not_read_by_the_fast_path() -> None:
    assert not fast_path_taken(package(sheet_xml('<row r="1"><c r="A1"><v>1</v></c><!-- x --></row>')))
    assert not fast_path_taken(package(sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')[:-20]))
    assert fast_path_taken(package(sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')))


def test_an_import_reads_the_same_through_either_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("已发表文章")
    ws.append(["公众号名称", "标题", "发布时间", "阅读数", "分享数", "是否原创"])
    for i in range(300):
        ws.append(["新桥镇", f"关于第{i}期 <便民> & 服务的通知", f"2024-03-{i % 28 + 1:02d} 09:{i % 60:02d}", i, i // 7,
                   "是" if i % 3 else "否"])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    fast = parse("export.xlsx", out.getvalue())
    with monkeypatch.context() as m:
        m.setattr(hx, "_fast_rows", no_fast_path)
        slow = parse("export.xlsx", out.getvalue())
    assert fast == slow and len(fast.posts) == 300
    bad = package(sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>'))  # rows never end
    with pytest.raises(HealthError, match="cannot be opened"):
        parse("broken.xlsx", bad)


def test_blocks_split_anywhere_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sheet is decoded and matched a block at a time: rows, cells and UTF-8 characters cut between
    blocks read as in one piece."""
    data = package(sheet_xml(EXCEL_ROWS, EXCEL_ROOT))
    whole = read(data)
    for size in (7, 64, 333):
        monkeypatch.setattr(hx, "_CHUNK", size)
        assert fast_path_taken(data) and read(data) == whole
    book = openpyxl_book(write_only=False)
    monkeypatch.setattr(hx, "_CHUNK", 50)
    assert fast_path_taken(book) and read(book) == element_reading(book, monkeypatch)
