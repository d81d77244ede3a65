"""The pre-publish checker: a draft post in, a list of findings for the human reviewer out.

It never blocks a post; it informs. Each finding has a rule id, a severity (info, warning,
error), character offsets into :attr:`DraftReport.text` (the title, a blank line, then the
body), a message in the draft's language and, when a rule of the knowledge base supports it,
a citation: document, page and the exact sentence. Citations are found in the knowledge base
the user has, by keyword search plus an anchor phrase, so a district that replaces the sample
manuals gets its own rules cited (or none, rather than a made-up one).

Originality: the draft's sentences are looked up in the knowledge base and compared character by
character (difflib) with the sentences of the chunks found, so a near-copy is flagged and a real
rewrite is not. Candidates come from ``kb.search`` (hybrid, with the embedding model) for the
opening passage and from keyword search for every sentence: a copy shares its words, and
embedding every sentence of a 3,000-character draft would take seconds on a CPU.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import fcntl
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from desk.errors import DraftError
from knowledge.language import detect_language

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase
    from knowledge.retrieval import Hit
    from knowledge.settings import Settings

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
WORDLIST_DIR = Path(__file__).resolve().parent / "wordlists"
ADMIN_WORDLIST = "wordlist.yaml"  # in the data folder: the words admins added in the app
FAMILY_DIR = WORDLIST_DIR / "families"  # kinds of wording (threats, officialese...) as patterns, not words
CATEGORIES: dict[str, Severity] = {"serious": "error", "typo": "warning", "sensitive": "warning", "style": "info"}

# The platform's limit and the sample district's own guidance (zh-mobile-writing.md / en-mobile-writing.md,
# marked "本区做法 / district practice" there). WeChat's developer documentation for adding a draft (draft_add,
# checked December 2026) says a title is "总长度不超过32个字"; the 2023 mass-message rules said 64 bytes
# (DOMAIN.md A10). They agree when a Chinese character counts as two units and a letter or digit as one,
# and disagree with counting UTF-8 bytes (3 per Chinese character, i.e. 21 characters) - issue 20.
TITLE_MAX_UNITS = 64  # = 32 Chinese characters; how Latin letters count is not documented (unverified)
TITLE_MAX_ZH_CHARS = 20
PARAGRAPH_MAX = {"zh": 100, "en": 60}  # characters / words
SENTENCE_MAX = {"zh": 30, "en": 20}
SENTENCE_VERY_LONG = {"zh": 60, "en": 40}
BODY_LONG = {"zh": 2500, "en": 1200}  # the checker's own heuristic: past this, subheadings are a must
ORIGINALITY_MIN_RATIO = 0.8
DENSE_QUERY_CHARS = 160  # the embedding model costs ~2.5 ms a token on a CPU: the dense query stays short
ORIGINALITY_MIN_LEN = {"zh": 12, "en": 40}  # normalised characters; shorter sentences match by chance

# Every rule's name for people (zh, en): the interface and the review sheet show these, not the ids.
RULE_NAMES: dict[str, tuple[str, str]] = {
    "title.empty": ("标题为空", "Empty title"),
    "title.length": ("标题长度", "Title length"),
    "title.vague": ("标题太笼统", "Vague title"),
    "title.clickbait": ("标题党", "Clickbait title"),
    "body.empty": ("正文为空", "Empty body"),
    "body.length": ("正文过长", "Long body"),
    "paragraph.long": ("段落过长", "Long paragraph"),
    "sentence.long": ("句子过长", "Long sentence"),
    "wording.serious": ("严重表述错误", "Serious wording error"),
    "wording.typo": ("错别字", "Typo"),
    "wording.sensitive": ("敏感表述", "Sensitive wording"),
    "wording.style": ("文风问题", "Style"),
    "wording.clickbait": ("标题党、诱导转发用语", "Clickbait wording"),
    "wording.officialese": ("公文腔、套话", "Officialese"),
    "wording.threat": ("威胁、训斥式措辞", "Threatening wording"),
    "wording.absolute": ("绝对化承诺", "Absolute promise"),
    "date.weekday": ("星期与日期不符", "Weekday does not match the date"),
    "date.invalid": ("日期不存在", "Date does not exist"),
    "service.phone": ("缺少咨询电话", "No contact phone"),
    "service.address": ("缺少办理地点", "No place to go"),
    "service.source": ("缺少信息来源", "No source"),
    "image.alt": ("图片缺少说明", "Image without a caption"),
    "originality": ("与知识库内容相近", "Close to knowledge-base text"),
    "fact.date": ("日期", "Date"),
    "fact.deadline": ("截止时间", "Deadline"),
    "fact.time": ("时间", "Time"),
    "fact.phone": ("电话", "Phone number"),
    "fact.amount": ("金额", "Amount"),
    "fact.address": ("地址", "Address"),
    "fact.office": ("单位名称", "Office name"),
}
CATEGORY_NAMES: dict[str, tuple[str, str]] = {c: RULE_NAMES[f"wording.{c}"] for c in CATEGORIES}


def rule_name(rule: str, language: str) -> str:
    """A rule's name in ``language`` (zh or en); an unknown id is shown as it is."""
    names = RULE_NAMES.get(rule)
    return names[0 if language == "zh" else 1] if names else rule


@dataclass(frozen=True)
class Citation:
    doc: str
    title: str
    page: int
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"doc": self.doc, "title": self.title, "page": self.page, "text": self.text}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    start: int
    end: int
    message: str
    citation: Citation | None = None
    excerpt: str = ""  # the draft's text at [start, end), for display
    similarity: float = 0.0  # originality only: difflib ratio of the passage and the matched text

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "citation": self.citation.as_json() if self.citation else None,
        }


@dataclass(frozen=True)
class Release:
    """A suggested release window, with the rules it comes from."""

    window: str
    reason: str
    basis: str  # "manual": from the knowledge base's calendar rules only; "history": the account's data too
    citations: tuple[Citation, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "reason": self.reason,
            "basis": self.basis,
            "citations": [c.as_json() for c in self.citations],
        }


