"""Practice for the reply desk: sample citizens' messages and a rubric for a learner's reply.

The samples (``desk/practice_messages.yaml``, shipped as package data) are written for the fictional Liutang
District in both languages. The rubric follows the district's message-handling rules
(柳塘区政务新媒体网民留言办理规定): every criterion gets a score and a reason, so the learner
sees what to fix, not just a number.

    deadline     2  the date the reply is due (from the working-day calendar); 1 for the right
                    number of working days without the date
    politeness   1  a greeting and thanks or an apology (Art. 10: the reply addresses the person)
    forbidden    2  no buck-passing or cold phrases (Art. 11), no personal data repeated (Art. 13)
    accuracy     2  the sample's key facts from the policy, shared out per fact
    next_steps   1  a contact or the next step for the person (Art. 10: a contact)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from desk.replies import deadline_for
from trainer.errors import TrainerError

SAMPLES_FILE = Path(__file__).with_name("practice_messages.yaml")
LANGS = ("zh", "en")


class PracticeSampleNotFound(TrainerError):
    "No practice message with that id"


class PracticeContentInvalid(TrainerError):
    "The practice messages file cannot be read"


@dataclass(frozen=True)
class Fact:
    label: dict[str, str]
    pattern: dict[str, str]


@dataclass(frozen=True)
class PracticeSample:
    id: str
    category: str
    received: dt.date
    text: dict[str, str]
    facts: tuple[Fact, ...]

    def deadline(self) -> tuple[dt.date, int]:
        return deadline_for(self.category, self.received)


@dataclass(frozen=True)
class Criterion:
    key: str
    score: float
    max_score: float
    reason: str


@dataclass(frozen=True)
class PracticeResult:
    sample: str
    criteria: tuple[Criterion, ...]

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.criteria), 2)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.criteria)

    def as_json(self) -> list[dict[str, object]]:
        return [{"key": c.key, "score": c.score, "max": c.max_score, "reason": c.reason} for c in self.criteria]


def load_samples(path: Path = SAMPLES_FILE) -> list[PracticeSample]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        samples = [
            PracticeSample(
                id=str(item["id"]),
                category=str(item["category"]),
                received=dt.date.fromisoformat(str(item["received"])),
                text={lang: str(item[lang]) for lang in LANGS},
                facts=tuple(
                    Fact({lang: str(f["label"][lang]) for lang in LANGS}, {lang: str(f[lang]) for lang in LANGS})
                    for f in item["facts"]
                ),
            )
            for item in raw
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise PracticeContentInvalid(f"Cannot read the practice messages in {path}: {exc} - fix the file") from exc
    return samples


def sample(sample_id: str, samples: list[PracticeSample] | None = None) -> PracticeSample:
    for s in samples if samples is not None else load_samples():
        if s.id == sample_id:
            return s
    raise PracticeSampleNotFound(f"No practice message '{sample_id}' · 没有这条练习留言")


# ---------------------------------------------------------------------- the rubric

FORBIDDEN = {
    "zh": (
        "请自行查询",
        "自行查询",
        "不归我们管",
        "不是我们的事",
        "与我们无关",
        "无可奉告",
        "自己去查",
        "别再留言",
        "不要再留言",
    ),
    "en": (
        "look it up yourself",
        "not our business",
        "not our responsibility",
        "nothing to do with us",
        "no comment",
        "stop messaging",
        "not our problem",
    ),
}
_GREETING = {"zh": r"您好|你好|尊敬的|【.*称呼.*】", "en": r"\b(?:dear|hello|hi)\b|\[.*name.*\]"}
_COURTESY = {"zh": r"感谢|谢谢|抱歉|歉意|理解|不便", "en": r"\b(?:thank|thanks|sorry|apolog\w*|understand)\b"}
_CONTACT = {
    "zh": r"电话|联系|热线|12345|\d{3,4}-\d{7,8}|【联系电话】|地址|窗口",
    "en": r"\b(?:phone|call|contact|hotline|email|address|office)\b|12345|\d{3,4}-\d{7,8}|\[phone",
}
_NUMBERS = re.compile(r"\d{7,}")
_ZH_NUMBERS = dict(enumerate("零一二三四五六七八九十")) | {15: "十五", 20: "二十"}
_EN_NUMBERS = dict(enumerate("zero one two three four five six seven eight nine ten".split())) | {15: "fifteen"}

TEXTS = {
    "zh": {
        "date_ok": "写明了答复期限 {date}（{days}个工作日，已扣除节假日）。",
        "days_only": "写了{days}个工作日，但没有写明具体日期 {date}：请写出日期，方便留言人核对。",
        "date_wrong": "期限不对或没有写：收到日期 {received}，{days}个工作日后是 {date}（次日起算，节假日顺延）。",
        "polite_ok": "有称呼，也有感谢或致歉。",
        "polite_missing": "缺少：{missing}。答复要有称呼，语气诚恳。",
        "greeting": "称呼（如“您好”）",
        "courtesy": "感谢或致歉",
        "forbidden_ok": "没有推诿、生硬的说法，也没有重复留言人的个人信息。",
        "forbidden_found": "出现了不得使用的说法：{found}（第十一条禁止推诿、空洞说教、生硬冷漠）。",
        "personal_found": "重复了留言人的个人信息 {found}（第十三条：答复不得披露手机号等个人信息）。",
        "facts_all": "政策要点都写到了：{found}。",
        "facts_missing": "缺少政策要点：{missing}。",
        "contact_ok": "给出了联系方式或下一步。",
        "contact_missing": "没有联系方式或下一步：请写明承办部门和电话（第十条：有联系方式）。",
    },
    "en": {
        "date_ok": "States the due date {date} ({days} working days, holidays skipped).",
        "days_only": "Says {days} working days but not the date, {date}: give the date so the person can check it.",
        "date_wrong": "The deadline is wrong or missing: received {received}, {days} working days later is {date} "
        "(counting from the next day, holidays extend it).",
        "polite_ok": "Addresses the person and thanks them or apologises.",
        "polite_missing": "Missing: {missing}. A reply addresses the person and sounds sincere.",
        "greeting": "a greeting (such as 'Dear ...')",
        "courtesy": "thanks or an apology",
        "forbidden_ok": "No buck-passing or cold phrases, and no personal details repeated.",
        "forbidden_found": "Uses phrases the rules forbid: {found} (Art. 11: no dodging, lecturing or cold replies).",
        "personal_found": "Repeats the person's personal details {found} (Art. 13: never reveal a phone number etc.).",
        "facts_all": "Covers the policy's key points: {found}.",
        "facts_missing": "Missing key points from the policy: {missing}.",
        "contact_ok": "Gives a contact or the next step.",
        "contact_missing": "No contact or next step: name the office and its phone number (Art. 10: offer a contact).",
    },
}


def _date_forms(day: dt.date) -> list[str]:
    return [
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.month}月{day.day}日",
        f"{day.month}月{day.day}号",
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.day} {day:%B}",
        f"{day:%B} {day.day}",
        f"{day.day} {day:%b}",
        f"{day:%b} {day.day}",
    ]


def score_reply(item: PracticeSample, reply: str, language: str) -> PracticeResult:
    """Score ``reply`` to ``item`` against the rubric (module docstring); reasons in ``language``."""
    lang = language if language in LANGS else "zh"
    texts = TEXTS[lang]
    flat = " ".join(reply.split())
    low = flat.lower()
    deadline, days = item.deadline()
    date_shown = (
        f"{deadline.year}年{deadline.month}月{deadline.day}日" if lang == "zh" else f"{deadline.day} {deadline:%B %Y}"
    )
    criteria = []

    # deadline
    values = {"date": date_shown, "days": days, "received": item.received.isoformat()}
    compact = re.sub(r"\s", "", low)
    if any(re.sub(r"\s", "", form.lower()) in compact for form in _date_forms(deadline)):
        criteria.append(Criterion("deadline", 2, 2, texts["date_ok"].format(**values)))
    elif re.search(
        rf"(?:(?<!\d){days}|{_ZH_NUMBERS[days]})\s*个?工作日|\b(?:{days}|{_EN_NUMBERS[days]}) working days?\b", low
    ):
        criteria.append(Criterion("deadline", 1, 2, texts["days_only"].format(**values)))
    else:
        criteria.append(Criterion("deadline", 0, 2, texts["date_wrong"].format(**values)))

    # politeness
    missing = [texts[k] for k, p in (("greeting", _GREETING), ("courtesy", _COURTESY)) if not re.search(p[lang], low)]
    criteria.append(
        Criterion(
            "politeness",
            1 - 0.5 * len(missing),
            1,
            texts["polite_missing"].format(missing="、".join(missing) if lang == "zh" else ", ".join(missing))
            if missing
            else texts["polite_ok"],
        )
    )

    # forbidden phrases and personal data
    found = [p for p in FORBIDDEN["zh"] + FORBIDDEN["en"] if p.lower() in low]
    personal = [n for n in _NUMBERS.findall(" ".join(item.text.values())) if n in flat]
    if found:
        criteria.append(Criterion("forbidden", 0, 2, texts["forbidden_found"].format(found=", ".join(found))))
    elif personal:
        criteria.append(Criterion("forbidden", 0, 2, texts["personal_found"].format(found=", ".join(personal))))
    else:
        criteria.append(Criterion("forbidden", 2, 2, texts["forbidden_ok"]))

    # accuracy against the policy
    present = [f for f in item.facts if re.search(f.pattern[lang], flat, re.IGNORECASE)]
    absent = [f for f in item.facts if f not in present]
    share = 2 * len(present) / len(item.facts) if item.facts else 2
    sep = "；" if lang == "zh" else "; "
    if absent:
        reason = texts["facts_missing"].format(missing=sep.join(f.label[lang] for f in absent))
    else:
        reason = texts["facts_all"].format(found=sep.join(f.label[lang] for f in present))
    criteria.append(Criterion("accuracy", round(share, 2), 2, reason))

    # next steps / contact
    has_contact = bool(re.search(_CONTACT[lang], low))
    criteria.append(
        Criterion("next_steps", float(has_contact), 1, texts["contact_ok" if has_contact else "contact_missing"])
    )
    return PracticeResult(item.id, tuple(criteria))
