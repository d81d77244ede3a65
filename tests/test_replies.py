"""The reply desk's package side: classification table, working-day deadlines, cited drafts, CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import chinese_calendar
import pytest

from desk.replies import (
    _ESCALATE,
    _LEGAL,
    CATEGORIES,
    CalendarOutOfRange,
    CueFileError,
    EmptyMessage,
    add_working_days,
    classify,
    cue_families,
    deadline_for,
    draft_reply,
    message_facts,
)
from knowledge.embeddings import Embedder
from knowledge.errors import KnowledgeError
from knowledge.kb import KnowledgeBase
from knowledge.loaders import load_file
from knowledge.settings import Settings
from tests.outcomes import ORDER, force_reply_outcome

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "knowledge" / "samples" / "policies"
RULES_ZH = SAMPLES / "zh-message-handling.docx"
RULES_EN = SAMPLES / "en-message-handling.md"
JSON_KEYS = {
    "category",
    "confidence",
    "reply",
    "citations",
    "topic_citations",
    "reference_citations",
    "facts",
    "deadline",
    "working_days",
}
POST = ROOT / "knowledge" / "samples" / "posts" / "zh-post-faq-reply.html"


# ---------------------------------------------------------------------- classification
@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("请问办理居住证需要带哪些材料？", "consultation"),
        ("想了解一下老年人乘车卡在哪里办理", "consultation"),
        ("How do I apply for a parking permit for residents?", "consultation"),
        ("I'd like to know when the district library opens on holidays.", "consultation"),
        ("我要投诉柳塘路的夜市，每天噪音扰民到凌晨两点！", "complaint"),
        ("小区门口的路灯坏了一个月，已经反映过好几次了，为什么还没人管？", "complaint"),
        ("I want to complain: the bins on Willow Road have not been emptied for weeks.", "complaint"),
        ("The staff at the service hall were rude and nobody answered my questions.", "complaint"),
        ("建议在柳塘公园增设几处无障碍坡道，方便轮椅通行。", "suggestion"),
        ("希望能在周末开通社保窗口，上班族平时没时间。", "suggestion"),
        ("It would be great if the district added more bike lanes near the school.", "suggestion"),
        ("I suggest longer opening hours for the community clinic.", "suggestion"),
        ("我要举报河边有工厂夜里偷排污水。", "report"),
        ("有人冒充街道工作人员上门收费，是不是诈骗？", "report"),
        ("I am reporting an unlicensed workshop dumping waste into the canal.", "report"),
        ("谢谢你们的文章，写得很好！", "other"),
        ("Thanks for the great photos of the lantern festival!", "other"),
        # complaints asked as questions, sarcasm, a phone number in the message
        ("东风路的下水道井盖丢了十来天了，跟居委会说了三回，到现在还是个大窟窿，摔了人谁负责？", "complaint"),
        ("你们效率真高啊，报修单提交一个月了还在“处理中”。", "complaint"),
        ("Why has nobody emptied the recycling bins on Birch Close since the holiday? I rang twice.", "complaint"),
        ("My landline is 0571-2345 6789. Could you tell me where to get a disabled parking badge?", "consultation"),
        ("能不能在图书馆门口加几个自行车停车架？", "suggestion"),
        ("Someone keeps dumping building rubble behind the Pine Hill sports ground at night.", "report"),
        ("早上好！", "other"),
    ],
)
def test_classification_table(message: str, category: str) -> None:
    found = classify(message)
    assert found.category == category, (found, message)
    assert bool(found.cues) == (found.scores[category] > 0) and len(found.families) == len(found.cues)


def test_a_street_light_complaint_asked_as_a_question_is_a_complaint() -> None:
    """The case of the issue: "请问", "什么时候" and "？" once made this a 3-day consultation."""
    found = classify("请问桂花巷的路灯什么时候修？坏了快一个月了，打过12345也没人来，你们到底管不管？")
    assert found.category == "complaint" and deadline_for(found.category, dt.date(2025, 6, 2))[1] == 10
    assert {"duration_or_delay", "contacted_before", "demands_action"} <= set(found.families)


def test_classification_explains_itself_and_ties_go_to_the_more_serious_category() -> None:
    found = classify("我要投诉，也提个建议：柳塘公园的垃圾桶太少")
    assert found.scores["complaint"] == found.scores["suggestion"] == 3
    assert found.category == "complaint" and found.cues == ("投诉",) and found.families == ("names_complaint",)


def test_every_cue_family_says_why_it_exists() -> None:
    families = cue_families()
    assert {f.category for f in families} == set(CATEGORIES)
    for f in families:
        assert f.why.strip() and f.patterns and f.weight > 0, f.name
    assert len({f.name for f in families}) == len(families)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("- name: x\n  category: gossip\n  weight: 1\n  why: y\n  patterns: [a]\n", "category must be one of"),
        ("- name: x\n  category: report\n  weight: 1\n  patterns: [a]\n", "needs name, category, weight, why"),
        ("- name: x\n  category: report\n  weight: 1\n  why: y\n  patterns: ['(unclosed']\n", "not a regular"),
    ],
)
def test_a_broken_cue_file_is_a_clear_error(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "cues.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CueFileError, match=says) as err:
        cue_families(path)
    assert str(path) in str(err.value)


# ---------------------------------------------------------------------- what the message says
def test_facts_of_a_chinese_complaint() -> None:
    facts = message_facts(
        "松林镇农贸市场门口的路灯已经坏了二十来天，我打过两次12345，请尽快派人来修。联系电话138 0000 1111"
    )
    assert facts.subject == "路灯" and facts.places == ("松林镇农贸市场门口",)
    assert facts.since == "二十来天"
    assert facts.contacts == ("打过两次12345",) and facts.ask == "尽快派人来修"
    assert "138" not in facts.gist and "路灯" in facts.gist


def test_facts_of_an_english_complaint() -> None:
    facts = message_facts(
        "The street lights on Maple Lane have been out for three weeks. I called the hotline twice. "
        "Please send someone to fix them."
    )
    assert facts.subject == "street lights" and facts.places == ("Maple Lane",)
    assert facts.since == "for three weeks" and facts.contacts == ("you called the hotline twice",)
    assert facts.ask == "send someone to fix them"


@pytest.mark.parametrize(
    "message",
    [
        "Hello, my number is 13900001111. How do I book a slot at the Maple Lane service centre?",
        "我叫王芳，电话0571-2345 6789，请问枫林社区的老年食堂几点开门？",
    ],
)
def test_personal_data_is_never_said_back(message: str) -> None:
    facts = message_facts(message)
    assert facts.gist and facts.places, facts
    assert not any(w in facts.gist for w in ("13900001111", "6789", "王芳")), facts


# ---------------------------------------------------------------------- working days
def test_the_calendar_package_knows_the_adjusted_days_used_below() -> None:
    assert chinese_calendar.is_workday(dt.date(2025, 9, 28))  # a working Sunday
    assert chinese_calendar.is_workday(dt.date(2025, 10, 11))  # a working Saturday
    assert not any(chinese_calendar.is_workday(dt.date(2025, 10, d)) for d in range(1, 9))  # golden week


def test_deadline_skips_national_day_and_counts_the_working_saturday() -> None:
    # Received Tuesday 30 Sep: counting starts the next day; 1-8 Oct are holidays; 9, 10, 11 (Sat) are working days.
    assert add_working_days(dt.date(2025, 9, 30), 3) == dt.date(2025, 10, 11)
    assert deadline_for("consultation", dt.date(2025, 9, 30)) == (dt.date(2025, 10, 11), 3)
    assert deadline_for("complaint", dt.date(2025, 9, 30)) == (dt.date(2025, 10, 21), 10)


def test_deadline_counts_the_working_sunday() -> None:
    # Received Friday 26 Sep: Saturday 27 is off, Sunday 28 is an adjusted working day.
    assert add_working_days(dt.date(2025, 9, 26), 1) == dt.date(2025, 9, 28)


def test_a_message_received_on_a_holiday_counts_from_the_first_working_day() -> None:
    assert add_working_days(dt.date(2025, 10, 3), 1) == dt.date(2025, 10, 9)


def test_every_category_has_a_deadline() -> None:
    days = {c: deadline_for(c, dt.date(2025, 6, 2))[1] for c in ("consultation", "complaint", "suggestion", "report")}
    assert days == {"consultation": 3, "complaint": 10, "suggestion": 10, "report": 10}
    assert deadline_for("other", dt.date(2025, 6, 2))[1] == 3


def test_a_year_the_calendar_does_not_know_is_a_clear_error() -> None:
    with pytest.raises(CalendarOutOfRange) as err:
        add_working_days(dt.date(2099, 3, 2), 3)
    assert isinstance(err.value, KnowledgeError)
    assert "2099" in str(err.value) and "pip install -U chinese-calendar" in str(err.value)


def test_a_year_without_holiday_data_still_gets_a_draft_with_a_warning(rules_kb) -> None:  # type: ignore[no-untyped-def]
    draft = draft_reply(rules_kb, "请问办理居住证需要带什么材料？", received=dt.date(2099, 3, 6))  # a Friday
    assert draft.deadline == dt.date(2099, 3, 11)  # 3 weekdays: Mon 9, Tue 10, Wed 11
    assert "节假日日历尚无该年份数据" in draft.notes[0]


# ---------------------------------------------------------------------- drafts on a real index
@pytest.fixture(scope="module")
def rules_kb(tmp_path_factory: pytest.TempPathFactory, e5: Embedder):
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("replies") / "data")
    base = KnowledgeBase(settings, embedder=e5)
    assert {r.status for r in base.ingest([RULES_ZH, RULES_EN])} == {"added"}
    yield base
    base.close()


def _normalise(text: str) -> str:
    return re.sub(r"\s", "", text)


def _check_citations(kb: KnowledgeBase, draft) -> None:
    assert draft.citations
    text = draft.reply + "\n".join(draft.notes) + draft.topic_line() + draft.reference_line()
    for c in draft.citations:
        assert f"[{c.n}]" in text
        stored = load_file(kb.stored_file(kb.document(c.doc)))
        assert _normalise(c.text) in _normalise(stored.page_text(c.page)), c


def test_chinese_consultation_draft(rules_kb: KnowledgeBase) -> None:
    draft = draft_reply(rules_kb, "请问在哪里可以办理老年人乘车卡？需要什么材料？", received=dt.date(2025, 9, 30))
    assert draft.category == "consultation" and draft.language == "zh"
    assert draft.deadline == dt.date(2025, 10, 11) and draft.working_days == 3
    assert "2025年10月11日" in draft.reply and "3个工作日" in draft.reply
    assert "【办理部门】" in draft.reply and "【联系电话】" in draft.reply
    assert "请自行查询" not in draft.reply and "不归我们管" not in draft.reply
    _check_citations(rules_kb, draft)
    deadline_cite = next(c for c in draft.citations if "3个工作日" in c.text)
    assert deadline_cite.doc == "zh-message-handling.docx"  # the rule in the message's language


def test_english_complaint_draft_with_privacy_note(rules_kb: KnowledgeBase) -> None:
    message = "I want to complain: the street lights on Willow Road have been broken for weeks. Call me on 13812345678."
    draft = draft_reply(rules_kb, message, received=dt.datetime(2025, 9, 30, 22, 15))  # after hours: same deadline
    assert draft.category == "complaint" and draft.language == "en"
    assert draft.deadline == dt.date(2025, 10, 21) and draft.working_days == 10
    assert draft.acknowledge_by == dt.date(2025, 10, 9)
    assert "[office to fill in]" in draft.reply and "13812345678" not in draft.reply
    assert any("never repeat" in n for n in draft.notes)
    _check_citations(rules_kb, draft)
    assert any("10 working days" in c.text for c in draft.citations)
    assert set(draft.as_json()) == JSON_KEYS


def test_hazard_is_flagged_for_escalation_with_the_two_hour_rule(rules_kb: KnowledgeBase) -> None:
    draft = draft_reply(
        rules_kb, "我要投诉，小区楼道里有燃气泄漏的味道，物业一直不处理！", received=dt.date(2025, 6, 3)
    )
    assert draft.escalate
    note = next(n for n in draft.notes if "2小时内" in n)
    assert re.search(r"\[\d+\]", note)
    _check_citations(rules_kb, draft)


def test_a_consultation_the_knowledge_base_answers_is_answered_from_it(rules_kb: KnowledgeBase) -> None:
    draft = draft_reply(rules_kb, "请问简单咨询要在几个工作日内答复？", received=dt.date(2025, 6, 3))
    assert draft.category == "consultation"
    assert "根据《柳塘区政务新媒体网民留言办理规定（示例）》" in draft.reply
    assert draft.confidence == "answered" and draft.quoted and draft.topic_line().startswith("知识库有答复依据")
    _check_citations(rules_kb, draft)
    complaint = draft_reply(rules_kb, "我要投诉！简单咨询你们拖了两个星期才答复。", received=dt.date(2025, 6, 3))
    assert complaint.category == "complaint"
    assert "根据《" not in complaint.reply  # only the office can answer a complaint: related text goes to the notes


def test_only_a_confirmed_answer_to_a_question_goes_into_the_draft(
    rules_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same consultation with each outcome for its subject (forced: the calibration is not
    under test here): answered passages are quoted; related ones are for staff only and leave the
    reply exactly as with nothing found, its answer a placeholder."""
    message = "How often do staff check the back end on working days?"
    drafts = {}
    for outcome in ORDER:
        force_reply_outcome(monkeypatch, outcome)
        drafts[outcome] = draft_reply(rules_kb, message, received=dt.date(2025, 6, 3))
        assert drafts[outcome].category == "consultation" and drafts[outcome].confidence == outcome
        _check_citations(rules_kb, drafts[outcome])
        assert drafts[outcome].as_json()["confidence"] == outcome
    answered, related, not_found = (drafts[o] for o in ORDER)
    assert answered.quoted and answered.topic
    assert all(f'"{c.title}": {c.text} [{c.n}]' in answered.reply for c in answered.topic_citations())
    assert answered.topic_line().startswith("The knowledge base answers the message's subject")

    assert related.reply == not_found.reply  # related passages never reach the reply
    assert "Under " not in related.reply and "[the answer, naming the policy document" in related.reply
    assert [c.text for c in related.topic_citations()] == [c.text for c in answered.topic_citations()]
    assert related.topic_line().startswith("Related passages only, not a confirmed answer")
    assert related.topic_line().endswith(" ".join(f"[{n}]" for n in related.topic))
    assert related.as_json()["topic_citations"] == list(related.topic)

    assert not not_found.topic and not not_found.topic_citations()
    assert not_found.topic_line().startswith("Nothing in the knowledge base answers")
    assert not_found.as_json()["topic_citations"] == []

    force_reply_outcome(monkeypatch, "answered")  # a complaint: only the office can answer it
    complaint = draft_reply(rules_kb, "I want to complain: nobody checks the back end on working days!")
    assert complaint.category == "complaint" and not complaint.quoted and "Under " not in complaint.reply
    assert complaint.topic and complaint.topic_line().startswith("The knowledge base covers the message's subject")


