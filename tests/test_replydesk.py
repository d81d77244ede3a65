"""The reply desk's record and the practice rubric: role rules, overdue items, scored feedback."""

from __future__ import annotations

import datetime as dt

import pytest

from desk.replies import ReplyDraft, classify
from desk.reply_practice import (
    PracticeContentInvalid,
    PracticeSampleNotFound,
    load_samples,
    sample,
    score_reply,
)
from desk.replydesk import InvalidStatus, ReplyDesk, ReplyItemNotFound, is_overdue
from knowledge.settings import Settings
from trainer.errors import PermissionDenied
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"


@pytest.fixture
def desk(settings: Settings) -> tuple[ReplyDesk, dict[str, User]]:
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    users = {
        "lin": accounts.create_user("lin", PASSWORD, "learner"),
        "wang": accounts.create_user("wang", PASSWORD, "learner"),
        "tom": accounts.create_user("tom", PASSWORD, "trainer"),
        "ada": accounts.create_user("ada", PASSWORD, "admin"),
    }
    return ReplyDesk(db), users


def _draft(message: str, received: dt.date, deadline: dt.date, category: str = "complaint") -> ReplyDraft:
    return ReplyDraft(message, category, "zh", "【留言人称呼】您好！", (), received, deadline, 10, received)


# ---------------------------------------------------------------------- tracked list
def test_learners_see_their_own_items_trainers_and_admins_see_everyone(desk) -> None:
    rd, u = desk
    mine = rd.add(u["lin"], _draft("路灯坏了", dt.date(2025, 9, 30), dt.date(2025, 10, 21)), "改好的答复")
    rd.add(u["wang"], _draft("垃圾没人收", dt.date(2025, 9, 30), dt.date(2025, 10, 21)))
    assert [i["message"] for i in rd.items(u["lin"])] == ["路灯坏了"]
    # a learner cannot ask for someone else's list
    assert [i["message"] for i in rd.items(u["lin"], username="wang")] == ["路灯坏了"]
    assert {i["username"] for i in rd.items(u["tom"])} == {"lin", "wang"}
    assert {i["username"] for i in rd.items(u["ada"])} == {"lin", "wang"}
    assert [i["username"] for i in rd.items(u["tom"], username="wang")] == ["wang"]
    assert rd.item(u["lin"], mine)["reply"] == "改好的答复"
    with pytest.raises(PermissionDenied):
        rd.item(u["wang"], mine)


def test_status_changes_by_owner_or_trainer_only(desk) -> None:
    rd, u = desk
    item = rd.add(u["lin"], _draft("路灯坏了", dt.date(2025, 9, 30), dt.date(2025, 10, 21)))
    with pytest.raises(PermissionDenied):
        rd.set_status(u["wang"], item, "replied")
    rd.set_status(u["lin"], item, "replied")
    rd.set_status(u["tom"], item, "escalated")
    row = rd.item(u["lin"], item)
    assert row["status"] == "escalated" and row["updated_by"] == "tom"
    assert [i["id"] for i in rd.items(u["ada"], status="escalated")] == [item]
    with pytest.raises(InvalidStatus):
        rd.set_status(u["lin"], item, "closed")
    with pytest.raises(ReplyItemNotFound):
        rd.set_status(u["ada"], 999, "replied")


def test_overdue_is_an_open_item_past_its_last_day(desk) -> None:
    rd, u = desk
    late = rd.add(u["lin"], _draft("路灯坏了", dt.date(2025, 9, 1), dt.date(2025, 9, 15)))
    due_today = rd.add(u["lin"], _draft("噪音", dt.date(2025, 9, 10), dt.date(2025, 9, 16)))
    done = rd.add(u["lin"], _draft("已回复", dt.date(2025, 9, 1), dt.date(2025, 9, 12)))
    rd.set_status(u["lin"], done, "replied")
    today = dt.date(2025, 9, 16)
    flags = {i["id"]: i["overdue"] for i in rd.items(u["lin"], today=today)}
    assert flags == {late: True, due_today: False, done: False}
    assert [i["id"] for i in rd.items(u["lin"], today=today)] == [done, late, due_today]  # soonest deadline first
    assert not is_overdue({"status": "escalated", "deadline": "2000-01-01"})


