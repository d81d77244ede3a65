"""Check that every evidence string in questions-guides.jsonl occurs in its document.

Usage: ``.venv/bin/python bench/eval/check_guides_evidence.py``

For each question with a ``doc``, the document's visible text is extracted
independently of the app's loaders (BeautifulSoup for saved WeChat pages, python-docx
for DOCX, ``utf-8-sig`` for TXT, light Markdown stripping for MD). All whitespace is
removed from both the text and the evidence before the substring test. The script also
checks the file's shape: 34 questions, the type counts, evidence length and markup,
that cross-language questions really cross languages, and that HTML evidence sits in a
single text node written without entities. Exits non-zero with a list of problems.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "knowledge" / "samples"
QUESTIONS = Path(__file__).resolve().parent / "questions-guides.jsonl"
MANIFEST = SAMPLES / "manifest-guides.yaml"
EXPECTED_TYPES = {"same": 22, "cross": 6, "none": 6}

_WS = re.compile(r"\s+")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+", re.M)
_MD_ITEM = re.compile(r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_INLINE = re.compile(r"\*\*|__|`")


def squash(text: str) -> str:
    return _WS.sub("", text)


def markdown_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8-sig")
    text = _MD_HEADING.sub("", text)
    text = _MD_ITEM.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    return _MD_INLINE.sub("", text)


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def html_soup(path: Path):  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes().decode("utf-8-sig"), "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    return soup


def html_text(path: Path) -> str:
    soup = html_soup(path)
    body = soup.select_one("#js_content")
    if body is None:
        return soup.get_text("\n")
    title = soup.select_one("#activity-name")
    return (title.get_text("\n") if title else "") + "\n" + body.get_text("\n")


def visible_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".md":
        return markdown_text(path)
    if suffix == ".docx":
        return docx_text(path)
    if suffix == ".txt":
        return path.read_text(encoding="utf-8-sig")
    if suffix in (".html", ".htm"):
        return html_text(path)
    raise SystemExit(f"{path.name}: no extractor for '{suffix}'")


def html_single_node(path: Path, evidence: str) -> bool:
    """True if the evidence lies inside one text node of #js_content (no tags inside)."""
    soup = html_soup(path)
    body = soup.select_one("#js_content") or soup
    target = squash(evidence)
    return any(target in squash(str(s)) for s in body.find_all(string=True))


def manifest_docs() -> dict[str, dict[str, str]]:
    entries = yaml.safe_load(MANIFEST.read_text(encoding="utf-8")) or []
    return {Path(e["file"]).name: e for e in entries}


def main() -> int:
    docs = manifest_docs()
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    problems: list[str] = []
    if len(questions) != 34:
        problems.append(f"expected 34 questions, found {len(questions)}")
    counts = Counter(q["type"] for q in questions)
    if dict(counts) != EXPECTED_TYPES:
        problems.append(f"type counts {dict(counts)} != {EXPECTED_TYPES}")
    ids = [q["id"] for q in questions]
    if len(set(ids)) != len(ids):
        problems.append("duplicate ids")
    texts: dict[str, str] = {}
    for q in questions:
        qid, doc, evidence, kind = q["id"], q["doc"], q["evidence"], q["type"]
        if set(q) != {"id", "question", "lang", "doc", "evidence", "type"}:
            problems.append(f"{qid}: unexpected keys {sorted(q)}")
        if q["lang"] not in ("zh", "en"):
            problems.append(f"{qid}: lang must be zh or en")
        if kind == "none":
            if doc is not None or evidence != "":
                problems.append(f"{qid}: a 'none' question needs doc null and evidence ''")
            continue
        if doc not in docs:
            problems.append(f"{qid}: doc '{doc}' is not in {MANIFEST.name}")
            continue
        doc_lang = docs[doc]["language"]
        if kind == "same" and doc_lang != q["lang"]:
            problems.append(f"{qid}: 'same' question in {q['lang']} but {doc} is {doc_lang}")
        if kind == "cross" and doc_lang == q["lang"]:
            problems.append(f"{qid}: 'cross' question in the same language as {doc}")
        if not 6 <= len(evidence) <= 60 or "\n" in evidence:
            problems.append(f"{qid}: evidence must be one line of 6-60 characters ({len(evidence)})")
        if re.search(r"\*\*|__|`|^#|<|&[a-z#0-9]+;", evidence):
            problems.append(f"{qid}: evidence contains markup")
        path = SAMPLES / docs[doc]["file"]
        if not path.exists():
            problems.append(f"{qid}: {path} does not exist (run build.py?)")
            continue
        if doc not in texts:
            texts[doc] = squash(visible_text(path))
        hits = texts[doc].count(squash(evidence))
        if hits == 0:
            problems.append(f"{qid}: evidence not found in {doc}: {evidence!r}")
        elif hits > 1:
            print(f"note {qid}: evidence occurs {hits} times in {doc}")
        if path.suffix.lower() in (".html", ".htm"):
            if not html_single_node(path, evidence):
                problems.append(f"{qid}: evidence is not inside a single text node of {doc}")
            if squash(evidence) not in squash(path.read_text(encoding="utf-8-sig")):
                problems.append(f"{qid}: evidence is not written literally in the HTML source of {doc}")
    for p in problems:
        print("FAIL", p)
    print(f"{len(questions)} questions, {dict(counts)}; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