def test_the_draft_says_back_what_the_complaint_is_about(rules_kb: KnowledgeBase) -> None:
    message = "请问桂花巷的路灯什么时候修？坏了快一个月了，打过12345也没人来，你们到底管不管？我的电话13700001234"
    draft = draft_reply(rules_kb, message, received=dt.date(2025, 6, 3))
    assert draft.category == "complaint" and draft.working_days == 10
    said = draft.reply.split("\n\n")[1]
    for words in ("桂花巷", "路灯", "快一个月", "12345"):
        assert words in said, (words, said)
    assert "13700001234" not in draft.reply and "你们到底管不管" not in draft.reply
    assert "【办理部门】" in draft.reply and "【联系电话】" in draft.reply  # only what the office knows stays open
    assert "路灯" in draft.facts_line() and "桂花巷" in draft.facts_line()
    _check_citations(rules_kb, draft)


def test_the_english_draft_says_back_place_duration_contact_and_request(rules_kb: KnowledgeBase) -> None:
    message = (
        "The footbridge over Reed Canal in Elm Village has had a broken handrail for five weeks. "
        "I emailed the town office in May and nobody replied. Please repair it before a child falls."
    )
    draft = draft_reply(rules_kb, message, received=dt.date(2025, 6, 3))
    assert draft.category == "complaint" and draft.language == "en"
    for words in ("handrail", "Elm Village", "for five weeks", "you emailed the town office in May", "repair it"):
        assert words in draft.reply, (words, draft.reply)
    assert "[office to fill in]" in draft.reply


