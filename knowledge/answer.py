"""Grounded answers: extractive by default, an LLM when one is configured, never an unsupported claim.

One code path for the CLI, the chat page and tests: :func:`answer` (and :func:`answer_stream`
for the chat page when an LLM streams). Steps:

1. a short follow-up ("and for WeChat groups?") is joined to the previous question;
2. a curated FAQ that matches closely is returned verbatim (``mode="faq"``);
3. hybrid search; when the best support is below the calibrated threshold the answer is a
   refusal in the question's language, with the closest documents, and the question is
   recorded as a knowledge gap;
4. otherwise the best-supported sentences of the top passages, each with a citation ``[n]``
   whose snippet is an exact sentence of that document's page - or, with an LLM, its reply
   with citations checked against the passages (a reply that cites nothing real, an
   unreachable server or a timeout falls back to the extractive answer, with a notice).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .chunking import sentence_spans
from .errors import EmptyQuestion
from .language import detect_language
from .lexical import in_dictionary, is_cjk, stem, subwords, synonyms, tokenize, translate_tokens, translations
from .retrieval import Hit

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# Calibrated on bench/eval (BENCHMARKS.md, "Grounded answers"), on the policies and guides sets
# only: a question is answered when
#   SIMILARITY_WEIGHT * (best dense similarity of the top 3 passages - the language's offset)
#   + PASSAGE_WEIGHT * (share of the question's words found in one of them)
#   + SENTENCE_WEIGHT * (share found in the best quoted sentence, its heading and lead-in)
# reaches MIN_SUPPORT. Neither signal alone separates answerable from unanswerable questions:
# e5 similarities bunch together, and shared words can be a coincidence. e5 scores a Chinese
# question about 0.035 higher than an English one against the same corpus, whether or not the
# answer is there, hence the offset.
SIMILARITY_WEIGHT = 3.0
SIMILARITY_OFFSET = {"zh": 0.05, "en": 0.0}
PASSAGE_WEIGHT = 1.0
SENTENCE_WEIGHT = 0.5
UNKNOWN_WEIGHT = 0.0  # measured, no gain: see BENCHMARKS.md
MIN_SUPPORT = 2.81
MAX_SENTENCES = 3
FAQ_MIN_SIMILARITY = 0.96  # e5 puts a paraphrase at ~0.98, a different question on the same topic at ~0.94

_FOLLOW_UP = re.compile(
    r"^(and|what about|how about|and for|also|same for|if|but)\b|^(那|那么|还有|如果|要是|另外|再|也)|[吗呢]？?$",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(r"\b(it|they|them|that|this|those|these)\b|它|他们|这个|那个|这些|那些|上述|以上", re.IGNORECASE)

TEXTS = {
    "zh": {
        "refusal": "知识库中没有找到能够回答这个问题的内容。",
        "closest": "最接近的文档：",
        "intro": "根据知识库：",
        "other_language": "（以下依据为英文原文）",
        "llm_fallback": "大模型暂时不可用，以下为直接摘录的答案。",
        "curated": "（培训师审定的答案）",
    },
    "en": {
        "refusal": "Not found in the knowledge base: no document there answers this question.",
        "closest": "Closest documents:",
        "intro": "From the knowledge base:",
        "other_language": "(The supporting text is in Chinese and is quoted as written.)",
        "llm_fallback": "The language model is unavailable; this answer is quoted directly from the documents.",
        "curated": "(Curated answer approved by a trainer)",
    },
}


@dataclass(frozen=True)
class Citation:
    n: int
    doc: str
    title: str
    page: int
    text: str  # an exact sentence of the document at that page
    chunk_id: str = ""

    def as_json(self) -> dict[str, object]:
        return {"n": self.n, "doc": self.doc, "title": self.title, "page": self.page, "text": self.text}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    grounded: bool
    citations: tuple[Citation, ...]
    mode: str  # extractive | llm | faq
    language: str
    query: str = ""  # what was searched (the question joined to a follow-up's context)
    closest: tuple[tuple[str, str], ...] = ()  # (doc, title) offered with a refusal
    notice: str = ""
    support: float = 0.0
    hits: tuple[Hit, ...] = field(default=(), repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "grounded": self.grounded,
            "citations": [c.as_json() for c in self.citations],
            "mode": self.mode,
        }


def ui_language(text: str) -> str:
    return "zh" if detect_language(text) == "zh" else "en"


def resolve_follow_up(question: str, history: Sequence[str]) -> str:
    """The text to search for: a short or referring follow-up carries the previous question with it."""
    previous = next((h for h in reversed(history) if h.strip()), "")
    if not previous:
        return question
    short = len(tokenize(question)) <= 4
    if short or _FOLLOW_UP.search(question.strip()) or _PRONOUNS.search(question):
        return f"{previous} {question}"
    return question


# ---------------------------------------------------------------------------- what the question asks for

# A question that asks for a time, a number or a frequency is answered by a sentence that states
# one of that kind: "every 90 days" for 多久换一次, "三级审核" for 几审, "07:30" for "what time".
# Each kind: what in a question asks for it (ASKS), and what in a sentence states it (_STATES).
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千半]+)"
_EN_NUM = (
    r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|sixty|ninety|hundred|several)"
)
_ZH_TIME = r"(?:分钟|小时|个?工作日|天|日|周|星期|个?月|年|季度)"
_EN_TIME = r"(?:working days?|business days?|minutes?|hours?|days?|weeks?|months?|years?|quarters?)"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

ASKS: dict[str, re.Pattern[str]] = {
    "duration": re.compile(
        r"多久|多长时间|多快|多少天|几天|几个?工作日|几个?小时|几分钟|多少小时|多少分钟|时限|期限"
        r"|\bhow (?:long|fast|soon|quickly|far ahead|far in advance)\b"
        r"|\bhow many (?:working |business )?(?:days|hours|minutes|weeks|months|years)\b"
        r"|\bdeadlines?\b|\btime limits?\b",
        re.IGNORECASE,
    ),
    "length": re.compile(
        r"多长(?!时间)|多少字|几个字|字数|长度|\bhow long (?:is|are|can|should|must|may|does|do)\b[^?？]*\bbe\b"
        r"|\bhow many (?:characters|words|bytes)\b|\blength\b",
        re.IGNORECASE,
    ),
    "frequency": re.compile(
        r"多久.{0,8}一次|多长时间.{0,8}一次|几次|多少次|频率|\bhow (?:often|frequently|many times)\b", re.IGNORECASE
    ),
    "clock": re.compile(
        r"几点|什么时间|什么时段|哪个时段|哪个时间|\bwhat time\b|\btime of (?:the )?day\b|\bwhat hours?\b",
        re.IGNORECASE,
    ),
    "date": re.compile(r"什么时候|何时|哪天|哪一天|几号|几月|\bwhen\b|\bwhat date\b|\bwhich day\b", re.IGNORECASE),
    "count": re.compile(r"几[个审级名条种项篇道遍位人家轮层]|多少[个名条种项篇人家位]|\bhow many\b", re.IGNORECASE),
    "amount": re.compile(r"多少|几成|比例|占比|\bhow much\b|\bwhat (?:percentage|share|proportion)\b", re.IGNORECASE),
}
# The words of a question that only say what kind of answer it wants: not what it is about.
_KIND_WORDS = re.compile(
    r"\bhow (?:long|fast|soon|quickly|often|frequently|far ahead|far in advance)\b|\bhow many times\b"
    r"|\bwhat time(?: of (?:the )?day)?\b|\btime of (?:the )?day\b|多久|多长时间|多长|多快|一次|几次|多少次",
    re.IGNORECASE,
)
_DURATION = (
    rf"{_NUM}\s*{_ZH_TIME}|\b(?:{_EN_NUM}|an?)(?:\s+to\s+\d+)?[\s-]+{_EN_TIME}\b|当日|当天|同日|即时|立即|马上|次日"
    r"|\bsame day\b|\bimmediately\b|\bat once\b|\bnext day\b|\bstraight away\b|\bright away\b"
)
_FREQUENCY = (
    rf"每(?:天|日|周|星期|月|季度|年|半年|{_NUM})|{_NUM}\s*次|\bevery\b|\bonce\b|\btwice\b|\b{_EN_NUM} times\b"
    r"|\b(?:daily|weekly|monthly|quarterly|annually|yearly)\b|\b(?:per|a) (?:day|week|month|quarter|year)\b"
)
_CLOCK = (
    r"\d{1,2}[:：]\d{2}|\d{1,2}\s*[时点](?![间期候段])|上午|下午|早上|早晨|晚上|中午|凌晨|傍晚|夜间"
    r"|\b(?:morning|afternoon|evening|noon|night|midnight)s?\b|\b[ap]\.m\."
    r"|(?<!within )\b\d+\s*(?:to\s*\d+\s*)?(?:minutes?|hours?)\s+(?:before|after|earlier|later)\b"
    r"|(?<!\d)\d+\s*分钟(?:前|后)"
)
_DATE = (
    rf"{_CLOCK}|{_DURATION}|\d+\s*月\s*\d*\s*日?|\d+\s*日(?:前|之前|以前)|\d+号|月底|年底|月初|年初"
    rf"|星期[一二三四五六日天]|周[一二三四五六日]|\b(?:{_MONTHS}|{_WEEKDAYS})\b|(?:19|20)\d\d"
)
_LENGTH = (
    rf"{_NUM}\s*(?:个)?(?:汉字|字节|字|词|行|段|张|页|px|像素)|\b{_EN_NUM}\s+(?:\w+\s+)?"
    r"(?:characters?|words?|bytes?|lines?|letters?|sentences?|paragraphs?|pages?|pixels?)\b"
)
_COUNT = (
    rf"\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+\s*[个名条种项篇道遍位人家次级审轮层倍]|\b{_EN_NUM}\b"
    r"|\b(?:once|twice|single|both)\b"
)
_STATES: dict[str, re.Pattern[str]] = {
    "duration": re.compile(_DURATION, re.IGNORECASE),
    "length": re.compile(_LENGTH, re.IGNORECASE),
    "frequency": re.compile(_FREQUENCY, re.IGNORECASE),
    "clock": re.compile(_CLOCK, re.IGNORECASE),
    "date": re.compile(_DATE, re.IGNORECASE),
    "count": re.compile(_COUNT, re.IGNORECASE),
    "amount": re.compile(rf"{_COUNT}|%|percent|元", re.IGNORECASE),
}
# Numbers that state nothing: clause and list numbering, years, document and phone numbers.
_NUMBERING = re.compile(
    r"^\s*(?:(?:第[一二三四五六七八九十百零\d]+[条章节款项]|article\s+\d+[.:]?|\d+(?:\.\d+)*[.、)]?(?=\s)"
    r"|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+、|问题\d+[：:]|[-*•·]|\[[ xX]?\])\s*)+",
    re.IGNORECASE,
)
_NOT_AMOUNTS = re.compile(
    r"(?:截至|截止|as of\s+)?(?:19|20)\d\d\s*年?|〔\d+〕\s*\d+\s*号|\[\d+\]\s*no\.\s*\d+|\bno\.\s*\d+|\d{3,4}-\d{5,8}",
    re.IGNORECASE,
)
# Measure words that follow 几/多少 in a question ("几次", "多少天"): the kind of answer, not a topic.
_MEASURES = frozenset(
    "个 次 天 日 条 种 项 篇 道 遍 位 人 家 名 级 轮 层 年 月 周 小时 分钟 工作日 钱 岁 分 字".split()
)
_COUNTED_ZH = re.compile(r"(?:几|多少)[个道次级名条种项篇遍位家轮层]?([\u4e00-\u9fff]{1,2})")
_COUNTED_EN = re.compile(r"\bhow many ([a-z]+)", re.IGNORECASE)


WEAK_CUE = 0.25


@dataclass(frozen=True)
class Asked:
    """What kind of answer a question wants, and for a count, what is counted (几审 -> 审)."""

    kinds: frozenset[str] = frozenset()
    counted: tuple[str, ...] = ()


def asked_for(question: str) -> Asked:
    kinds = {kind for kind, pattern in ASKS.items() if pattern.search(question)}
    if "frequency" in kinds:
        kinds.discard("duration")  # 多久换一次 asks how often, not how long
    if "length" in kinds and not re.search(r"多长时间|多久|how (?:fast|soon|quickly)", question, re.IGNORECASE):
        kinds.discard("duration")  # "how long must a password be" asks for a length
    if kinds & {"duration", "length", "frequency", "clock", "date", "count"}:
        kinds.discard("amount")  # 多少天 is a duration
    counted: list[str] = []
    if "count" in kinds:
        for m in _COUNTED_ZH.finditer(question):
            noun = m.group(1)
            if noun[0] not in _MEASURES and noun not in _MEASURES:
                counted.append(noun)
        counted += [stem(m.group(1).lower()) for m in _COUNTED_EN.finditer(question)]
    return Asked(frozenset(kinds), tuple(counted))


def answer_kinds(question: str) -> frozenset[str]:
    """What kinds of answer the question asks for (duration, length, frequency, clock, date, count, amount)."""
    return asked_for(question).kinds


def states_answer(text: str, asked: Asked | frozenset[str]) -> float:
    """How plainly ``text`` states an answer of the kind asked for: 1 for a time, a frequency or a
    number of the counted thing ("三级审核" for 几审), WEAK_CUE for any other number when a count is
    asked, else 0. Clause numbering, years and phone numbers are not answers."""
    if isinstance(asked, frozenset):
        asked = Asked(asked)
    if not asked.kinds:
        return 0.0
    body = _NUMBERING.sub("", text, count=1)
    plain = _NOT_AMOUNTS.sub(" ", body)
    best = 0.0
    for kind in asked.kinds:
        if not _STATES[kind].search(body if kind == "date" else plain):
            continue
        if kind == "count" and asked.counted:
            strong = any(_counts(plain, noun) for noun in asked.counted)
            best = max(best, 1.0 if strong else WEAK_CUE)
        else:
            best = 1.0
    return best


def _counts(text: str, noun: str) -> bool:
    """Whether ``text`` puts a number before ``noun`` ("三级审核" for 审, "two administrators")."""
    if "\u4e00" <= noun[0] <= "\u9fff":
        pattern = rf"[\d一二两三四五六七八九十百]+\s*[个道次级名条种项篇遍位家轮层]?\s*{re.escape(noun[0])}"
    else:
        pattern = rf"\b{_EN_NUM}\s+(?:[a-z-]+\s+){{0,3}}{re.escape(noun)}"
    return re.search(pattern, text, re.IGNORECASE) is not None


# ---------------------------------------------------------------------------- support and sentences

# Words every question about this trade shares: they say nothing about which passage answers it.
GENERIC_WORDS = frozenset(
    """政务 新媒体 政务新媒体 账号 公众号 微信 柳塘 柳塘区 区 单位 平台 工作 规定 我们 咱们 本区
    government account district liutang wechat official new media platform unit rule""".split()
)
GENERIC_WEIGHT = 0.3
# Words of spoken questions that carry no topic ("行不行", "是不是", "actually"); search keeps them.
QUESTION_FILLERS = frozenset(
    """或者 还是 是不是 行不行 可不可以 好不好 对不对 东西 一般 通常 具体 到底 究竟 现在 已经 然后 怎么办 咋办
    怎么样 什么样 如果 要是 的话 比如 就是 用 看 得 会 能 最 定 一样 之前 以前 以后 之后 之内 以内 那天 那边
    这种 那种 下来 一下子 半天 大概 比较 合适 搞 想 问个
    usual usually actual actually just really exactly please thing something anything way want know tell""".split()
)
CONTEXT_WEIGHT = 0.5  # a question word found only in the sentence's heading, title or lead-in
CUE_BONUS = 0.25  # the sentence states the kind of answer the question asks for
OWN_LANGUAGE_BONUS = 0.15  # a sentence in the question's language is preferred by this much
RANK_WEIGHT = 0.05  # the fused passage ranking breaks ties between equally covering sentences


@dataclass(frozen=True)
class _Candidate:
    hit_index: int
    text: str
    language: str
    score: float  # coverage, answer-kind cue and a small bonus for the passage's rank
    coverage: float  # the question's words in the sentence (in its heading or lead-in: part credit)
    cue: float = 0.0  # states the kind of answer asked for (a number, a duration, a time...): 0 to 1


def query_weights(query: str, idf: dict[str, float], *, precise: bool = False) -> dict[str, float]:
    """The question's words (no single characters), weighted by rarity. Support is measured on
    jieba's search-mode words (as calibrated); quotes are chosen on its precise cut, whose
    compounds get partial credit, so a compound and its parts are not counted twice.

    The words that only say what kind of answer is wanted ("how long", "what time", the 几 of
    几审) are left out, and the trade's generic words count for little."""
    kind_words = {t for m in _KIND_WORDS.finditer(query) for t in tokenize(m.group(), characters=False)}
    weights: dict[str, float] = {}
    for token in _question_tokens(query, idf, precise):
        weight = idf.get(token, 1.0)
        token = _POSSESSIVE.sub("", token)  # "citizen's" (kept so by the keyword index) -> citizen
        m = re.fullmatch(r"(?:几|多少)(.+)", token)
        if m:  # 几审 -> 审; 几次 -> (only the kind of answer)
            if m.group(1) in _MEASURES:
                continue
            token = m.group(1)
            weight = idf.get(token, weight)
        if token in kind_words or token in QUESTION_FILLERS:
            continue
        weights[token] = weight * (GENERIC_WEIGHT if token in GENERIC_WORDS else 1.0)
    return weights