@dataclass
class DraftReport:
    title: str
    body: str
    language: str
    findings: list[Finding] = field(default_factory=list)
    suggested_release: Release | None = None
    checked_at: str = ""

    @property
    def text(self) -> str:
        """What the offsets point into: the title, a blank line, the body."""
        return f"{self.title}\n\n{self.body}"

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity and not f.rule.startswith("fact.")]

    @property
    def facts(self) -> list[Finding]:
        return [f for f in self.findings if f.rule.startswith("fact.")]

    @property
    def matches(self) -> list[Finding]:
        return [f for f in self.findings if f.rule == "originality"]

    def as_json(self) -> dict[str, Any]:
        return {
            "findings": [{**f.as_json(), "name": rule_name(f.rule, self.language)} for f in self.findings],
            "suggested_release": self.suggested_release.as_json() if self.suggested_release else None,
        }

    def review_sheet(self) -> str:
        """A Markdown review sheet for the review-before-publishing record (审核单 attachment).

        Draft and knowledge-base text is quoted inside code spans, so nothing in it renders."""
        zh = self.language == "zh"
        lines = [
            "# 稿件发布前检查单" if zh else "# Pre-publish review sheet",
            "",
            f"- {'标题' if zh else 'Title'}: {_code(self.title)}",
            f"- {'检查时间' if zh else 'Checked at'}: {self.checked_at}",
            f"- {'正文字数' if zh else 'Body length'}: {_length_label(self.body, self.language)}",
            f"- {'说明' if zh else 'Note'}: "
            + (
                "本检查只提示问题，不代替三审三校；是否发布由审核人决定。"
                if zh
                else "The checker informs; it does not replace the review. The reviewers decide."
            ),
            "",
        ]
        headings = {"error": ("需要改正", "Errors"), "warning": ("建议修改", "Warnings"), "info": ("提示", "Notes")}
        for severity in SEVERITIES:
            items = self.by_severity(severity)
            if not items:
                continue
            lines += [f"## {headings[severity][0 if zh else 1]} ({len(items)})", ""]
            lines += [
                "| # | 问题 | 位置 | 原文 | 说明 | 依据 |" if zh else "| # | rule | at | excerpt | message | source |",
                "|---|---|---|---|---|---|",
            ]
            for i, f in enumerate(items, 1):
                lines.append(
                    f"| {i} | {rule_name(f.rule, self.language)} | {f.start}-{f.end} | {_code(f.excerpt[:60])} "
                    f"| {_cell(f.message)} "
                    f"| {_cell(_cite_label(f.citation))} |"
                )
            lines.append("")
        if self.facts:
            lines += [f"## {'需要核对的事实' if zh else 'Facts to double-check'} ({len(self.facts)})", ""]
            lines += ["| # | 类别 | 原文 | 已核对 |" if zh else "| # | kind | text | checked |", "|---|---|---|---|"]
            for i, f in enumerate(self.facts, 1):
                lines.append(f"| {i} | {rule_name(f.rule, self.language)} | {_code(f.excerpt)} | ☐ |")
            lines.append("")
        if self.suggested_release:
            r = self.suggested_release
            lines += [f"## {'建议发布时间' if zh else 'Suggested release'}", "", _cell(r.window), "", _cell(r.reason)]
            lines += [f"- {_cell(_cite_label(c))}" for c in r.citations]
            lines.append("")
        lines += [
            f"## {'审核签字' if zh else 'Sign-off'}",
            "",
            ("| 环节 | 姓名 | 时间 |" if zh else "| step | name | date |"),
            "|---|---|---|",
        ]
        steps = ("编辑初审", "科室负责人复审", "分管领导终审") if zh else ("Editor", "Section head", "Leader in charge")
        lines += [f"| {s} |  |  |" for s in steps]
        return "\n".join(lines) + "\n"

    def findings_csv(self) -> str:
        """The findings as CSV (rule, severity, start, end, excerpt, message, doc, page, snippet)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["rule", "severity", "start", "end", "excerpt", "message", "doc", "page", "snippet"])
        for f in self.findings:
            c = f.citation
            writer.writerow(
                [f.rule, f.severity, f.start, f.end, f.excerpt, f.message, c.doc if c else "", c.page if c else "",
                 c.text if c else ""]
            )  # fmt: skip
        return out.getvalue()


def _code(text: str) -> str:
    text = " ".join(text.split()).replace("`", "'").replace("|", "¦")
    return f"`{text}`" if text else ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "¦")


def _cite_label(c: Citation | None) -> str:
    if c is None:
        return ""
    return f"{c.doc} p.{c.page}: “{c.text[:120]}”"


def _length_label(text: str, language: str) -> str:
    return f"{_count(text, language)} {'字' if language == 'zh' else 'words'}"


# ---------------------------------------------------------------------- counting
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")


def _count(text: str, language: str) -> int:
    """Characters (no spaces or punctuation) for Chinese, words for English."""
    if language == "en":
        return len(_WORD.findall(text))
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch)[0] in "LN")


def _lang(text: str, default: str) -> str:
    found = detect_language(text)
    return found if found in ("zh", "en") else default


# ---------------------------------------------------------------------- the word lists
@dataclass(frozen=True)
class WordRule:
    wrong: str
    suggestion: str
    category: str
    note: str = ""
    source: str = ""  # the list it comes from

    @property
    def severity(self) -> Severity:
        return CATEGORIES.get(self.category, "warning")


def _read_list(path: Path) -> list[WordRule]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise DraftError(f"Word list {path.name} cannot be read ({exc}) - fix or remove the file") from exc
    if not isinstance(data, list):
        raise DraftError(f"Word list {path.name} must be a list of entries (wrong, suggestion, category, note)")
    rules = []
    for entry in data:
        if not isinstance(entry, dict) or not str(entry.get("wrong", "")).strip():
            raise DraftError(f"Word list {path.name}: every entry needs a 'wrong' text - fix the entry {entry!r}")
        rules.append(
            WordRule(
                str(entry["wrong"]).strip(),
                str(entry.get("suggestion") or "").strip(),
                str(entry.get("category") or "typo").strip(),
                str(entry.get("note") or "").strip(),
                path.name,
            )
        )
    return rules


def load_wordlists(data_dir: Path | None = None, *, folder: Path = WORDLIST_DIR) -> list[WordRule]:
    """The shipped sample lists plus the admins' additions in ``data_dir/wordlist.yaml``."""
    rules: list[WordRule] = []
    for path in sorted(folder.glob("*.yaml")):
        rules += _read_list(path)
    if data_dir is not None and (data_dir / ADMIN_WORDLIST).exists():
        rules += _read_list(data_dir / ADMIN_WORDLIST)
    return rules


