"""Turn a file into sections of text that remember their page and heading.

One loader per format; :func:`load_file` checks size and content before picking one,
so a file whose bytes do not match its extension fails with a clear message instead
of confusing a parser. Every parser error becomes a :class:`LoadError` subclass: the
batch that contains the file goes on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    FileTooLarge,
    LoadError,
    NoExtractableText,
    UnsupportedFileType,
)
from knowledge.language import detect_language, is_cjk

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm")
_FORMATS = "PDF, DOCX, Markdown, TXT or HTML"
KINDS = ("policy", "manual", "post")
# A DOCX is a zip; refuse archives that would expand past this (zip bombs).
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
# The XML inside a DOCX is what python-docx turns into a tree: ~30x its size in memory and seconds per MB.
# 20 MB of XML is over a thousand pages of text; a zip bomb of "empty" paragraphs is far more (fuzzing, issue 8).
MAX_DOCX_XML = 20 * 1024 * 1024
MAX_PDF_PAGES = 5000
MAX_TITLE_CHARS = 200

_TERMINAL = tuple('。！？；：.!?;:）)”"')
_NUMBERED_HEADING = re.compile(
    r"^(第[一二三四五六七八九十百零〇0-9]+[章节部分篇]|[一二三四五六七八九十]+、|\d+(\.\d+)*\.?\s+\S)"
)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}

# Between the cells of a table row as a loader writes it; a quote recognises a row by it.
CELL_SEPARATOR = " | "


@dataclass(frozen=True)
class Section:
    """A run of text from one page under one heading."""

    text: str
    page: int = 1
    heading: str = ""


@dataclass(frozen=True)
class LoadedDocument:
    title: str
    sections: tuple[Section, ...]
    pages: int
    language: str
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sections)

    def page_text(self, page: int) -> str:
        return "\n".join(s.text for s in self.sections if s.page == page)


def check_file(name: str, size: int, max_bytes: int | None = None) -> None:
    """The checks made before a file is read at all: a type we read, and not too large."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileType(f"{name}: unsupported file type '{suffix or '(none)'}' - use {_FORMATS}")
    if max_bytes is not None and size > max_bytes:
        raise FileTooLarge(
            f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1024 / 1024:g} MB limit - "
            f"split the file or raise APP_MAX_FILE_MB"
        )


def load_file(path: Path, *, max_bytes: int | None = None) -> LoadedDocument:
    """Read ``path`` into a :class:`LoadedDocument` or raise a :class:`LoadError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    check_file(path.name, size, max_bytes)
    return load_bytes(path.name, path.read_bytes())


def load_bytes(name: str, data: bytes) -> LoadedDocument:
    """Parse ``data`` as the format its file name says; size limits are the caller's job."""
    suffix = Path(name).suffix.lower()
    if suffix not in _LOADERS:
        raise UnsupportedFileType(f"{name}: unsupported file type '{suffix or '(none)'}' - use {_FORMATS}")
    if not data:
        raise EmptyDocument(f"{name}: the file is empty - check that it is the right file")
    _check_content_matches(name, suffix, data)
    try:
        doc = _LOADERS[suffix](name, data)
    except LoadError:
        raise
    except RecursionError as exc:
        raise CorruptDocument(
            f"{name}: the document is nested too deeply to read - re-save it from the original"
        ) from exc
    except MemoryError as exc:
        # Fuzzing (issue 8): a parser that runs out of memory is a file too big to read, not a crash.
        raise FileTooLarge(f"{name}: needs more memory to read than this machine has - split the file") from exc
    except Exception as exc:  # any parser failure is a bad file, not a crash
        # One line that says what to do: parser messages can span lines and quote kilobytes of bytes.
        raise CorruptDocument(
            f"{name}: cannot be read ({type(exc).__name__}: {_detail(exc)}) - the file may be damaged; "
            "open it and save it again, or export it again from the original"
        ) from exc
    if not any(s.text.strip() for s in doc.sections):
        raise EmptyDocument(f"{name}: no text found in the file - check that it is the right file")
    # A damaged <title> or metadata field can hold the whole document: a title is one short line.
    title = " ".join(doc.title.split())
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1] + "…"
    return doc if title == doc.title else dataclasses.replace(doc, title=title)


