"""Bad input (issue 8), the brief CI version of bench/fuzz_loaders.py.

Hypothesis mutates the real sample files; every input must end in a correct document or one of our
LoadError subclasses with a one-line message that says what to do. Then one named case per hostile
input from the issue, an ingest batch with broken files in it, and malformed course files and GIFT.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.content import check, load_catalog
from courses.errors import ContentInvalid
from courses.gift import export_gift, import_gift
from knowledge.errors import CorruptDocument, EmptyDocument, FileTooLarge, LoadError
from knowledge.kb import KnowledgeBase
from knowledge.loaders import LoadedDocument, load_bytes, load_file

from .filemakers import make_docx, pdf_bytes

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "knowledge" / "samples"
COURSES = Path(__file__).parent / "fixtures" / "courses"
KINDS = ("pdf", "docx", "html", "md", "txt")
SEEDS = {
    kind: [(p.name, p.read_bytes()) for p in sorted(SAMPLES.rglob(f"*.{kind}")) if "src" not in p.parts]
    for kind in KINDS
}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def outcome(name: str, data: bytes) -> LoadedDocument | LoadError:
    """The document, or the LoadError raised; anything else escaping the loader fails the test."""
    try:
        doc = load_bytes(name, data)
    except LoadError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(f"{name}: "), message
        assert " - " in message, f"says what to do: {message}"
        return exc
    assert any(s.text.strip() for s in doc.sections)
    assert "\n" not in doc.title and len(doc.title) <= 200
    assert all(1 <= s.page <= doc.pages for s in doc.sections)
    return doc


# ---------------------------------------------------------------------------- hypothesis

JUNK = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x81\x30",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"/Count 1000000000",
    b"<div>" * 200,
    b"[" * 500,
    b"PK\x03\x04",
    b"%PDF-1.7",
    b"1000000000",
    b"\r",
]
mutation = st.tuples(
    st.sampled_from(["truncate", "flip", "insert", "delete"]),
    st.floats(0, 1),
    st.one_of(st.binary(min_size=1, max_size=32), st.sampled_from(JUNK)),
)


def mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    for op, where, piece in ops:
        at = int(where * len(data))
        if op == "truncate":
            data = data[:at]
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (piece[0] or 1)]) + data[at + 1 :]
        elif op == "insert":
            data = data[:at] + piece + data[at:]
        else:
            data = data[:at] + data[at + len(piece) * 8 :]
    return data


def _mutated_docx(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    """Damage word/document.xml inside a valid zip, so python-docx itself meets the damage."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            dst.writestr(info.filename, mutate(part, ops) if info.filename == "word/document.xml" else part)
    return out.getvalue()


@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=60,
    deadline=timedelta(seconds=10),  # the slowest sample PDF takes ~0.3 s; a regression to a hang fails here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(seed=st.integers(0, 100), ops=st.lists(mutation, min_size=1, max_size=4), inner=st.booleans())
def test_mutated_files_load_or_fail_cleanly(kind: str, seed: int, ops: list[tuple[str, float, bytes]], inner: bool):
    name, data = SEEDS[kind][seed % len(SEEDS[kind])]
    data = _mutated_docx(data, ops) if kind == "docx" and inner else mutate(data, ops)
    outcome(name, data)


@settings(max_examples=60, deadline=timedelta(seconds=5), derandomize=True)
@given(st.binary(max_size=2000), st.sampled_from(KINDS))
def test_random_bytes_under_every_extension(data: bytes, kind: str):
    outcome(f"random.{kind}", data)


# ---------------------------------------------------------------------------- the named hostile inputs


@pytest.mark.parametrize("kind", KINDS)
def test_zero_byte_file(tmp_path: Path, kind: str):
    path = tmp_path / f"empty.{kind}"
    path.write_bytes(b"")
    with pytest.raises(EmptyDocument, match="empty"):
        load_file(path)
    assert isinstance(outcome(path.name, b""), EmptyDocument)