def _question_tokens(query: str, idf: dict[str, float], precise: bool) -> list[str]:
    """The question's words; a word jieba only guessed (its HMM glues characters across a word
    boundary: "关号之前要提前多少天发" gives 天发) that neither its dictionary nor the knowledge
    base knows is taken as its characters."""
    unknown = max(idf.values(), default=0.0)
    tokens: list[str] = []
    for token in tokenize(query, characters=False, precise=precise):
        if len(token) > 1 and is_cjk(token) and idf.get(token, -1.0) >= unknown and not in_dictionary(token):
            tokens.extend(ch for ch in token if ch in idf)
        else:
            tokens.append(token)
    return list(dict.fromkeys(tokens))


@lru_cache(maxsize=8192)
def _present(text: str, partial: bool) -> frozenset[str]:
    """The words of a text as coverage compares them (a passage's sentences and headings recur
    from question to question, and cutting Chinese is the costly part of choosing quotes)."""
    present = {_POSSESSIVE.sub("", t) for t in tokenize(text)}
    if partial:
        present |= {_AGENT.sub("", t) for t in present if _AGENT.search(t)}  # reviewer -> review
        present |= {_fold(t) for t in present}
    return frozenset(present)


def _fold(token: str) -> str:
    """The light stemmer leaves "change" but makes "changed" "chang": quotes compare both as "chang"."""
    return token[:-1] if len(token) > 4 and token.endswith("e") and token.isascii() else token


