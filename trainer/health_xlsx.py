"""A streaming reader of .xlsx cell values, for publishing-record exports of 100k rows.

Why not openpyxl: its read-only mode took 33 s to read the rows of a 100k-article export on this
machine (bench/health_import.py), more than the whole import may take; this reader streams the same
sheet XML with lxml in a few seconds. It gives what openpyxl's read-only ``values_only`` gives, which
is all the health check needs: shared, inline and formula strings, numbers (dates stay Excel serial
numbers, which ``trainer.health.parse_time`` reads), booleans; a merged cell's value in its first cell
only. Entities are never resolved and each part's unpacked size is capped, so a crafted file can
neither reach outside nor fill the memory.
"""

from __future__ import annotations

import posixpath
import zipfile
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


def _column(ref: str) -> int:
    """0-based column of a cell reference such as "AB12" (-1 if it is not one)."""
    letters = ref.rstrip("0123456789")
    col = _COLUMNS.get(letters)
    if col is None:
        n = 0
        for ch in letters:
            if not "A" <= ch <= "Z":
                return -1
            n = n * 26 + ord(ch) - 64
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


def _rows(fh: IO[bytes], shared: list[str]) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    column = _column
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
                box = cell.find(_IS)
                if box is None:
                    value: Any = None
                elif len(box) == 1 and box[0].tag == _T:  # the usual plain inline string
                    value = box[0].text or ""
                else:
                    value = "".join(t.text or "" for t in box.iter(_T))
            else:
                text = cell.findtext(_V)
                value = text if text is None else _typed(text, kind, shared)
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


def read_xlsx(data: IO[bytes], *, limit: int | None, max_rows: int) -> list[SheetRows]:
    """Every worksheet's non-blank rows (at most ``limit`` each); more than ``max_rows`` raises OverflowError."""
    try:
        zf = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxUnreadable(str(exc)) from None
    out = []
    with zf:
        try:
            sheets = _sheets(zf)
            shared = _shared_strings(zf)
            for name, part in sheets:
                rows: list[list[Any]] = []
                numbers: list[int] = []
                truncated = False
                with _open(zf, part) as fh:
                    for number, values in _rows(fh, shared):
                        if not any(v is not None and str(v).strip() for v in values):
                            continue
                        if limit is not None and len(rows) >= limit:
                            truncated = True
                            break
                        if len(rows) >= max_rows:
                            raise OverflowError(len(rows))
                        rows.append(values)
                        numbers.append(number)
                out.append(SheetRows(name, rows, numbers, truncated))
        except (etree.XMLSyntaxError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise XlsxUnreadable(f"{exc.__class__.__name__}: {exc}") from None
    return out