def _detail(exc: BaseException, limit: int = 120) -> str:
    """An exception's message on one line and short enough to read."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_content_matches(name: str, suffix: str, data: bytes) -> None:
    head = data[:1024]
    if suffix == ".pdf" and b"%PDF-" not in head:
        raise CorruptDocument(f"{name}: not a PDF file (no PDF header) - check the file or its extension")
    if suffix == ".docx" and not head.startswith(b"PK\x03\x04"):
        raise CorruptDocument(f"{name}: not a DOCX file - save it from Word as .docx")
    if suffix in (".txt", ".md", ".markdown", ".html", ".htm"):
        if head.startswith((b"%PDF-", b"PK\x03\x04")) or (b"\x00" in head and not _has_utf16_bom(head)):
            raise CorruptDocument(f"{name}: binary content in a text file - check the file or its extension")


def _has_utf16_bom(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


# ---------------------------------------------------------------------------- text helpers


def decode_text(name: str, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (covers GBK/GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if _has_utf16_bom(data):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # odd length or lone surrogates (fuzzing, issue 8)
            raise CorruptDocument(f"{name}: damaged UTF-16 text ({exc.reason}) - save it as UTF-8") from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorruptDocument(f"{name}: text is neither UTF-8 nor GB18030 - save it as UTF-8")


def clean_text(text: str) -> str:
    """Normalise whitespace and drop control characters, keeping line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").replace("\xa0", " ")
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reflow_lines(text: str) -> str:
    """Join lines that a PDF wrapped, keep real paragraph and heading breaks.

    Extracted PDF text breaks at every printed line. A wrapped line fills the width of
    the page; a line that ends a sentence, looks like a heading, or stops well short of
    the full width (a title, the last line of a paragraph) keeps its break. Joined lines
    get a space between Latin words and none between Chinese characters.
    """
    lines = [ln.strip() for ln in clean_text(text).split("\n")]
    full_width = max((_display_width(ln) for ln in lines), default=0)
    out: list[str] = []
    short = False
    for line in lines:
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if out and out[-1] and not short and not _ends_paragraph(out[-1]) and not looks_like_heading(line):
            prev = out[-1]
            sep = "" if (is_cjk(prev[-1]) or is_cjk(line[0]) or prev.endswith("-")) else " "
            out[-1] = prev + sep + line
        else:
            out.append(line)
        short = _display_width(line) < 0.7 * full_width
    return "\n".join(ln for ln in out if ln)


def _display_width(line: str) -> int:
    return sum(2 if is_cjk(ch) else 1 for ch in line)


def _ends_paragraph(line: str) -> bool:
    return line.endswith(_TERMINAL) or looks_like_heading(line)


