"""Precision and recall of the pre-publish checker's rules, per rule, on a development and a held-out part.

    .venv/bin/python bench/draft_rules_eval.py [--part dev|heldout|both] [--show-misses]

The set is ``bench/draft_set.yaml``: realistic drafts written for the bench (service notices, event
posts, policy explainers, emergency alerts, features; Chinese and English; 45+ clean ones), each with
the rule ids a careful reviewer would raise. The checker runs on rules only (no knowledge base: the
originality check and citations are measured elsewhere), with the reference day 2026-12-07, which
dates written without a year are read against. A rule is scored per draft: raised or not, against
expected or not (TP / FP / FN counted over drafts).

**Split.** A draft is held out when ``int(sha256(id)[:8], 16) % 3 == 0`` (about a third). The split is
fixed by the ids alone and was written to ``bench/draft_split.yaml`` before any rule was changed;
rules were written looking at the development part only. ``--show-misses`` lists the misses of the
development part; the held-out part reports figures only, unless ``--show-misses --part heldout``.

**What each scored rule means** (the labels follow these, not the checker's output):

- ``title.vague``: the title has only generic words (通知, 温馨提示, Important notice).
- ``title.clickbait`` / ``wording.clickbait``: clickbait in the title / in the body (震惊, 速看, 紧急扩散,
  重磅, 99%的人都不知道, 赶紧转发, shocking, must read, you won't believe, rows of !!).
- ``wording.serious`` / ``wording.typo`` / ``wording.sensitive`` / ``wording.style``: an entry of the
  shipped sample word lists (the lists are samples: a draft with a typo they lack is not labelled).
- ``wording.officialese``: formulaic bureaucratic phrases that tell the reader nothing (为进一步做好,
  切实, 高度重视, 根据上级有关文件精神, 取得显著成效, 营造良好氛围, "in accordance with the relevant
  provisions", "eligible applicants may submit").
- ``wording.threat``: menacing the reader with vague consequences (后果自负, 严肃处理, 追究责任, 决不姑息,
  "will bear all consequences", "severely punished"); a specific penalty under a named rule is not a threat.
- ``wording.absolute``: an absolute or unrealistic promise about the future (确保…100%, 万无一失, 绝对安全,
  零发生, 彻底解决, 保证每一位, "completely safe", "zero risk", "guaranteed"); a reported figure
  (办结率99.2%) is not.
- ``date.weekday`` / ``date.invalid``: a weekday that does not match its date (周/星期/礼拜, Monday…; with or
  without a year) / a date that does not exist (2月29日 in 2027, 31 April).
- ``service.phone`` / ``service.address`` / ``service.source``: a service post (it tells readers how to
  get something done: apply, register, sign up, pay, book, collect, report a repair) gives no phone
  number / names no place to go (an office, a window, a street address) / names no source (a policy
  or a "来源/Source" line). A post that only mentions a procedure (不用报名, 不需要本人申请, 暂停办理)
  is not a service post.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import inspect
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk.drafts import check_draft  # noqa: E402

SET = ROOT / "bench" / "draft_set.yaml"
SPLIT = ROOT / "bench" / "draft_split.yaml"
TODAY = dt.date(2026, 12, 7)
SCORED = (
    "title.vague",
    "title.clickbait",
    "wording.serious",
    "wording.typo",
    "wording.sensitive",
    "wording.style",
    "wording.clickbait",
    "wording.officialese",
    "wording.threat",
    "wording.absolute",
    "date.weekday",
    "date.invalid",
    "service.phone",
    "service.address",
    "service.source",
)


def part_of(draft_id: str) -> str:
    return "heldout" if int(hashlib.sha256(draft_id.encode()).hexdigest()[:8], 16) % 3 == 0 else "dev"


def load() -> list[dict]:
    drafts = yaml.safe_load(SET.read_text(encoding="utf-8"))
    split = yaml.safe_load(SPLIT.read_text(encoding="utf-8")) if SPLIT.exists() else None
    for d in drafts:
        d["part"] = part_of(d["id"])
        if split is not None and d["id"] not in split.get(d["part"], []):
            raise SystemExit(f"{d['id']}: not in the recorded split {SPLIT.name}")
    return drafts


def raised(draft: dict) -> set[str]:
    kwargs: dict[str, Any] = {"today": TODAY} if "today" in inspect.signature(check_draft).parameters else {}
    report = check_draft(draft["title"], draft["body"], wordlists=None, **kwargs)
    return {f.rule for f in report.findings} & set(SCORED)


def score(drafts: list[dict], show: bool) -> dict[str, dict[str, Any]]:
    counts = {r: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for r in SCORED}
    misses = []
    for d in drafts:
        got, want = raised(d), set(d["expect"])
        unknown = want - set(SCORED)
        if unknown:
            raise SystemExit(f"{d['id']}: unknown rule ids {sorted(unknown)}")
        for r in SCORED:
            counts[r]["support"] += r in want
            counts[r]["tp"] += r in got and r in want
            counts[r]["fp"] += r in got and r not in want
            counts[r]["fn"] += r in want and r not in got
        if got != want:
            misses.append((d["id"], sorted(got - want), sorted(want - got)))
    if show:
        for draft_id, extra, missing in misses:
            print(f"  {draft_id}: extra {extra} missing {missing}")
    out = {}
    for r, c in counts.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
        rec = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
        out[r] = {**c, "precision": p, "recall": rec}
    return out


def fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["dev", "heldout", "both"], default="both")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--write-split", action="store_true", help="record the split (done once, before rules)")
    args = parser.parse_args()
    drafts = load()
    if args.write_split:
        split = {p: [d["id"] for d in drafts if d["part"] == p] for p in ("dev", "heldout")}
        SPLIT.write_text(
            "# Written by bench/draft_rules_eval.py --write-split before any rule was changed; see its docstring.\n"
            + yaml.safe_dump(split, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
    parts = ["dev", "heldout"] if args.part == "both" else [args.part]
    results = {}
    for part in parts:
        chosen = [d for d in drafts if d["part"] == part]
        show = args.show_misses and (part == "dev" or args.part == "heldout")
        print(f"\n{part}: {len(chosen)} drafts ({sum(1 for d in chosen if not d['expect'])} clean)")
        results[part] = score(chosen, show)
    print("\n| rule | " + " | ".join(f"{p} P | {p} R | {p} n" for p in parts) + " |")
    print("|---|" + "---|---|---|" * len(parts))
    for r in SCORED:
        cells = []
        for p in parts:
            c = results[p][r]
            cells += [fmt(c["precision"]), fmt(c["recall"]), str(c["support"])]
        print(f"| {r} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
