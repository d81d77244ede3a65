"""Build the sample knowledge base's PDF and DOCX files from their Markdown sources.

Usage: ``python knowledge/samples/build.py``

The shipped samples must exercise the real loaders (PDF pages for citations, DOCX
headings), yet be editable as plain Markdown. This script reads every
``knowledge/samples/manifest*.yaml`` (each a YAML list; a ``file`` listed twice is built
once), and for each entry with a ``source`` writes ``file`` as PDF (fpdf2, with an
embedded CJK TrueType font so that Chinese text stays extractable) or DOCX
(python-docx, ``#``/``##``/``###`` as Heading 1/2/3, ``-`` items as list paragraphs).

Output is reproducible: dates and metadata are fixed and DOCX zip entries get a fixed
timestamp, so rebuilding unchanged sources gives byte-identical files and the
knowledge base's hash-based re-indexing does not churn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

SAMPLES = Path(__file__).resolve().parent
FIXED_DATE = dt.datetime(2024, 1, 15, 9, 0, 0, tzinfo=dt.UTC)
AUTHOR = "柳塘区人民政府办公室（培训示例） / Liutang District Government Office (training sample)"
# (path, index inside a .ttc collection). Only fonts with TrueType outlines are listed:
# fpdf2 embeds the CFF-based Noto CJK collections with a broken ToUnicode map
# (pypdf then returns "\x00柳\x00塘..."), so they are deliberately absent.
FONT_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),  # Debian: fonts-wqy-microhei
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),  # fonts-droid-fallback
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),  # fonts-wqy-zenhei
)
_INLINE_MARKUP = re.compile(r"\*\*|__|`")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LIST_ITEM = re.compile(r"^\s*[-*+]\s+")
_NUMBERED_ITEM = re.compile(r"^\s*\d+[.)]\s+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class BuildError(Exception):
    """A sample cannot be built; the message says what to fix."""


@dataclass(frozen=True)
class Block:
    """One rendered unit of a source: a heading (level 1-3), a list item or a paragraph."""

    kind: str  # "heading" | "item" | "para"
    text: str
    level: int = 0


@dataclass(frozen=True)
class Entry:
    """A manifest entry that has a Markdown source to build."""

    file: Path
    source: Path
    title: str
    language: str


def _clean_inline(text: str) -> str:
    return _INLINE_MARKUP.sub("", _LINK.sub(r"\1", text)).strip()


def _join(left: str, right: str) -> str:
    """Join wrapped source lines: no space between CJK characters, one between words."""
    if not left:
        return right
    if ord(left[-1]) > 0x2E7F or ord(right[0]) > 0x2E7F:
        return left + right
    return f"{left} {right}"


def parse_markdown(text: str) -> list[Block]:
    """Split the small Markdown subset the samples use into blocks, markup removed."""
    blocks: list[Block] = []
    current: Block | None = None

    def flush() -> None:
        nonlocal current
        if current is not None and current.text:
            blocks.append(current)
        current = None

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if m := _HEADING.match(line):
            flush()
            blocks.append(Block("heading", _clean_inline(m.group(2)), min(len(m.group(1)), 3)))
        elif _LIST_ITEM.match(line):
            flush()
            current = Block("item", _clean_inline(_LIST_ITEM.sub("", line)))
        elif _NUMBERED_ITEM.match(line):
            flush()
            current = Block("item", _clean_inline(line))
        elif current is None:
            current = Block("para", _clean_inline(line.lstrip("> ")))
        else:
            current = Block(current.kind, _join(current.text, _clean_inline(line)), current.level)
    flush()
    return blocks


def read_manifests(samples: Path = SAMPLES) -> list[Entry]:
    """Every entry with a ``source`` across all manifest parts, first occurrence wins.

    The merged ``manifest.yaml`` is read before the per-helper parts, so once it exists
    its entries override stale copies in ``manifest-*.yaml``.
    """
    entries: list[Entry] = []
    seen: set[str] = set()
    manifests = sorted(samples.glob("manifest*.yaml"), key=lambda p: (p.name != "manifest.yaml", p.name))
    for manifest in manifests:
        items = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
        if not isinstance(items, list):
            raise BuildError(f"{manifest.name}: expected a YAML list of entries")
        for item in items:
            if not isinstance(item, dict) or "file" not in item:
                raise BuildError(f"{manifest.name}: every entry needs a 'file' key, got {item!r}")
            if item["file"] in seen:
                continue
            seen.add(item["file"])
            if item.get("source"):
                entries.append(
                    Entry(
                        file=samples / item["file"],
                        source=samples / item["source"],
                        title=str(item.get("title") or Path(item["file"]).stem),
                        language=str(item.get("language") or "zh"),
                    )
                )
    return entries


def find_font() -> tuple[Path, int]:
    """The first installed CJK font fpdf2 can embed with extractable text."""
    for path, index in FONT_CANDIDATES:
        if path.exists():
            return path, index
    tried = ", ".join(str(p) for p, _ in FONT_CANDIDATES)
    raise BuildError(
        f"no CJK TrueType font found (tried {tried}) - "
        "install one with 'apt-get install -y fonts-wqy-microhei' (or fonts-droid-fallback)"
    )


def build_pdf(blocks: list[Block], out: Path, *, title: str, language: str) -> int:
    """Write an A4 PDF with one embedded CJK font; return the number of pages."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    font_path, font_index = find_font()

    class _Pdf(FPDF):
        def footer(self) -> None:  # page numbers, as printed on official documents
            self.set_y(-14)
            self.set_font("cjk", size=9)
            self.cell(0, 6, f"- {self.page_no()} -", align="C")

    pdf = _Pdf(format="A4")
    pdf.set_margins(22, 22, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_font("cjk", "", str(font_path), collection_font_number=font_index)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author(AUTHOR)
    pdf.set_subject("GovMedia Academy sample knowledge base")
    pdf.set_creator("knowledge/samples/build.py")
    pdf.set_lang("zh-CN" if language == "zh" else "en")
    wrap = WrapMode.CHAR if language == "zh" else WrapMode.WORD
    pdf.add_page()
    sizes = {1: 17.0, 2: 14.0, 3: 12.5}
    for block in blocks:
        if block.kind == "heading":
            if block.level > 1 and pdf.get_y() > pdf.h - pdf.b_margin - 35:
                pdf.add_page()  # keep a heading with the text that follows it
            pdf.ln(5 if block.level > 1 else 0)
            pdf.set_font("cjk", size=sizes[block.level])
            align = "C" if block.level == 1 else "L"
            pdf.multi_cell(0, 9, block.text, align=align, wrapmode=wrap, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            continue
        pdf.set_font("cjk", size=12)
        if block.kind == "item":
            pdf.set_x(pdf.l_margin + 4)
            text = f"• {block.text}"
            width = pdf.epw - 4
        else:
            text, width = block.text, 0
        pdf.multi_cell(width, 7.5, text, align="L", wrapmode=wrap, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(pdf.output()))
    return pdf.page_no()


def build_docx(blocks: list[Block], out: Path, *, title: str, language: str) -> int:
    """Write a DOCX with real heading and list styles; return 1 (DOCX has no fixed pages)."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    normal = document.styles["Normal"]
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=block.level)
        elif block.kind == "item":
            document.add_paragraph(block.text, style="List Bullet")
        else:
            document.add_paragraph(block.text)
    props = document.core_properties
    props.title = title
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.subject = "GovMedia Academy sample knowledge base"
    props.comments = "Built by knowledge/samples/build.py from its Markdown source"
    props.language = "zh-CN" if language == "zh" else "en-US"
    props.created = props.modified = props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_fixed_zip_dates(buffer.getvalue()))
    return 1


def _fixed_zip_dates(data: bytes) -> bytes:
    """Rewrite a zip with a fixed timestamp on every entry (python-docx stamps 'now')."""
    stamp = FIXED_DATE.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build_entry(entry: Entry) -> int:
    """Build one manifest entry; return its page count."""
    if not entry.source.exists():
        raise BuildError(f"{entry.file.name}: source {entry.source} not found")
    blocks = parse_markdown(entry.source.read_text(encoding="utf-8"))
    builders = {".pdf": build_pdf, ".docx": build_docx}
    builder = builders.get(entry.file.suffix.lower())
    if builder is None:
        raise BuildError(f"{entry.file.name}: only .pdf and .docx are built - drop 'source' for other files")
    return builder(blocks, entry.file, title=entry.title, language=entry.language)


def main() -> int:
    try:
        entries = read_manifests()
        if not entries:
            print("nothing to build: no manifest entry has a 'source'")
        for entry in entries:
            pages = build_entry(entry)
            digest = hashlib.sha256(entry.file.read_bytes()).hexdigest()[:16]
            print(f"{entry.file.relative_to(SAMPLES)}  pages={pages}  sha256={digest}")
    except BuildError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