def test_200_mb_file_is_refused_by_size_before_it_is_read(tmp_path: Path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(FileTooLarge, match="APP_MAX_FILE_MB"):
        load_file(path, max_bytes=50 * 1024 * 1024)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 1
    assert peak < 5 * 1024 * 1024  # never read into memory


def test_zip_bomb_docx_of_document_xml_under_the_total_limit(tmp_path: Path):
    # 30 MB of XML is under the 200 MB total but would be a tree of ~1 GB: refused by the XML limit.
    data = _bomb(tmp_path, 30 * 1024 * 1024, lie=False)
    with pytest.raises(CorruptDocument, match="zip bomb"):
        load_bytes("xml-bomb.docx", data)


def _bomb(tmp_path: Path, size: int, *, lie: bool = True) -> bytes:
    """A real DOCX whose document.xml really inflates to ``size`` bytes (and whose headers say 1 KB if ``lie``)."""
    good = make_docx(tmp_path / "good.docx", [("h1", "标题"), ("p", "正文。")]).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "word/document.xml":
                part = part.replace(b"<w:body>", b"<w:body>" + b" " * size, 1)
            dst.writestr(info.filename, part)
    data = bytearray(out.getvalue())
    if not lie:
        return bytes(data)
    for sig, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            if data[pos + name_at : pos + name_at + 17] == b"word/document.xml":
                data[pos + size_at : pos + size_at + 4] = (1000).to_bytes(4, "little")
            pos += 4
    return bytes(data)


def test_zip_bomb_docx_that_lies_about_its_sizes_is_refused_in_bounded_memory(tmp_path: Path):
    # zipfile.read() inflates the whole part in one call whatever the header says; read in steps, the
    # part stops at its declared size and fails its CRC check instead.
    data = _bomb(tmp_path, 100 * 1024 * 1024)
    tracemalloc.start()
    with pytest.raises(CorruptDocument, match="damaged"):
        load_bytes("liar.docx", data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while refusing it"


def test_docx_paragraph_styles_are_looked_up_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # paragraph.style scans every style for the default on each call: 20,000 unstyled paragraphs took
    # minutes. The loader looks the default up once, however many paragraphs there are.
    from docx.styles.styles import Styles

    calls = []
    default = Styles.default
    monkeypatch.setattr(Styles, "default", lambda self, kind: calls.append(kind) or default(self, kind))
    path = make_docx(tmp_path / "long.docx", [("h1", "长文档")] + [("p", f"第{i}段。") for i in range(2_000)])
    doc = load_file(path)
    assert "第1999段。" in doc.text and doc.title == "长文档" and doc.sections[0].heading == "长文档"
    assert len(calls) <= 2, f"{len(calls)} default-style look-ups"


def test_deeply_nested_html(tmp_path: Path):
    depth = 100_000
    data = (
        b"<html><head><title>Deep</title></head><body>" + b"<div>" * depth + "深层正文。".encode() + b"</div>" * depth
    )
    started = time.perf_counter()
    doc = outcome("deep.html", data + b"<h2>After</h2><p>Tail text.</p></body></html>")
    assert time.perf_counter() - started < 30  # was ~20 minutes: insert_after walks the depth each time
    assert isinstance(doc, LoadedDocument)
    assert "深层正文。" in doc.text and doc.sections[-1].heading == "After"
    unclosed = outcome("unclosed.html", b"<b><i>" * 20_000 + b"text")
    assert isinstance(unclosed, LoadedDocument) and unclosed.text == "text"


def _pdf_with_kids(pages: int) -> bytes:
    """A hand-written PDF whose page tree lists the same page ``pages`` times."""
    content = b"BT /F1 12 Tf 72 712 Td (Repeated page) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b"3 0 R " * pages + b"] /Count %d >>" % pages,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_billions_of_pages_in_the_page_tree():
    # /Count says a billion: the real page tree is what counts, so the one real page is read.
    claims = pdf_bytes(["第一条 发布前实行三审三校。"])
    claims = re.sub(rb"/Count \d+", b"/Count 1000000000", claims)
    doc = outcome("claims.pdf", claims)
    assert isinstance(doc, LoadedDocument) and doc.pages == 1 and "三审三校" in doc.text
    # A tree that really lists a page 6,000 times is refused before any page is read.
    started = time.perf_counter()
    error = outcome("many.pdf", _pdf_with_kids(6000))
    assert isinstance(error, CorruptDocument) and "6000 pages" in str(error)
    assert time.perf_counter() - started < 10
    assert isinstance(outcome("three.pdf", _pdf_with_kids(3)), LoadedDocument)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gb.txt", "第一条 合法的开头。".encode("gb18030") + b"\x81\x30\xff\xfe\xfd" * 10),  # broken GB18030
        ("utf8.md", "# 标题\n".encode() + b"\xc0\x80\xed\xa0\x80\xe4\xb8"),  # overlong, surrogate, cut
        ("odd.txt", b"\xff\xfe" + "UTF-16 text".encode("utf-16-le") + b"\x00"),  # odd length after a BOM
        ("surrogate.html", b"\xfe\xff\xd8\x00\x00a"),  # a lone UTF-16 surrogate
    ],
)
def test_invalid_encodings(name: str, data: bytes):
    error = outcome(name, data)
    assert isinstance(error, CorruptDocument) and ("UTF-8" in str(error) or "UTF-16" in str(error))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("picture.pdf", PNG, "not a PDF"),
        ("picture.docx", PNG, "not a DOCX"),
        ("report.txt", b"%PDF-1.7\n" + b"\x00" * 50, "binary"),
        ("letter.html", b"PK\x03\x04" + b"\x00" * 50, "binary"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "cannot be read"),
    ],
)
def test_wrong_extension(name: str, data: bytes, says: str):
    error = outcome(name, data)
    assert isinstance(error, CorruptDocument) and says in str(error)