def coverage(
    weights: dict[str, float], text: str, *, cross: bool = False, partial: bool = False, context: str = ""
) -> float:
    """Share of the question's (IDF-weighted) words that the text contains; across languages a
    word counts when it or a glossary translation of it is there - a word without a translation
    counts as missing, so one shared term cannot make a passage look like an answer."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = _present(text, partial) | _present(context, partial) if context else _present(text, partial)

    def has(token: str) -> bool:
        if token in present or (cross and any(t in present for t in translations(token))):
            return True
        if not partial:
            return False
        return _fold(token) in present or any(_fold(t) in present for t in synonyms(token, cross=cross))

    found = 0.0
    for token, weight in weights.items():
        if has(token):
            found += weight
        elif partial and (parts := subwords(token)):  # a compound ("网民留言") partly there ("留言")
            shares = {p: GENERIC_WEIGHT if p in GENERIC_WORDS else 1.0 for p in parts}  # 账号密码: 密码 counts
            found += weight * sum(w for p, w in shares.items() if has(p)) / sum(shares.values())
    return found / total


_POSSESSIVE = re.compile(r"'s?$")
_AGENT = re.compile(r"(?<=[a-z]{4})(?:er|or)$")


@dataclass(frozen=True)
class _Unit:
    text: str  # an exact slice of the passage: what a citation quotes
    context: str  # the passage's title and heading, and the line that introduced a list item
    quotable: bool = True  # a question ("问题6：…多久能收到答复？") is context for its answer, not an answer


_LIST_MARK = re.compile(r"^(?:[-*•·]\s*)?(?:\[[ xX]?\]\s*)?")
_INTRODUCES = ("：", ":", "如下", "包括", "following")
_SENTENCE_END = ("。", "！", "？", "；", ".", "!", "?", ";", "”", ")", "）")
_CONTINUES = re.compile(r"(?:(?:they|it|this|these|those|such)\b|该|其(?!他)|此|上述|以上)", re.IGNORECASE)
MAX_LIST_CHARS = 240  # an introducing line is quoted with as many of its items as fit


_CLAUSE = re.compile(r"(?:第[一二三四五六七八九十百零\d]+[条章节]|article\s+\d+|\d+\.\d+\s)", re.IGNORECASE)


def _ends_list(gap: str, mark: str, sentence: str, marked: bool) -> bool:
    """Whether a line no longer belongs to the list being read: a blank line before it, no list
    marker where the items had one, or the start of a new clause ("第五条", "Article 9", "3.2")."""
    return "\n\n" in gap or (marked and not mark.strip()) or bool(_CLAUSE.match(sentence))


def _list_end(text: str, spans: list[tuple[int, int]], i: int, offset: int) -> int:
    """The index of the last item quoted with the introducing line ``spans[i]``: up to four
    items, MAX_LIST_CHARS in all, and not past the end of the list."""
    j = i
    first_marked = False
    while j + 1 < len(spans) and spans[j + 1][1] - offset <= MAX_LIST_CHARS and j - i < 4:
        start, end = spans[j + 1]
        mark = _LIST_MARK.match(text[start:end]).group()  # type: ignore[union-attr]
        if j == i:
            first_marked = bool(mark.strip())
        elif _ends_list(text[spans[j][1] : start], mark, text[start + len(mark) : end], first_marked):
            break
        j += 1
    return j


def _units(hit: Hit) -> list[_Unit]:
    """The sentences of a passage that can be quoted, with what they stand under.

    Titles and headings (short lines with no sentence end) are not quoted but become the
    context of the sentences that follow; a sentence that introduces a list ("...as follows:")
    is quoted together with its first items, and each item keeps it as context; a question
    (as in an FAQ post) is context for the sentence after it; a sentence that refers back
    ("They may not...", "该...") is also quoted together with the one before it; list markers
    are trimmed and bare clause numbers ("Article 8.") skipped."""
    text = hit.text
    spans = sentence_spans(text)
    title = " ".join(hit.title.split())
    heading = hit.heading
    lead, lead_kind = "", ""  # the line that introduced the list being read ("list"), or a question just asked
    marked = False  # the list's items carry list markers
    units: list[_Unit] = []
    previous_end = 0
    for i, (start, end) in enumerate(spans):
        gap, previous_end = text[previous_end:start], end
        mark = _LIST_MARK.match(text[start:end]).group()  # type: ignore[union-attr]
        offset = start + len(mark)
        sentence = text[offset:end]
        if " ".join(sentence.split()) in title:  # the title, or part of it
            continue
        if len(_NUMBERING.sub("", sentence, count=1)) < 2:  # "Article 8." before its sentence
            continue
        introduces = sentence.endswith(_INTRODUCES)
        if len(sentence) < 40 and not sentence.endswith(_SENTENCE_END) and not introduces:  # a heading
            heading, lead, lead_kind = sentence, "", ""
            continue
        if lead_kind == "list-start":
            lead_kind, marked = "list", bool(mark.strip())  # a blank line may follow the introducing line
        elif lead_kind == "list" and _ends_list(gap, mark, sentence, marked):
            lead, lead_kind = "", ""  # a blank line, an unmarked line or a new clause ends the list
        context = " ".join(p for p in (title, heading, lead) if p)
        if lead_kind == "question":
            lead, lead_kind = "", ""  # a question leads the one answer after it
        if len(sentence) < 8:
            continue
        if sentence.endswith(("？", "?")):
            units.append(_Unit(sentence, context, quotable=False))
            lead, lead_kind = sentence, "question"
            continue
        if introduces:
            j = _list_end(text, spans, i, offset)
            if j > i:
                units.append(_Unit(text[offset : spans[j][1]], context))
            units.append(_Unit(sentence, context, quotable=j == i))
            lead, lead_kind = sentence, "list-start"
            continue
        if units and units[-1].quotable and _CONTINUES.match(sentence):
            # "They may not act as reviewers" says nothing without the sentence before it
            previous = units[-1]
            units.append(_Unit(text[text.rindex(previous.text, 0, offset) : end], previous.context))
        units.append(_Unit(sentence, context))
    return units


def _passages(hit: Hit) -> list[str]:
    """The quotable sentences of a passage (see :func:`_units`)."""
    return [u.text for u in _units(hit) if u.quotable]


def score_sentences(query: str, hits: Sequence[Hit], idf: dict[str, float]) -> list[_Candidate]:
    """Every quotable sentence of the passages, scored: the question's words in the sentence
    (in its heading, title or lead-in for part credit), whether it states the kind of answer
    asked for, and - as a tie-breaker - the passage's rank. Best first."""
    language = ui_language(query)
    weights = query_weights(query, idf, precise=True)
    asked = asked_for(query)
    candidates: list[_Candidate] = []
    for index, hit in enumerate(hits):
        cross = hit.language != language
        for unit in _units(hit):
            if not unit.quotable:
                continue
            own = coverage(weights, unit.text, cross=cross, partial=True)
            with_context = coverage(weights, unit.text, cross=cross, partial=True, context=unit.context)
            cover = own + CONTEXT_WEIGHT * (with_context - own)
            cue = states_answer(unit.text, asked)
            score = cover + CUE_BONUS * cue + RANK_WEIGHT / (index + 1)
            candidates.append(_Candidate(index, unit.text, hit.language, score, cover, cue))
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates


