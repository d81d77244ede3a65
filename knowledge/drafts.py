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

from .errors import DraftError
from .language import detect_language

if TYPE_CHECKING:
    from .kb import KnowledgeBase
    from .retrieval import Hit
    from .settings import Settings

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
WORDLIST_DIR = Path(__file__).resolve().parent / "wordlists"
ADMIN_WORDLIST = "wordlist.yaml"  # in the data folder: the words admins added in the app
CATEGORIES: dict[str, Severity] = {"serious": "error", "typo": "warning", "sensitive": "warning", "style": "info"}

# The platform's limit (WeChat, as of 2023, DOMAIN.md A10) and the sample district's own guidance
# (zh-mobile-writing.md / en-mobile-writing.md, marked "本区做法 / district practice" there).
TITLE_MAX_BYTES = 64
TITLE_MAX_ZH_CHARS = 20
PARAGRAPH_MAX = {"zh": 100, "en": 60}  # characters / words
SENTENCE_MAX = {"zh": 30, "en": 20}
SENTENCE_VERY_LONG = {"zh": 60, "en": 40}
BODY_LONG = {"zh": 2500, "en": 1200}  # the checker's own heuristic: past this, subheadings are a must
ORIGINALITY_MIN_RATIO = 0.8
DENSE_QUERY_CHARS = 160  # the embedding model costs ~2.5 ms a token on a CPU: the dense query stays short
ORIGINALITY_MIN_LEN = {"zh": 12, "en": 40}  # normalised characters; shorter sentences match by chance


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
            "findings": [f.as_json() for f in self.findings],
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
            lines += ["| # | rule | at | excerpt | message | source |", "|---|---|---|---|---|---|"]
            for i, f in enumerate(items, 1):
                lines.append(
                    f"| {i} | {f.rule} | {f.start}-{f.end} | {_code(f.excerpt[:60])} | {_cell(f.message)} "
                    f"| {_cell(_cite_label(f.citation))} |"
                )
            lines.append("")
        if self.facts:
            lines += [f"## {'需要核对的事实' if zh else 'Facts to double-check'} ({len(self.facts)})", ""]
            lines += ["| # | kind | text | checked |", "|---|---|---|---|"]
            for i, f in enumerate(self.facts, 1):
                lines.append(f"| {i} | {f.rule.removeprefix('fact.')} | {_code(f.excerpt)} | ☐ |")
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
    from trainer.accounts import require_role  # the role rules live with the accounts

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
            "# Words added by admins in the app (Check a draft > Word list). Format: knowledge/wordlists/.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        os.replace(tmp, path)
    return rule


# ---------------------------------------------------------------------- knowledge-base citations
@dataclass(frozen=True)
class _Anchor:
    query: str
    pattern: str


# Where each rule's support is found: a keyword query and the phrase the cited sentence must hold.
ANCHORS: dict[str, dict[str, _Anchor]] = {
    "title.length": {
        "zh": _Anchor("微信 群发 标题 上限 64字节", r"64\s*字节"),
        "en": _Anchor("WeChat title limit 64 bytes", r"64 bytes"),
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
    "wording": {
        "zh": _Anchor("纠错系统 检查 错敏字词", r"纠错系统"),
        "en": _Anchor("spelling error checking tool before publishing", r"(?i)(spelling|error[- ]check|checking tool)"),
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
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n")
_citation_cache: dict[tuple[str, str, str], Citation | None] = {}


def keyword_hits(kb: KnowledgeBase, query: str, k: int) -> list[Hit]:
    """The ``k`` best chunks by keywords alone (BM25). ``kb.search`` embeds every query, even in
    lexical mode (for the hits' similarities); a copy shares its words, so keywords find it
    without the model's ~2.5 ms per token."""
    from .lexical import tokenize
    from .retrieval import Hit

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
        cite_rule: str | None = None,
        citation: Citation | None = None,
        similarity: float = 0.0,
    ) -> None:
        if citation is None and cite_rule is not None:
            citation = cite(self.kb, cite_rule, self.language)
        excerpt = self.text[start:end]
        self.findings.append(Finding(rule, severity, start, end, message, citation, excerpt, similarity))


_GENERIC_TITLE = re.compile(
    r"关于|有关|事项|的|通知|公告|通告|公示|启事|通报|重要|紧急|最新|温馨|提示|提醒|注意|请|速看|消息|信息|一则|如下|情况|"
    r"工作|我区|本区|开展|做好|进一步|"
    r"\b(?:notice|announcement|update|news|important|urgent|latest|reminder|information|info|about|on|the|a|an|"
    r"of|re|regarding|please|note|read|this|today|new|our|district)\b",
    re.IGNORECASE,
)
_CLICKBAIT = re.compile(
    r"震惊|必看|速看|不看后悔|重磅|刚刚|[!！]{2,}|(?i:\bshocking\b|\bmust[- ]read\b|\bunbelievable\b)"
)


def check_title(c: _Checker) -> None:
    title = c.title
    end = len(title)
    if not title.strip():
        c.add("title.empty", "error", 0, 0, c.msg("标题为空。", "The title is empty."), "title.vague")
        return
    size = len(title.encode("utf-8"))
    if size > TITLE_MAX_BYTES:
        c.add(
            "title.length",
            "error",
            0,
            end,
            c.msg(
                f"标题 {size} 字节，超过微信群发标题上限 {TITLE_MAX_BYTES} 字节"
                "（截至2023年的平台规则），会被拒绝或截断。",
                f"The title is {size} bytes, over WeChat's {TITLE_MAX_BYTES}-byte limit (platform rule as of 2023).",
            ),
            "title.length",
        )
    zh_chars = len(re.findall(f"[{_CJK}]", title))
    if zh_chars > TITLE_MAX_ZH_CHARS and size <= TITLE_MAX_BYTES:
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
            "title.length",
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
            "title.vague",
        )
    for m in _CLICKBAIT.finditer(title):
        c.add(
            "title.clickbait",
            "warning",
            m.start(),
            m.end(),
            c.msg(
                "标题党用语：政务账号不用“震惊”“必看”或连串感叹号。",
                "Clickbait: no 'shocking', 'must read' or rows of exclamation marks.",
            ),
            "title.clickbait",
        )


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
            "body.length",
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
                "paragraph.long",
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
                "sentence.long",
            )


