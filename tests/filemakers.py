"""Real files of every format, made inside the tests (including broken ones)."""

from __future__ import annotations

import zipfile
from pathlib import Path

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font() -> str:
    for candidate in CJK_FONTS:
        if Path(candidate).exists():
            return candidate
    raise RuntimeError("No CJK font: apt-get install fonts-wqy-microhei (scripts/setup.sh does this)")


def pdf_bytes(pages: list[str], *, title: str = "") -> bytes:
    """A text PDF, one string per page (paragraphs split on newlines), Chinese and English alike."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.add_font("cjk", fname=cjk_font())
    for text in pages:
        pdf.add_page()
        pdf.set_font("cjk", size=11)
        for para in text.split("\n"):
            pdf.multi_cell(0, 7, para)
            pdf.ln(2)
    return bytes(pdf.output())


def make_pdf(path: Path, pages: list[str], *, title: str = "") -> Path:
    path.write_bytes(pdf_bytes(pages, title=title))
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawings and no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, text: str = "Secret minutes of the editorial meeting.") -> Path:
    import pypdf

    plain = make_pdf(path.with_suffix(".plain.pdf"), [text])
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="s3cret", owner_password="owner")
    with open(path, "wb") as handle:
        writer.write(handle)
    plain.unlink()
    return path


def make_docx(path: Path, blocks: list[tuple[str, str]], *, title: str = "") -> Path:
    """blocks: (style, text) with style 'h1', 'h2' or 'p'."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for style, text in blocks:
        if style.startswith("h"):
            document.add_heading(text, level=int(style[1]))
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def make_zip_bomb_docx(path: Path) -> Path:
    """A .docx whose parts expand to far more than any real document."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (300 * 1024 * 1024) + b"</w:document>")
    return path


WECHAT_ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta property="og:title" content="{title}">
<title>{title}</title>
<style>.rich_media_title{{font-size:22px}} body{{color:#333}}</style>
<script>var ct = "1767225600"; var nickname = "{account}"; function track(){{ return "SCRIPT-TEXT"; }}</script>
</head><body><div id="js_article" class="rich_media">
<h1 class="rich_media_title" id="activity-name">{title}</h1>
<div id="meta_content"><span id="profileBt"><a id="js_name">{account}</a></span>
<em id="publish_time">{published}</em></div>
<div class="rich_media_content" id="js_content">{body}</div>
</div><div class="qr_code_pc"><p>QR-FOOTER-TEXT 长按识别二维码</p></div>
<script>console.log("MORE-SCRIPT")</script></body></html>"""


def make_wechat_html(
    path: Path, title: str, body: str, *, account: str = "柳塘发布", published: str = "2026-03-12 18:30"
) -> Path:
    path.write_text(WECHAT_ARTICLE.format(title=title, account=account, published=published, body=body), "utf-8")
    return path


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: max(1, int(len(data) * fraction))]
