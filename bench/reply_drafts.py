"""Does the reply desk's draft say back what the citizen wrote about? And does it keep other
towns' cases out of the reply?

    .venv/bin/python bench/reply_drafts.py [--before] [--limit N]

Drafts a reply to every message of bench/reply_messages.jsonl (same development / held-out split
as bench/reply_classifier.py: ``id`` a multiple of 3 is held out) against a temporary knowledge
base with the district's message-handling rules (zh, en) and two sample posts, one of which answers
another town's street lights, potholes and other questions (zh-post-faq-reply.html). Counts, per
part, the drafts whose reply mentions the subject, the place and the duration each message was
annotated with (exact text of the message), the drafts whose reply quotes a sample post, and those
that repeat a phone number. ``--before`` drafts with the version of desk/replies.py in git's
HEAD, for the before/after comparison. Writes bench/results/reply_drafts[_before].json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402

from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

SAMPLES = ROOT / "knowledge" / "samples"
DOCS = [
    SAMPLES / "policies" / "zh-message-handling.docx",
    SAMPLES / "policies" / "en-message-handling.md",
    SAMPLES / "posts" / "zh-post-faq-reply.html",
    SAMPLES / "posts" / "zh-post-service-guide.html",
]
PHONE = re.compile(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}|0\d{2,3}[ -]?\d{3,4}[ -]?\d{4}")
RECEIVED = dt.date(2026, 6, 1)


def replies_module(before: bool):  # type: ignore[no-untyped-def]
    if not before:
        import desk.replies as module

        return module
    source = subprocess.run(
        ["git", "show", "HEAD:desk/replies.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "replies_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("knowledge._replies_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="store_true", help="draft with git HEAD's desk/replies.py")
    parser.add_argument("--limit", type=int, default=0, help="only the first N messages (a quick look)")
    args = parser.parse_args()
    started = time.perf_counter()
    replies = replies_module(args.before)
    rows = [json.loads(line) for line in (ROOT / "bench" / "reply_messages.jsonl").read_text("utf-8").splitlines()]
    rows = rows[: args.limit] if args.limit else rows
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings.from_env({}, data_dir=Path(tmp) / "data"))
        kb.ingest(DOCS)
        posts = {p.name for p in DOCS[2:]}  # citations name the document by its file name
        counts: dict[str, dict[str, int]] = {}
        per_message = []
        for row in rows:
            part = "held_out" if row["id"] % 3 == 0 else "dev"
            c = counts.setdefault(part, {})
            draft = replies.draft_reply(kb, row["text"], received=RECEIVED)
            reply = draft.reply
            found = {}
            for key in ("subject", "place", "since"):
                if key in row:
                    c[f"{key}_annotated"] = c.get(f"{key}_annotated", 0) + 1
                    found[key] = row[key].lower() in reply.lower()
                    c[f"{key}_in_reply"] = c.get(f"{key}_in_reply", 0) + found[key]
            quoted_posts = [x.n for x in draft.citations if x.doc in posts and f"[{x.n}]" in reply]
            c["drafts"] = c.get("drafts", 0) + 1
            c["reply_quotes_a_post"] = c.get("reply_quotes_a_post", 0) + bool(quoted_posts)
            had_phone = bool(PHONE.search(row["text"]))
            c["messages_with_phone"] = c.get("messages_with_phone", 0) + had_phone
            c["reply_repeats_phone"] = c.get("reply_repeats_phone", 0) + bool(had_phone and PHONE.search(reply))
            per_message.append({"id": row["id"], "part": part, "found": found, "quoted_posts": quoted_posts})
        kb.close()
    for part, c in counts.items():
        print(f"{part}: {c['drafts']} drafts")
        for key in ("subject", "place", "since"):
            n = c.get(f"{key}_annotated", 0)
            print(f"  mentions the {key:<8} {c.get(f'{key}_in_reply', 0)}/{n}")
        print(f"  reply quotes a sample post: {c['reply_quotes_a_post']}")
        print(f"  reply repeats a phone number: {c['reply_repeats_phone']}/{c['messages_with_phone']}")
    name = "reply_drafts_before.json" if args.before else "reply_drafts.json"
    write_results(ROOT / "bench" / "results" / name, {"parts": counts, "messages": per_message}, started)


if __name__ == "__main__":
    main()
