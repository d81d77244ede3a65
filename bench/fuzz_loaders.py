"""Bad-input fuzzing of the document loaders (issue 8): the long run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/fuzz_loaders.py [--n 10000] [--loaders pdf,docx,html,md,txt]
        [--seed 8] [--timeout 10] [--memory-mb 1024] [--jobs 1]

Seeds are the real sample files in knowledge/samples/ plus files generated here (a small Chinese and
English PDF, a DOCX with headings and a table, GB18030/UTF-16 text, a WeChat-style article). Every input
is a seed put through one to three mutations picked at random (seeded, so a run can be repeated):
truncation, random byte flips, inserted / deleted / duplicated ranges, "interesting" values written over
numbers (``/Count 1000000000`` in a PDF page tree, huge ``/Length``, negative offsets), mutations inside
the DOCX zip (XML damaged but re-zipped, so python-docx gets past the zip layer; zip bombs with honest
and with lying sizes; missing parts), deeply nested and unclosed HTML, invalid UTF-8 / GB18030 /
UTF-16 bytes, control characters, random bytes, 0-byte files and another format's bytes under this
loader's extension.

Each input goes through ``knowledge.loaders.load_bytes`` (what ``KnowledgeBase.ingest`` calls after the
size check) and ends in one of:

- ``ok``: a LoadedDocument whose sections have text and pages in range;
- ``error:<Type>``: one of our KnowledgeError subclasses with a clean message (one line, starts with the
  file name, says what to do after " - ");
- ``unclean``: a KnowledgeError whose message breaks those rules (counted as a failure);
- ``bad_result``: a LoadedDocument that breaks an invariant (a multi-line title, control characters...);
- ``crash``: any other exception escaping load_bytes, or the worker process dying (a signal);
- ``memory``: MemoryError under the address-space limit;
- ``timeout``: no answer within ``--timeout`` seconds.

How the bounds are enforced: the loader runs in a long-lived worker subprocess (one per job) that has
``resource.setrlimit(RLIMIT_AS, --memory-mb)``; the parent waits for each answer with ``select`` and a
timeout, and kills and restarts the worker when it hangs or dies. A subprocess per input would be the
cleanest isolation but costs ~1 s of imports each, far too slow for 50,000 inputs on two cores;
``signal.alarm`` in-process cannot interrupt C code (lxml, zlib) that loops without returning to
Python, and a segfault would take the harness down with it. A killed or dead worker is replaced, so
one bad input cannot poison the next.

Writes bench/results/fuzz.json; every failing input is saved under bench/results/fuzz-failures/
(git-ignored) with the outcome in ``index.jsonl``, for replay:

    .venv/bin/python bench/fuzz_loaders.py --replay bench/results/fuzz-failures/<file>
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import select
import struct
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
FAILURES = RESULTS / "fuzz-failures"
SAMPLES = ROOT / "knowledge" / "samples"
LOADERS = ("pdf", "docx", "html", "md", "txt")
BAD_OUTCOMES = ("unclean", "bad_result", "crash", "memory", "timeout")

# ---------------------------------------------------------------------------- worker (child process)


def _classify(name: str, data: bytes) -> dict[str, Any]:
    """Run one loader call and say how it ended (runs inside the worker)."""
    from knowledge.errors import KnowledgeError
    from knowledge.loaders import load_bytes

    started = time.perf_counter()
    try:
        doc = load_bytes(name, data)
    except KnowledgeError as exc:
        message = str(exc)
        if isinstance(exc.__cause__, MemoryError):
            outcome = "memory"
        elif clean_message(name, message):
            outcome = f"error:{type(exc).__name__}"
        else:
            outcome = "unclean"
        return {"outcome": outcome, "message": message[:500], "s": time.perf_counter() - started}
    except MemoryError:
        return {"outcome": "memory", "message": "MemoryError", "s": time.perf_counter() - started}
    except BaseException as exc:  # the thing we hunt: anything else escaping the loader
        return {
            "outcome": "crash",
            "message": f"{type(exc).__name__}: {str(exc)[:400]}",
            "s": time.perf_counter() - started,
        }
    problem = check_document(doc)
    return {
        "outcome": "bad_result" if problem else "ok",
        "message": problem,
        "s": time.perf_counter() - started,
        "pages": doc.pages,
        "chars": len(doc.text),
    }


def clean_message(name: str, message: str) -> bool:
    """One line, about this file, and it says what to do (the part after ' - ')."""
    return (
        "\n" not in message
        and "\r" not in message
        and message.startswith(f"{name}: ")
        and " - " in message
        and len(message) <= 400
    )


def check_document(doc: Any) -> str:
    """Invariants of a correct result; '' when they all hold."""
    if not doc.sections or not any(s.text.strip() for s in doc.sections):
        return "a document without text was returned"
    if not isinstance(doc.title, str) or "\n" in doc.title:
        return f"bad title {doc.title!r:.80}"
    for s in doc.sections:
        if not 1 <= s.page <= max(doc.pages, 1):
            return f"section on page {s.page} of {doc.pages}"
        if any(ch < " " and ch not in "\n\t" for ch in s.text):
            return "control characters left in the text"
    return ""


def worker_main(memory_mb: int) -> None:
    """Answer requests on stdin (4-byte length + JSON header + bytes) with one JSON line each."""
    import logging
    import resource
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)  # pypdf logs every repair it makes; not a failure
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import knowledge.loaders  # noqa: F401  (imports before the first timed call)

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(8)
        if len(head) < 8:
            return
        name_len, data_len = struct.unpack("<II", head)
        name = stdin.read(name_len).decode("utf-8")
        data = stdin.read(data_len)
        result = _classify(name, data)
        stdout.write(json.dumps(result, ensure_ascii=False).encode("utf-8") + b"\n")
        stdout.flush()


class Worker:
    """One worker subprocess; ``run`` returns its answer, or a timeout / crash outcome."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", "--memory-mb", str(self.memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def run(self, name: str, data: bytes, timeout: float) -> dict[str, Any]:
        if self.proc is None:
            self.start()
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        encoded = name.encode("utf-8")
        started = time.perf_counter()
        try:
            proc.stdin.write(struct.pack("<II", len(encoded), len(data)) + encoded + data)
            proc.stdin.flush()
        except BrokenPipeError:
            return self._died(started)
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            self.restarts += 1
            return {"outcome": "timeout", "message": f"no answer in {timeout:g} s", "s": timeout}
        line = proc.stdout.readline()
        if not line:
            return self._died(started)
        return dict(json.loads(line))

    def _died(self, started: float) -> dict[str, Any]:
        assert self.proc is not None
        code = self.proc.wait()
        self.proc = None
        self.restarts += 1
        return {"outcome": "crash", "message": f"worker died (exit {code})", "s": time.perf_counter() - started}


# ---------------------------------------------------------------------------- seeds


def _generated_pdf() -> bytes:
    from fpdf import FPDF

    font = next(
        (
            f
            for f in (
                "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
                "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            )
            if Path(f).exists()
        ),
        None,
    )
    pdf = FPDF()
    pdf.set_title("Fuzz seed")
    if font:
        pdf.add_font("cjk", fname=font)
    for text in ("第一章 总则\n第一条 发布前实行三审三校。", "Chapter Two\nReply to every message in 3 working days."):
        pdf.add_page()
        pdf.set_font("cjk" if font else "helvetica", size=11)
        for para in text.split("\n"):
            pdf.multi_cell(0, 7, para if font else para.encode("ascii", "replace").decode())
            pdf.ln(2)
    return bytes(pdf.output())


def _generated_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "舆情处置"
    document.add_heading("舆情事件处置手册", level=1)
    document.add_paragraph("发现舆情后应立即报告。Report at once.")
    document.add_heading("回应时限", level=2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "时限", "5小时"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def load_seeds() -> dict[str, list[tuple[str, bytes]]]:
    """Real sample files per loader, plus a few generated ones."""
    seeds: dict[str, list[tuple[str, bytes]]] = {k: [] for k in LOADERS}
    for path in sorted(SAMPLES.rglob("*")):
        kind = path.suffix.lower().lstrip(".")
        if path.is_file() and kind in seeds:
            seeds[kind].append((path.name, path.read_bytes()))
    text = "柳塘区政务新媒体考核办法\n第一条 两周内未更新的账号考核不合格。\nSection Two\nReply within 3 days."
    seeds["pdf"].append(("generated.pdf", _generated_pdf()))
    seeds["docx"].append(("generated.docx", _generated_docx()))
    seeds["txt"] += [
        ("gb18030.txt", text.encode("gb18030")),
        ("utf16.txt", text.encode("utf-16")),
        ("bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8")),
    ]
    seeds["md"].append(
        ("front.md", ("---\ntitle: 示例\n---\n# 标题\n\n- [链接](http://x) **粗体**\n\n## 二级\n" + text).encode())
    )
    seeds["html"].append(
        (
            "plain.html",
            b"<html><head><meta charset='gbk'><title>T</title></head><body><main><h1>H</h1><p>"
            + "正文内容。".encode("gbk")
            + b"</p><!-- c --><table><tr><td>a</td></tr></table></main></body></html>",
        )
    )
    return seeds


# ---------------------------------------------------------------------------- mutations

INTERESTING = [b"0", b"-1", b"1000000000", b"4294967296", b"99999999999999999999", b"-2147483648", b"1e308", b"NaN"]
JUNK = [
    b"\x00",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\x81\x30",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\x1b[2J",
    b"\x84\x31\xa4\x39",
    b"\xe4\xb8",
    b"\r",
    b"\x0c",
    b"\u202e".decode("unicode_escape").encode("utf-8"),
]
Mutator = Callable[[bytes, random.Random], bytes]


def m_truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, max(1, len(data)))]


