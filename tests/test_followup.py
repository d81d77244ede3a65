"""Which questions of a conversation are follow-ups, and what they then ask (knowledge.followup).

The examples are written for these tests (none comes from an evaluation set or bench/conversations.jsonl)."""

from __future__ import annotations

import dataclasses

import pytest

from knowledge.followup import Resolved, needs_context, resolve

ZH_PREVIOUS = "网民留言多久要回复？"
EN_PREVIOUS = "How fast must messages from the public be answered?"

# Questions with their own topic and predicate, from one word of content to many.
STANDALONE_ZH = [
    "密码多久换一次？",
    "审核要几天？",
    "需要几个管理员？",
    "谁负责全区账号的备案？",
    "怎样防止账号被盗？",
    "转载要注明什么？",
    "标题里能用感叹号吗？",  # ends in 吗
    "这周的选题会开了吗？",  # 这周: now, not an earlier turn
    "那些僵尸账号应该怎么清理？",  # a demonstrative with a noun of its own
    "那外包人员能按群发键吗？",  # a connective, then a full question
    "值班编辑节假日每天要看几次后台呢？",  # ends in 呢, but asks its own question
    "如果公众号被盗了，应该先通知谁？",
    "区里的邮政编码是多少？",  # outside the knowledge base, still a question of its own
    "什么是原创？",
    "几点发布推文最好？",
    "英文版和中文版的规定一样吗？",  # the comparison is inside the question
    "发布一篇政策解读之前要经过哪几级审核，每一级由谁签字，审核单又要保存多长时间？",
]
STANDALONE_EN = [
    "Who signs the review form?",
    "What's the title limit?",
    "Do we need two administrators?",
    "What is the district's postal code?",
    "How often should we change the account password?",
    "Can interns publish posts?",
    "Is it necessary to caption every image?",  # "it" points at nothing: "it is necessary to ..."
    "How long does it take to get an account approved?",
    "Is this month's report late?",
    "And how long do complex requests take?",  # a connective, then a full question
    "Password rules for contractors?",  # a phrase of three content words reads as a query of its own
    "What should an editor do after finding a typo in a post that has already gone out to followers?",
]
# A pronoun whose referent is in the question itself.
REFERENT_INSIDE = [
    "If an account is hijacked, who should we tell about it?",
    "Do contractors need their own login?",
    "When a staff member leaves, what happens to their access?",
    "账号被盗了，这个要报给谁？",
]


@pytest.mark.parametrize("question", STANDALONE_ZH + STANDALONE_EN + REFERENT_INSIDE)
def test_a_question_that_stands_alone_is_searched_alone(question: str) -> None:
    previous = EN_PREVIOUS if question.isascii() else ZH_PREVIOUS
    assert resolve(question, [previous]) == Resolved(question, False, ())
    assert not needs_context(question)


@pytest.mark.parametrize(
    "previous, question, query, own_terms",
    [
        # the new subject in the previous question's place, where the previous question opens with its topic
        ("网民留言多久要回复？", "那微信群呢？", "微信群多久要回复？", ("微信群",)),
        ("网民留言多久要回复？", "微博私信也一样吗？", "微博私信多久要回复？", ("微博", "私信")),
        ("常规稿件至少要提前多久提交审核？", "那如果是紧急稿件呢？", "紧急稿件至少要提前多久提交审核？", ("紧急",)),
        # or in the place of the word of the same kind ("工作日" / "节假日", "周六" / "周日")
        ("工作日每天几点查看后台？", "节假日呢？", "节假日每天几点查看后台？", ("节假日",)),
        ("社区卫生服务中心周六几点开门？", "那周日呢？", "社区卫生服务中心周日几点开门？", ("周日",)),
        # a predicate with no topic of its own takes the previous topic
        ("审核单由谁签字？", "那要保存几年？", "审核单要保存几年？", ("保存",)),
        ("停更公告要提前多久发？", "这个要报备吗？", "停更公告要报备吗？", ("报备",)),
        ("审核单由谁签字？", "也要报分管领导吗？", "审核单也要报分管领导吗？", ("分管领导",)),
        # a condition whose question is left unsaid
        (
            "稿件由谁终审签发？",
            "要是分管领导出差了呢？",
            "要是分管领导出差了，稿件由谁终审签发？",
            ("分管领导", "出差"),
        ),
        # no topic at all, and nothing to put in its place: the follow-up is added to the previous question
        ("停更公告要提前多久发？", "为什么？", "停更公告要提前多久发？ 为什么？", ()),
        ("停更公告要提前多久发？", "哪些材料？", "停更公告要提前多久发？ 哪些材料", ("材料",)),
        # "also" with nothing before it compares with the previous question
        (
            "稿件发布前要经过几级审核？",
            "也要报分管领导吗？",
            "稿件发布前要经过几级审核？ 也要报分管领导吗？",
            ("分管领导",),
        ),
    ],
)
def test_chinese_follow_ups_are_resolved(previous: str, question: str, query: str, own_terms: tuple[str, ...]) -> None:
    assert needs_context(question)
    assert resolve(question, [previous]) == Resolved(query, True, own_terms)


