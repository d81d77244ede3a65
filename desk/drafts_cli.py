"""``python -m knowledge check-draft FILE [--json]``: the pre-publish checker from the command line.

JSON: ``{"findings": [{"rule", "name", "severity", "start", "end", "message", "citation"}], "suggested_release": ...}``
with offsets into the title, a blank line and the body (as :attr:`DraftReport.text`); ``name`` is the rule's
name in the draft's language.
"""

from __future__ import annotations

import argparse
import json

from desk.drafts import check_draft, read_draft
from desk.errors import DraftError
from knowledge.kb import KnowledgeBase


def cmd_check_draft(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise DraftError(f"Cannot read {args.file} ({exc.strerror}) - check the path") from exc
    draft = read_draft(args.file.name, data)
    report = check_draft(draft.title, draft.body, kb=kb, html=draft.html)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(report.review_sheet())
    return 0
