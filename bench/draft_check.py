"""Time of the pre-publish checker on a 3,000-character Chinese draft, with the model loaded.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/draft_check.py [--runs 7] [--chars 3000] [--threads N]

A temporary knowledge base holds four sample manuals (zh/en mobile writing, content calendar,
publishing workflow); the draft is built from the sample posts, with one paragraph copied from
the Chinese writing manual so the originality check has something to find. The model is loaded
and one search run before timing. The first check is timed on its own (citations are looked up
then, and cached per set of documents); the median is over ``--runs`` further checks. Writes
bench/results/draft_check.json.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402  (sets the environment first)

from desk.drafts import check_draft  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.loaders import load_file  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

SAMPLES = ROOT / "knowledge" / "samples"
MANUALS = ["zh-mobile-writing.md", "en-mobile-writing.md", "en-content-calendar.md", "zh-publishing-workflow.md"]
POSTS = ["zh-post-service-guide.html", "zh-post-policy-explained.html", "zh-post-public-notice.html"]
COPIED = (
    "2026年城乡居民医保开始缴费了。缴费时间：2026年1月5日至3月31日。"
    "可以用微信搜索“柳塘医保”缴费，也可以到所在镇（街道）便民服务中心办理。"
)


def make_draft(chars: int) -> tuple[str, str]:
    paragraphs = [COPIED]
    for name in POSTS:
        paragraphs += [line for line in load_file(SAMPLES / "posts" / name).text.split("\n") if line.strip()]
    body, total = [], 0
    for para in paragraphs * 3:
        if total >= chars:
            break
        body.append(para[: chars - total])
        total += len(body[-1])
    return "城乡居民医保缴费和加装电梯补贴办事指南", "\n".join(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chars", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=0, help="OpenMP threads (read by benchenv)")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings.from_env(data_dir=Path(tmp)))
        results = kb.ingest([SAMPLES / "manuals" / m for m in MANUALS])
        chunks = sum(r.chunks for r in results)
        kb.search("标题 字节", 3)  # loads the model and the vector store
        title, body = make_draft(args.chars)
        t0 = time.perf_counter()
        report = check_draft(title, body, kb=kb)
        first = time.perf_counter() - t0
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            check_draft(title, body, kb=kb)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        check_draft(title, body)
        no_kb = time.perf_counter() - t0
        kb.close()
    payload = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "draft_chars": len(body),
        "title": title,
        "kb_chunks": chunks,
        "findings": len(report.findings),
        "originality_matches": len(report.matches),
        "first_s": first,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": args.runs,
        "rules_only_s": no_kb,
    }
    print(f"| draft | findings | first check | median of {args.runs} | min–max | rules only (no kb) |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(body)} chars, kb {chunks} chunks | {len(report.findings)} ({len(report.matches)} copy) "
        f"| {first:.2f} s | {payload['median_s']:.2f} s | {payload['min_s']:.2f}–{payload['max_s']:.2f} s "
        f"| {no_kb * 1000:.0f} ms |"
    )
    write_results(ROOT / "bench" / "results" / "draft_check.json", payload, started)


if __name__ == "__main__":
    main()