def best_sentences(
    query: str, hits: Sequence[Hit], idf: dict[str, float], limit: int = MAX_SENTENCES
) -> list[_Candidate]:
    """The best-supported sentences of the top passages, most useful first (see
    :func:`score_sentences` and :func:`_choose`)."""
    return _choose(score_sentences(query, hits, idf), ui_language(query), limit)


def _choose(candidates: list[_Candidate], language: str, limit: int = MAX_SENTENCES) -> list[_Candidate]:
    """The question's language gets a head start; the quotes then keep to the language of the
    best one (so a Chinese answer quoting English says so, once)."""
    candidates = sorted(
        candidates, key=lambda c: c.score + (OWN_LANGUAGE_BONUS if c.language == language else 0), reverse=True
    )
    if candidates:
        candidates = [c for c in candidates if c.language == candidates[0].language]
    chosen: list[_Candidate] = []
    for c in candidates:
        if len(chosen) == limit or (chosen and (c.score < 0.6 * chosen[0].score or c.coverage == 0)):
            break
        if any(c.text in o.text or o.text in c.text for o in chosen):
            continue
        chosen.append(c)
    return chosen


@dataclass(frozen=True)
class Support:
    """Why a question is answered or refused (see :func:`judge`)."""

    similarity: float  # best dense similarity of the top 3 passages
    passage_coverage: float  # share of the question's words found in one of the top 3 passages
    sentence_coverage: float  # ... in the best quoted sentence (its heading and lead-in for part credit)
    unknown: float  # share of the question's words the knowledge base has never seen, in any form
    score: float
    supported: bool