def looks_like_heading(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > 40 or line.endswith(_TERMINAL[:-2] + ("，", ",")):
        return False
    if _NUMBERED_HEADING.match(line):
        return True
    # Title Case English lines ("Handling a Hijacked Account") are headings too.
    words = line.split()
    return (
        all(w.isalpha() for w in words)
        and words[0][0].isupper()
        and all(w[0].isupper() or w.lower() in _SMALL_WORDS for w in words)
    )


def _sections_from_lines(text: str, page: int = 1, heading: str = "") -> list[Section]:
    """Split plain text into sections at lines that look like headings."""
    sections: list[Section] = []
    buf: list[str] = []

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body:
            sections.append(Section(body, page, heading))
        buf.clear()

    for line in text.split("\n"):
        if looks_like_heading(line):
            flush()
            heading = line.strip()
        buf.append(line)
    flush()
    return sections


def _first_line(text: str, fallback: str) -> str:
    """The first line, when it reads like a title (short, not a sentence); else ``fallback``."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return (
                line
                if len(line) <= 60 and not line.endswith(("。", ".", "！", "!", "？", "?", "；", ";"))
                else fallback
            )
    return fallback


# ---------------------------------------------------------------------------- formats


def load_pdf(name: str, data: bytes) -> LoadedDocument:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))  # some PDFs are "encrypted" with an empty password
            except Exception:
                ok = False
            if not ok:
                raise EncryptedDocument(
                    f"{name}: the PDF is password-protected - save an unprotected copy and upload that"
                )
        n_pages = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise EncryptedDocument(f"{name}: the PDF is password-protected - save an unprotected copy") from exc
    except PdfReadError as exc:
        raise CorruptDocument(f"{name}: damaged PDF ({_detail(exc)}) - re-export it from the original") from exc
    if n_pages > MAX_PDF_PAGES:
        raise CorruptDocument(
            f"{name}: claims {n_pages} pages (limit {MAX_PDF_PAGES}) - the file may be damaged; "
            "re-export it or split it"
        )
    sections: list[Section] = []
    heading = ""
    for number, page in enumerate(reader.pages, start=1):
        text = reflow_lines(_drop_page_numbers(page.extract_text() or ""))
        if not text:
            continue
        page_sections = _sections_from_lines(text, number, heading)
        if page_sections:
            heading = page_sections[-1].heading
        sections.extend(page_sections)
    if n_pages and not sections:
        raise NoExtractableText(
            f"{name}: {n_pages} page(s) but no text layer - it may be a scanned image; run OCR first"
        )
    meta_title = ""
    try:
        meta_title = (reader.metadata.title if reader.metadata else "") or ""
    except Exception:
        meta_title = ""
    full = "\n".join(s.text for s in sections)
    title = meta_title.strip() or _first_line(full, Path(name).stem)
    return LoadedDocument(title, tuple(sections), n_pages, detect_language(full))


_PAGE_NUMBER = re.compile(r"^\s*([-–—]\s*)?(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*\d{1,4})?(\s*[-–—])?\s*$", re.I)


def _drop_page_numbers(text: str) -> str:
    """Printed page numbers ("- 3 -", "第 3 页", "3/10") at the top or bottom of a page are not content."""
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _PAGE_NUMBER.match(lines[-1])):
        lines.pop()
    while lines and (not lines[0].strip() or _PAGE_NUMBER.match(lines[0])):
        lines.pop(0)
    return "\n".join(lines)


def load_docx(name: str, data: bytes) -> LoadedDocument:
    import docx

    _check_docx_zip(name, data)
    document = docx.Document(io.BytesIO(data))
    sections: list[Section] = []
    heading = ""
    buf: list[str] = []
    title = (document.core_properties.title or "").strip()
    # ``paragraph.style`` searches every style for the default one on each call; a document of many
    # unstyled paragraphs took minutes (fuzzing, issue 8). Names by style id, looked up once:
    from docx.enum.style import WD_STYLE_TYPE

    style_names = {s.style_id: s.name or "" for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    default_style = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = (default_style.name or "") if default_style is not None else ""

    def flush() -> None:
        body = clean_text("\n".join(buf))
        if body:
            sections.append(Section(body, 1, heading))
        buf.clear()

    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style_id = para._p.style
        style = style_names.get(style_id, default_name) if style_id is not None else default_name
        if style == "Title" and not title:
            title = text
        if style.startswith(("Heading", "标题", "Title")):
            flush()
            heading = text
        buf.append(text)
    flush()
    for table in document.tables:
        rows = [CELL_SEPARATOR.join(c.text.strip() for c in row.cells) for row in table.rows]
        body = clean_text("\n".join(rows))
        if body:
            sections.append(Section(body, 1, heading))
    full = "\n".join(s.text for s in sections)
    return LoadedDocument(title or _first_line(full, Path(name).stem), tuple(sections), 1, detect_language(full))


def _check_docx_zip(name: str, data: bytes) -> None:
    """Refuse zip bombs before python-docx reads anything.

    The sizes in a zip's headers are whatever its maker wrote, and ``zipfile.read`` inflates a whole
    member in one call however small its header says it is: a 600 MB part declared as 1 KB used
    ~1.2 GB of memory before the CRC check failed (fuzzing, issue 8). So every part is inflated
    here in 1 MB steps, counting what really comes out, and reading stops at the limit.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        declared = sum(info.file_size for info in infos)
        if declared > MAX_DOCX_UNCOMPRESSED:
            raise CorruptDocument(
                f"{name}: expands to {declared / 1e6:.0f} MB - refusing a possible zip bomb; save it again from Word"
            )
        if "word/document.xml" not in zf.namelist():
            raise CorruptDocument(
                f"{name}: not a Word document (word/document.xml missing) - save it from Word as .docx"
            )
        total = xml = 0
        for info in infos:
            with zf.open(info) as part:
                while chunk := part.read(1024 * 1024):
                    total += len(chunk)
                    if info.filename.endswith((".xml", ".rels")):
                        xml += len(chunk)
                    if total > MAX_DOCX_UNCOMPRESSED or xml > MAX_DOCX_XML:
                        what = f"{xml / 1e6:.0f} MB of XML" if xml > MAX_DOCX_XML else f"{total / 1e6:.0f} MB"
                        raise CorruptDocument(
                            f"{name}: expands to more than {what} - refusing a possible zip bomb; "
                            "split the document or save it again from Word"
                        )


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Bounded repeats: unbounded ones made a line of 20,000 "[" take seconds (quadratic; fuzzing, issue 8).
_MD_LINK = re.compile(r"!?\[([^\]\n]{0,1000})\]\([^)\n]{0,2000}\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)")


def load_markdown(name: str, data: bytes) -> LoadedDocument:
    text = clean_text(decode_text(name, data))
    meta: dict[str, str] = {}
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            for line in text[4:end].split("\n"):
                key, _, value = line.partition(":")
                if value:
                    meta[key.strip()] = value.strip().strip("\"'")
            text = text[end + 4 :].lstrip("\n")
    sections: list[Section] = []
    heading = ""
    title = meta.get("title", "")
    buf: list[str] = []

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body:
            sections.append(Section(body, 1, heading))
        buf.clear()

    for line in text.split("\n"):
        m = _MD_HEADING.match(line)
        if m:
            flush()
            heading = _strip_md(m.group(2))
            if not title and len(m.group(1)) == 1:
                title = heading
            buf.append(heading)
            continue
        buf.append(_strip_md(re.sub(r"^\s*([-*+]|\d+\.)\s+", "", line)) if line.strip() else "")
    flush()
    full = "\n".join(s.text for s in sections)
    return LoadedDocument(title or _first_line(full, Path(name).stem), tuple(sections), 1, detect_language(full), meta)


def _strip_md(text: str) -> str:
    return _MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", text)).strip()


def load_text(name: str, data: bytes) -> LoadedDocument:
    text = clean_text(decode_text(name, data))
    sections = _sections_from_lines(text)
    return LoadedDocument(_first_line(text, Path(name).stem), tuple(sections), 1, detect_language(text))


_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "section", "div", "br", "tr", "blockquote")