def test_signed_out_or_inactive_users_cannot_use_the_desk(desk) -> None:
    rd, u = desk
    gone = User(99, "gone", "", "", "learner", False, "")
    with pytest.raises(PermissionDenied):
        rd.items(gone)
    with pytest.raises(PermissionDenied):
        rd.add(None, _draft("x", dt.date(2025, 9, 1), dt.date(2025, 9, 4)))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- practice
def test_samples_are_bilingual_and_classified_as_labelled() -> None:
    samples = load_samples()
    assert len(samples) >= 8
    assert {s.category for s in samples} >= {"consultation", "complaint", "suggestion", "report"}
    for s in samples:
        assert s.text["zh"] and s.text["en"] and s.facts
        assert classify(s.text["zh"]).category == s.category, s.id
        assert classify(s.text["en"]).category == s.category, s.id


GOOD_ZH = (
    "您好！感谢您的留言，给您带来不便深表歉意。您反映的柳塘路路灯问题，我们已转交区城管局核实处理，"
    "将在2025年10月16日前（10个工作日内）把处理结果反馈给您。如有疑问，请联系区城管局，电话：【联系电话】。"
)
BAD_ZH = "路灯不归我们管，请自行查询。"
GOOD_EN = (
    "Dear resident, thank you for your message and sorry for the trouble. We have passed the report to the "
    "district urban management office to investigate, and we will tell you the outcome by 16 October 2025 "
    "(within 10 working days). If you have questions, please call the office on [phone number]."
)


def test_rubric_scores_a_good_and_a_bad_reply_differently_with_reasons() -> None:
    item = sample("streetlight")
    good = score_reply(item, GOOD_ZH, "zh")
    bad = score_reply(item, BAD_ZH, "zh")
    assert good.score == good.max_score == 8
    assert bad.score <= 1
    by_key = {c.key: c for c in bad.criteria}
    assert set(by_key) == {"deadline", "politeness", "forbidden", "accuracy", "next_steps"}
    assert by_key["forbidden"].score == 0 and "请自行查询" in by_key["forbidden"].reason
    assert "2025年10月16日" in by_key["deadline"].reason  # the reason says what the right deadline is
    assert by_key["accuracy"].score == 0 and "第七条" in by_key["accuracy"].reason
    assert all(c.reason for c in good.criteria + bad.criteria)
    english = score_reply(item, GOOD_EN, "en")
    assert english.score == 8, english.criteria


def test_rubric_partial_credit_and_personal_data() -> None:
    item = sample("sewage")
    reply = (
        "您好，感谢您的举报。我们已将线索转交区生态环境分局核查，会在10个工作日内答复您，"
        "您的电话13912345678已登记。联系电话：【联系电话】。"
    )
    result = {c.key: c for c in score_reply(item, reply, "zh").criteria}
    assert result["deadline"].score == 1 and "2025年10月21日" in result["deadline"].reason
    assert result["forbidden"].score == 0 and "13912345678" in result["forbidden"].reason
    assert result["accuracy"].score == 1 and "保密" in result["accuracy"].reason


def test_practice_results_are_recorded_and_visible_to_trainers(desk) -> None:
    rd, u = desk
    item = sample("streetlight")
    rd.record_practice(u["lin"], GOOD_ZH, score_reply(item, GOOD_ZH, "zh"))
    rd.record_practice(u["wang"], BAD_ZH, score_reply(item, BAD_ZH, "zh"))
    mine = rd.practice_results(u["lin"])
    assert [(r["username"], r["score"]) for r in mine] == [("lin", 8)]
    assert mine[0]["feedback"][0]["key"] == "deadline" and mine[0]["feedback"][0]["reason"]
    assert {r["username"] for r in rd.practice_results(u["tom"])} == {"lin", "wang"}


def test_unknown_sample_and_broken_file(tmp_path) -> None:
    with pytest.raises(PracticeSampleNotFound):
        sample("nope")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: x\n  category: complaint\n")
    with pytest.raises(PracticeContentInvalid):
        load_samples(broken)