def test_markdown_line_of_brackets_is_linear():
    started = time.perf_counter()
    doc = outcome("brackets.md", b"# Links\n" + b"[" * 100_000 + b"\n" + b"[a](" * 30_000 + b"\n[ok](http://x) done")
    assert time.perf_counter() - started < 10  # quadratic before: minutes
    assert isinstance(doc, LoadedDocument) and "ok done" in doc.text


def test_a_broken_title_is_one_line():
    doc = outcome(
        "title.html", b"<html><head><title>Line one\n\nline two" + b" x" * 500 + b"</title></head><p>Body.</p>"
    )
    assert isinstance(doc, LoadedDocument) and doc.title.startswith("Line one line two") and len(doc.title) <= 200


# ---------------------------------------------------------------------------- a batch through ingest


def test_broken_files_in_a_batch_leave_every_index_consistent(kb: KnowledgeBase, tmp_path: Path):
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SAMPLES / "manuals" / "en-mobile-writing.md", folder / "a-good.md")
    (folder / "b-truncated.pdf").write_bytes(pdf_bytes(["Some text here. " * 40])[:900])
    (folder / "c-bomb.docx").write_bytes(_bomb(tmp_path, 30 * 1024 * 1024, lie=False))
    (folder / "d-picture.pdf").write_bytes(PNG)
    (folder / "e-empty.html").write_bytes(b"")
    (folder / "f-deep.html").write_bytes(b"<p>" + b"<div>" * 2_000 + "值班制度：节假日安排专人值守。".encode())
    with open(folder / "g-huge.txt", "wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    (folder / "h-gb18030.txt").write_bytes("柳塘区考核办法\n第一条 两周内未更新的账号考核不合格。".encode("gb18030"))
    (folder / "i-bad-encoding.txt").write_bytes(b"\x81\x30\xff\xfe\xfd" * 10)

    results = {r.doc: r for r in kb.ingest([folder])}
    assert {d for d, r in results.items() if r.status == "added"} == {"a-good.md", "f-deep.html", "h-gb18030.txt"}
    failed = {d: r.message for d, r in results.items() if r.status == "failed"}
    assert set(failed) == {
        "b-truncated.pdf",
        "c-bomb.docx",
        "d-picture.pdf",
        "e-empty.html",
        "g-huge.txt",
        "i-bad-encoding.txt",
    }
    assert all("\n" not in m and " - " in m for m in failed.values()), failed
    assert "APP_MAX_FILE_MB" in failed["g-huge.txt"] and "zip bomb" in failed["c-bomb.docx"]

    state = kb.verify()
    assert state["missing_vectors"] == state["orphan_vectors"] == state["pending"] == 0
    assert state["catalog_chunks"] == state["vectors"] > 0
    db = kb.catalog.db
    chunk_rows = {r[0] for r in db.execute("SELECT rowid FROM chunks").fetchall()}
    keyword_rows = {r[0] for r in db.execute("SELECT rowid FROM chunks_fts").fetchall()}
    assert chunk_rows == keyword_rows and len(chunk_rows) == state["catalog_chunks"]
    assert sorted(d.doc for d in kb.documents()) == ["a-good.md", "f-deep.html", "h-gb18030.txt"]
    assert kb.search("节假日值守", k=3)[0].doc == "f-deep.html"


# ---------------------------------------------------------------------------- course files and GIFT


def _tree(tmp_path: Path) -> Path:
    """The valid fixture course plus a second copy of it that the test breaks."""
    root = tmp_path / "content"
    shutil.copytree(COURSES / "valid", root)
    shutil.copytree(COURSES / "valid" / "demo-course", root / "zz-broken")
    course = root / "zz-broken" / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("id: demo-course", "id: zz-broken"), "utf-8")
    return root