@pytest.mark.parametrize(
    "previous, question, query, own_terms",
    [
        (EN_PREVIOUS, "And for WeChat groups?", f"{EN_PREVIOUS} WeChat groups", ("wechat", "group")),
        (EN_PREVIOUS, "What about complaints?", f"{EN_PREVIOUS} complaints", ("complaint",)),
        (EN_PREVIOUS, "Same for Weibo comments?", f"{EN_PREVIOUS} Weibo comments", ("weibo", "comment")),
        (EN_PREVIOUS, "Weekends?", f"{EN_PREVIOUS} Weekends", ("weekend",)),
        (EN_PREVIOUS, "And on public holidays too?", f"{EN_PREVIOUS} public holidays", ("holiday",)),
        (EN_PREVIOUS, "Which documents?", f"{EN_PREVIOUS} Which documents", ("document",)),
        # the same head word: the new phrase takes its place
        (
            "How many mass messages can a subscription account send per day?",
            "What about a service account?",
            "How many mass messages can a service account send per day?",
            ("service",),
        ),
        # a pronoun with nothing to point to in the question
        (
            EN_PREVIOUS,
            "Does that apply to contractors too?",
            f"{EN_PREVIOUS} Does that apply to contractors too?",
            ("contractor",),
        ),
        (EN_PREVIOUS, "Is it the same for volunteers?", f"{EN_PREVIOUS} volunteers", ("volunteer",)),
        (EN_PREVIOUS, "Can they be extended?", f"{EN_PREVIOUS} Can they be extended?", ("extend",)),
        (EN_PREVIOUS, "What's the penalty for that?", f"{EN_PREVIOUS} What's the penalty for that?", ("penalty",)),
        # no topic of its own
        (EN_PREVIOUS, "Who decides?", f"{EN_PREVIOUS} Who decides?", ("decid",)),
        (EN_PREVIOUS, "Why?", f"{EN_PREVIOUS} Why?", ()),
        # a condition whose question is left unsaid
        (
            "Who approves a post?",
            "What if the deputy head is on leave?",
            "If the deputy head is on leave, who approves a post?",
            ("deputy", "head", "leave"),
        ),
    ],
)
def test_english_follow_ups_are_resolved(previous: str, question: str, query: str, own_terms: tuple[str, ...]) -> None:
    assert needs_context(question)
    assert resolve(question, [previous]) == Resolved(query, True, own_terms)


def test_own_terms_are_the_words_the_follow_up_brings_not_those_it_repeats() -> None:
    """稿件 and "account" were in the previous question: only 紧急 and "service" are the follow-up's own."""
    assert resolve("那紧急稿件呢？", ["常规稿件要提前几天送审？"]).own_terms == ("紧急",)
    assert resolve("And for messages in WeChat groups?", ["What happens to a message first?"]).own_terms == (
        "wechat",
        "group",
    )
    assert resolve("那微信群呢？", ["网民留言多久要回复？"]).own_terms == ("微信群",)


@pytest.mark.parametrize(
    "question", ["那微信群呢？", "为什么？", "And for WeChat groups?", "Does that apply to contractors?"]
)
def test_without_history_every_question_is_searched_alone(question: str) -> None:
    for history in ([], ["", "   "]):
        assert resolve(question, history) == Resolved(question, False, ())


def test_only_the_last_earlier_question_counts_and_a_follow_up_of_a_follow_up_keeps_the_thread() -> None:
    history = ["暴雨预警时安置点在哪里？", "网民留言多久要回复？"]
    assert resolve("那微信群呢？", history).query == "微信群多久要回复？"
    assert resolve("微博呢？", [*history, "那微信群呢？"]).query == "微博多久要回复？"
    thread = ["How fast must messages from the public be answered?", "And for WeChat groups?"]
    assert resolve("What about Weibo?", thread).query == f"{EN_PREVIOUS} WeChat groups Weibo"


def test_whitespace_is_collapsed_and_the_result_is_frozen() -> None:
    result = resolve("  密码  多久换一次？ ", ["  网民留言多久要回复？"])
    assert result == Resolved("密码 多久换一次？", False, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.query = "x"  # type: ignore[misc]
    assert resolve("", [ZH_PREVIOUS]) == Resolved("", False, ())
