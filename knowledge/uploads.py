"""Files that arrive through the browser: a safe name before anything else touches them.

An upload's name comes from the user's machine and may carry a path ("../../etc/x.pdf", "C:\\x.pdf"),
control characters, HTML, or be hundreds of characters long. The name is only ever used as a
label and as the document key; the bytes are stored under their hash (see ``KnowledgeBase``).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from .errors import UnsupportedFileType
from .loaders import SUPPORTED_SUFFIXES

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