@pytest.mark.parametrize(
    ("file", "damage", "marker"),
    [
        (
            "01-review-basics/quiz.yaml",
            lambda t: t.replace("questions:\n", "questions:\n  - id: [unclosed\n", 1),
            "[unclosed",
        ),
        ("01-review-basics/module.yaml", lambda t: t.replace("\n", "\n\tbad: tab\n", 1), "\tbad"),
        ("02-messages/quiz.yaml", lambda t: t.replace("\n", "\nkey: 'unterminated\n", 2), None),
        ("course.yaml", lambda t: t + "title: twice\n", None),
    ],
)
def test_a_malformed_course_file_names_file_and_line_and_the_valid_course_still_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, file: str, damage, marker: str | None
):
    root = _tree(tmp_path)
    path = root / "zz-broken" / file
    text = damage(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    problems = check(root).problems
    assert problems and all(p.path.is_relative_to(root / "zz-broken") for p in problems)
    mine = [p for p in problems if p.path == path]
    assert mine and all(p.line is not None and p.line >= 1 for p in mine), [str(p) for p in problems]
    if marker is not None:  # at the damage or just after it, where the YAML parser notices
        damaged = text[: text.index(marker)].count("\n") + 1
        assert damaged <= mine[0].line <= damaged + 2, str(mine[0])
    with caplog.at_level(logging.WARNING, logger="courses.content"):
        catalog = load_catalog(root)
    assert [c.id for c in catalog.courses] == ["demo-course"]  # one broken course does not take the other down
    assert catalog.counts()["questions"] == 6
    assert f"{path}:{mine[0].line}:" in caplog.text
    with pytest.raises(ContentInvalid):
        load_catalog(root, strict=True)


def test_a_course_file_that_is_not_utf8_names_the_line(tmp_path: Path):
    root = _tree(tmp_path)
    quiz = root / "zz-broken" / "01-review-basics" / "quiz.yaml"
    lines = quiz.read_bytes().split(b"\n")
    quiz.write_bytes(b"\n".join([*lines[:4], lines[4] + b"\xff\xfe", *lines[5:]]))
    (problem,) = [p for p in check(root).problems if p.path == quiz]
    assert problem.line == 5 and "UTF-8" in problem.message
    assert [c.id for c in load_catalog(root).courses] == ["demo-course"]


def test_only_broken_courses_still_raise_with_every_problem():
    with pytest.raises(ContentInvalid) as info:
        load_catalog(COURSES / "broken-yaml")
    assert info.value.problems and all(p.line for p in info.value.problems if p.path.suffix == ".yaml")


GIFT = export_gift(load_catalog(COURSES / "valid").courses[0].modules[0].questions, "en").text
GIFT_JUNK = ["{", "}", "~", "=", "#", "::", "####", "%50%", "->", "\n\n", "\\", "// @govmedia {", "$CATEGORY:", "\x00"]


@settings(max_examples=120, deadline=timedelta(seconds=2), derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1), st.sampled_from(GIFT_JUNK), st.integers(0, 30)), min_size=1, max_size=5))
def test_mutated_gift_never_raises_and_every_problem_has_a_line(edits: list[tuple[float, str, int]]):
    text = GIFT
    for where, piece, cut in edits:
        at = int(where * len(text))
        text = text[:at] + piece + text[at + cut :]
    result = import_gift(text, "en")
    last = text.count("\n") + 2
    assert all(1 <= p.line <= last for p in [*result.errors, *result.warnings])


