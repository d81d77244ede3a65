"""The reply desk: classify a citizen's message, find the rules that apply, draft a reply, and
compute the reply deadline in Chinese working days.

One code path for the CLI (``python -m knowledge draft-reply``) and the page "Reply to a message".

Classification weighs families of cues in both languages, kept as data with a reason for each
(``wordlists/replies/cues.yaml``): grievance, how long it has lasted, earlier contacts, demands
and sarcasm point to a complaint; wrongdoing by someone else to a report; asking for something
new to a suggestion; how/where/when to a consultation; thanks and chit-chat to "other". Each
family found adds its weight once; the most evidence wins, ties go to the more serious category,
and a message with no cue at all is "other". The matched words are returned so staff see why.

Deadlines follow the sample district's rules (柳塘区政务新媒体网民留言办理规定, Art. 8-9):
acknowledge within 1 working day; simple enquiries are settled within 3 working days, requests
that need investigation or coordination within 10. A complaint, a report and a suggestion all
need the responsible section to look into the matter, so they get 10; a consultation and
anything else get 3. Art. 9 counts from the day after the message arrives, so the time of day
it arrived (during or after working hours) never changes the deadline. Working days come from
``chinese_calendar`` (statutory holidays and the adjusted working weekends), not a hand list.

The reply first says back what the message is about (:func:`message_facts`, :func:`restatement`):
the sentence that carries the matter in the person's own words (quoted, without personal data,
greetings or rhetorical demands), how long it has lasted, earlier contacts such as a 12345 call,
and what is asked, all found by general patterns (place words, durations, contact verbs), so the
reply is about this message and not a template (district rule, Art. 11). It quotes the knowledge
base only through citations ``[n]`` whose snippet is an exact sentence of the cited page; what
only the office knows is a placeholder (【办理部门】, [office to fill in]) for a person to fill in
before anything is sent. A sample post tells another town's case: it is offered to staff as a
labelled reference (``ReplyDraft.references``), never quoted in the reply as this citizen's
answer. The rules cited (deadline, what a reply contains, escalation, legal channels, personal
data) are found by searching for their wording and prefer a policy to a post that repeats it.
What the knowledge base says about the message's own subject has the chat's three outcomes
(``ReplyDraft.confidence``): "answered" passages go into the reply only for a consultation (for a
complaint, report or suggestion only the responsible office can answer, so staff see them as
passages to check); "related" passages (on the topic, but no confirmed answer) are shown to staff
to check and never go into the reply, whose answer stays a placeholder; "not_found" says that
nothing in the knowledge base answers it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import chinese_calendar
import yaml

from knowledge.answer import Citation, assess, ui_language
from knowledge.chunking import sentence_spans
from knowledge.errors import KnowledgeError
from knowledge.lexical import _jieba
from knowledge.retrieval import Hit

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase


class EmptyMessage(KnowledgeError):
    "The message has no words in it"


class CalendarOutOfRange(KnowledgeError):
    "The holiday calendar has no data for the year a deadline falls in"


CATEGORIES = ("consultation", "complaint", "suggestion", "report", "other")
CATEGORY_NAMES = {
    "consultation": {"zh": "咨询", "en": "consultation"},
    "complaint": {"zh": "投诉", "en": "complaint"},
    "suggestion": {"zh": "建议", "en": "suggestion"},
    "report": {"zh": "举报", "en": "report"},
    "other": {"zh": "其他", "en": "other"},
}
# Ties go to the first of these: a message that both asks and complains is handled as a complaint.
PRIORITY = ("report", "complaint", "suggestion", "consultation", "other")
CUES_FILE = Path(__file__).resolve().parent / "wordlists" / "replies" / "cues.yaml"


class CueFileError(KnowledgeError):
    "The reply desk's cue file cannot be read"


@dataclass(frozen=True)
class CueFamily:
    """One kind of evidence for a category (see ``wordlists/replies/cues.yaml``)."""

    name: str
    category: str
    weight: float
    why: str
    patterns: tuple[re.Pattern[str], ...]

    def find(self, message: str) -> str | None:
        for pattern in self.patterns:
            m = pattern.search(message)
            if m:
                return m.group()
        return None


@functools.cache
def cue_families(path: Path = CUES_FILE) -> tuple[CueFamily, ...]:
    """The cue families of ``path``, checked: a broken file is a clear error, not a silent 'other'."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CueFileError(
            f"Cannot read the reply desk's cue file {path}: {exc} - restore it from the repository"
        ) from exc
    families = []
    for i, item in enumerate(data if isinstance(data, list) else [None]):
        where = f"{path}, family {i + 1}"
        if not isinstance(item, dict) or not {"name", "category", "weight", "why", "patterns"} <= set(item):
            raise CueFileError(f"{where}: each family needs name, category, weight, why and patterns")
        if item["category"] not in CATEGORIES:
            raise CueFileError(f"{where}: category must be one of {', '.join(CATEGORIES)}, not {item['category']!r}")
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in item["patterns"])
        except (re.error, TypeError) as exc:
            raise CueFileError(f"{where} ({item['name']}): a pattern is not a regular expression: {exc}") from exc
        families.append(CueFamily(item["name"], item["category"], float(item["weight"]), item["why"], patterns))
    return tuple(families)


# Messages that must be reported within 2 hours (Art. 14) or pointed to a legal channel (Art. 16),
# and personal data that must not be repeated in a published reply (Art. 13).
_ESCALATE = re.compile(
    r"安全隐患|着火|火灾|起火|坍塌|塌了|漏气|燃气泄漏|触电|溺水|危险|自杀|轻生|不想活|跳楼|同归于尽|群体性|集体(?:上访|维权)"
    r"|联名|找媒体|媒体(?:关注|报道)|记者|曝光"
    r"|\b(?:hazard|fire|gas leak|collapse|collapsing|electrocut\w*|danger(?:ous)?|suicide|kill myself|end my life"
    r"|journalists?|the press|go to the media|the media)\b",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"信访|上访|起诉|诉讼|打官司|行政复议|仲裁"
    r"|\b(?:petition|lawsuit|sue|go to court|court case|administrative reconsideration|arbitration)\b",
    re.IGNORECASE,
)
_PERSONAL = re.compile(
    r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{17}[\dXx](?!\w)"  # mobile number, ID number
    r"|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}"  # licence plate
)