def check_wording(c: _Checker, rules: Sequence[WordRule]) -> None:
    text = c.text
    for rule in rules:
        flags = re.IGNORECASE if rule.wrong.isascii() else 0
        pattern = re.escape(rule.wrong)
        if rule.wrong.isascii() and rule.wrong[:1].isalnum():
            pattern = rf"(?<![A-Za-z]){pattern}(?![A-Za-z])"
        for m in re.finditer(pattern, text, flags):
            if rule.suggestion:
                message = c.msg(
                    f"“{m.group()}”建议改为“{rule.suggestion}”。", f"'{m.group()}': write '{rule.suggestion}'."
                )
            else:
                message = c.msg(f"“{m.group()}”建议删去或改写。", f"'{m.group()}': remove or rephrase.")
            if rule.note:
                message += " " + rule.note
            c.add(f"wording.{rule.category}", rule.severity, m.start(), m.end(), message, "wording")


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
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}-\d{7,8}|\d{4}-\d{7}|1[3-9]\d{9}|12345|\(0\d{2,3}\)\s?\d{7,8})(?!\d)")
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
_SERVICE = re.compile(
    r"办理|申请|办事|报名|缴费|预约|申领|领取|(?i:\bhow to apply\b|\bapply\b|\bapplication\b|\bregister\b)"
)
_SOURCE = re.compile(r"来源|依据|根据《|《[^》]{2,40}》|(?i:\bsource\b|\baccording to\b|\bunder the\b)")
_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAY_AFTER = re.compile(r"^[（(]?\s*(?:星期|周)([一二三四五六日天])")


def _office_span(text: str, start: int, end: int) -> tuple[int, int]:
    name = text[start:end]
    lead = _OFFICE_LEAD.match(name[:-1])
    if lead:
        start += lead.end()
    return start, end


def check_facts(c: _Checker) -> None:
    text = c.text
    kinds = {
        "fact.time": _TIME,
        "fact.phone": _PHONE,
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
            "fact",
        )

    for m in _DATE.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()]
        after = text[m.end() : m.end() + 10]
        rule = "fact.deadline" if _DEADLINE_BEFORE.search(before) or _DEADLINE_AFTER.match(after) else "fact.date"
        add(rule, m.start(), m.end())
        check_weekday(c, m, text)
    for rule, pattern in kinds.items():
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if rule == "fact.office":
                start, end = _office_span(text, start, end)
                if end - start < 3:
                    continue
            add(rule, start, end)


def check_weekday(c: _Checker, m: re.Match[str], text: str) -> None:
    """A full date followed by its weekday: say so when the two disagree (a common error)."""
    full = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]", m.group())
    after = _WEEKDAY_AFTER.match(text[m.end() : m.end() + 6])
    if not full or not after:
        return
    try:
        day = dt.date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
    except ValueError:
        c.add(
            "fact.date_invalid", "error", m.start(), m.end(), c.msg("日期不存在。", "This date does not exist."), "fact"
        )
        return
    written = after.group(1).replace("天", "日")
    actual = _WEEKDAYS_ZH[day.weekday()]
    if written != actual:
        c.add(
            "fact.weekday",
            "error",
            m.start(),
            m.end() + after.end(),
            c.msg(
                f"{m.group()}是星期{actual}，不是星期{written}。",
                f"{day.isoformat()} is a {day:%A}, not 星期{written}.",
            ),
            "fact",
        )


def check_service(c: _Checker) -> None:
    if not _SERVICE.search(c.text):
        return
    missing = []
    if not _PHONE.search(c.text):
        missing.append(("service.phone", c.msg("咨询电话", "a contact phone number")))
    if not (_ADDRESS.search(c.text) or re.search(r"地址|地点|窗口|(?i:\baddress\b|\bwindow\b)", c.text)):
        missing.append(("service.address", c.msg("办理地址", "the office address")))
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
            "service.contact",
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
            "image.alt",
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
) -> DraftReport:
    """Check a draft; ``kb`` adds citations and the originality check, ``html`` the image check.

    ``wordlists`` defaults to the sample lists plus the admins' list of ``kb``'s data folder;
    ``history`` (past release times of the account) refines the release window when known."""
    title = title.strip()
    body = body.replace("\r\n", "\n").strip("\n")
    language = _lang(title + "\n" + body, "zh")
    if wordlists is None:
        wordlists = load_wordlists(kb.settings.data_dir if kb is not None else None)
    c = _Checker(title, body, language, kb)
    check_title(c)
    check_lengths(c)
    check_wording(c, wordlists)
    check_facts(c)
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
    from .loaders import decode_text, load_bytes

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