def support_of(query: str, hits: Sequence[Hit], idf: dict[str, float]) -> tuple[float, float]:
    """(best dense similarity, best keyword coverage) over the top passages."""
    if not hits:
        return 0.0, 0.0
    weights = query_weights(query, idf)
    language = ui_language(query)
    best_cov = 0.0
    for hit in hits[:3]:
        text = f"{hit.title} {hit.heading} {hit.text}"
        best_cov = max(best_cov, coverage(weights, text, cross=hit.language != language))
    return max(h.similarity for h in hits[:3]), best_cov


def unknown_share(query: str, idf: dict[str, float], unseen: frozenset[str]) -> float:
    """Share of the question's (weighted) words that no chunk contains - nor a translation, a
    synonym or, for a compound, all of its parts. Questions outside the knowledge base are
    usually about something it never names (邮政编码, "gimbal")."""
    weights = query_weights(query, idf, precise=True)
    total = sum(weights.values())
    if not total:
        return 0.0

    def seen(token: str) -> bool:
        return token not in unseen

    def known(token: str) -> bool:
        if seen(token) or any(seen(t) for t in translations(token) + tuple(synonyms(token)) if t in idf):
            return True
        parts = subwords(token)
        return bool(parts) and all(seen(p) for p in parts)

    return sum(w for t, w in weights.items() if not known(t)) / total


