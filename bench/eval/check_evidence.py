"""Check that every evaluation question's evidence really occurs in its document.

Usage: ``python bench/eval/check_evidence.py [questions.jsonl ...]``
(default: every ``questions*.jsonl`` next to this script).

The retrieval benchmark scores a hit by looking for the evidence in the retrieved
text, so a typo in the evidence, or a document whose built text differs from its
source (PDF line breaks, GB18030 decoding), would silently make a question
unanswerable. Text is compared with all whitespace removed, because PDF extraction
breaks lines anywhere.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "knowledge" / "samples"
_WS = re.compile(r"\s+")


def document_text(path: Path) -> str:
    """Extract text the simple way, independently of the app's loaders."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    if suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def find_document(name: str) -> Path:
    matches = [p for p in SAMPLES.rglob(name) if "src" not in p.relative_to(SAMPLES).parts]
    if len(matches) != 1:
        raise SystemExit(f"{name}: expected exactly one built file under {SAMPLES}, found {len(matches)}")
    return matches[0]


def check(question: dict, texts: dict[str, str]) -> list[str]:
    """Problems with one question (empty list when it is fine)."""
    qid, doc, evidence = question["id"], question.get("doc"), question.get("evidence", "")
    if question.get("type") == "none" or doc is None:
        return [] if doc is None and not evidence else [f"{qid}: a 'none' question needs doc null, evidence ''"]
    problems = []
    if not 6 <= len(evidence) <= 60 or "\n" in evidence:
        problems.append(f"{qid}: evidence must be one line of 6-60 characters ({len(evidence)})")
    if doc not in texts:
        texts[doc] = _WS.sub("", document_text(find_document(doc)))
    needle = _WS.sub("", evidence)
    count = texts[doc].count(needle)
    if count == 0:
        problems.append(f"{qid}: evidence not found in {doc}: {evidence!r}")
    elif count > 1:
        print(f"note: {qid}: evidence occurs {count} times in {doc}")
    return problems


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(Path(__file__).parent.glob("questions*.jsonl"))
    texts: dict[str, str] = {}
    problems: list[str] = []
    total = 0
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                total += 1
                problems += check(json.loads(line), texts)
    for problem in problems:
        print(problem)
    print(f"{total} questions checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