@pytest.mark.parametrize(
    ("message", "category", "words"),
    [
        ("建议在枫林社区活动室旁边装一台自动体外除颤器。", "suggestion", ("枫林社区活动室", "除颤器")),
        ("有人在白沙河上游用电网捕鱼，晚上十点以后最多，请派人查处。", "report", ("白沙河", "电网捕鱼")),
        ("How do I register a newborn at the Birch Hill service centre?", "consultation", ("register a newborn",)),
    ],
)
def test_every_kind_of_draft_names_its_subject(
    rules_kb: KnowledgeBase, message: str, category: str, words: tuple[str, ...]
) -> None:
    draft = draft_reply(rules_kb, message, received=dt.date(2025, 6, 3))
    assert draft.category == category
    assert all(w in draft.reply for w in words), draft.reply


def test_a_message_with_nothing_to_say_back_gets_no_restatement(rules_kb: KnowledgeBase) -> None:
    draft = draft_reply(rules_kb, "在吗？", received=dt.date(2025, 6, 3))
    assert draft.category == "other" and "“" not in draft.reply and not draft.facts_line()


def test_a_sample_post_is_a_labelled_reference_never_the_answer(
    tmp_path_factory: pytest.TempPathFactory, e5: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample post answers another town's street lights: with the outcome forced to "answered"
    (the case the CLI once pasted into the reply), the post is offered to staff as a reference,
    labelled, and nothing of it reaches the reply."""
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("posts") / "data")
    kb = KnowledgeBase(settings, embedder=e5)
    try:
        kb.ingest([RULES_ZH, POST])
        force_reply_outcome(monkeypatch, "answered")
        draft = draft_reply(kb, "请问石门村村口的路灯晚上不亮，能修吗？找哪个部门？", received=dt.date(2025, 6, 3))
        from_post = [c for c in draft.citations if c.doc == POST.name]
        assert from_post, "the post should be found for this message"
        assert {c.n for c in from_post} <= set(draft.references)
        for c in from_post:
            assert f"[{c.n}]" not in draft.reply and c.text not in draft.reply
        assert draft.reference_line().startswith("样例推文中的其他案例，仅供参考")
        assert not set(draft.references) & set(draft.topic)
        assert "石门村" in draft.reply and "路灯" in draft.reply
        _check_citations(kb, draft)
        assert draft.as_json()["reference_citations"] == list(draft.references)
    finally:
        kb.close()


def test_empty_message_is_refused(rules_kb: KnowledgeBase) -> None:
    with pytest.raises(EmptyMessage):
        draft_reply(rules_kb, "  ？？ ")


# ---------------------------------------------------------------------- CLI
def test_cli_json_shape(tmp_path: Path) -> None:
    env = dict(os.environ, APP_DATA_DIR=str(tmp_path / "data"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "knowledge", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
        )

    assert run("ingest", str(RULES_EN)).returncode == 0
    result = run("draft-reply", "--received", "2025-09-30", "--json", "How do I renew my parking permit?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == JSON_KEYS and data["confidence"] in ORDER
    assert set(data["topic_citations"]) <= {c["n"] for c in data["citations"]}
    assert data["category"] == "consultation" and data["deadline"] == "2025-10-11" and data["working_days"] == 3
    assert data["citations"] and set(data["citations"][0]) == {"n", "doc", "title", "page", "text"}
    unknown_year = run("draft-reply", "--received", "2099-01-05", "Where is the tax office?")
    assert unknown_year.returncode == 0 and "holiday calendar has no data" in unknown_year.stdout
    usage = run("draft-reply", "--received", "30/09/2025", "Where is the tax office?")
    assert usage.returncode == 2 and "YYYY-MM-DD" in usage.stderr


@pytest.mark.parametrize(
    ("message", "escalate", "legal"),
    [
        ("楼道里有燃气泄漏的味道，物业一直不处理", True, False),
        ("再不解决我就找媒体曝光", True, False),
        ("There is a gas leak on the third floor.", True, False),
        ("我是社区新媒体小编，想咨询留言怎么回复", False, False),
        ("I saw your post on social media, where is the tax office?", False, False),
        ("拆迁补偿谈不拢，我想走信访", False, True),
        ("Can I file a petition about the demolition?", False, True),
        ("Is the basketball court in Liutang Park open at night?", False, False),
    ],
)
def test_escalation_and_legal_channel_cues(message: str, escalate: bool, legal: bool) -> None:
    assert bool(_ESCALATE.search(message)) == escalate
    assert bool(_LEGAL.search(message)) == legal