def add_word(
    settings: Settings, user: Any, wrong: str, suggestion: str, category: str = "typo", note: str = ""
) -> WordRule:
    """Add an entry to the data folder's word list (admins only; the sample lists stay untouched)."""
    from trainer.people.accounts import require_role  # the role rules live with the accounts

    require_role(user, "admin")
    wrong, suggestion, note = wrong.strip(), suggestion.strip(), note.strip()
    if not wrong:
        raise DraftError("Enter the wording to look for · 请填写要查找的字词")
    if category not in CATEGORIES:
        raise DraftError(f"Category must be one of {', '.join(CATEGORIES)} · 类别须为其中之一")
    if wrong == suggestion:
        raise DraftError("The suggestion is the same as the wording · 建议写法与原字词相同")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / ADMIN_WORDLIST
    with open(settings.data_dir / ".wordlist.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = _read_list(path) if path.exists() else []
        entries = [e for e in entries if e.wrong != wrong]
        added_by = getattr(user, "username", "")
        rule = WordRule(wrong, suggestion, category, note or f"added by {added_by}", path.name)
        entries.append(rule)
        data = [{"wrong": e.wrong, "suggestion": e.suggestion, "category": e.category, "note": e.note} for e in entries]
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(
            "# Words added by admins in the app (Check a draft > Word list). Format: desk/wordlists/.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        os.replace(tmp, path)
    return rule


@dataclass(frozen=True)
class Family:
    """A kind of wording (threats, officialese, absolute promises, clickbait) as patterns: one file each."""

    rule: str
    severity: Severity
    why: str
    message: dict[str, str]
    scope: str  # "all" or "body"
    patterns: tuple[re.Pattern[str], ...]
    title_only: tuple[re.Pattern[str], ...] = ()


def _compile(entries: Any, path: Path, key: str) -> list[re.Pattern[str]]:
    out = []
    for lang in ("zh", "en"):
        for raw in (entries or {}).get(lang) or []:
            try:
                out.append(re.compile(str(raw), re.IGNORECASE if lang == "en" else 0))
            except re.error as exc:
                raise DraftError(f"Word family {path.name}: {key}.{lang} pattern {raw!r} is not valid ({exc})") from exc
    return out


def load_families(folder: Path = FAMILY_DIR) -> list[Family]:
    """The wording families shipped in ``desk/wordlists/families/`` (see the README there)."""
    key = str(folder)
    if key in _families_cache:
        return _families_cache[key]
    families = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise DraftError(f"Word family {path.name} cannot be read ({exc}) - fix or remove the file") from exc
        if not isinstance(data, dict) or not str(data.get("rule", "")).startswith("wording."):
            raise DraftError(f"Word family {path.name} needs a rule: wording.<name> - see families/README.md")
        severity = data.get("severity", "warning")
        if severity not in SEVERITIES:
            raise DraftError(f"Word family {path.name}: severity must be one of {', '.join(SEVERITIES)}")
        message = data.get("message") or {}
        families.append(
            Family(
                data["rule"],
                severity,
                str(data.get("why", "")),
                {"zh": str(message.get("zh", "")), "en": str(message.get("en", ""))},
                str(data.get("scope", "all")),
                tuple(_compile(data.get("patterns"), path, "patterns")),
                tuple(_compile(data.get("title_only"), path, "title_only")),
            )
        )
    _families_cache[key] = families
    return families


_families_cache: dict[str, list[Family]] = {}


# ---------------------------------------------------------------------- knowledge-base citations
@dataclass(frozen=True)
class _Anchor:
    query: str
    pattern: str


# Where each rule's support is found: a keyword query and the phrase the cited sentence must hold.
ANCHORS: dict[str, dict[str, _Anchor]] = {
    "title.length": {
        "zh": _Anchor("微信 图文 标题 最长 32个字", r"32\s*个字"),
        "en": _Anchor("WeChat article title at most 32 Chinese characters", r"32 Chinese characters"),
    },
    "title.vague": {
        "zh": _Anchor("标题 讲清 什么事 跟谁有关", r"标题要讲清"),
        "en": _Anchor("title say what the article is about who it is for", r"Say what the article is about"),
    },
    "title.clickbait": {
        "zh": _Anchor("不做标题党 震惊 必看", r"标题党"),
        "en": _Anchor("no clickbait shocking must read", r"clickbait"),
    },
    "paragraph.long": {
        "zh": _Anchor("每段 手机 三到四行 100字", r"每段控制"),
        "en": _Anchor("paragraph three or four lines phone 60 English words", r"Keep a paragraph"),
    },
    "sentence.long": {
        "zh": _Anchor("句子要短 不超过30字", r"句子要短"),
        "en": _Anchor("keep sentences short 20 English words", r"Keep sentences short"),
    },
    "body.length": {
        "zh": _Anchor("小标题 扫读", r"小标题"),
        "en": _Anchor("subheadings scan jump", r"subheadings"),
    },
    "wording.errors": {  # typos and wrong names: the error-checking system is about exactly these
        "zh": _Anchor("纠错系统 检查 严重表述错误", r"纠错系统"),
        "en": _Anchor("error-checking system serious wording errors", r"(?i)error[- ]checking"),
    },
    "wording.sensitive": {
        "zh": _Anchor("敏感词 违禁词库 更新", r"敏感词"),
        "en": _Anchor("sensitive and prohibited word list", r"(?i)sensitive and prohibited"),
    },
    "wording.officialese": {
        "zh": _Anchor("公文腔 日常用语 说大白话", r"公文腔"),
        "en": _Anchor("replace official phrases with everyday words", r"(?i)official phrases"),
    },
    "date.weekday": {
        "zh": _Anchor("日期写全 标出星期几", r"星期几"),
        "en": _Anchor("write dates in full with the day of the week", r"(?i)day of the week"),
    },
    "fact": {
        "zh": _Anchor("时间 地点 金额 人数 数字 对照原始材料", r"对照原始材料"),
        "en": _Anchor(
            "check every number date amount against the source", r"(?i)(check|verify)\w* every (number|figure)"
        ),
    },
    "image.alt": {
        "zh": _Anchor("图片 图片说明 读屏软件", r"图片说明"),
        "en": _Anchor("image caption screen readers", r"caption under it"),
    },
    "service.contact": {
        "zh": _Anchor("办事类文章 联系方式 地址 电话 信息来源", r"办事类文章结尾"),
        "en": _Anchor("service post contact block office address phone source", r"contact block"),
    },
    "release.peak": {
        "zh": _Anchor("发布时间 粉丝活跃 时段", r"粉丝活跃"),
        "en": _Anchor("schedule routine posts minutes before the peak", r"before the peak"),
    },
    "release.morning": {
        "zh": _Anchor("停水 定时群发 7:30", r"定时群发"),
        "en": _Anchor("notices people must act on water cuts road closures morning", r"must act on"),
    },
    "release.review": {
        "zh": _Anchor("常规稿件 发布前1个工作日 送审", r"1个工作日"),
        "en": _Anchor("submitted for review one working day before publishing", r"(?i)working day before"),
    },
    "release.emergency": {
        "zh": _Anchor("突发事件 5小时 权威信息", r"5\s*(小时|个小时)"),
        "en": _Anchor("emergency authoritative information within 5 hours", r"within 5 hours"),
    },
}
# Which rule of the knowledge base each finding rests on, chosen by what that rule is about. None:
# no rule of the manuals is about it, and no citation is better than a loosely related one.
CITES: dict[str, str | None] = {
    "title.empty": "title.vague",
    "title.length": "title.length",
    "title.vague": "title.vague",
    "title.clickbait": "title.clickbait",
    "body.empty": None,
    "body.length": "body.length",
    "paragraph.long": "paragraph.long",
    "sentence.long": "sentence.long",
    "wording.serious": "wording.errors",
    "wording.typo": "wording.errors",
    "wording.sensitive": "wording.sensitive",
    "wording.style": None,  # a mixed bag: each entry's note names its own source
    "wording.clickbait": "title.clickbait",
    "wording.officialese": "wording.officialese",
    "wording.threat": None,
    "wording.absolute": None,
    "date.weekday": "date.weekday",
    "date.invalid": "fact",
    "service.phone": "service.contact",
    "service.address": "service.contact",
    "service.source": "service.contact",
    "image.alt": "image.alt",
}
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n")
_citation_cache: dict[tuple[str, str, str], Citation | None] = {}


def keyword_hits(kb: KnowledgeBase, query: str, k: int) -> list[Hit]:
    """The ``k`` best chunks by keywords alone (BM25). ``kb.search`` embeds every query, even in
    lexical mode (for the hits' similarities); a copy shares its words, so keywords find it
    without the model's ~2.5 ms per token."""
    from knowledge.lexical import tokenize
    from knowledge.retrieval import Hit

    ranked = kb.catalog.keyword_search(tokenize(query), k)
    records = kb.catalog.chunks_by_ids([cid for cid, _ in ranked])
    docs = kb.catalog.documents_by_id({r.doc_id for r in records.values()})
    hits = []
    for cid, score in ranked:
        chunk = records.get(cid)
        doc = docs.get(chunk.doc_id) if chunk else None
        if chunk is None or doc is None:
            continue
        hits.append(
            Hit(cid, doc.doc, doc.title, doc.kind, chunk.page, chunk.heading, chunk.text, chunk.language, score, 0.0,
                score, ("lexical",))
        )  # fmt: skip
    return hits


def _sentence_with(text: str, pattern: str) -> str | None:
    for part in _SENTENCE_END.split(text):
        if re.search(pattern, part):
            return part.strip().lstrip("-*• ").strip()
    return None


def cite(kb: KnowledgeBase | None, rule: str, language: str) -> Citation | None:
    """The sentence of the knowledge base that supports ``rule``: the draft's language first."""
    if kb is None or rule not in ANCHORS:
        return None
    state = kb.catalog.get_meta("embedding_model") or ""
    docs = ",".join(sorted(d.sha256[:12] for d in kb.documents()))
    key = (str(kb.settings.data_dir), rule + "/" + language, state + docs)
    if key in _citation_cache:
        return _citation_cache[key]
    found: Citation | None = None
    order = [language] + [x for x in ("zh", "en") if x != language]
    for lang in order:
        anchor = ANCHORS[rule].get(lang)
        if anchor is None:
            continue
        for hit in keyword_hits(kb, anchor.query, 8):
            sentence = _sentence_with(hit.text, anchor.pattern)
            if sentence:
                found = Citation(hit.doc, hit.title, hit.page, sentence)
                break
        if found:
            break
    if len(_citation_cache) > 500:
        _citation_cache.clear()
    _citation_cache[key] = found
    return found


# ---------------------------------------------------------------------- the rules
class _Checker:
    def __init__(self, title: str, body: str, language: str, kb: KnowledgeBase | None) -> None:
        self.title, self.body, self.language, self.kb = title, body, language, kb
        self.offset = len(title) + 2  # the body's start in the full text
        self.text = f"{title}\n\n{body}"
        self.findings: list[Finding] = []

    def msg(self, zh: str, en: str) -> str:
        return zh if self.language == "zh" else en

    def add(
        self,
        rule: str,
        severity: Severity,
        start: int,
        end: int,
        message: str,
        *,
        citation: Citation | None = None,
        similarity: float = 0.0,
    ) -> None:
        if citation is None:
            subject = CITES.get(rule, "fact" if rule.startswith("fact.") else None)
            citation = cite(self.kb, subject, self.language) if subject else None
        excerpt = self.text[start:end]
        self.findings.append(Finding(rule, severity, start, end, message, citation, excerpt, similarity))


_GENERIC_TITLE = re.compile(
    r"关于|有关|事项|的|通知|公告|通告|公示|启事|通报|重要|紧急|最新|温馨|提示|提醒|注意|请|速看|消息|信息|一则|如下|情况|"
    r"工作|我区|本区|开展|做好|进一步|"
    r"\b(?:notice|announcement|update|news|important|urgent|latest|reminder|information|info|about|on|the|a|an|"
    r"of|re|regarding|please|note|read|this|today|new|our|district)\b",
    re.IGNORECASE,
)


def title_units(title: str) -> int:
    """A title's length as WeChat's editor counts it: a Chinese (wide or full-width) character is two units,
    anything else one, so the 64-unit limit is 32 Chinese characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in title)


def check_title(c: _Checker) -> None:
    title = c.title
    end = len(title)
    if not title.strip():
        c.add("title.empty", "error", 0, 0, c.msg("标题为空。", "The title is empty."))
        return
    size = title_units(title)
    if size > TITLE_MAX_UNITS:
        c.add(
            "title.length",
            "error",
            0,
            end,
            c.msg(
                f"标题约 {size / 2:g} 个字（汉字计1个字，字母和数字计半个），超过微信公众平台标题上限 "
                f"{TITLE_MAX_UNITS // 2} 个字（微信开放文档“新增草稿”接口说明），可能无法保存或被截断。",
                f"The title is about {size / 2:g} Chinese-character widths (a letter or digit counts half), over "
                f"WeChat's limit of {TITLE_MAX_UNITS // 2} Chinese characters (WeChat developer docs, draft_add; "
                "how letters count is unverified).",
            ),
        )
    zh_chars = len(re.findall(f"[{_CJK}]", title))
    if zh_chars > TITLE_MAX_ZH_CHARS and size <= TITLE_MAX_UNITS:
        c.add(
            "title.length",
            "warning",
            0,
            end,
            c.msg(
                f"标题有 {zh_chars} 个汉字；本区做法建议不超过约 {TITLE_MAX_ZH_CHARS} 个汉字（地方建议，非国家规定）。",
                f"The title has {zh_chars} Chinese characters; the district's guidance is about "
                f"{TITLE_MAX_ZH_CHARS} (local practice, not a national rule).",
            ),
        )
    rest = _GENERIC_TITLE.sub("", title)
    rest = "".join(ch for ch in rest if unicodedata.category(ch)[0] in "LN")
    if len(re.findall(f"[{_CJK}]", rest)) < 2 and len(_WORD.findall(rest)) < 1:
        c.add(
            "title.vague",
            "warning",
            0,
            end,
            c.msg(
                "标题只有“通知”“公告”一类的通用词，读者看不出是什么事、跟谁有关。",
                "The title has only generic words (notice, announcement...): readers cannot tell what it is "
                "about or whom it concerns.",
            ),
        )
    # Clickbait in the title is found with the clickbait family, in check_wording.


def _paragraphs(body: str) -> Iterable[tuple[int, int]]:
    for m in re.finditer(r"[^\n]+", body):
        if m.group().strip():
            yield m.start(), m.end()


_SENTENCE = re.compile(r"[^。！？!?；;\n]+?(?:[。！？!?；;]+|(?<=[A-Za-z0-9)\"”’])\.(?=\s|$)|$|(?=\n))", re.MULTILINE)


def sentences(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each sentence: Chinese and English end marks, and line ends."""
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            yield start, end


def check_lengths(c: _Checker) -> None:
    body = c.body
    if not body.strip():
        c.add("body.empty", "error", c.offset, c.offset, c.msg("正文为空。", "The body is empty."))
        return
    total = _count(body, c.language)
    has_headings = bool(re.search(r"^\s*(#+\s|[一二三四五六七八九十]+、|\d+[.、]\s*\S{1,20}$)", body, re.MULTILINE))
    if total > BODY_LONG[c.language] and not has_headings:
        c.add(
            "body.length",
            "warning",
            c.offset,
            c.offset + len(body),
            c.msg(
                f"正文约 {total} 字，在手机上很长，且没有小标题；请加小标题方便扫读，或拆成几篇（本检查的经验阈值）。",
                f"The body is about {total} words, long on a phone, with no subheadings: add subheadings or "
                "split it (the checker's own threshold).",
            ),
        )
    for start, end in _paragraphs(body):
        para = body[start:end]
        lang = _lang(para, c.language)
        n = _count(para, lang)
        if n > PARAGRAPH_MAX[lang]:
            unit = "字" if lang == "zh" else "个词"
            c.add(
                "paragraph.long",
                "warning",
                c.offset + start,
                c.offset + end,
                c.msg(
                    f"这一段 {n} {unit}，超过手机上三到四行（本区做法：中文最多约100字、英文约60个词）。",
                    f"This paragraph has {n} {'words' if lang == 'en' else 'characters'}, more than 3-4 phone "
                    "lines (district practice: about 100 Chinese characters or 60 English words).",
                ),
            )
        for s_start, s_end in sentences(para):
            sentence = para[s_start:s_end]
            s_lang = _lang(sentence, lang)
            n = _count(sentence, s_lang)
            if n <= SENTENCE_MAX[s_lang]:
                continue
            severity: Severity = "warning" if n > SENTENCE_VERY_LONG[s_lang] else "info"
            c.add(
                "sentence.long",
                severity,
                c.offset + start + s_start,
                c.offset + start + s_end,
                c.msg(
                    f"句子 {n} 字，较长；本区做法建议中文句子不超过30字。",
                    f"This sentence has {n} {'words' if s_lang == 'en' else 'characters'}; the district "
                    "suggests under 20 English words (30 Chinese characters).",
                ),
            )


def check_wording(c: _Checker, rules: Sequence[WordRule], families: Sequence[Family] = ()) -> None:
    """Wording families first (a kind of wording, by pattern), then the word lists' single entries.

    A list entry inside a family's match is not repeated: the family says more (绝对安全 is an
    absolute promise, 震惊 clickbait)."""
    text, title_end = c.text, len(c.title)
    taken: list[tuple[int, int]] = []
    for family in families:
        spans: list[tuple[int, int]] = []
        for pattern, title_only in [(p, False) for p in family.patterns] + [(p, True) for p in family.title_only]:
            for m in pattern.finditer(text[:title_end] if title_only else text):
                in_title = m.end() <= title_end
                if m.end() <= m.start() or (family.scope == "body" and in_title):
                    continue
                spans.append((m.start(), m.end()))
        for start, end in _merge(spans):
            taken.append((start, end))
            if family.rule == "wording.clickbait" and end <= title_end:
                c.add(
                    "title.clickbait",
                    "warning",
                    start,
                    end,
                    c.msg(
                        "标题党用语：政务账号的标题直接写清是什么事，不用“震惊”“速看”、连串感叹号一类字眼。",
                        "Clickbait title: say what it is about; no 'shocking', 'must read' or rows of "
                        "exclamation marks.",
                    ),
                )
                continue
            found = text[start:end]
            message = c.msg(f"“{found}”{family.message['zh']}", f"'{found}': {family.message['en']}")
            c.add(family.rule, family.severity, start, end, message)
    for rule in rules:
        flags = re.IGNORECASE if rule.wrong.isascii() else 0
        wrong = re.escape(rule.wrong)
        if rule.wrong.isascii() and rule.wrong[:1].isalnum():
            wrong = rf"(?<![A-Za-z]){wrong}(?![A-Za-z])"
        for m in re.finditer(wrong, text, flags):
            if any(s <= m.start() and m.end() <= e for s, e in taken):
                continue
            if rule.suggestion:
                message = c.msg(
                    f"“{m.group()}”建议改为“{rule.suggestion}”。", f"'{m.group()}': write '{rule.suggestion}'."
                )
            else:
                message = c.msg(f"“{m.group()}”建议删去或改写。", f"'{m.group()}': remove or rephrase.")
            if rule.note:
                message += " " + rule.note
            c.add(f"wording.{rule.category}", rule.severity, m.start(), m.end(), message)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one (two patterns of a family often match the same phrase)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


# Facts: the reviewer checks each against the source material.
_DATE_ZH = r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]"
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_EN = rf"(?:\d{{1,2}} {_MONTHS}(?:,? \d{{4}})?|{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?)"
_DATE_NUM = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_DATE = re.compile(rf"{_DATE_ZH}|{_DATE_NUM}|\b{_DATE_EN}\b")
_DEADLINE_BEFORE = re.compile(r"(截止|截至|最迟|最晚|之前|(?i:\bby|\bbefore|\buntil|\bno later than|deadline:?))\s*$")
_DEADLINE_AFTER = re.compile(r"^\s*(?:\d{1,2}[:：]\d{2}|\d{1,2}[时点])?\s*(?:前|之前|以前|截止|止)")
_TIME = re.compile(
    r"(?<![\d:])(?:[01]?\d|2[0-3])[:：][0-5]\d(?![\d:])|(?:上午|下午|晚上|早上)\d{1,2}(?:时|点)(?:\d{1,2}分|半)?"
    r"|\b\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am|pm)\b",
    re.IGNORECASE,
)
# Phone numbers as people write them: groups split by spaces or hyphens (full-width too), the area
# code in brackets, +86 / 0086, an extension (转, 分机, ext., x), 400/800 numbers, the national
# 12xxx hotlines and 95xxx/96xxx service numbers; a local number without an area code, and 110/119/
# 120/122, only after a word that says it is one (电话, 热线, call...).
_SEP = r"[ \u00a0\-－—–‐]?"
_EXT = r"(?:\s*[,，]?\s*(?:转|分机|(?i:ext\.?|extension|x))\s*\d{1,5})?"
_HOTLINES = (
    "12345|12315|12333|12329|12366|12369|12348|12350|12320|12351|12355|12358|12365|12318|12319|12310|12368|"
    "12377|12380|12388|12309|12395|12321|12338|12328|12326"
)
_PHONE = re.compile(
    r"(?<![\d.])(?P<num>"
    rf"(?:(?:\+|00)86[ \-－]?|\(\+?86\)\s?)(?:\(\d{{2,4}}\)|（\d{{2,4}}）|\d{{2,4}}){_SEP}\d{{3,4}}{_SEP}\d{{4}}"
    rf"|(?:\(0\d{{2,3}}\)|（0\d{{2,3}}）|0\d{{2,3}})\s?{_SEP}\d{{3,4}}{_SEP}\d{{4}}"
    rf"|1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}"
    rf"|[48]00{_SEP}\d{{3}}{_SEP}\d{{4}}"
    rf"|(?:{_HOTLINES})(?![\d%％.万元亿人个年号])"
    r"|9[56]\d{3,4}(?![\d%％.万元亿人个年号])"
    rf"){_EXT}(?!\d)"
    rf"|(?:电话|热线|手机|号码|(?i:\btel\.?|\bphone|\bcall|\bdial|\bon))[:：]?\s*(?P<local>\d{{3,4}}{_SEP}\d{{4}}{_EXT})(?!{_SEP}\d)"
    r"|(?:拨打|电话|或|(?i:\bcall|\bdial|\bor))\s*(?P<short>11[09]|12[02])(?!\d)"
)


def phone_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every phone number in ``text`` (see ``_PHONE``)."""
    out = []
    for m in _PHONE.finditer(text):
        group = next(g for g in ("num", "local", "short") if m.group(g))
        out.append(m.span(group))
    return out


_MONEY = re.compile(
    r"(?:[¥￥]\s?\d[\d,]*(?:\.\d+)?(?:万|亿)?元?|\d[\d,]*(?:\.\d+)?\s?(?:万|亿)?元"
    r"|\b(?:RMB|CNY)\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:yuan|RMB)\b)",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    rf"[{_CJK}\d]{{2,12}}(?:路|街|大道|巷|弄)\d+号(?:[{_CJK}\d]{{1,8}}(?:楼|层|室|窗口))?"
    r"|\b(?:No\.\s?)?\d+,? [A-Z][a-z]+(?: [A-Z][a-z]+)* (?:Road|Street|Avenue|Lane|Rd|St)\b"
)
_OFFICE = re.compile(
    rf"[{_CJK}]{{2,14}}(?:人民政府|办公室|委员会|中心|局(?!长)|街道办事处|街道|镇政府|镇(?![长政]))"
    r"|\b(?:[A-Z][a-z]+ ){1,4}(?:Bureau|Office|Centre|Center|Committee|Department|Government)\b"
)
# Words that end the text before an office name (longest first: 或者 before 或).
_OFFICE_LEAD = re.compile(
    r"^.*(?:或者|以及|联系|咨询|前往|可以|所在|关于|将对|到|在|向|由|经|请|对|和|与|及|或|的|日|、|，)"
)
# A service post tells readers how to get something done: apply, sign up, pay, book, collect, report a repair.
_SERVICE = re.compile(
    r"办理|申请|申领|补领|补办|报名|缴费|缴纳|预约|领取|上牌|报修|备案|提取"
    r"|(?i:\bhow to (?:apply|register|book|pay|get|report)\b|\bto (?:apply|register)\b"
    r"|\bcan (?:now |also )?(?:apply|register|sign up|book|pay|renew|collect|get|report)\b"
    r"|\bapply (?:at|online|for|by|through|in person|now)\b"
    r"|\bregister(?:ed)? (?:at|online|on|by|for|your|before|with)\b"
    r"|\bsubmit (?:their|your|an|the) application|\bsign up (?:at|online|on|by|for)\b)"
    r"|^(?:Apply|Register|Sign up|Book|Pay|Renew|Collect|Bring)\b",
    re.MULTILINE,
)
# ...but not when the procedure is only mentioned: 不用报名, 不需要本人申请, 暂停办理, 已报名.
_SERVICE_NOT = re.compile(r"(?:不用|不需要?|无需|不必|暂停|停止|照常|不再|已经?|拒不)[^，。；！？\n]{0,6}$")
# Where to go: an address line, or a place after 到/在/向... (an office, a window, a community).
_PLACE = re.compile(
    r"地址|地点|办理点|受理点|上牌点|报名点|服务点"
    r"|(?:到|在|前往|至|去|向|报送|送到|交到)[^，。；！？\n“”]{0,16}?"
    r"(?:窗口|大厅|服务中心|服务站|服务台|派出所|居委会|村委会|社区|街道|受理点|登记点|网点|营业厅|办事处|学校|医院|镇政府|[局所站馆院处村])"
    r"|(?i:\b(?:at|to|visit)\s+(?:the|any|your|a|our|each)?\s*(?:[\w'-]+\s+){0,5}?"
    r"(?:centre|center|office|station|hall|desk|committee|school|library|window|counter|bureau)s?\b|\bvisit\b|\baddress\b)"
)
_SOURCE = re.compile(r"来源|依据|根据《|《[^》]{2,40}》|(?i:\bsource\b|\baccording to\b|\bunder the\b)")
_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")  # fmt: skip
_MONTH_NUMBER = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                              "nov", "dec"), 1)}  # fmt: skip
# A weekday right after a date: （星期三） (周三) ，礼拜三 — full- or half-width brackets, or a comma.
_WEEKDAY_AFTER = re.compile(r"^\s*[（(，,、]?\s*(?:星期|周|礼拜)([一二三四五六日天])\s*[）)]?")
_EN_DAY = (
    r"(Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\.?"
)
_EN_DAY_BEFORE = re.compile(rf"\b{_EN_DAY},?\s+(?:the\s+)?$", re.IGNORECASE)
_EN_DAY_AFTER = re.compile(rf"^,?\s*\(?{_EN_DAY}(?![a-z])\)?", re.IGNORECASE)


def _office_span(text: str, start: int, end: int) -> tuple[int, int]:
    name = text[start:end]
    lead = _OFFICE_LEAD.match(name[:-1])
    if lead:
        start += lead.end()
    return start, end


def check_facts(c: _Checker, today: dt.date | None = None) -> None:
    text = c.text
    kinds = {
        "fact.time": _TIME,
        "fact.amount": _MONEY,
        "fact.address": _ADDRESS,
        "fact.office": _OFFICE,
    }
    labels = {
        "fact.date": ("日期", "date"),
        "fact.deadline": ("截止时间", "deadline"),
        "fact.time": ("时间", "time"),
        "fact.phone": ("电话", "phone number"),
        "fact.amount": ("金额", "amount"),
        "fact.address": ("地址", "address"),
        "fact.office": ("单位名称", "office name"),
    }
    seen: set[tuple[int, int]] = set()

    def add(rule: str, start: int, end: int, extra: str = "") -> None:
        if (start, end) in seen or end <= start:
            return
        seen.add((start, end))
        zh, en = labels[rule]
        c.add(
            rule,
            "info",
            start,
            end,
            c.msg(f"请核对{zh}：与原始材料一致。{extra}", f"Check this {en} against the source material.{extra}"),
        )

    context = _YearContext(today or dt.date.today())
    for m in _DATE.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()]
        after = text[m.end() : m.end() + 10]
        rule = "fact.deadline" if _DEADLINE_BEFORE.search(before) or _DEADLINE_AFTER.match(after) else "fact.date"
        add(rule, m.start(), m.end())
        check_date(c, m, context)
    for start, end in phone_spans(text):
        add("fact.phone", start, end)
    for rule, pattern in kinds.items():
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if rule == "fact.office":
                start, end = _office_span(text, start, end)
                if end - start < 3:
                    continue
            add(rule, start, end)


class _YearContext:
    """The year of a date written without one: the year of the draft's last full date (the next
    year when the month has wrapped round), else the year that puts the date nearest ``today``."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.last: tuple[int, int, int] | None = None

    def year_for(self, month: int, day: int) -> int:
        if self.last is not None:
            year, last_month, last_day = self.last
            return year if (month, day) >= (last_month, last_day) else year + 1
        years = (self.today.year - 1, self.today.year, self.today.year + 1)
        return min(years, key=lambda y: abs((_safe_date(y, month, day) - self.today).days))

    def saw(self, year: int, month: int, day: int) -> None:
        self.last = (year, month, day)