def m_flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 4, 16, 64))):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def m_insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    piece = rng.choice([rng.randbytes(rng.randrange(1, 64)), rng.choice(JUNK), rng.choice(INTERESTING)])
    return data[:at] + piece + data[at:]


def m_delete(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data
    a = rng.randrange(len(data))
    return data[:a] + data[a + rng.randrange(1, min(4096, len(data) - a) + 1) :]


def m_duplicate(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    piece = data[a : a + rng.randrange(1, 2048)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece * rng.choice((1, 2, 50)) + data[at:]


_NUMBER = re.compile(rb"(?<![0-9.])[0-9]{1,10}(?![0-9.])")


def m_numbers(data: bytes, rng: random.Random) -> bytes:
    """Write an interesting value over a few numbers (lengths, counts, offsets, sizes)."""
    spans = [m.span() for m in _NUMBER.finditer(data[:200_000])]
    if not spans:
        return m_flip(data, rng)
    out = data
    for a, b in sorted(rng.sample(spans, min(len(spans), rng.choice((1, 3, 10)))), reverse=True):
        out = out[:a] + rng.choice(INTERESTING) + out[b:]
    return out


def m_random(data: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((1, 16, 1024, 65536)))


def m_empty(data: bytes, rng: random.Random) -> bytes:
    return b""


def m_junk_encoding(data: bytes, rng: random.Random) -> bytes:
    """Invalid UTF-8 / GB18030 / UTF-16 bytes, BOMs in odd places."""
    out = data
    for _ in range(rng.randrange(1, 6)):
        at = rng.randrange(len(out) + 1)
        out = out[:at] + rng.choice(JUNK) + out[at:]
    if rng.random() < 0.3:
        out = rng.choice([b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf"]) + out
    return out


def pdf_count(data: bytes, rng: random.Random) -> bytes:
    """Billions of pages: a huge /Count in the page tree (same digit count keeps the xref valid, or not)."""
    value = rng.choice([b"1000000000", b"999999999", b"2147483647", b"-1", b"0", b"5001"])
    return re.sub(rb"/Count\s+\d+", b"/Count " + value, data, count=rng.choice((0, 1)))


def pdf_structure(data: bytes, rng: random.Random) -> bytes:
    """Damage the PDF's structure: page-tree loops, broken xref, huge /Length, missing trailer."""
    choice = rng.randrange(6)
    if choice == 0:  # a page tree whose Kids point back at the root Pages object
        m = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", data)
        root = re.search(rb"(\d+)\s+0\s+obj\s*<<\s*/Type\s*/Pages", data)
        if m and root:
            return data[: m.start(1)] + root.group(1) + data[m.end(1) :]
    if choice == 1:
        return re.sub(rb"/Length\s+\d+", b"/Length " + rng.choice(INTERESTING), data, count=1)
    if choice == 2:
        return data.replace(b"startxref", b"startxerf")
    if choice == 3:
        i = data.rfind(b"trailer")
        return data[:i] if i > 0 else data
    if choice == 4:
        return data.replace(b"/FlateDecode", rng.choice([b"/LZWDecode", b"/Crypt", b"/DCTDecode", b"/Nonsense"]), 1)
    return re.sub(rb"xref\s+\d+\s+\d+", b"xref\n0 " + rng.choice(INTERESTING), data, count=1)


def _rezip(data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """The same DOCX with each part changed (None drops it), re-zipped so the zip itself is valid."""
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                part = change(info.filename, src.read(info))
                if part is not None:
                    dst.writestr(info.filename, part)
            for name, part in (extra or {}).items():
                dst.writestr(name, part)
    except Exception:  # a part damaged by an earlier mutation cannot be re-zipped: keep the bytes as they are
        return data
    return out.getvalue()


def docx_xml(data: bytes, rng: random.Random) -> bytes:
    """Damage one XML part but keep a valid zip, so python-docx parses the damage."""
    byte_mutators: list[Mutator] = [m_flip, m_insert, m_delete, m_truncate, m_duplicate, m_numbers, m_junk_encoding]
    target = rng.choice(
        [
            "word/document.xml",
            "word/styles.xml",
            "[Content_Types].xml",
            "word/_rels/document.xml.rels",
            "docProps/core.xml",
        ]
    )
    op = rng.choice(byte_mutators)
    return _rezip(data, lambda name, part: op(part, rng) if name == target else part)


def docx_parts(data: bytes, rng: random.Random) -> bytes:
    """Drop a part, or add deep nesting / a billion-laughs entity to the document."""
    choice = rng.randrange(4)
    if choice == 0:
        drop = rng.choice(
            [
                "word/document.xml",
                "[Content_Types].xml",
                "word/_rels/document.xml.rels",
                "_rels/.rels",
                "word/styles.xml",
            ]
        )
        return _rezip(data, lambda name, part: None if name == drop else part)
    if choice == 1:
        depth = rng.choice((300, 3000, 30000))
        nest = b"<w:p><w:r>" * depth + b"<w:t>x</w:t>" + b"</w:r></w:p>" * depth

        def deep(name: str, part: bytes) -> bytes:
            return part.replace(b"<w:body>", b"<w:body>" + nest, 1) if name == "word/document.xml" else part

        return _rezip(data, deep)
    if choice == 2:
        lol = (
            b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (b"a" * (i + 2), (b"&" + b"a" * (i + 1) + b";") * 10) for i in range(8))
            + b"]>"
        )

        def bomb(name: str, part: bytes) -> bytes:
            if name != "word/document.xml":
                return part
            part = re.sub(rb"^<\?xml[^>]*\?>", b"", part.lstrip())
            return b'<?xml version="1.0"?>' + lol + part.replace(b"<w:t>", b"<w:t>&" + b"a" * 9 + b";", 1)

        return _rezip(data, bomb)
    return _rezip(data, lambda name, part: part, {"word/media/junk.bin": rng.randbytes(rng.randrange(1, 5000))})


_BOMBS: dict[tuple[str, int, str, bool], bytes] = {}


def docx_bomb(seed_name: str, data: bytes, rng: random.Random) -> bytes:
    """A zip bomb inside the DOCX: honest sizes over the limit, or sizes that lie in the headers.

    Compressing hundreds of MB takes a second or two, so each variant is made once per seed and reused."""
    size = rng.choice((50, 250, 600)) * 1024 * 1024
    inner = "word/document.xml" if rng.random() < 0.5 else "word/media/bomb.bin"
    lie = rng.random() < 0.5
    key = (seed_name, size, inner, lie)
    if key not in _BOMBS:
        _BOMBS[key] = _make_bomb(data, size, inner, lie)
    return _BOMBS[key]


def _make_bomb(data: bytes, size: int, inner: str, lie: bool) -> bytes:
    def grow(name: str, part: bytes) -> bytes:
        return part.replace(b"<w:body>", b"<w:body>" + b" " * size, 1) if name == inner else part

    bombed = _rezip(data, grow, None if inner == "word/document.xml" else {inner: b" " * size})
    if not lie:
        return bombed
    # Lie: the central directory and the local header say the part is 1000 bytes.
    out = bytearray(bombed)
    name = inner.encode()
    for sig, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        pos = 0
        while (pos := out.find(sig, pos)) >= 0:
            name_at = pos + (46 if sig == b"PK\x01\x02" else 30)
            if out[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", out, pos + offset, 1000)
            pos += 4
    return bytes(out)


def html_nest(data: bytes, rng: random.Random) -> bytes:
    """Deeply nested or unclosed tags somewhere in the page."""
    tag = rng.choice([b"div", b"section", b"b", b"h2", b"table", b"li", b"p", b"span", b"svg", b"script"])
    depth = rng.choice((100, 1000, 10000, 100000))
    closing = (b"</" + tag + b">") * depth if rng.random() < 0.5 else b""
    piece = (b"<" + tag + b">") * depth + "深".encode() + closing
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def html_tags(data: bytes, rng: random.Random) -> bytes:
    pieces = [
        b"<h1>",
        b"</h1>",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"<script>",
        b"</script>",
        b"<style>",
        b"<br/>" * 1000,
        b'<div id="js_content">',
        b'<em id="publish_time">',
        b'<meta property="og:title" content="',
        b'var ct = "9999999999";',
        b'var ct = "0000000000";',
        b"&#0;",
        b"&#xD800;",
        b"&#1114112;",
        b"<meta charset='utf-16'>",
        b"<meta charset='x-unknown'>",
        b"<?xml version='1.0' encoding='gbk'?>",
    ]
    out = data
    for _ in range(rng.randrange(1, 8)):
        at = rng.randrange(len(out) + 1)
        out = out[:at] + rng.choice(pieces) + out[at:]
    return out


def text_markup(data: bytes, rng: random.Random) -> bytes:
    """Long lines of Markdown/heading syntax and control characters."""
    pieces = [
        b"[" * 5000,
        b"[a](" * 2000,
        b"# " + b" " * 5000,
        b"#" * 3000,
        b"---\n" + b"k: v\n" * 2000,
        b"**" * 3000,
        b"`" * 3000,
        "第一章 ".encode() * 2000,
        b"\x00\x01\x02\x7f",
        b"\n" * 5000,
        b" \t" * 5000,
        b"- 3 -\n" * 500,
        b"1. " * 3000,
    ]
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(pieces) + data[at:]


GENERIC: list[Mutator] = [m_truncate, m_flip, m_insert, m_delete, m_duplicate, m_numbers, m_junk_encoding]
SPECIFIC: dict[str, list[Mutator]] = {
    "pdf": [pdf_count, pdf_structure, pdf_count],
    "docx": [docx_xml, docx_xml, docx_parts],
    "html": [html_nest, html_tags, html_tags],
    "md": [text_markup, m_junk_encoding],
    "txt": [text_markup, m_junk_encoding],
}


def make_input(kind: str, seeds: dict[str, list[tuple[str, bytes]]], rng: random.Random) -> tuple[str, bytes, str]:
    """(file name, bytes, description of the mutations) for one input to ``kind``'s loader."""
    roll = rng.random()
    if roll < 0.01:
        return f"empty.{kind}", b"", "0-byte"
    if roll < 0.04:  # wrong extension: another format's bytes, or random bytes / a PNG under this name
        other = rng.choice([k for k in LOADERS if k != kind])
        data = rng.choice(seeds[other])[1] if rng.random() < 0.8 else b"\x89PNG\r\n\x1a\n" + rng.randbytes(200)
        return f"wrong.{kind}", data, f"wrong-extension({other})"
    if roll < 0.06:
        return f"random.{kind}", m_random(b"", rng), "random-bytes"
    name, data = rng.choice(seeds[kind])
    ops = []
    if kind == "docx" and roll < 0.10:
        data = docx_bomb(name, data, rng)
        ops.append("docx_bomb")
        if rng.random() < 0.3:
            op = rng.choice(GENERIC)
            data = op(data, rng)
            ops.append(op.__name__)
        return f"bomb-{Path(name).stem}.docx", data, "+".join(ops)
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.choice(SPECIFIC[kind]) if rng.random() < 0.45 else rng.choice(GENERIC)
        data = op(data, rng)
        ops.append(op.__name__)
    return f"fuzz-{Path(name).stem}.{kind}", data, "+".join(ops)


# ---------------------------------------------------------------------------- the run


def save_failure(name: str, data: bytes, kind: str, ops: str, result: dict[str, Any]) -> str:
    FAILURES.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    stored = FAILURES / f"{digest}.{kind}"
    if not stored.exists():
        stored.write_bytes(data)
    with open(FAILURES / "index.jsonl", "a", encoding="utf-8") as fh:
        entry = {"file": stored.name, "name": name, "ops": ops, "size": len(data), **result}
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return stored.name


def run(args: argparse.Namespace) -> dict[str, Any]:
    seeds = load_seeds()
    rng = random.Random(args.seed)
    worker = Worker(args.memory_mb)
    loaders = [k.strip() for k in args.loaders.split(",") if k.strip()]
    report: dict[str, Any] = {
        "command": " ".join(["bench/fuzz_loaders.py", *sys.argv[1:]]),
        "n_per_loader": args.n,
        "seed": args.seed,
        "timeout_s": args.timeout,
        "memory_mb": args.memory_mb,
        "seeds": {k: [n for n, _ in v] for k, v in seeds.items()},
        "loaders": {},
    }
    previous = RESULTS / "fuzz.json"
    if args.keep and previous.exists():  # keep other loaders' rows from an earlier run (a run split in two)
        earlier = json.loads(previous.read_text(encoding="utf-8"))
        report["earlier_runs"] = [{k: earlier[k] for k in ("command", "seed") if k in earlier}]
        report["loaders"] = {k: v for k, v in earlier.get("loaders", {}).items() if k not in loaders}
    started = time.perf_counter()
    try:
        for kind in loaders:
            outcomes: Counter[str] = Counter()
            strategies: Counter[str] = Counter()
            failures: list[dict[str, Any]] = []
            slowest: list[tuple[float, str]] = []
            t0 = time.perf_counter()
            for i in range(args.n):
                name, data, ops = make_input(kind, seeds, rng)
                for op in ops.split("+"):
                    strategies[op.split("(")[0]] += 1
                result = worker.run(name, data, args.timeout)
                outcomes[result["outcome"]] += 1
                slowest = sorted([*slowest, (float(result["s"]), ops)], reverse=True)[:5]
                if result["outcome"] in BAD_OUTCOMES:
                    stored = save_failure(name, data, kind, ops, result)
                    failures.append(
                        {
                            "file": stored,
                            "ops": ops,
                            "outcome": result["outcome"],
                            "message": result.get("message", "")[:300],
                        }
                    )
                    print(f"  [{kind} {i}] {result['outcome']}: {ops}: {result.get('message', '')[:160]}", flush=True)
                if (i + 1) % 1000 == 0:
                    rate = (i + 1) / (time.perf_counter() - t0)
                    print(f"{kind}: {i + 1}/{args.n} ({rate:.1f}/s) {dict(outcomes)}", flush=True)
            report["loaders"][kind] = {
                "inputs": args.n,
                "seconds": round(time.perf_counter() - t0, 1),
                "outcomes": dict(sorted(outcomes.items())),
                "failures": len(failures),
                "failure_examples": failures[:20],
                "strategies": dict(sorted(strategies.items())),
                "slowest_s": [[round(s, 3), ops] for s, ops in slowest],
            }
            report["worker_restarts"] = worker.restarts
            write(report, started)
    finally:
        worker.stop()
    report["worker_restarts"] = worker.restarts
    write(report, started)
    return report


def write(report: dict[str, Any], started: float) -> None:
    report["total_s"] = round(time.perf_counter() - started, 1)
    out = RESULTS / "fuzz.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out)


def replay(path: Path, args: argparse.Namespace) -> None:
    worker = Worker(args.memory_mb)
    try:
        name = f"replay{path.suffix}"
        print(json.dumps(worker.run(name, path.read_bytes(), args.timeout), ensure_ascii=False))
    finally:
        worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs per loader")
    parser.add_argument("--loaders", default=",".join(LOADERS))
    parser.add_argument("--seed", type=int, default=8)
    # 30 s: the slowest legitimate inputs (100,000 nested <div>, a PDF with a repaired xref) take 2-4 s on an
    # idle core; the machine this runs on is shared, and a hang never answers at all.
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per input before it counts as a hang")
    parser.add_argument("--memory-mb", type=int, default=1024, help="address-space limit of the worker")
    parser.add_argument("--keep", action="store_true", help="keep the other loaders' results in fuzz.json")
    parser.add_argument("--replay", type=Path, help="run one saved input and print its outcome")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.memory_mb)
        return
    if args.replay:
        replay(args.replay, args)
        return
    report = run(args)
    bad = 0
    for kind, row in report["loaders"].items():
        print(f"{kind:5} {row['inputs']:6} inputs in {row['seconds']:7.1f} s: {row['outcomes']}")
        bad += row["failures"]
    print(f"wrote {RESULTS / 'fuzz.json'}; {bad} failing input(s) under {FAILURES}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