# Working days per category (sample district rule, Art. 8) and for the acknowledgement.
WORKING_DAYS = {"consultation": 3, "complaint": 10, "suggestion": 10, "report": 10, "other": 3}
ACKNOWLEDGE_DAYS = 1
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Classification:
    category: str
    cues: tuple[str, ...]  # the words of the message that decided it, for staff to check
    scores: dict[str, float] = field(default_factory=dict)
    families: tuple[str, ...] = ()  # the cue families behind ``cues``


def classify(message: str) -> Classification:
    """The category of ``message``: each cue family found adds its weight to its category once;
    the most evidence wins, ties go to the more serious category, no evidence at all is "other"."""
    scores = dict.fromkeys(PRIORITY, 0.0)
    found: dict[str, list[tuple[str, str]]] = {c: [] for c in PRIORITY}
    text = message.strip()
    for family in cue_families():
        words = family.find(text)
        if words is not None:
            scores[family.category] += family.weight
            found[family.category].append((family.name, words))
    best = max(PRIORITY, key=lambda c: (scores[c], -PRIORITY.index(c)))
    if scores[best] == 0:
        return Classification("other", (), scores)
    return Classification(
        best,
        tuple(dict.fromkeys(w for _, w in found[best])),
        scores,
        tuple(name for name, _ in found[best]),
    )


# ---------------------------------------------------------------------------- working days


def is_workday(day: dt.date) -> bool:
    """A working day in mainland China, adjusted weekends included; CalendarOutOfRange outside
    the years the installed calendar knows."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarOutOfRange(
            f"The holiday calendar has no data for {day.year} ({exc}). Update it with "
            f"`pip install -U chinese-calendar`, or use a received date whose deadline falls in a known year · "
            f"节假日日历没有{day.year}年的数据，请升级 chinese-calendar 或更换收到日期"
        ) from exc


def add_working_days(received: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``received``: counting starts the next day (Art. 9), so
    the day itself never counts, whatever the hour, and holidays extend the limit."""
    day, counted = received, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def add_weekdays(received: dt.date, days: int) -> dt.date:
    """Monday to Friday only: the estimate used when the holiday calendar has no data for a year."""
    day, counted = received, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def deadline_for(category: str, received: dt.date) -> tuple[dt.date, int]:
    days = WORKING_DAYS[category]
    return add_working_days(received, days), days


# ---------------------------------------------------------------------------- the rules to cite


@dataclass(frozen=True)
class _Rule:
    zh: str  # what to search for in Chinese
    en: str
    pattern: str  # what the quoted sentence must contain


def _deadline_rule(days: int) -> _Rule:
    if days == 3:
        return _Rule(
            "简单咨询 3个工作日内办结答复",
            "Simple enquiries settled and answered within 3 working days",
            r"(?:咨询|enquir).*(?:3个工作日|3 working days)",
        )
    return _Rule(
        "复杂诉求 需要调查核实 10个工作日内办结答复",
        "Complex requests investigation 10 working days",
        r"(?:复杂|complex).*(?:10个工作日|10 working days)",
    )


RULES = {
    "acknowledge": _Rule(
        "受理回复 收到留言后1个工作日内",
        "Acknowledgement within 1 working day of receiving the message",
        r"(?:受理回复|acknowledgement).*(?:1个工作日|1 working day)",
    ),
    "counting": _Rule(
        "时限从收到留言的次日起计算 遇法定节假日顺延",
        "Time limits are counted from the day after the message arrives",
        r"次日|day after",
    ),
    "content": _Rule(
        "答复应当做到有称呼、有结论、有依据、有联系方式",
        "A reply addresses the person, gives a clear conclusion",
        r"有称呼|addresses the person",
    ),
    "forbidden": _Rule(
        "答复禁止答非所问、空洞说教、生硬冷漠 推诿说法",
        "Replies must never dodge the question pass the buck",
        r"推诿|答非所问|pass the buck|dodge",
    ),
    "escalate": _Rule(
        "2小时内报告科室负责人和区政府办公室", "reports within 2 hours to the section chief", r"2小时内|within 2 hours"
    ),
    "legal": _Rule(
        "属于信访、诉讼、行政复议等法定途径解决的事项，应当告知留言人相应的法定渠道和联系方式",
        "Matters that must go through a legal channel, such as petitions, lawsuits or administrative reconsideration",
        r"法定|legal channel",
    ),
    "privacy": _Rule(
        "不得披露留言人的姓名、身份证号、手机号",
        "never reveal the person's name, ID number, mobile number",
        r"个人信息|personal information",
    ),
}

_LIST_MARK = re.compile(r"^(?:(?:[-*•·]|\d+[.、)])\s*)?")


def _sentences(hit: Hit) -> list[str]:
    """Exact slices of the passage, one per sentence, list markers trimmed."""
    out = []
    for start, end in sentence_spans(hit.text):
        sentence = hit.text[start:end]
        sentence = _LIST_MARK.sub("", sentence, count=1)
        if len(sentence) >= 8:
            out.append(sentence)
    return out


