"""A streaming reader of .xlsx cell values, for publishing-record exports of 100k rows.

Why not openpyxl: its read-only mode took 33 s to read the rows of a 100k-article export on this
machine (bench/health_import.py), more than the whole import may take. This reader reads sheets of the
usual form with regular expressions (4 s for that export) and any other sheet element by element with
lxml (14 s); both give the same rows. It gives what openpyxl's read-only ``values_only`` gives, which
is all the health check needs: shared, inline and formula strings, numbers (dates stay Excel serial
numbers, which ``desk.health.parse_time`` reads), booleans; a merged cell's value in its first cell
only. Entities are never resolved and each part's unpacked size is capped, so a crafted file can
neither reach outside nor fill the memory.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_PART_BYTES = 1024 * 1024 * 1024  # unpacked; a 50 MB export unpacks to a few hundred MB at most
MAX_COLUMNS = 256  # an export has a dozen; beyond this, cells are ignored


class XlsxUnreadable(Exception):
    "Not an .xlsx workbook this reader understands"


class XlsxTooLarge(Exception):
    "A part of the workbook unpacks to more than MAX_PART_BYTES"


@dataclass
class SheetRows:
    name: str
    rows: list[list[Any]]
    numbers: list[int]  # the spreadsheet's row number of each row
    truncated: bool


def _open(zf: zipfile.ZipFile, name: str) -> IO[bytes]:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise XlsxUnreadable(f"missing part {name}") from None
    if info.file_size > MAX_PART_BYTES:
        raise XlsxTooLarge(name)
    return zf.open(info)


def _parser_args() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "huge_tree": True, "remove_comments": True}


def _sheets(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) in workbook order."""
    targets = {}
    with _open(zf, "xl/_rels/workbook.xml.rels") as fh:
        for rel in etree.parse(fh, etree.XMLParser(**_parser_args())).getroot().iter(f"{PKG_REL}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = part
    out = []
    with _open(zf, "xl/workbook.xml") as fh:
        for sheet in etree.parse(fh, etree.XMLParser(**_parser_args())).getroot().iter(f"{MAIN}sheet"):
            part = targets.get(sheet.get(f"{REL}id"))
            if part and part in zf.namelist():
                out.append((sheet.get("name", ""), part))
    return out


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    out: list[str] = []
    with _open(zf, "xl/sharedStrings.xml") as fh:
        for _, si in etree.iterparse(fh, events=("end",), tag=f"{MAIN}si", **_parser_args()):
            # Rich text: the runs' texts; phonetic guides (rPh) are not part of the value.
            out.append("".join(t.text or "" for t in si.iter(f"{MAIN}t") if t.getparent().tag != f"{MAIN}rPh"))
            si.clear()
    return out


_COLUMNS: dict[str, int] = {}
_DIGITS = "0123456789"


def _column(ref: str) -> int:
    """0-based column of a cell reference such as "AB12" (-1 if it is not one)."""
    letters = ref.rstrip(_DIGITS)
    col = _COLUMNS.get(letters)
    if col is None:
        n = 0
        for ch in letters:
            if not "A" <= ch <= "Z":
                return -1
            n = n * 26 + ord(ch) - 64
        if len(letters) > 3:  # past any real sheet's columns: not cached, so a crafted file cannot grow the cache
            return n - 1
        col = _COLUMNS.setdefault(letters, n - 1)
    return col


_ROW, _C, _V, _IS, _T = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v", f"{MAIN}is", f"{MAIN}t"


def _typed(text: str, kind: str | None, shared: list[str]) -> Any:
    if kind == "s":
        i = int(text)
        return shared[i] if 0 <= i < len(shared) else None
    if kind is None or kind == "n":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "b":
        return text == "1"
    return text  # str (a formula's text), e (an error such as #N/A), d (an ISO date)


def _inline(cell: Any) -> Any:
    """An inline string's text: its <is>'s <t>, or the runs' texts of rich text."""
    for box in cell:
        if box.tag == _IS:
            if len(box) == 1:
                t = box[0]
                if t.tag == _T:  # the usual plain inline string
                    return t.text or ""
            return "".join(t.text or "" for t in box.iter(_T))
    return None


def _rows(fh: IO[bytes], shared: list[str]) -> Iterator[tuple[int, list[Any]]]:
    # Speed: this loop runs for every cell of 100k-row exports, so it touches each cell's element once
    # (lxml makes a Python object per element visited) and avoids ElementPath (find/findtext).
    number = 0
    column = _column
    typed = _typed
    for _, row in etree.iterparse(fh, events=("end",), tag=_ROW, **_parser_args()):
        r = row.get("r")
        number = int(r) if r else number + 1
        values: list[Any] = []
        for cell in row:
            if cell.tag != _C:
                continue
            ref = cell.get("r")
            col = column(ref) if ref else len(values)
            kind = cell.get("t")
            if kind == "inlineStr":
                value: Any = _inline(cell)
            else:
                value = None
                for child in cell:  # <f> (a formula) may come before <v>
                    if child.tag == _V:
                        value = typed(child.text or "", kind, shared)
                        break
            if col == len(values):
                values.append(value)
            elif 0 <= col < MAX_COLUMNS:
                if col > len(values):
                    values.extend([None] * (col - len(values)))
                    values.append(value)
                else:
                    values[col] = value
        row.clear()
        while row.getprevious() is not None:  # free the rows already read
            del row.getparent()[0]
        yield number, values[:MAX_COLUMNS]


# ---------------------------------------------------------------------- the fast path
# Most exports' sheet XML is written one way: <row r="2"><c r="A2" t="inlineStr"><is><t>…</t></is></c>…</row>
# (openpyxl, WPS, Excel with t="s"). Making an lxml element per cell costs more than all else in a
# 100k-row import, so such sheets are read with regular expressions: every character of <sheetData>
# must belong to a row or cell of these forms (or a cell's contents are parsed with lxml), texts with
# entities are decoded by lxml in one batch, and the rest of the part is parsed by lxml. Anything
# else (a DOCTYPE, a comment, CDATA, prefixes, a character XML forbids...) falls back to the element
# reader above, which decides; both readings give the same rows (tests/test_health_xlsx.py).
_TOKEN = re.compile(
    # 1-4: the common cell, <c r="B2" (s="3") t="inlineStr"><is><t>…</t></is></c> or <c r="D2" t="n"><v>…</v></c>:
    # its column letters, type, <v> text or <t> text, read in this one match.
    r'[ \t\r\n]*(?:<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="[0-9]+")?(?: t="([A-Za-z]+)")?(?: s="[0-9]+")?>'
    r'(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)</c>'
    r"|<c([^<>]*?)/>"  # 5: an empty cell's attributes
    r"|<c([^<>]*)>([^<]*(?:<(?!/c>)[^<]*)*)</c>"  # 6, 7: any other cell's attributes and contents
    r'|<row r="([0-9]{1,7})"(?: spans="[0-9]+:[0-9]+")?>'  # 8: the common row start, its number
    r"|<row([^<>]*?)(/?)>"  # 9, 10: any other row start (or an empty row)
    r"|(</row>))"  # 11
)
_NAME = r"[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?"  # an attribute's name, perhaps with a prefix
_ATTRS = re.compile(rf"""(?:[ \t\r\n]+{_NAME}[ \t\r\n]*=[ \t\r\n]*(?:"[^"<&]*"|'[^'<&]*'))*[ \t\r\n]*""")
_ATTR = re.compile(rf"""({_NAME})[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')""")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML forbids: lxml's to judge
_MAIN_DEFAULT = re.compile(
    r"""<worksheet\b[^>]*\sxmlns=["']http://schemas\.openxmlformats\.org/spreadsheetml/2006/main["']"""
)
_ENCODING = re.compile(r"""\s*<\?xml[^>]*encoding=["']([^"']*)["']""")
_CHUNK = 1024 * 1024  # decoded and matched a block at a time: the memory a block costs is small


class _Fallback(Exception):
    "This sheet is not of the common form: read it with the element reader"


def _attrs(text: str) -> dict[str, str]:
    if not _ATTRS.fullmatch(text):
        raise _Fallback
    out: dict[str, str] = {}
    for name, dq, sq in _ATTR.findall(text):
        value = dq or sq
        # A repeated attribute, a namespace or a value XML would normalise: not ours to judge.
        if name in out or name.startswith("xml") or "\t" in value or "\n" in value or "\r" in value:
            raise _Fallback
        out[name] = value
    return out


def _cell_from_xml(kind: str | None, content: str, shared: list[str]) -> Any:
    """A cell's value from its contents by the element reader's rules (rich text, formulas, <v/>...)."""
    try:
        cell = etree.fromstring(f'<c xmlns="{MAIN[1:-1]}">{content}</c>', etree.XMLParser(**_parser_args()))
    except etree.XMLSyntaxError:
        raise _Fallback from None
    if kind == "inlineStr":
        return _inline(cell)
    for child in cell:
        if child.tag == _V:
            return _typed(child.text or "", kind, shared)
    return None


def _unescape(texts: list[str]) -> list[str]:
    """Texts as XML reads them (entities and character references decoded, line ends normalised)."""
    parts = "".join(f"<t>{t}</t>" for t in texts)
    try:
        box = etree.fromstring(f"<x>{parts}</x>".encode(), etree.XMLParser(**_parser_args()))
    except etree.XMLSyntaxError:
        raise _Fallback from None
    return [t.text or "" for t in box]


def _fast_rows(fh: IO[bytes], shared: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a sheet of the common form, as ``_rows`` gives them; raises _Fallback otherwise."""
    head = b""
    while b"<sheetData>" not in head:
        block = fh.read(min(_CHUNK, 65536))
        if not block or len(head) > 1048576:
            raise _Fallback
        head += block
    cut = head.index(b"<sheetData>") + len(b"<sheetData>")
    prefix = head[:cut]
    try:
        start = prefix.decode("utf-8")
    except UnicodeDecodeError:
        raise _Fallback from None
    declared = _ENCODING.match(start)
    if "<!" in start or not _MAIN_DEFAULT.search(start) or (declared and declared.group(1).lower() != "utf-8"):
        raise _Fallback  # a DOCTYPE or comment, another namespace or encoding: the element reader decides
    decoder = codecs.getincrementaldecoder("utf-8")()

    def decode(block: bytes) -> str:
        try:
            return decoder.decode(block)
        except UnicodeDecodeError:
            raise _Fallback from None

    number = 0
    buffer = decode(head[cut:])
    while True:
        end = buffer.find("</sheetData>")
        if end >= 0:
            rows, number = _fast_text(buffer[:end], shared, number)
            yield from rows
            tail = buffer[end:]
            break
        last = buffer.rfind("</row>")
        if last >= 0:
            rows, number = _fast_text(buffer[: last + 6], shared, number)
            yield from rows
            buffer = buffer[last + 6 :]
        block = fh.read(_CHUNK)
        if not block:
            raise _Fallback  # the rows never end
        buffer += decode(block)
    # The part around the rows: well-formed XML, as the element reader would have required.
    try:
        etree.fromstring(prefix + tail.encode() + decoder.getstate()[0] + fh.read(), etree.XMLParser(**_parser_args()))
    except etree.XMLSyntaxError:
        raise _Fallback from None


def _fast_text(text: str, shared: list[str], number: int) -> tuple[list[tuple[int, list[Any]]], int]:
    """The rows in ``text`` (whole rows of <sheetData>) and the last row number."""
    if "<!" in text or "<?" in text or _CONTROL.search(text):
        raise _Fallback  # a comment, CDATA, a processing instruction or a forbidden character
    out: list[tuple[int, list[Any]]] = []
    pending: list[tuple[list[Any], int, str, str | None]] = []  # (row, column, text with entities, kind)
    values: list[Any] = []
    in_row = False
    columns, typed = _COLUMNS, _typed
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            raise _Fallback  # something between the rows and cells
        pos = m.end()
        letters, kind, v, t, empty, attrs, content, row_number, row_attrs, empty_row, row_end = m.groups()
        if letters is not None or empty is not None or attrs is not None:
            if not in_row:
                raise _Fallback  # a cell outside a row
            value: Any = None
            if letters is not None:
                col = columns.get(letters)
                if col is None:
                    col = _column(letters)
                if kind == "inlineStr":
                    raw = t  # None: the cell has a <v>, which an inline string does not read
                elif v is not None:
                    raw = v
                else:
                    raw = None  # an <is> in a cell of another type: no value
                if raw is not None:
                    if "&" in raw or "\r" in raw:
                        pending.append((values, col, raw, kind))  # decoded below, all at once
                    else:
                        value = raw if kind == "inlineStr" else typed(raw, kind, shared)
            else:
                a = _attrs(empty if empty is not None else attrs)
                ref, kind = a.get("r"), a.get("t")
                col = _column(ref) if ref else len(values)
                if content and not content.isspace():
                    value = _cell_from_xml(kind, content, shared)
            if not len(values) <= col < MAX_COLUMNS:
                raise _Fallback  # cells out of order, repeated or far right: the element reader places them
            if col > len(values):
                values.extend([None] * (col - len(values)))
            values.append(value)
        elif row_end is not None:
            if not in_row:
                raise _Fallback
            out.append((number, values))
            values, in_row = [], False
        else:
            if in_row:
                raise _Fallback  # a row inside a row
            r = row_number if row_number is not None else _attrs(row_attrs).get("r") if row_attrs else None
            number = int(r) if r else number + 1
            if empty_row:
                out.append((number, []))
            else:
                in_row = True
    if pos != len(text) or in_row:
        raise _Fallback
    if pending:
        for (row_values, col, _, kind), decoded in zip(pending, _unescape([p[2] for p in pending]), strict=True):
            row_values[col] = decoded if kind == "inlineStr" else typed(decoded, kind, shared)
    return out, number


def _collect(
    found: Iterator[tuple[int, list[Any]]], limit: int | None, max_rows: int
) -> tuple[list[list[Any]], list[int], bool]:
    """The non-blank rows (at most ``limit``), their numbers, and whether rows were left unread."""
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for number, values in found:
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if limit is not None and len(rows) >= limit:
            return rows, numbers, True
        if len(rows) >= max_rows:
            raise OverflowError(len(rows))
        rows.append(values)
        numbers.append(number)
    return rows, numbers, False


def read_xlsx(data: IO[bytes], *, limit: int | None, max_rows: int) -> list[SheetRows]:
    """Every worksheet's non-blank rows (at most ``limit`` each); more than ``max_rows`` raises OverflowError."""
    try:
        zf = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise XlsxUnreadable(" ".join(str(exc).split())) from None
    out = []
    with zf:
        try:
            sheets = _sheets(zf)
            shared = _shared_strings(zf)
            for name, part in sheets:
                try:
                    with _open(zf, part) as fh:
                        found = _collect(_fast_rows(fh, shared), limit, max_rows)
                except (_Fallback, ValueError, IndexError, KeyError, TypeError, etree.XMLSyntaxError):
                    with _open(zf, part) as fh:  # not the common form (or broken): the element reader decides
                        found = _collect(_rows(fh, shared), limit, max_rows)
                out.append(SheetRows(name, *found))
        # A damaged zip fails while a part is inflated (zlib.error, a bad CRC, EOF), an encrypted or
        # unusually compressed one as RuntimeError / NotImplementedError: all say "cannot be opened".
        except (
            etree.XMLSyntaxError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile, EOFError,
            zlib.error, OSError, RuntimeError, NotImplementedError,
        ) as exc:  # fmt: skip
            raise XlsxUnreadable(" ".join(f"{exc.__class__.__name__}: {exc}".split())) from None
    return out
