from pathlib import Path

import pytest

from knowledge.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    FileTooLarge,
    NoExtractableText,
    UnsupportedFileType,
)
from knowledge.loaders import guess_kind, load_file, reflow_lines

from .filemakers import (
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_scanned_pdf,
    make_wechat_html,
    make_zip_bomb_docx,
    pdf_bytes,
    truncated,
)

ZH_PAGE_1 = "第一章 总则\n第一条 为规范柳塘区政务新媒体内容发布，制定本办法。\n第二条 发布前实行三审三校，由编辑初审、科室负责人复审、分管领导终审。"
ZH_PAGE_2 = "第二章 留言办理\n第三条 群众留言应当在3个工作日内答复，复杂事项不超过10个工作日。"


def test_chinese_pdf_keeps_pages_and_text(tmp_path: Path):
    doc = load_file(make_pdf(tmp_path / "rules.pdf", [ZH_PAGE_1, ZH_PAGE_2], title="内容审核发布办法"))
    assert doc.pages == 2
    assert doc.language == "zh"
    assert doc.title == "内容审核发布办法"
    assert "三审三校" in doc.page_text(1) and "三审三校" not in doc.page_text(2)
    assert "3个工作日内答复" in doc.page_text(2)
    assert any(s.heading == "第二章 留言办理" for s in doc.sections if s.page == 2)


def test_pdf_wrapped_lines_are_joined(tmp_path: Path):
    long_en = "Staff must acknowledge every message from the public within one working day " * 4
    doc = load_file(make_pdf(tmp_path / "en.pdf", [long_en.strip() + "."]))
    assert doc.language == "en"
    assert "working day Staff must" in doc.text  # no line break left inside the paragraph


def test_reflow_keeps_headings_short_lines_and_sentence_ends():
    text = (
        "柳塘区内容审核办法\n"  # a title: short, no punctuation
        "第一章 总则\n"
        "第一条 本办法适用于全区各级行政机关开设的\n"
        "政务新媒体账号。\n"
        "Section Two\n"
        "A line that fills the whole width of the page\n"
        "and goes on here."
    )
    assert reflow_lines(text) == (
        "柳塘区内容审核办法\n第一章 总则\n第一条 本办法适用于全区各级行政机关开设的政务新媒体账号。\n"
        "Section Two\nA line that fills the whole width of the page and goes on here."
    )


def test_docx_keeps_headings(tmp_path: Path):
    path = make_docx(
        tmp_path / "handbook.docx",
        [
            ("h1", "舆情事件处置手册"),
            ("p", "发现舆情后应立即报告。"),
            ("h2", "回应时限"),
            ("p", "重大突发事件5小时内发布权威信息。"),
        ],
    )
    doc = load_file(path)
    assert doc.title == "舆情事件处置手册"
    assert [s.heading for s in doc.sections] == ["舆情事件处置手册", "回应时限"]
    assert "5小时内" in doc.sections[1].text


def test_markdown_headings_and_markup_stripped(tmp_path: Path):
    path = tmp_path / "guide.md"
    path.write_text(
        "# Mobile Writing\n\nKeep **titles** short.\n\n## Images\n\n- Add a [caption](http://x) to each image.\n"
    )
    doc = load_file(path)
    assert doc.title == "Mobile Writing"
    assert doc.sections[1].heading == "Images"
    assert "Add a caption to each image." in doc.sections[1].text
    assert "**" not in doc.text


@pytest.mark.parametrize(
    "encoding,prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b""), ("utf-16", b"")],
)
def test_text_encodings(tmp_path: Path, encoding: str, prefix: bytes):
    text = "柳塘区政务新媒体考核办法\n第一条 两周内未更新的账号考核不合格。"
    path = tmp_path / "rules.txt"
    path.write_bytes(prefix + text.encode(encoding))
    doc = load_file(path)
    assert doc.title == "柳塘区政务新媒体考核办法"
    assert "两周内未更新" in doc.text
    assert doc.language == "zh"


def test_wechat_article_fields_and_no_script_or_footer(tmp_path: Path):
    body = "<section><h2>办理材料</h2><p>身份证原件。</p><p>咨询电话：0000-1234567。</p></section>"
    doc = load_file(make_wechat_html(tmp_path / "post.html", "灵活就业人员参保登记指南", body))
    assert doc.title == "灵活就业人员参保登记指南"
    assert doc.meta == {"format": "wechat", "account": "柳塘发布", "published": "2026-03-12 18:30"}
    assert "身份证原件" in doc.text
    assert "SCRIPT-TEXT" not in doc.text and "QR-FOOTER-TEXT" not in doc.text and "font-size" not in doc.text
    assert doc.sections[0].heading == "办理材料"
    assert guess_kind(Path("post.html"), doc) == "post"


def test_wechat_publish_date_from_script_when_missing(tmp_path: Path):
    path = make_wechat_html(tmp_path / "post.html", "Notice", "<p>Road closed on Friday.</p>", published="")
    assert load_file(path).meta["published"] == "2026-01-01 08:00"


def test_plain_html_uses_title_and_body(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Stats</title><script>x=1</script></head><body><h1>Reads</h1><p>Count reads.</p></body></html>"
    )
    doc = load_file(path)
    assert doc.title == "Stats" and "Count reads." in doc.text and "x=1" not in doc.text


# --------------------------------------------------------------------------- bad input


def test_encrypted_pdf(tmp_path: Path):
    with pytest.raises(EncryptedDocument, match="password-protected"):
        load_file(make_encrypted_pdf(tmp_path / "locked.pdf"))


def test_corrupt_pdf(tmp_path: Path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(truncated(pdf_bytes(["Some text here."]), 0.3))
    with pytest.raises((CorruptDocument, EmptyDocument)):
        load_file(path)


def test_scanned_pdf_says_it_may_be_scanned(tmp_path: Path):
    with pytest.raises(NoExtractableText, match="scanned"):
        load_file(make_scanned_pdf(tmp_path / "scan.pdf"))


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(EmptyDocument, match="empty"):
        load_file(path)


def test_whitespace_only_file(tmp_path: Path):
    path = tmp_path / "blank.md"
    path.write_text("  \n\n \t\n")
    with pytest.raises(EmptyDocument):
        load_file(path)


def test_unsupported_type(tmp_path: Path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04 whatever")
    with pytest.raises(UnsupportedFileType, match="xlsx"):
        load_file(path)


def test_file_over_limit(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_text("政务" * 100_000)
    with pytest.raises(FileTooLarge, match="APP_MAX_FILE_MB"):
        load_file(path, max_bytes=100_000)


def test_pdf_extension_on_other_content(tmp_path: Path):
    path = tmp_path / "fake.pdf"
    path.write_text("just text pretending")
    with pytest.raises(CorruptDocument, match="not a PDF"):
        load_file(path)


def test_binary_in_text_file(tmp_path: Path):
    path = tmp_path / "fake.txt"
    path.write_bytes(pdf_bytes(["hello"]))
    with pytest.raises(CorruptDocument, match="binary"):
        load_file(path)


def test_zip_bomb_docx_refused(tmp_path: Path):
    with pytest.raises(CorruptDocument, match="zip bomb"):
        load_file(make_zip_bomb_docx(tmp_path / "bomb.docx"))


def test_invalid_encoding(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\x81\x30\xff\xfe\xfd" * 10)
    with pytest.raises(CorruptDocument, match="UTF-8"):
        load_file(path)