def find_rule(kb: KnowledgeBase, rule: _Rule, language: str) -> tuple[Hit, str] | None:
    """The first sentence of the knowledge base that states ``rule``: searched in ``language``
    first, then in the other one (a district may only have its rules in Chinese)."""
    pattern = re.compile(rule.pattern, re.IGNORECASE | re.DOTALL)
    hits = kb.search(getattr(rule, language), k=8) + kb.search(getattr(rule, "en" if language == "zh" else "zh"), k=8)
    # A policy before a post that repeats it; then the message's language; search order within each.
    hits.sort(key=lambda h: (h.kind != "policy", h.language != language))
    for hit in hits:
        for sentence in _sentences(hit):
            if pattern.search(sentence):
                return hit, sentence
    return None


# ---------------------------------------------------------------------------- what the message says

# Personal data must not be repeated in a reply (Art. 13): mobile and landline numbers with spaces or
# hyphens, ID numbers, licence plates. A clause holding one is left out of the restatement.
_PERSONAL_ANY = re.compile(
    _PERSONAL.pattern + r"|(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)|(?<!\d)0\d{2,3}[ -]?\d{3,4}[ -]?\d{4}(?!\d)"
)
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=\.)\s+")
_CLAUSE = re.compile(r"[，、：]\s*|[,:](?!\d)\s*")  # not the comma of 1,200
# Openings that say nothing about the matter (greetings, "may I ask", "I want to complain").
_FILLER_ZH = re.compile(
    r"^(?:(?:你好|您好|小编|在吗|麻烦|请问一下|请问|想问一下|想问下|我想问问你们|我想问一下|问一下|我想咨询一下|想咨询一下|咨询一下|"
    r"我想了解一下|想了解一下|我要投诉|我要实名举报|实名举报|我要举报|我举报|举报|我要反映一个问题|我反映一下|我提个建议|"
    r"提议|建议|个人觉得|我觉得|呵呵|说好的)[，,：:！!。\s]*)+"
)
_FILLER_EN = re.compile(
    r"^(?:(?:hi|hello|dear \w+|good (?:morning|afternoon))[,!.\s]+|i want to complain:?\s*|noise complaint:\s*"
    r"|reporting (?:a |an )?[\w ]{0,30}:\s*|suggestion:\s*|i have an idea:\s*|seriously\?\s*)+",
    re.IGNORECASE,
)
# Places: one or more named units ending in a place word, then a room number or "门口"-like position.
_ZH_STOP = "我你他她它们的了在是到从把被给和与跟也都还就这那个些有没每天上下去来说要想问请让对向往离已经又再很太"
_ZH_PLACE_WORD = (
    r"(?:街道|办事处|村委会|工业园区?|政务服务中心|便民服务中心|服务中心|服务大厅|卫生院|幼儿园|小学|中学|学校|医院|菜市场|菜场|市场|"
    r"公园|广场|水库|大桥|新村|小区|社区|花园|家园|新街|老街|大道|区|镇|乡|村|路|街|巷|弄|桥|河|湖|站|馆|苑)"
)
_ZH_PLACE = re.compile(
    rf"[^{_ZH_STOP}\W\d_]{{1,6}}?{_ZH_PLACE_WORD}(?:[^{_ZH_STOP}\W\d_]{{0,6}}?{_ZH_PLACE_WORD}|\d+(?:号|栋|幢|单元))*"
    r"(?:门口|旁边|附近|对面|后面|前面|边上|里面|周边|边)?"
)
_EN_PLACE_WORD = (
    r"(?:Road|Street|Lane|Avenue|Park|Estate|Gardens?|Court|Village|Town|District|Market|Square|Bridge|River|"
    r"Station|Centre|Center|Hall|School|Hospital|Clinic|Library|Museum|Way|Drive|Bay)"
)
_EN_PLACE = re.compile(
    rf"(?:(?:Block|No\.?)\s*\d+,?\s+)?(?:\d+\s+)?(?:[A-Z][a-z]+\s+){{1,3}}{_EN_PLACE_WORD}\b"
    rf"(?:\s+(?:{_EN_PLACE_WORD}|car park))*"
)
# How long or since when: a number of days, weeks, months or years, or a point in time.
_ZH_SINCE = re.compile(
    r"(?:快|近|将近|已经|都)?(?:[一二两三四五六七八九十半几\d]+|好几|几)来?(?:个)?多?(?:天|日|周|星期|礼拜|个月|月|年)多?"
    r"(?=了|以来|还|都|没|也|，|,|。|！|!|$)"
    r"|(?:上个?月|上周[一二三四五六日天]?|去年|今年|年初|年底|[一二三四五六七八九十\d]+月(?:底|初|中旬|份)?)"
    r"(?=以来|开始|就|到现在|至今|，|,|问|交|反映|申请|留言)"
    r"|常年|半年"
)
_EN_SINCE = re.compile(
    r"\bfor (?:nearly |almost |over |more than |about )?"
    r"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d+|several|many)?"
    r"\s*(?:days?|weeks?|months?|years?|fortnight)\b"
    r"|\bsince (?:summer|spring|autumn|winter|last \w+|(?:the start of |early |late )?"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)|\d{4})\b"
    r"|\b(?:\w+ )(?:days|weeks|months|years) ago\b",
    re.IGNORECASE,
)
# Earlier contacts: the hotline, calls, visits, earlier messages.
_ZH_CONTACT = re.compile(
    r"(?:打过|打了|拨打过?|致电|反映过|反映了|投诉过|投诉了|找过|找了|跑了|问过|留言过)(?!工)[^，。！？,.!?也但可都却还就]{0,14}"
    r"|已经是第[二三四五六七八九十\d]+次留言|第[二三四五六七八九十\d]+次(?:留言|反映|投诉)"
)
_EN_CONTACT = re.compile(
    r"\bI(?: have|'ve)? (?:called|rang|phoned|emailed|wrote to|contacted|reported (?:it|this)|asked"
    r"|sent (?:a message|an email))[^.;!?]{0,60}"
    r"|\bI'm writing for the \w+ time\b|\bI have reported it \w+ times(?: already)?",
    re.IGNORECASE,
)
# What they ask for.
_ZH_ASK = re.compile(r"(?:希望|请求|要求|麻烦|恳请|(?<![申邀聘])请)(?!问|假|客)([^，。！？,.!?]{2,30})")
_EN_ASK = re.compile(
    r"\b(?:please|could you|can you|I want|I'd like|I ask you to)\s+"
    r"(?!consider|think|tell|to (?:report|complain|suggest|know|ask|enquire|inquire)\b)([^.!?]{3,80})",
    re.IGNORECASE,
)
_ZH_GENERIC_NOUNS = frozenset(  # nouns too general to be what a message is about
    "问题 情况 事情 时候 人 有人 部门 工作人员 大家 政府 小编 东西 地方 样子 时间 现在 每天 晚上 早上 "
    "上班族 老人 孩子 村民 居民 业主 群众 电话 事 哪里".split()
)
_EN_STOP = frozenset(  # words that end an English noun group
    "a an the my our your their this that these those some any no is are was were has have had been "
    "be on in at near outside along of for to from by with and or but if when where who which it "
    "there here not still again every since about into behind under over after before i you we they "
    "he she so just can do does did will would could should way time times thing things someone "
    "somebody anyone nobody people day days week weeks month months year years night morning what "
    "how why get got whole same other new old all more most very really only".split()
)
_EN_SUBJECT = re.compile(r"\b(?:the|my|our|a|an|some|any)\s+((?:[a-z][\w'-]*\s+){0,2}[a-z][\w-]*)", re.IGNORECASE)
_EN_OBJECT = re.compile(
    r"\b(?:apply for|renew|register|get|pay|book|find|recycle|install|add|open|about|fix)\s+(?:my |a |an |the |our )?"
    r"((?:[a-z][\w'-]*\s+){0,2}[a-z][\w-]*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MessageFacts:
    """What a message says, in its own words, for the reply to say back (never personal data)."""

    subject: str = ""  # what it is about: 路灯, "street lights"
    places: tuple[str, ...] = ()
    since: str = ""  # how long, or since when
    contacts: tuple[str, ...] = ()  # earlier calls and messages
    ask: str = ""  # what the person asks for
    gist: str = ""  # the sentence that carries the matter, in the person's own words


def _sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _strip_filler(text: str, language: str) -> str:
    pattern = _FILLER_ZH if language == "zh" else _FILLER_EN
    return pattern.sub("", text.strip()).strip()


def _clean_clauses(sentence: str, language: str) -> str:
    """The sentence without clauses holding personal data, self-introductions (a name), demands or sarcasm:
    what is left says what happened."""
    families = {f.name: f for f in cue_families()}
    noise = [families[n] for n in ("demands_action", "displeasure") if n in families]
    short = 10 if language == "zh" else 40
    kept: list[str] = []
    for clause in _CLAUSE.split(sentence):
        clause = clause.strip(" ，,。.!！?？;；")
        if (
            not clause
            or _PERSONAL_ANY.search(clause)
            or re.match(r"^(?:我是|我叫|我姓|本人|I am from|I'm from|my name is)", clause, re.IGNORECASE)
        ):
            continue
        # "你们管不管" says nothing about the matter; "态度太差了" after a place does
        if (kept or len(clause) <= short) and any(f.find(clause) for f in noise):
            continue
        kept.append(clause)
    sep = "，" if language == "zh" else ", "
    return sep.join(kept)


def _second_person(text: str, language: str) -> str:
    """The citizen's words as the office says them back: 我 -> 您, "I" -> "you" (and the reverse)."""
    if language == "zh":
        text = re.sub(r"你们", "\0", text)
        text = re.sub(r"我们(?=[\u4e00-\u9fff]{0,4}(?:村|镇|小区|社区|街道|楼|单位|公司))", "您所在的", text)
        text = re.sub(r"我(?:妈|母亲)", "您的母亲", text)
        text = re.sub(r"我(?:爸|父亲)", "您的父亲", text)
        text = text.replace("我们", "你们").replace("我", "您")
        return text.replace("\0", "我们")
    swap = {
        "i": "you",
        "me": "you",
        "my": "your",
        "mine": "yours",
        "i'm": "you're",
        "i've": "you've",
        "i'd": "you'd",
        "we": "you",
        "us": "you",
        "our": "your",
        "am": "are",
        "you": "we",
        "your": "our",
    }

    def repl(m: re.Match[str]) -> str:
        return swap[m.group().lower()]

    return re.sub(r"\b(?:I'm|I've|I'd|I|me|my|mine|we|us|our|am|you|your)\b", repl, text, flags=re.IGNORECASE)


def _gist(message: str, language: str, category: str) -> str:
    """The sentence that carries the matter: the first whose own cues point to the message's
    category (else the first with words), without filler, personal data or rhetorical demands."""
    candidates, asks, raw = [], set(), {}
    for sentence in _sentences_of(message):
        cleaned = _clean_clauses(_strip_filler(sentence, language), language)
        cleaned = _strip_filler(cleaned, language)
        if len(cleaned) >= (4 if language == "zh" else 10):
            candidates.append(cleaned)
            raw[cleaned] = sentence
            last = _strip_filler(_CLAUSE.split(sentence)[-1], language).strip(" ?？")
            if sentence.rstrip().endswith(("?", "？")) and last in cleaned:
                asks.add(cleaned)  # a question kept whole keeps its question mark
    if not candidates:
        return ""
    place = _ZH_PLACE if language == "zh" else _EN_PLACE
    since = _ZH_SINCE if language == "zh" else _EN_SINCE

    def weight(sentence: str) -> int:  # its own category, then where and since when
        own = classify(raw[sentence]).category == category
        return sum((own, bool(place.search(sentence)), bool(since.search(sentence))))

    best = max(range(len(candidates)), key=lambda i: (weight(candidates[i]), -i))
    first = best
    # "请问桂花巷的路灯什么时候修？坏了快一个月了": the matter can span sentences; a short one, or
    # one that names no place, takes in the sentence before it.
    short = 12 if language == "zh" else 30
    while first > 0 and (len(candidates[first]) < short or not place.search(candidates[first])):
        if not place.search(candidates[first - 1]) and len(candidates[first]) >= short:
            break
        first -= 1
        if place.search(candidates[first]):
            break
    question, sep = ("？", "，") if language == "zh" else ("?", ". ")
    pieces = [c + (question if c in asks else "") for c in candidates[first : best + 1]]
    chosen = "".join(p + (" " if p.endswith("?") else "" if p.endswith("？") else sep) for p in pieces[:-1])
    chosen += pieces[-1]
    limit = 60 if language == "zh" else 200
    if len(chosen) > limit:  # a long sentence: its first clauses
        cut = chosen[:limit]
        chosen = cut[: max(cut.rfind("，"), cut.rfind(","), limit // 2)].rstrip("，, ")
    ends_asking = chosen.endswith(question)
    return chosen.rstrip("。.!！?？;； ") + (question if ends_asking else "")


def _since_key(since: str, language: str) -> str:
    """How to say a time back: a span ("两周", "for a week") or a starting point ("上个月", "since March")."""
    if language == "en":
        return "said_since_span" if since.lower().startswith(("for ", "since ")) else "said_since_point"
    if since in ("常年", "长期"):
        return "said_since_always"
    if re.search(r"[一二两三四五六七八九十半几\d]", since) and not re.search(r"[上去今]|月(?:底|初|中旬|份)", since):
        return "said_since_span"
    return "said_since_point"


def restatement(facts: MessageFacts, category: str, language: str) -> str:
    """The message said back: its gist in the person's own words (quoted, personal data left out),
    then how long it has lasted, earlier contacts and what is asked when the gist leaves them out;
    "" when the message says nothing of substance ("在吗", "Test")."""
    if not facts.gist:
        return ""
    texts = TEXTS[language]
    parts = [texts["said_" + category].format(gist=facts.gist)]
    told = _second_person(facts.gist, language).lower()
    if facts.since and facts.since not in facts.gist and category in ("complaint", "report"):
        parts.append(texts[_since_key(facts.since, language)].format(since=facts.since))
    for contact in facts.contacts:
        if contact.lower() not in told:
            parts.append(texts["said_contact"].format(contact=contact))
    if facts.ask and facts.ask.lower() not in told:
        if facts.ask.startswith("want "):
            parts.append(texts["said_want"].format(ask=facts.ask))
        else:
            parts.append(texts["said_ask"].format(ask=facts.ask))
    return texts["said_sep"].join(parts) + texts["said_end"]


def _zh_places(text: str) -> list[str]:
    """Place names of a Chinese text: a match must start and end on word boundaries (so 路 in 路灯
    is no road) and starts at its first noun (so 举报 in 举报东湖村 is no part of the place)."""
    _jieba()
    import jieba.posseg as posseg

    places = []
    for sentence in _sentences_of(text):
        sentence = _strip_filler(sentence, "zh")
        bounds, position = {0}, 0
        for word in posseg.lcut(sentence):
            position += len(word.word)
            bounds.add(position)
        for m in _ZH_PLACE.finditer(sentence):
            if m.end() not in bounds:
                continue
            start, tokens = m.start(), posseg.lcut(m.group())
            while tokens and tokens[0].flag[:1] not in ("n", "s", "j"):
                start += len(tokens.pop(0).word)
            last = tokens[-1] if tokens else None  # 走路 is walking, not a road
            if last is not None and last.flag[:1] in ("v", "a", "d") and len(last.word) > 1:
                continue
            if start in bounds and m.end() - start >= 2:
                places.append(sentence[start : m.end()])
    return places


def _zh_subject(text: str, places: Sequence[str]) -> str:
    """The thing a Chinese sentence is about: the first run of nouns (not a place) that something
    is said of - followed by a verb or adjective, as 路灯 in 路灯坏了 -, else the first that is not
    a modifier (followed by 的)."""
    for place in places:
        text = text.replace(place, "，")
    _jieba()  # the project's dictionary first
    import jieba.posseg as posseg

    runs: list[tuple[str, str, str]] = []  # (noun run, the word after it, its part of speech)
    run = ""
    for w in posseg.lcut(text):
        if (
            (w.flag[:1] in ("n", "j") or w.flag == "eng")
            and w.flag not in ("nr", "ns")
            and w.word not in _ZH_GENERIC_NOUNS
        ):
            run += w.word
            continue
        if run:
            runs.append((run, w.word, w.flag))
            run = ""
    if run:
        runs.append((run, "", ""))
    runs = [r for r in runs if len(r[0]) >= 2]
    for noun, _, flag in runs:
        if flag[:1] in ("v", "a", "d"):
            return noun
    for noun, after, _ in runs:
        if after != "的":
            return noun
    return runs[0][0] if runs else ""


def _en_subject(text: str, places: Sequence[str]) -> str:
    for place in places:
        text = text.replace(place, " , ")
    for pattern in (_EN_SUBJECT, _EN_OBJECT):
        for m in pattern.finditer(text):
            words = []
            for w in m.group(1).split():
                if w.lower() in _EN_STOP:
                    break
                words.append(w)
            if words and not words[0][0].isupper():
                return " ".join(words)
    return ""


def message_facts(message: str, category: str | None = None) -> MessageFacts:
    """What ``message`` is about, where, since when, who was contacted before and what is asked,
    found by general patterns (place words, durations, contact verbs), never from a list of cases."""
    language = ui_language(message)
    category = category or classify(message).category
    text = _PERSONAL_ANY.sub(" ", message)
    if language == "zh":
        places = _zh_places(text)
        since_m = _ZH_SINCE.search(text)
        contacts = [m.group().rstrip("了，, ") for m in _ZH_CONTACT.finditer(text)]
        ask_m = _ZH_ASK.search(text)
    else:
        places = [m.group().strip() for m in _EN_PLACE.finditer(text)]
        since_m = _EN_SINCE.search(text)
        contacts = [m.group().strip() for m in _EN_CONTACT.finditer(text)]
        ask_m = _EN_ASK.search(text)
    places = list(dict.fromkeys(p for p in places if not any(p != q and p in q for q in places)))
    gist = _gist(message, language, category)
    subject = (_zh_subject if language == "zh" else _en_subject)(gist or text, places)
    ask = ""
    if ask_m:
        ask = _second_person(ask_m.group(1).strip(), language)
        if language == "en" and ask_m.group().lower().startswith(("i want", "i'd like")):
            ask = "want " + ask  # "I want my money back" -> "you want your money back"
    return MessageFacts(
        subject=subject,
        places=tuple(places[:2]),
        since=re.sub(r"^(?:都|已经)", "", since_m.group().strip()) if since_m else "",
        contacts=tuple(dict.fromkeys(_second_person(c, language) for c in contacts))[:2],
        ask=ask,
        gist=gist,
    )


# ---------------------------------------------------------------------------- the draft

TEXTS = {
    "zh": {
        "greeting": "【留言人称呼】您好！",
        "thanks": "感谢您通过本账号留言。",
        "space": "",
        "consultation": "关于您咨询的问题，答复如下：【答复结论，涉及政策的请写明文件名称和文号】。",
        "complaint": "您反映的问题我们非常重视，给您带来不便，深表歉意。我们已将情况转交【办理部门】调查核实，"
        "核实结果和处理意见将及时告知您。",
        "said_consultation": "您咨询：“{gist}”",
        "said_complaint": "您在留言中反映：“{gist}”",
        "said_suggestion": "您建议：“{gist}”",
        "said_report": "您反映：“{gist}”",
        "said_other": "您在留言中说：“{gist}”",
        "said_since_span": "您提到这一情况已有{since}",
        "said_since_point": "您提到从{since}起问题一直没有解决",
        "said_since_always": "您提到这一情况长期存在",
        "said_want": "您希望{ask}",
        "said_contact": "您此前已经{contact}",
        "said_ask": "您希望{ask}",
        "said_sep": "；",
        "said_end": "。",
        "suggestion": "感谢您提出的宝贵建议。我们已将建议转交【办理部门】认真研究，研究结果将及时反馈给您。",
        "report": "感谢您反映的线索。我们已将线索转交【办理部门】依法核查，并对您的个人信息严格保密。",
        "other": "您的留言我们已经收到，【针对留言内容的具体回应】。",
        "basis": "根据《{title}》：{text}",
        "deadline": "我们将在{date}前（{days}个工作日内）办结并答复您。",
        "contact": "如需进一步了解，请联系【办理部门】，电话：【联系电话】（工作日9:00—17:00）。",
        "legal": "该事项需要通过法定途径解决，您可以向【信访/法院/行政复议机关】提出，联系方式：【联系电话】。",
        "closing": "感谢您对我们工作的关心和支持！\n【单位名称】\n【答复日期】",
        "date": "{d.year}年{d.month}月{d.day}日",
        "note_check": "发出前：填好全部【】占位内容，经科室负责人审核。",
        "note_estimated": "注意：节假日日历尚无该年份数据，截止日期只扣除了周末，未计入法定节假日和调休，"
        "请按国务院办公厅公布的放假安排核对（升级 chinese-calendar 后可自动计算）。",
        "topic_quoted": "知识库有答复依据，已引用进答复：",
        "topic_answered": "知识库中有相关规定（投诉、举报、建议须由承办部门答复，未写入答复，核实后再使用）：",
        "topic_related": "知识库中只有相关段落，不能确认就是答案（未写入答复，核实后再使用）：",
        "topic_not_found": "知识库中没有找到与留言事项相关的内容，答复结论由承办单位填写。",
        "references": "样例推文中的其他案例，仅供参考，不是对这条留言的答复，不得当作本案事实写入答复：",
        "facts": "留言要点（从留言中提取，请核对）：{items}",
        "fact_subject": "事项：{v}",
        "fact_place": "地点：{v}",
        "fact_since": "时间：{v}",
        "fact_contact": "此前联系：{v}",
        "fact_ask": "诉求：{v}",
        "fact_sep": "；",
        "note_escalate": "留言涉及安全隐患、突发事件、群体诉求、媒体关注或极端言论："
        "2小时内报告科室负责人和区政府办公室。",
        "note_privacy": "留言含手机号、身份证号或车牌号等个人信息：答复和公开时不得披露。",
        "note_acknowledge": "受理回复期限：{date}（1个工作日）；微信客服消息只能在用户最后一条消息后48小时内回复。",
    },
    "en": {
        "greeting": "Dear [name of the person],",
        "thanks": "Thank you for your message to our account.",
        "space": " ",
        "consultation": "In answer to your question: [the answer, naming the policy document and its number].",
        "said_consultation": 'You asked: "{gist}"',
        "said_complaint": 'You wrote to tell us: "{gist}"',
        "said_suggestion": 'You suggested: "{gist}"',
        "said_report": 'You reported: "{gist}"',
        "said_other": 'You wrote: "{gist}"',
        "said_since_span": "You say this has gone on {since}",
        "said_since_point": "You say this began {since}",
        "said_since_always": "You say this has gone on for a long time",
        "said_contact": "You told us that {contact}",
        "said_ask": "You ask us to {ask}",
        "said_want": "You {ask}",
        "said_sep": ". ",
        "said_end": ".",
        "complaint": "We take the problem you describe seriously and we are sorry for the trouble it has caused. "
        "We have passed it to [office to fill in] to investigate, and we will tell you what they find and do.",
        "suggestion": "Thank you for your suggestion. We have passed it to [office to fill in] to consider, "
        "and we will tell you the outcome.",
        "report": "Thank you for the information. We have passed it to [office to fill in] to investigate "
        "according to the law, and we keep your personal details confidential.",
        "other": "We have received your message. [A specific response to what the message says.]",
        "basis": 'Under "{title}": {text}',
        "deadline": "We will settle the matter and reply to you by {date} (within {days} working days).",
        "contact": "If you have further questions, please contact [office to fill in] on [phone number] "
        "(working days, 9:00-17:00).",
        "legal": "This matter is settled through a legal channel: you can take it to [petitions office / court / "
        "reconsideration body], contact [phone number].",
        "closing": "Thank you for your interest in our work.\n[Name of the unit]\n[Date of the reply]",
        "date": "{d.day} {d:%B %Y}",
        "note_check": "Before sending: fill in every [placeholder] and have the section chief approve the reply.",
        "note_estimated": "Note: the holiday calendar has no data for that year yet, so the deadline skips weekends "
        "only, not public holidays or swapped working days - check it against the State Council's holiday notice "
        "(updating chinese-calendar makes it exact again).",
        "topic_quoted": "The knowledge base answers the message's subject, quoted in the reply:",
        "topic_answered": "The knowledge base covers the message's subject; only the office can answer this kind "
        "of message, so it is not in the reply (check before using):",
        "topic_related": "Related passages only, not a confirmed answer (not in the reply; check before using):",
        "topic_not_found": "Nothing in the knowledge base answers the message's subject: the office fills in "
        "the answer.",
        "references": "Other cases from sample posts, for reference only: they do not answer this message and "
        "must not be written into the reply as its facts:",
        "facts": "What the message says (found in its text; check): {items}",
        "fact_subject": "subject: {v}",
        "fact_place": "place: {v}",
        "fact_since": "since: {v}",
        "fact_contact": "earlier contact: {v}",
        "fact_ask": "asks for: {v}",
        "fact_sep": "; ",
        "note_escalate": "The message mentions a hazard, an emergency, a group demand, the media or self-harm: "
        "report it to the section chief and the District Government Office within 2 hours.",
        "note_privacy": "The message contains a phone number, ID number or licence plate: never repeat it "
        "in the reply or when publishing.",
        "note_acknowledge": "Acknowledge by {date} (1 working day); WeChat allows replies only within 48 hours "
        "of the person's last message.",
    },
}


@dataclass(frozen=True)
class ReplyDraft:
    message: str
    category: str
    language: str
    reply: str
    citations: tuple[Citation, ...]
    received: dt.date
    deadline: dt.date
    working_days: int
    acknowledge_by: dt.date
    cues: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # for the staff member, not the citizen; may cite too
    escalate: bool = False
    # What the knowledge base says about the message's own subject, as the chat would answer it:
    # "answered", "related" or "not_found"; ``topic`` numbers the citations of those passages.
    confidence: str = "not_found"
    topic: tuple[int, ...] = ()
    facts: MessageFacts = field(default_factory=MessageFacts)
    # Sample posts on the same subject: another town's case, offered to staff as a model, never as
    # this citizen's answer (district rule, Art. 11: no template unrelated to the question).
    references: tuple[int, ...] = ()

    @property
    def quoted(self) -> bool:
        """Whether the topic's passages are in the reply: a confirmed answer to a consultation."""
        return self.confidence == "answered" and self.category == "consultation" and bool(self.topic)

    def reference_citations(self) -> tuple[Citation, ...]:
        return tuple(c for c in self.citations if c.n in self.references)

    def reference_line(self) -> str:
        """The sample posts for staff, labelled as other cases; "" when there are none."""
        if not self.references:
            return ""
        return TEXTS[self.language]["references"] + " " + " ".join(f"[{n}]" for n in self.references)

    def facts_line(self) -> str:
        """What was found in the message, for staff to check against it; "" when nothing was."""
        texts, f = TEXTS[self.language], self.facts
        items = [
            texts[key].format(v=value)
            for key, value in (
                ("fact_subject", f.subject),
                ("fact_place", "、".join(f.places) if self.language == "zh" else ", ".join(f.places)),
                ("fact_since", f.since),
                ("fact_contact", "、".join(f.contacts) if self.language == "zh" else "; ".join(f.contacts)),
                ("fact_ask", f.ask),
            )
            if value
        ]
        return texts["facts"].format(items=texts["fact_sep"].join(items)) if items else ""

    def topic_citations(self) -> tuple[Citation, ...]:
        return tuple(c for c in self.citations if c.n in self.topic)

    def topic_line(self) -> str:
        """The outcome for staff in one line, in the message's language, with the passages' [n]."""
        texts = TEXTS[self.language]
        if self.confidence == "not_found" or not self.topic:
            return texts["topic_not_found"]
        key = "topic_quoted" if self.quoted else "topic_" + self.confidence
        return texts[key] + " " + " ".join(f"[{n}]" for n in self.topic)

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category,
            "confidence": self.confidence,
            "reply": self.reply,
            "citations": [c.as_json() for c in self.citations],
            "topic_citations": list(self.topic),
            "reference_citations": list(self.references),
            "facts": {
                "subject": self.facts.subject,
                "places": list(self.facts.places),
                "since": self.facts.since,
                "contacts": list(self.facts.contacts),
                "ask": self.facts.ask,
            },
            "deadline": self.deadline.isoformat(),
            "working_days": self.working_days,
        }


class _Cites:
    """Numbers citations in the order they are first used; the same sentence keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def add(self, hit: Hit, text: str) -> int:
        for c in self.items:
            if c.doc == hit.doc and c.page == hit.page and c.text == text:
                return c.n
        self.items.append(Citation(len(self.items) + 1, hit.doc, hit.title, hit.page, text, hit.chunk_id))
        return len(self.items)


def _topic(kb: KnowledgeBase, message: str) -> tuple[str, list[tuple[Hit, str]]]:
    """What the knowledge base says about the message's own subject, decided as the chat decides
    (:func:`knowledge.answer.assess`): the outcome and up to two of the sentences it would quote."""
    found = assess(kb, message)
    if found.confidence not in ("answered", "related") or not found.chosen:
        return "not_found", []
    return found.confidence, [(found.hits[c.hit_index], c.text) for c in found.chosen[:2]]


def draft_reply(kb: KnowledgeBase, message: str, *, received: dt.date | None = None) -> ReplyDraft:
    """Classify ``message``, compute its deadline and draft a cited reply in its language."""
    message = message.strip()[:MAX_MESSAGE_CHARS]
    if not any(ch.isalnum() for ch in message):
        raise EmptyMessage("Paste the citizen's message first · 请先粘贴网民留言")
    if isinstance(received, dt.datetime):
        received = received.date()  # Art. 9: the hour does not matter
    received = received or dt.date.today()
    language = ui_language(message)
    texts = TEXTS[language]
    found = classify(message)
    try:
        deadline, days = deadline_for(found.category, received)
        acknowledge_by = add_working_days(received, ACKNOWLEDGE_DAYS)
        estimated = False
    except CalendarOutOfRange:
        # Each December the next year's holidays are not yet published (or not yet in the package):
        # staff still need a draft, so count weekdays and say loudly that holidays are not counted.
        days = WORKING_DAYS[found.category]
        deadline = add_weekdays(received, days)
        acknowledge_by = add_weekdays(received, ACKNOWLEDGE_DAYS)
        estimated = True

    cites = _Cites()

    def cite(rule: _Rule) -> str:
        hit = find_rule(kb, rule, language)
        return f" [{cites.add(*hit)}]" if hit else ""

    def fmt(day: dt.date) -> str:
        return texts["date"].format(d=day)

    facts = message_facts(message, found.category)
    said = restatement(facts, found.category, language)
    paragraphs = [texts["greeting"], texts["thanks"] + (texts["space"] + said if said else ""), texts[found.category]]
    confidence, sentences = _topic(kb, message)
    # A sample post tells another town's case: a model for staff, never this citizen's answer.
    posts = [(hit, sentence) for hit, sentence in sentences if hit.kind == "post"]
    sentences = [(hit, sentence) for hit, sentence in sentences if hit.kind != "post"]
    topic: list[int] = []
    # Only a confirmed answer to a question goes into the reply; other kinds need the office, and
    # related passages are for staff to check (the reply keeps its placeholder).
    if confidence == "answered" and found.category == "consultation":
        for hit, sentence in sentences:
            topic.append(cites.add(hit, sentence))
            paragraphs.append(texts["basis"].format(title=hit.title, text=sentence) + f" [{topic[-1]}]")
    legal = bool(_LEGAL.search(message))
    if legal:
        paragraphs.append(texts["legal"] + cite(RULES["legal"]))
    paragraphs.append(texts["deadline"].format(date=fmt(deadline), days=days) + cite(_deadline_rule(days)))
    paragraphs.append(texts["contact"] + cite(RULES["content"]))
    paragraphs.append(texts["closing"])

    escalate = bool(_ESCALATE.search(message))
    notes = [texts["note_acknowledge"].format(date=fmt(acknowledge_by)) + cite(RULES["acknowledge"])]
    if escalate:
        notes.append(texts["note_escalate"] + cite(RULES["escalate"]))
    if _PERSONAL.search(message):
        notes.append(texts["note_privacy"] + cite(RULES["privacy"]))
    if estimated:
        notes.insert(0, texts["note_estimated"])
    notes.append(texts["note_check"] + cite(RULES["forbidden"]))
    if not topic:  # passages for staff only: numbered after those of the reply and the notes
        topic = [cites.add(hit, sentence) for hit, sentence in sentences]
    references = [cites.add(hit, sentence) for hit, sentence in posts]
    return ReplyDraft(
        message,
        found.category,
        language,
        "\n\n".join(paragraphs),
        tuple(cites.items),
        received,
        deadline,
        days,
        acknowledge_by,
        found.cues,
        tuple(notes),
        escalate,
        confidence,
        tuple(dict.fromkeys(topic)),
        facts,
        tuple(dict.fromkeys(references)),
    )


# ---------------------------------------------------------------------------- CLI


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: use YYYY-MM-DD, e.g. 2025-09-30") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="+", help="the citizen's message")
    p.add_argument("--received", type=_iso_date, help="date received, YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true")


def cmd_draft_reply(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    draft = draft_reply(kb, " ".join(args.text), received=args.received)
    if args.json:
        print(json.dumps(draft.as_json(), ensure_ascii=False, indent=2))
        return 0
    name = CATEGORY_NAMES[draft.category][draft.language]
    print(f"{name} · deadline {draft.deadline.isoformat()} ({draft.working_days} working days)")
    if draft.cues:
        print("cues: " + ", ".join(draft.cues))
    print()
    print(draft.reply)
    print()
    if draft.facts_line():
        print(f"- {draft.facts_line()}")
    print(f"- {draft.topic_line()}")
    if draft.references:
        print(f"- {draft.reference_line()}")
    for note in draft.notes:
        print(f"- {note}")
    for c in draft.citations:
        print(f"[{c.n}] {c.title} ({c.doc}, p.{c.page}): {c.text}")
    return 0


def category_name(category: str, language: str) -> str:
    return CATEGORY_NAMES.get(category, CATEGORY_NAMES["other"])[language if language in ("zh", "en") else "zh"]


__all__: Sequence[str] = (
    "CATEGORIES",
    "CalendarOutOfRange",
    "Classification",
    "EmptyMessage",
    "ReplyDraft",
    "add_working_days",
    "classify",
    "deadline_for",
    "draft_reply",
    "is_workday",
)
