"""The health check's content-kind classifier: kinds, cues shown, title over body, ties, the cue file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desk.health_kinds import (
    BODY_CHARS,
    CUES_FILE,
    KINDS,
    KindCueFileError,
    KindResult,
    classify,
    cue_set,
)
from trainer.errors import TrainerError

BENCH = Path(__file__).resolve().parent.parent / "bench" / "health_titles.jsonl"

# Written for these tests; none is in the benchmark set (checked below).
CASES = [
    ("service", "城乡居民养老保险网上缴费操作指引"),
    ("service", "社区食堂营业时间及就餐地址"),
    ("service", "驾驶证换证可以就近办了"),
    ("service", "How to book a marriage registration slot"),
    ("policy", "政策解读｜柳塘区家政服务业扶持办法"),
    ("policy", "一图读懂：耕地保护新条例"),
    ("policy", "Explained: who qualifies for the new childcare subsidy"),
    ("notice", "关于柳塘大道夜间施工的通告"),
    ("notice", "区交通运输局2027年编外人员招聘公告"),
    ("notice", "Notice of planned power outage in Xicheng"),
    ("emergency", "暴雪黄色预警：明晨道路湿滑请减速慢行"),
    ("emergency", "台风“白鹭”逼近，沿海渔船全部回港"),
    ("emergency", "Rainstorm warning: residents of low-lying areas told to move"),
    ("meeting", "区长陈立群主持召开防汛专题会议"),
    ("meeting", "副区长到东坪镇督导秋粮收购"),
    ("meeting", "District mayor meets investors from Shenzhen"),
    ("publicity", "柳塘区第五届龙舟节鸣锣开赛"),
    ("publicity", "东坪镇志愿者为独居老人送去冬衣"),
    ("publicity", "Volunteers plant trees along the Liutang river"),
]


def test_the_kinds_are_the_contracts() -> None:
    assert KINDS == ("service", "policy", "notice", "emergency", "meeting", "publicity")


def test_test_titles_are_not_benchmark_titles() -> None:
    bench = {json.loads(line)["title"] for line in BENCH.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not bench & {title for _, title in CASES}


@pytest.mark.parametrize(("kind", "title"), CASES)
def test_title_kind(kind: str, title: str) -> None:
    result = classify(title)
    assert isinstance(result, KindResult)
    assert result.kind == kind, result
    assert result.cues and not result.fallback
    for cue in result.cues:  # every cue shown to the user is text of the title
        assert cue.lower() in title.lower()


def test_cues_say_what_decided() -> None:
    result = classify("区委书记主持召开区委常委会会议")
    assert result.kind == "meeting"
    assert "书记" in result.cues and "召开" in result.cues
    assert {"leader", "meeting_words"} <= set(result.groups)


def test_body_decides_when_the_title_says_nothing() -> None:
    result = classify("今天，我们来聊聊这件事", body="即日起可通过“柳塘办事”小程序预约办理，无需排队。")
    assert result.kind == "service"
    assert result.cues and set(result.from_body) == set(result.cues)
    assert all(cue in "即日起可通过“柳塘办事”小程序预约办理，无需排队。" for cue in result.cues)


def test_title_outweighs_body() -> None:
    body = "会议结束后，居民可到区政务服务中心窗口预约办理，办理时间为工作日。缴费可在小程序完成。"
    assert classify("区长主持召开常务会议", body=body).kind == "meeting"
    assert classify("", body=body).kind == "service"


def test_only_the_start_of_a_long_body_counts() -> None:
    filler = "这是一段没有任何提示词的普通文字。" * (BODY_CHARS // 10)
    assert classify("一件小事", body=filler + "暴雨红色预警").kind == "publicity"
    assert classify("一件小事", body="暴雨红色预警" + filler).kind == "emergency"


def test_no_cue_falls_back_to_publicity() -> None:
    result = classify("这里的黄昏")
    assert result == KindResult("publicity", (), fallback=True)
    assert classify("").fallback


def test_ties_go_to_the_emergency() -> None:
    # 紧急 (emergency, 3) against 通知 (notice, 3): the tie order puts emergency first.
    result = classify("紧急通知")
    assert result.kind == "emergency" and result.cues == ("紧急",)


def test_a_leader_at_a_service_centre_is_a_meeting() -> None:
    assert classify("区长到市民服务中心调研预约办理情况").kind == "meeting"


def test_an_emergency_in_a_notices_form_is_an_emergency() -> None:
    assert classify("关于发布大风橙色预警的通知").kind == "emergency"


def test_english_is_case_insensitive_and_whole_words() -> None:
    assert classify("TYPHOON WARNING FOR THE COAST").kind == "emergency"
    # "meetings" counts, "meetingroom" is not the word
    assert classify("Town meetings this week").kind == "meeting"
    assert classify("New meetingroom furniture").fallback


def test_whitespace_does_not_matter() -> None:
    assert classify("  区委书记 \n 调研  ") == classify("区委书记 调研")


def test_every_cue_group_says_why() -> None:
    lines = CUES_FILE.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().startswith("- name:")]
    assert len(starts) == len(cue_set().groups) >= 6
    for i in starts:
        assert lines[i - 1].strip().startswith("# "), f"group at line {i + 1} has no comment line saying why"
    assert {g.kind for g in cue_set().groups} == set(KINDS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("groups: [", "cannot read"),
        ("- a list", "expected body_weight"),
        (
            "tie_order: [service, policy]\nfallback: publicity\ngroups: []",
            "tie_order must list each",
        ),
        (
            "tie_order: [emergency, meeting, notice, policy, service, publicity]\nfallback: gossip\ngroups: []",
            "fallback must be one of",
        ),
        (
            "tie_order: [emergency, meeting, notice, policy, service, publicity]\nfallback: publicity\n"
            "groups:\n  - {name: x, kind: gossip, weight: 1, patterns: [a]}",
            "kind must be one of",
        ),
        (
            "tie_order: [emergency, meeting, notice, policy, service, publicity]\nfallback: publicity\n"
            "groups:\n  - {name: x, kind: notice, weight: 1, patterns: ['(']}",
            "not a regular expression",
        ),
        (
            "tie_order: [emergency, meeting, notice, policy, service, publicity]\nfallback: publicity\n"
            "groups:\n  - {name: x, kind: notice}",
            "needs name, kind, weight and patterns",
        ),
    ],
)
def test_a_broken_cue_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cues.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KindCueFileError, match=re.escape(message)) as caught:
        cue_set(path)
    assert isinstance(caught.value, TrainerError)
    assert "restore desk/health_kinds.yaml" in str(caught.value)


def test_a_missing_cue_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KindCueFileError, match="cannot read"):
        cue_set(tmp_path / "nowhere.yaml")