def judge(
    query: str, hits: Sequence[Hit], idf: dict[str, float], unseen: frozenset[str] = frozenset()
) -> tuple[Support, list[_Candidate]]:
    """Whether the passages support an answer, and the sentences that would be quoted.

    ``unseen`` are the question's words that no chunk contains (document frequency 0)."""
    similarity, passage_cov = support_of(query, hits, idf)
    chosen = best_sentences(query, hits, idf)
    sentence_cov = chosen[0].coverage if chosen else 0.0
    unknown = unknown_share(query, idf, unseen)
    score = (
        SIMILARITY_WEIGHT * (similarity - SIMILARITY_OFFSET.get(ui_language(query), 0.0))
        + PASSAGE_WEIGHT * passage_cov
        + SENTENCE_WEIGHT * sentence_cov
        - UNKNOWN_WEIGHT * unknown
    )
    supported = bool(chosen) and score >= MIN_SUPPORT
    return Support(similarity, passage_cov, sentence_cov, unknown, round(score, 3), supported), chosen


def compose_extractive(
    question: str,
    query: str,
    hits: Sequence[Hit],
    idf: dict[str, float],
    chosen: Sequence[_Candidate] | None = None,
) -> tuple[str, list[Citation]]:
    language = ui_language(question)
    if chosen is None:
        chosen = best_sentences(query, hits, idf)
    citations: list[Citation] = []
    numbers: dict[tuple[int, str], int] = {}
    lines = []
    for c in chosen:
        hit = hits[c.hit_index]
        key = (c.hit_index, c.text)
        n = numbers.setdefault(key, len(citations) + 1)
        citations.append(Citation(n, hit.doc, hit.title, hit.page, c.text, hit.chunk_id))
        lines.append(f"{c.text} [{n}]")
    texts = TEXTS[language]
    header = texts["intro"]
    if chosen and all(c.language != language for c in chosen):
        header += " " + texts["other_language"]
    bullet = "\n".join(f"- {line}" for line in lines)
    return f"{header}\n{bullet}", citations


