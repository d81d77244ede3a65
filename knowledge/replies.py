"""The reply desk: classify a citizen's message, find the rules that apply, draft a reply, and
compute the reply deadline in Chinese working days.

One code path for the CLI (``python -m knowledge draft-reply``) and the page "Reply to a message".

Classification is a transparent table of keyword patterns in both languages (:data:`CUES`):
each category scores the weights of its patterns found in the message; the highest score
wins, ties go to the more serious category (report > complaint > suggestion > consultation),
and a message with no cue at all is "other". The matched cues are returned so staff see why.

Deadlines follow the sample district's rules (柳塘区政务新媒体网民留言办理规定, Art. 8-9):
acknowledge within 1 working day; simple enquiries are settled within 3 working days, requests
that need investigation or coordination within 10. A complaint, a report and a suggestion all
need the responsible section to look into the matter, so they get 10; a consultation and
anything else get 3. Art. 9 counts from the day after the message arrives, so the time of day
it arrived (during or after working hours) never changes the deadline. Working days come from
``chinese_calendar`` (statutory holidays and the adjusted working weekends), not a hand list.

The reply quotes the knowledge base only through citations ``[n]`` whose snippet is an exact
sentence of the cited page; what only the office knows is a placeholder (【办理部门】,
[office to fill in]) for a person to fill in before anything is sent. The rules cited (deadline,
what a reply contains, escalation, legal channels, personal data) are found by searching for
their wording and prefer a policy to a post that repeats it. What the knowledge base says about
the message's own subject has the chat's three outcomes (``ReplyDraft.confidence``): "answered"
passages go into the reply only for a consultation (for a complaint, report or suggestion only the
responsible office can answer, so staff see them as passages to check); "related" passages (on the
topic, but no confirmed answer) are shown to staff to check and never go into the reply, whose
answer stays a placeholder; "not_found" says that nothing in the knowledge base answers it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import chinese_calendar

from .answer import Citation, assess, ui_language
from .chunking import sentence_spans
from .errors import KnowledgeError
from .retrieval import Hit

if TYPE_CHECKING:
    from .kb import KnowledgeBase


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
PRIORITY = ("report", "complaint", "suggestion", "consultation")

# (category, weight, pattern). A strong word naming the category weighs 2; a typical phrase 1;
# a bare question mark only 0.5, since complaints ask "why" too.
CUES: tuple[tuple[str, float, str], ...] = (
    ("report", 2, r"举报|检举|揭发|\breport(?:ing)?\b(?! (?:card|back))|\bwhistle-?blow"),
    ("report", 1, r"违法|违规|非法|偷排|偷倒|私搭乱建|违章搭建|违建|无证经营|诈骗|冒充|假冒|赌博|\billegal(?:ly)?\b"),
    ("report", 1, r"\bunlicensed\b|\bfraud\b|\bimpersonat|\bfly-?tipping\b|\bdumping\b|\bscam\b"),
    ("complaint", 2, r"投诉|\bcomplain(?:t|ts|ing)?\b"),
    ("complaint", 1, r"不满|太差|很差|恶劣|没人管|没有人管|无人管|迟迟|推诿|扯皮|扰民|噪音|噪声|乱收费|失望|气愤|拖了"),
    ("complaint", 1, r"(?:为什么|怎么|至今|一直|还是|仍然)(?:还)?(?:没|不|未)|已经.{0,6}(?:多次|好几次|几次)"),
    (
        "complaint",
        1,
        r"\b(?:unacceptable|rude|disappointed|frustrat\w*|noise|noisy|ignored|nobody|no one|still (?:not|no|has"
        r"n't|haven't|hasn't))\b|\bfor (?:weeks|months)\b|\b(?:several|many) times\b",
    ),
    ("suggestion", 2, r"建议|提议|意见和建议|\bsuggest(?:ion|ions|ed)?\b|\bpropos(?:e|al)\b"),
    (
        "suggestion",
        1,
        r"希望.{0,12}(?:能|可以|增加|开通|设置|加强)|能不能.{0,8}(?:增加|开通|设置|多)|可否|最好能|呼吁"
        r"|\bit would be (?:good|great|nice|helpful|better)\b|\bwhy not\b|\bplease consider\b"
        r"|\bcould you (?:add|consider|open|install|extend)\b|\bi wish\b"
        r"|\bwould it be possible to (?:add|open|extend)\b",
    ),
    ("consultation", 2, r"咨询|请问|想问|想了解|\b(?:en|in)quir(?:y|e|ies)\b|\bi(?:'d| would) like to know\b"),
    (
        "consultation",
        1,
        r"怎么办理|如何|怎样|哪里|哪儿|什么时候|多久|几天|需要.{0,6}(?:什么|哪些)|材料|流程|手续|能否|是否可以|可以吗"
        r"|\bhow (?:do|can|long|much|many)\b|\bwhere\b|\bwhen\b|\bwhat (?:documents|do i)\b|\bcan i\b|\bdo i need\b"
        r"|\bis it possible\b|\bcould you tell\b",
    ),
    ("consultation", 0.5, r"[？?]"),
)
_CUE_PATTERNS = [(cat, weight, re.compile(p, re.IGNORECASE)) for cat, weight, p in CUES]

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


def classify(message: str) -> Classification:
    """The category of ``message`` by the cue table (see the module docstring)."""
    scores = dict.fromkeys(PRIORITY, 0.0)
    found: dict[str, list[str]] = {c: [] for c in PRIORITY}
    for category, weight, pattern in _CUE_PATTERNS:
        m = pattern.search(message)
        if m:
            scores[category] += weight
            found[category].append(m.group())
    best = max(PRIORITY, key=lambda c: (scores[c], -PRIORITY.index(c)))
    if scores[best] == 0:
        return Classification("other", (), scores)
    return Classification(best, tuple(dict.fromkeys(found[best])), scores)


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


# ---------------------------------------------------------------------------- the draft

TEXTS = {
    "zh": {
        "greeting": "【留言人称呼】您好！",
        "thanks": "感谢您通过本账号留言。",
        "space": "",
        "consultation": "关于您咨询的问题，答复如下：【答复结论，涉及政策的请写明文件名称和文号】。",
        "complaint": "您反映的问题我们非常重视，给您带来不便，深表歉意。我们已将情况转交【办理部门】调查核实，"
        "核实结果和处理意见将及时告知您。",
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

    @property
    def quoted(self) -> bool:
        """Whether the topic's passages are in the reply: a confirmed answer to a consultation."""
        return self.confidence == "answered" and self.category == "consultation"

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

    paragraphs = [texts["greeting"], texts["thanks"] + texts["space"] + texts[found.category]]
    confidence, sentences = _topic(kb, message)
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
    print(f"- {draft.topic_line()}")
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