def load_html(name: str, data: bytes) -> LoadedDocument:
    """Generic HTML, and WeChat articles saved from the browser (title, account, date, body)."""
    from bs4 import BeautifulSoup

    html = decode_text(name, data)
    soup = BeautifulSoup(html, "lxml")
    scripts = "\n".join(s.get_text() for s in soup.find_all("script"))
    for tag in soup(["script", "style", "noscript", "template", "svg", "iframe"]):
        tag.decompose()
    meta: dict[str, str] = {}
    body = soup.select_one("#js_content")
    if body is not None:  # a WeChat article
        meta["format"] = "wechat"
        title = _text_of(soup.select_one("#activity-name")) or _meta(soup, "og:title")
        account = _text_of(soup.select_one("#js_name"))
        if account:
            meta["account"] = account
        published = _text_of(soup.select_one("#publish_time")) or _epoch_date(scripts)
        if published:
            meta["published"] = published
    else:
        body = soup.find("article") or soup.find("main") or soup.body or soup
        title = _meta(soup, "og:title") or _text_of(soup.title) or _text_of(soup.find("h1"))
    sections: list[Section] = []
    heading = ""
    buf: list[str] = []

    def flush() -> None:
        text = clean_text("\n".join(buf))
        if text:
            sections.append(Section(text, 1, heading))
        buf.clear()

    for line in _block_text(body).split("\n"):
        line = line.strip()
        if line.startswith("\x00H\x00"):
            flush()
            line = line[3:].strip()
            heading = line
        if line:
            buf.append(line)
    flush()
    full = "\n".join(s.text for s in sections)
    return LoadedDocument(
        (title or _first_line(full, Path(name).stem)).strip(), tuple(sections), 1, detect_language(full), meta
    )


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _block_text(body: Any) -> str:
    """``body.get_text()`` with a line break after each block element and a marker before each heading.

    One walk with an explicit stack. Inserting the breaks into the tree with ``insert_after`` cost
    time proportional to the nesting depth for each element: 8,000 nested <div> took 7 s and
    100,000 would take ~20 minutes (fuzzing, issue 8).
    """
    from bs4 import NavigableString, Tag

    types = body.interesting_string_types  # the strings get_text() keeps (not comments, <rt>, ...)
    wanted = (types,) if isinstance(types, type) else tuple(types)
    out: list[str] = []
    stack: list[tuple[Any, Iterator[Any]]] = [(None, iter(body.contents))]
    while stack:
        tag, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if tag is not None and tag.name in _BLOCK_TAGS:
                out.append("\n")
        elif isinstance(child, Tag):
            if child.name in _HEADINGS:
                out.append("\n\x00H\x00")
            stack.append((child, iter(child.contents)))
        elif isinstance(child, NavigableString) and type(child) in wanted:
            out.append(str(child))
    return "".join(out)