def refusal(question: str, hits: Sequence[Hit]) -> tuple[str, tuple[tuple[str, str], ...]]:
    texts = TEXTS[ui_language(question)]
    closest: list[tuple[str, str]] = []
    for hit in hits:
        if (hit.doc, hit.title) not in closest:
            closest.append((hit.doc, hit.title))
    closest = closest[:3]
    text = texts["refusal"]
    if closest:
        text += "\n" + texts["closest"] + "\n" + "\n".join(f"- {title} ({doc})" for doc, title in closest)
    return text, tuple(closest)


def lookup_tokens(query: str) -> list[str]:
    """The words whose document frequencies an answer needs: the question's, their glossary
    translations and their synonyms."""
    tokens = tokenize(query)
    related = [w for t in tokens for w in sorted(synonyms(t))]
    return list(dict.fromkeys(tokens + translate_tokens(tokens) + related))


def idf_table(doc_freq: dict[str, int], total: int) -> dict[str, float]:
    return {t: math.log(1 + (total - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


# ---------------------------------------------------------------------------- the one entry point

MAX_QUESTION_CHARS = 1000


def clean_question(text: str) -> str:
    """The question as searched, recorded and shown back: control and invisible format characters
    dropped (text pasted from WeChat carries zero-width spaces; a bidi override would reorder what
    a trainer reads in the gap list), whitespace collapsed, and cut at MAX_QUESTION_CHARS so a
    pasted document costs no more than a question."""
    kept = "".join(
        ch if ch.isspace() or unicodedata.category(ch)[0] != "C" else "" for ch in text[: 4 * MAX_QUESTION_CHARS]
    )
    return " ".join(kept.split())[:MAX_QUESTION_CHARS]


def answer(
    kb: KnowledgeBase,
    question: str,
    *,
    history: Sequence[str] = (),
    asked_by: str = "",
    chat_model: Any | None = None,
) -> Answer:
    """Answer ``question`` from the knowledge base (see the module docstring)."""
    final: Answer | None = None
    for piece in answer_stream(kb, question, history=history, asked_by=asked_by, chat_model=chat_model):
        if isinstance(piece, Answer):
            final = piece
    assert final is not None
    return final


def answer_stream(
    kb: KnowledgeBase,
    question: str,
    *,
    history: Sequence[str] = (),
    asked_by: str = "",
    chat_model: Any | None = None,
) -> Iterator[str | Answer]:
    """Yield pieces of text as they are ready, then the finished :class:`Answer`."""
    question = clean_question(question)
    if not any(ch.isalnum() for ch in question):
        raise EmptyQuestion("Type a question first · 请先输入问题")
    language = ui_language(question)
    query = resolve_follow_up(question, history)
    faq = kb.match_faq(question)
    if faq is not None:
        result = _faq_answer(question, query, faq, language)
        yield result.text
        yield result
        return
    hits = kb.search(query, k=6)
    doc_freq, total = kb.catalog.doc_freq(lookup_tokens(query))
    idf = idf_table(doc_freq, total)
    unseen = frozenset(t for t, n in doc_freq.items() if n == 0)
    judged, chosen = judge(query, hits, idf, unseen)
    support = judged.score
    if not judged.supported:
        text, closest = refusal(question, hits)
        kb.catalog.record_gap(question, query, language, [d for d, _ in closest], support, asked_by)
        result = Answer(
            question, text, False, (), "extractive", language, query, closest, support=support, hits=tuple(hits)
        )
        yield result.text
        yield result
        return
    if chat_model is not None:
        yield from _llm_answer(chat_model, question, query, hits, idf, language, support)
        return
    text, citations = compose_extractive(question, query, hits, idf, chosen)
    result = Answer(
        question, text, True, tuple(citations), "extractive", language, query, support=support, hits=tuple(hits)
    )
    yield result.text
    yield result


def _faq_answer(question: str, query: str, faq: dict[str, Any], language: str) -> Answer:
    text = f"{faq['answer']}\n{TEXTS[language]['curated']} [1]"
    citation = Citation(1, faq["source"], faq["question"], 0, faq["answer"])
    return Answer(question, text, True, (citation,), "faq", language, query, support=1.0)


def _llm_answer(
    chat_model: Any,
    question: str,
    query: str,
    hits: Sequence[Hit],
    idf: dict[str, float],
    language: str,
    support: float,
) -> Iterator[str | Answer]:
    from . import llm

    passages = list(hits[:5])
    messages = llm.build_messages(question, passages, language)
    pieces: list[str] = []
    try:
        for piece in llm.stream_reply(chat_model, messages):
            pieces.append(piece)
            if llm.REFUSAL_MARKER not in "".join(pieces) and not llm.REFUSAL_MARKER.startswith("".join(pieces)):
                yield piece
    except Exception as exc:  # unreachable, timeout, bad response: never an exception to the user
        yield from _fallback(question, query, hits, idf, language, support, f"{type(exc).__name__}")
        return
    reply = "".join(pieces)
    if llm.is_refusal(reply):
        text, closest = refusal(question, hits)
        yield Answer(question, text, False, (), "llm", language, query, closest, support=support, hits=tuple(hits))
        return
    text, cited = llm.clean_reply(reply, len(passages))
    if not cited:
        yield from _fallback(question, query, hits, idf, language, support, "no valid citations")
        return
    citations = tuple(
        Citation(
            n,
            passages[n - 1].doc,
            passages[n - 1].title,
            passages[n - 1].page,
            passages[n - 1].text,
            passages[n - 1].chunk_id,
        )
        for n in sorted(cited)
    )
    yield Answer(question, text, True, citations, "llm", language, query, support=support, hits=tuple(hits))


def _fallback(
    question: str, query: str, hits: Sequence[Hit], idf: dict[str, float], language: str, support: float, why: str
) -> Iterator[str | Answer]:
    text, citations = compose_extractive(question, query, hits, idf)
    notice = f"{TEXTS[language]['llm_fallback']} ({why})"
    result = Answer(
        question,
        text,
        True,
        tuple(citations),
        "extractive",
        language,
        query,
        support=support,
        notice=notice,
        hits=tuple(hits),
    )
    yield "\n\n" + notice + "\n\n" + result.text
    yield result
