"""Files that arrive through the browser or the CLI: a safe name, and content that is what the name says.

An upload's name comes from the user's machine and may carry a path ("../../etc/x.pdf", "C:\\x.pdf"),
control characters, HTML, or be hundreds of characters long. The name is only ever used as a
label and as the document key; the bytes are stored under their hash (see ``KnowledgeBase``).

:func:`check_content` sniffs the bytes before any parser sees them: a PDF has ``%PDF-`` in its first
KB, a DOCX is a ZIP holding ``word/document.xml``, a text file (.txt, .md, .html) decodes as UTF-8,
UTF-16 with BOM or GB18030 and is not binary. A mismatch names the real type when it is recognisable.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from knowledge.errors import ContentMismatch, CorruptDocument, UnsupportedFileType
from knowledge.loaders import SUPPORTED_SUFFIXES

MAX_NAME_CHARS = 120
# Letters and digits of any script (Chinese names are the norm), and a few harmless marks.
_UNSAFE = re.compile(r"[^\w\-.()\[\]（）【】·、 ]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """The base name of ``name``, NFC-normalised, with unsafe characters replaced by '_'.

    Raises UnsupportedFileType when nothing usable is left or the type is not one we read.
    """
    base = PureWindowsPath(PurePosixPath(name or "").name).name  # drops both kinds of folder
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")  # control, format chars
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix.strip().lower()
    if "." + suffix not in SUPPORTED_SUFFIXES:
        shown = f".{suffix}" if suffix else "(none)"
        raise UnsupportedFileType(
            f"{name!r}: unsupported file type '{shown}' - use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"
        )
    stem = _UNSAFE.sub("_", stem)
    stem = re.sub(r"_+", "_", stem).strip(" ._") or "document"
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1]
    return f"{stem}.{suffix}"


# ---------------------------------------------------------------------------- content sniffing
HEAD_BYTES = 1024  # a PDF's header may follow up to 1 KB of junk (the PDF reference allows it)
TEXT_SNIFF_BYTES = 64 * 1024  # how much of a text file is decoded to decide it is text

_EXPECTED = {
    ".pdf": "a PDF",
    ".docx": "a Word document (.docx)",
    ".md": "a Markdown text file",
    ".markdown": "a Markdown text file",
    ".txt": "a text file",
    ".html": "an HTML page",
    ".htm": "an HTML page",
}
_TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")

# (magic at offset 0, what it is); ZIP, OLE and RIFF/ftyp containers are looked at more closely below.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x7fELF", "a Linux program"),
    (b"MZ", "a Windows program"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg audio or video file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def sniff(data: bytes) -> str | None:
    """What ``data`` looks like ("a PNG image", "a PDF", "a Word document (.docx)", "text" ...), or None."""
    head = data[:HEAD_BYTES]
    if b"%PDF-" in head:
        return "a PDF"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Office file (.doc/.xls/.ppt - save it as .docx)"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}[head[8:12]]
    if head.startswith(b"{\\rtf"):
        return "an RTF document (save it as .docx)"
    if head[4:8] == b"ftyp":
        return "an MP4/MOV video or HEIC image"
    # Magic numbers made of printable ASCII ("BM", "MZ", "ID3" ...) also start ordinary sentences: text wins.
    weak = [(magic, what) for magic, what in _MAGIC if magic.isascii() and magic.decode().isprintable()]
    for magic, what in _MAGIC:
        if head.startswith(magic) and (magic, what) not in weak:
            return what
    if _is_text(data):
        return "text"
    for magic, what in weak:
        if head.startswith(magic):
            return what
    return None


def _sniff_zip(data: bytes) -> str:
    """A ZIP's kind from its list of members; only the central directory is read, nothing is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
        return "a damaged ZIP archive"
    if "word/document.xml" in names:
        return "a Word document (.docx)"
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx)"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation (.pptx)"
    if "mimetype" in names and "content.xml" in names:
        return "an OpenDocument file (save it as .docx)"
    if "META-INF/container.xml" in names:
        return "an EPUB e-book"
    return "a ZIP archive"


def _is_text(data: bytes) -> bool:
    """Decodes as UTF-8 (BOM or not), UTF-16 with BOM or GB18030, with no NUL and few control characters."""
    sample = data[:TEXT_SNIFF_BYTES]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode_prefix(sample, "utf-16")
    else:
        if b"\x00" in sample:
            return False
        text = _decode_prefix(sample, "utf-8-sig")
        if text is None:
            text = _decode_prefix(sample, "gb18030")
    if text is None or "\x00" in text:
        return False
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v\x1b")
    return controls <= max(2, len(text) // 100)


def _decode_prefix(sample: bytes, encoding: str) -> str | None:
    """``sample`` decoded, allowing only an incomplete character at its very end (a cut, not an error)."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < TEXT_SNIFF_BYTES)
    except UnicodeDecodeError:
        return None


def check_content(name: str, data: bytes) -> None:
    """Raise :class:`ContentMismatch` unless ``data`` is the type ``name``'s extension says.

    Called before any parser sees the bytes (uploads and CLI ingestion alike). Empty data and unknown
    extensions are left to the loaders' own errors; a DOCX whose ZIP directory cannot be read is a
    :class:`CorruptDocument`.
    """
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    expected = _EXPECTED.get(suffix)
    if expected is None or not data:
        return
    found = sniff(data)
    if suffix == ".pdf":
        ok = found == "a PDF"
    elif suffix == ".docx":
        if found == "a damaged ZIP archive":
            raise CorruptDocument(f"{name}: damaged - the DOCX (ZIP) directory cannot be read; save it again from Word")
        ok = found == expected
    else:
        ok = found == "text"
    if ok:
        return
    if found is None:
        raise ContentMismatch(f"{name}: binary data, not {expected} - check the file or its extension")
    if found == "text":
        raise ContentMismatch(f"{name}: looks like a text file, not {expected} - check the file or its extension")
    raise ContentMismatch(f"{name}: looks like {found}, not {expected} - check the file or its extension")