def test_gift_file_errors_name_file_and_line(tmp_path: Path):
    root = tmp_path / "content"
    shutil.copytree(COURSES / "valid", root)
    gift = tmp_path / "bank.gift"
    gift.write_text(
        "::good:: A good question? {=Yes ~No#Because. ####Why.}\n\n"
        "// a comment line\n"
        "::bad:: Braces never close {=Yes ~No#Because.\n\n"
        "::nofeedback:: Wrong answer without feedback {=Yes ~No ####Why.}\n",
        encoding="utf-8",
    )
    before = (root / "demo-course" / "01-review-basics" / "quiz.yaml").read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "courses",
            "import-gift",
            str(gift),
            "--lang",
            "en",
            "--root",
            str(root),
            "--module",
            "review-basics",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ},
    )
    assert result.returncode == 1
    assert f"{gift}: line 4: bad: braces do not match" in result.stderr
    assert f"{gift}: line 6: nofeedback: wrong answer 'No' has no feedback" in result.stderr
    assert (root / "demo-course" / "01-review-basics" / "quiz.yaml").read_bytes() == before  # nothing written


# ---------------------------------------------------------------------------- account health exports
def _health_workbook() -> bytes:
    """A small export as the WeChat back end writes it: a title row, the header, dates as date-times and
    as text, counts, 是/否 for originality."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["已发表文章 2026-01-01 至 2026-03-31"])
    ws.append(["公众号名称", "标题", "发布时间", "阅读数", "分享数", "是否原创"])
    for i in range(30):
        day = dt.datetime(2026, 1, 1, 8, 30) + dt.timedelta(days=3 * i)
        ws.append(["新桥镇", f"新桥镇第{i}期便民服务信息 & <更新>", day if i % 2 else day.isoformat(sep=" "), 100 + i, i, "是"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEALTH_SEEDS = {
    "xlsx": ("export.xlsx", _health_workbook()),
    "csv": ("hewan_town.csv", (ROOT / "desk" / "samples" / "health" / "hewan_town.csv").read_bytes()),
}


def _mutated_sheet(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    """Damage the worksheet XML inside a valid zip, so the sheet reader itself meets the damage."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            dst.writestr(info.filename, mutate(part, ops) if info.filename.startswith("xl/worksheets/") else part)
    return out.getvalue()


@settings(
    max_examples=80,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    which=st.sampled_from(["xlsx sheet", "xlsx bytes", "csv"]), ops=st.lists(mutation, min_size=1, max_size=4)
)
def test_mutated_health_exports_parse_or_fail_cleanly(which: str, ops: list[tuple[str, float, bytes]]):
    """A damaged publishing-record export (the sheet XML inside the zip, the zip's bytes, a GB18030 CSV)
    gives rows or our one-line error: never another exception, never a post without a time."""
    from desk.health import parse
    from trainer.errors import TrainerError

    name, data = HEALTH_SEEDS["csv" if which == "csv" else "xlsx"]
    data = _mutated_sheet(data, ops) if which == "xlsx sheet" else mutate(data, ops)
    try:
        parsed = parse(name, data, account="新桥镇")
    except TrainerError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message, message
        return
    for post in parsed.posts:  # a title may be empty: a damaged header leaves its column to the user to name
        assert isinstance(post.published, dt.datetime) and isinstance(post.title, str) and "\n" not in post.account