def _text_of(tag: object) -> str:
    return clean_text(tag.get_text(" ")) if tag is not None else ""  # type: ignore[attr-defined]


def _meta(soup: object, prop: str) -> str:
    tag = soup.find("meta", attrs={"property": prop})  # type: ignore[attr-defined]
    return str(tag.get("content", "")).strip() if tag is not None else ""


def _epoch_date(scripts: str) -> str:
    m = re.search(r"\bct\s*=\s*\"?(\d{10})", scripts)
    if not m:
        return ""
    return dt.datetime.fromtimestamp(int(m.group(1)), dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


_LOADERS: dict[str, Callable[[str, bytes], LoadedDocument]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
}

_FOLDER_KINDS = {
    "policy": "policy",
    "policies": "policy",
    "政策": "policy",
    "制度": "policy",
    "manual": "manual",
    "manuals": "manual",
    "guides": "manual",
    "手册": "manual",
    "post": "post",
    "posts": "post",
    "articles": "post",
    "文章": "post",
}
_POLICY_WORDS = ("办法", "规定", "制度", "条例", "意见", "通知", "细则", "policy", "policies", "rules", "regulation")
_MANUAL_WORDS = ("手册", "指南", "指引", "流程", "manual", "guide", "handbook", "how to")


def guess_kind(path: Path, doc: LoadedDocument) -> str:
    """A sensible default kind when none is given: folder name, then format, then title words."""
    for part in reversed(path.parts[:-1]):
        kind = _FOLDER_KINDS.get(part.lower())
        if kind:
            return kind
    if doc.meta.get("format") == "wechat":
        return "post"
    title = doc.title.lower()
    if any(w in title for w in _POLICY_WORDS):
        return "policy"
    if any(w in title for w in _MANUAL_WORDS):
        return "manual"
    return "post" if path.suffix.lower() in (".html", ".htm") else "manual"