def _safe_date(year: int, month: int, day: int) -> dt.date:
    """The date, or the nearest real one (for choosing a year only: 2月29日 in a common year)."""
    while day > 28:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1
    return dt.date(year, max(1, min(month, 12)), max(1, day))


def _date_parts(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a date the ``_DATE`` pattern found."""
    if m := re.fullmatch(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]", text):
        return (int(m.group(1)) if m.group(1) else None, int(m.group(2)), int(m.group(3)))
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]+)\.?(?:,? (\d{4}))?", text):
        day, name, year = m.group(1), m.group(2), m.group(3)
    elif m := re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?", text):
        name, day, year = m.group(1), m.group(2), m.group(3)
    else:
        return None
    month = _MONTH_NUMBER.get(name[:3].lower())
    return (int(year) if year else None, month, int(day)) if month else None


def check_date(c: _Checker, m: re.Match[str], context: _YearContext) -> None:
    """A date that does not exist, or a weekday (after it in Chinese, before or after it in English) that
    does not match it. A date without a year is read in the year ``_YearContext`` infers, and the
    message says which."""
    parts = _date_parts(m.group())
    if parts is None:
        return
    year, month, day = parts
    inferred = year is None
    if year is None:
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            year = context.today.year
        else:
            year = context.year_for(month, day)
    note = c.msg(f"（稿件没有写年份，按{year}年推算）", f" (no year given: read as {year})") if inferred else ""
    try:
        date = dt.date(year, month, day)
    except ValueError:
        c.add(
            "date.invalid",
            "error",
            m.start(),
            m.end(),
            c.msg(f"日期“{m.group()}”不存在{note}，请核对。", f"The date '{m.group()}' does not exist{note}: check it"),
        )
        return
    if not inferred:
        context.saw(year, month, day)
    text = c.text
    written: int | None = None
    start, end = m.start(), m.end()
    if zh := _WEEKDAY_AFTER.match(text[m.end() : m.end() + 8]):
        written, end = _WEEKDAYS_ZH.index(zh.group(1).replace("天", "日")), m.end() + zh.end()
    elif en := _EN_DAY_AFTER.match(text[m.end() : m.end() + 14]):
        written, end = _en_weekday(en.group(1)), m.end() + en.end()
    elif en := _EN_DAY_BEFORE.search(text[max(0, m.start() - 16) : m.start()]):
        written, start = _en_weekday(en.group(1)), m.start() - len(en.group())
    if written is None or written == date.weekday():
        return
    actual = date.weekday()
    c.add(
        "date.weekday",
        "error",
        start,
        end,
        c.msg(
            f"{year}年{month}月{day}日是星期{_WEEKDAYS_ZH[actual]}，不是星期{_WEEKDAYS_ZH[written]}{note}。",
            f"{day} {_MONTHS_EN[month - 1]} {year} is a {_WEEKDAYS_EN[actual]}, not a {_WEEKDAYS_EN[written]}{note}.",
        ),
    )


def _en_weekday(name: str) -> int:
    return [d[:3].lower() for d in _WEEKDAYS_EN].index(name[:3].lower())


def _is_service(text: str) -> bool:
    for m in _SERVICE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not _SERVICE_NOT.search(text[max(line_start, m.start() - 8) : m.start()]):
            return True
    return False


def check_service(c: _Checker) -> None:
    if not _is_service(c.text):
        return
    missing = []
    if not phone_spans(c.text):
        missing.append(("service.phone", c.msg("咨询电话", "a contact phone number")))
    if not (_ADDRESS.search(c.text) or _PLACE.search(c.text)):
        missing.append(("service.address", c.msg("办理地点", "a place to go (office and address)")))
    if not _SOURCE.search(c.text):
        missing.append(("service.source", c.msg("信息来源或政策依据", "the source of the information")))
    for rule, what in missing:
        severity: Severity = "info" if rule == "service.source" else "warning"
        c.add(
            rule,
            severity,
            c.offset,
            c.offset + min(len(c.body), 40),
            c.msg(
                f"这是一篇办事类文章，但没有写{what}；办事类文章结尾应有“联系方式”板块。",
                f"This is a service post but it does not give {what}; service posts end with a contact block.",
            ),
        )


def check_images(c: _Checker, html: str) -> None:
    """Images with no description in a saved WeChat article: no alt text and no caption under them."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    root = soup.select_one("#js_content") or soup.body or soup
    for i, img in enumerate(root.find_all("img"), 1):
        described = any(str(img.get(a) or "").strip() for a in ("alt", "title", "data-alt", "aria-label"))
        figure = img.find_parent("figure")
        if figure is not None and figure.find("figcaption") is not None:
            described = True
        if not described:
            following = img.find_next(string=lambda s: bool(s and s.strip()))
            caption = str(following).strip() if following is not None else ""
            described = (
                bool(caption)
                and len(caption) <= 60
                and bool(
                    re.match(
                        r"^(图|▲|△|↑|（图|\(图|上图|下图|图为|(?i:photo|image|picture|caption|above|pictured))", caption
                    )
                )
            )
        if described:
            continue
        name = str(img.get("data-src") or img.get("src") or "").rsplit("/", 1)[-1][:60]
        c.add(
            "image.alt",
            "warning",
            c.offset,
            c.offset,
            c.msg(
                f"第 {i} 张图片（{name or '无文件名'}）没有图片说明或替代文字，"
                "使用读屏软件和网速慢的读者看不到图上的内容。",
                f"Image {i} ({name or 'no file name'}) has no caption or alt text: screen-reader users and "
                "readers on slow connections miss what it shows.",
            ),
        )


# ---------------------------------------------------------------------- originality
def _norm(text: str) -> str:
    return "".join(ch.lower() for ch in text if unicodedata.category(ch)[0] in "LN")


def _kb_sentences(hit_text: str) -> list[tuple[str, str]]:
    """(original, normalised) sentences of a chunk, plus each pair of neighbours (a draft may join two)."""
    parts = [hit_text[s:e].strip() for s, e in sentences(hit_text)]
    parts = [p for p in parts if p]
    out = [(p, _norm(p)) for p in parts]
    out += [(a + b, _norm(a + b)) for a, b in zip(parts, parts[1:], strict=False)]
    return out


def check_originality(c: _Checker, kb: KnowledgeBase, dense_passages: int) -> None:
    """Sentences that are near-copies of knowledge-base text; runs of them become one finding."""
    body = c.body
    units: list[tuple[int, int]] = []  # sentences of the body long enough to judge
    for p_start, p_end in _paragraphs(body):
        for s_start, s_end in sentences(body[p_start:p_end]):
            start, end = p_start + s_start, p_start + s_end
            lang = _lang(body[start:end], c.language)
            if len(_norm(body[start:end])) >= ORIGINALITY_MIN_LEN[lang]:
                units.append((start, end))
    if not units:
        return
    # Candidate chunks: hybrid search (the embedding model) for the first passages, keywords for the rest.
    hits_by_unit: dict[int, list[Hit]] = {}
    paragraphs = list(_paragraphs(body))
    dense_paras = {i for i in range(min(dense_passages, len(paragraphs)))}
    para_hits: dict[int, list[Hit]] = {}
    for i in dense_paras:
        start, end = paragraphs[i]
        para_hits[i] = kb.search(body[start:end][:DENSE_QUERY_CHARS], 3)
    for u, (start, end) in enumerate(units):
        para = next((i for i, (ps, pe) in enumerate(paragraphs) if ps <= start < pe), -1)
        hits = {h.chunk_id: h for h in para_hits.get(para, []) + keyword_hits(kb, body[start:end], 3)}
        hits_by_unit[u] = list(hits.values())
    matches: list[tuple[int, int, float, Hit, str]] = []
    cache: dict[str, list[tuple[str, str]]] = {}
    for u, (start, end) in enumerate(units):
        mine = _norm(body[start:end])
        sm = difflib.SequenceMatcher(None, autojunk=False)
        sm.set_seq2(mine)  # difflib caches what it learns about the second sequence
        best: tuple[float, Hit | None, str] = (0.0, None, "")
        for hit in hits_by_unit[u]:
            if hit.chunk_id not in cache:
                cache[hit.chunk_id] = _kb_sentences(hit.text)
            for original, theirs in cache[hit.chunk_id]:
                floor = max(best[0], ORIGINALITY_MIN_RATIO)
                if not theirs or 2 * min(len(mine), len(theirs)) / (len(mine) + len(theirs)) < floor:
                    continue
                sm.set_seq1(theirs)
                if sm.quick_ratio() < floor:
                    continue
                ratio = sm.ratio()
                if ratio > best[0]:
                    best = (ratio, hit, original)
        if best[1] is not None and best[0] >= ORIGINALITY_MIN_RATIO:
            matches.append((start, end, best[0], best[1], best[2]))
    # Merge neighbouring matched sentences from the same document into one passage.
    merged: list[tuple[int, int, float, Hit, list[str]]] = []
    for start, end, ratio, hit, snippet in matches:
        if merged and merged[-1][3].doc == hit.doc and not body[merged[-1][1] : start].strip():
            m_start, _e, m_ratio, m_hit, snippets = merged[-1]
            if snippet not in snippets:
                snippets.append(snippet)
            merged[-1] = (m_start, end, min(m_ratio, ratio), m_hit, snippets)
        else:
            merged.append((start, end, ratio, hit, [snippet]))
    for start, end, ratio, hit, snippets in merged:
        pct = round(ratio * 100)
        c.add(
            "originality",
            "warning",
            c.offset + start,
            c.offset + end,
            c.msg(
                f"这段与知识库中的《{hit.title}》第{hit.page}页几乎相同（相似度 {pct}%）：请改写，或注明转载来源。",
                f"This passage nearly copies '{hit.title}' p.{hit.page} ({pct}% similar): rewrite it or "
                "credit the source.",
            ),
            citation=Citation(hit.doc, hit.title, hit.page, "".join(snippets)),
            similarity=ratio,
        )


# ---------------------------------------------------------------------- release timing
_EMERGENCY = re.compile(r"突发|紧急|预警|险情|火灾|洪水|地震|事故|(?i:\bemergency\b|\balert\b|\bwarning\b|\bevacuat)")
_ACTION_NOTICE = re.compile(
    r"停水|停电|停气|封闭|封路|交通管制|限行|绕行|(?i:\bwater cut|\bpower cut|\broad clos|\bclosure\b|\bdetour\b)"
)


def suggest_release(c: _Checker, history: Sequence[dt.datetime] | None = None) -> Release:
    """A window from the knowledge base's calendar rules, and the account's own past release times if given."""
    text = c.text
    cites: list[Citation] = []

    def use(rule: str) -> None:
        # Both languages: the calendar manual is English-only, the workflow manual Chinese-only.
        for lang in (c.language, "en" if c.language == "zh" else "zh"):
            found = cite(c.kb, rule, lang)
            if found and found not in cites:
                cites.append(found)

    if _EMERGENCY.search(text):
        use("release.emergency")
        window = c.msg(
            "尽快发布：审核通过后立即发出，不等常规时段。", "As soon as it is approved: do not wait for a routine slot."
        )
        reason = c.msg(
            "稿件像是突发事件信息：按规定最迟5小时内发布权威信息，并取消不合时宜的常规推送。",
            "The draft looks like emergency information: authoritative information goes out within 5 hours at "
            "the latest; postpone routine posts that would look out of place.",
        )
    elif _ACTION_NOTICE.search(text):
        use("release.morning")
        window = c.msg("提前一天或当天早上 7:00–8:00 定时群发。", "The day before, or early morning (07:00–08:00).")
        reason = c.msg(
            "读者需要据此安排当天的事（停水、封路等），这类通知放在早上发，方便读者提前安排。",
            "Readers must act on it (water cut, road closure...): notices like this go out in the morning so "
            "people can plan their day.",
        )
    else:
        use("release.peak")
        window = c.msg(
            "本账号阅读高峰前15–30分钟（手册示例：工作日 7:00–7:15 或 20:00–20:15）。",
            "15–30 minutes before your account's reading peak (the manual's example: weekdays 07:00–07:15 "
            "or 20:00–20:15).",
        )
        reason = c.msg(
            "常规稿件：按后台数据中粉丝活跃的时段安排发布。",
            "A routine post: schedule it from the backend data on when followers read.",
        )
    deadline = next((f for f in c.findings if f.rule == "fact.deadline"), None)
    if deadline is not None:
        reason += c.msg(
            f" 稿件提到截止时间“{deadline.excerpt}”，请留出足够的办理时间。",
            f" The draft gives a deadline ({deadline.excerpt}): publish well before it.",
        )
    use("release.review")
    reason += c.msg(
        " 常规稿件至少提前1个工作日送审。", " Submit routine posts for review at least 1 working day ahead."
    )
    if history:
        hours = sorted(h.hour for h in history)
        peak = max(set(hours), key=hours.count)
        window += c.msg(
            f" 本账号以往最常在 {peak}:00 前后发布。", f" This account has most often published around {peak}:00."
        )
        basis = "history"
    else:
        basis = "manual"
        reason += c.msg(
            "（没有本账号的发布历史，建议仅依据手册。）",
            " (No publishing history for this account is available: the suggestion is from the manual only.)",
        )
    return Release(window, reason, basis, tuple(cites))


# ---------------------------------------------------------------------- entry points
def check_draft(
    title: str,
    body: str,
    *,
    kb: KnowledgeBase | None = None,
    html: str | None = None,
    wordlists: Sequence[WordRule] | None = None,
    history: Sequence[dt.datetime] | None = None,
    originality: bool = True,
    dense_passages: int = 1,
    today: dt.date | None = None,
    families: Sequence[Family] | None = None,
) -> DraftReport:
    """Check a draft; ``kb`` adds citations and the originality check, ``html`` the image check.

    ``wordlists`` defaults to the sample lists plus the admins' list of ``kb``'s data folder;
    ``history`` (past release times of the account) refines the release window when known; ``today``
    (default: the machine's date) is what a date written without a year is read against; ``families``
    defaults to the shipped wording families."""
    title = title.strip()
    body = body.replace("\r\n", "\n").strip("\n")
    language = _lang(title + "\n" + body, "zh")
    if wordlists is None:
        wordlists = load_wordlists(kb.settings.data_dir if kb is not None else None)
    c = _Checker(title, body, language, kb)
    check_title(c)
    check_lengths(c)
    check_wording(c, wordlists, load_families() if families is None else families)
    check_facts(c, today)
    check_service(c)
    if html:
        check_images(c, html)
    if kb is not None and originality and body.strip():
        check_originality(c, kb, dense_passages)
    release = suggest_release(c, history)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    c.findings.sort(key=lambda f: (f.rule.startswith("fact."), rank[f.severity], f.start, f.rule))
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return DraftReport(title, body, language, c.findings, release, now)


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    html: str | None = None


def read_draft(name: str, data: bytes) -> Draft:
    """A draft from a file: .txt/.md with the title on the first line, or a saved WeChat article .html."""
    from knowledge.loaders import decode_text, load_bytes

    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".htm"):
        doc = load_bytes(name, data)
        return Draft(doc.title, doc.text, decode_text(name, data))
    if suffix not in (".txt", ".md", ".markdown", ""):
        raise DraftError(f"{name}: a draft is a .txt or .md file (title on the first line) or a saved article .html")
    text = decode_text(name, data).replace("\r\n", "\n").lstrip("\ufeff")
    first, _, rest = text.strip("\n").partition("\n")
    title = first.strip().lstrip("#").strip()
    if not title and not rest.strip():
        raise DraftError(f"{name}: the file is empty - put the title on the first line and the body below it")
    return Draft(title, rest.strip("\n"))
