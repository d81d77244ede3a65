"""Quotes chosen by meaning, unit vectors stored with their chunks, calibration per knowledge base,
and the z-scored dense list: real e5, real Chroma, real SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from knowledge import calibration as cal
from knowledge.answer import answer
from knowledge.errors import ReindexNeeded
from knowledge.evidence import Candidate, choose
from knowledge.kb import KnowledgeBase
from knowledge.quotes import quotable
from knowledge.retrieval import z_dense

POLICY = (
    "# Account rules\n\n"
    "Passwords of the account are changed every 90 days by the administrator.\n\n"
    "Every post is reviewed by the editor, the section head and the deputy director before it is sent.\n\n"
    "Messages from residents are answered within three working days.\n"
)
POST = (
    "# This week on our account\n\n"
    "Reminder for the team: passwords of the account are changed every 90 days by the administrator.\n\n"
    "The spring tree-planting day drew two hundred residents to the riverside park.\n"
)
ZH = (
    "# 柳岸镇便民服务须知\n\n"
    "便民服务中心工作日上午八点半开门，下午五点关门。\n\n"
    "办理居住证需要携带身份证原件和租房合同。\n\n"
    "老年人优待证由社区居委会代为申请，十个工作日内办结。\n"
)


@pytest.fixture
def small(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "policy.md").write_text(POLICY)
    (docs / "post.md").write_text(POST)
    (docs / "service-zh.md").write_text(ZH)
    results = kb.ingest([docs], kind="policy")
    assert {r.status for r in results} == {"added"}
    return kb


def _units_in_db(kb: KnowledgeBase) -> int:
    db = sqlite3.connect(kb.settings.knowledge_db)
    try:
        return int(db.execute("SELECT count(*) FROM sentences").fetchone()[0])
    finally:
        db.close()


def test_every_quotable_unit_has_a_vector_and_leaves_with_its_document(small: KnowledgeBase):
    expected = sum(
        len(quotable(c.text, doc.title, c.heading))
        for doc in small.documents()
        for c in small.catalog.chunks_of(doc.id)
    )
    assert expected and _units_in_db(small) == expected
    hit = small.search("How often are passwords changed?", k=1)[0]
    stored = small.catalog.sentence_vectors([hit.chunk_id])[hit.chunk_id]
    units = quotable(hit.text, hit.title, hit.heading)
    assert set(stored) == {(u.start, u.end) for u in units}
    fresh = small.embedder.embed_passages([units[0].text])[0]
    assert float(stored[(units[0].start, units[0].end)] @ fresh) > 0.999  # float16 keeps the vector
    small.remove("post.md")
    assert _units_in_db(small) == expected - sum(len(quotable(t, "", "")) for t in [POST.split("\n\n", 1)[1]])


def test_a_chunk_vector_is_its_own_embedding(small: KnowledgeBase):
    from knowledge.chunking import embedding_text

    hit = small.search("便民服务中心几点开门？", k=1)[0]
    stored = small.store.vectors([hit.chunk_id])[hit.chunk_id]
    own = small.embedder.embed_passages([embedding_text(hit.title, hit.heading, hit.text)])[0]
    assert float(stored @ own) > 0.999


def test_calibration_is_made_from_the_knowledge_base_and_renewed_when_it_changes(small: KnowledgeBase, tmp_path: Path):
    first = small.calibration()
    assert first.probes["answerable"] > 5 and first.probes["off_topic"] > 0 and first.probes["near_miss"] > 0
    assert 0.5 <= first.answer_at["same"] <= 1 and first.related_at["same"] <= first.answer_at["same"]
    stored = json.loads(small.catalog.get_meta(cal.META_KEY) or "{}")
    assert stored["generation"] == first.generation
    assert small.calibration() == first  # kept while nothing changes
    extra = tmp_path / "extra.md"
    extra.write_text("# Duty rota\n\nThe duty editor checks the account every evening at nine o'clock.\n")
    small.ingest([extra])
    assert small.calibration().generation != first.generation


def test_three_outcomes(small: KnowledgeBase):
    answered = answer(small, "How often does the administrator change the account password?")
    assert answered.confidence == "answered" and answered.grounded
    assert "90 days" in answered.citations[0].text
    off = answer(small, "Which hotel should visiting colleagues book?")
    assert off.confidence in {"related", "not_found"} and not off.grounded
    assert {g["confidence"] for g in small.catalog.gaps()} == {off.confidence}


def test_the_policy_is_quoted_not_the_post_that_repeats_it(small: KnowledgeBase):
    result = answer(small, "How often are the account passwords changed?")
    docs = [c.doc for c in result.citations if "90 days" in c.text]
    assert docs == ["policy.md"]  # once, from the policy


def _candidate(text: str, kind: str, score: float, vector: list[float]) -> Candidate:
    v = np.asarray(vector, dtype=np.float32)
    return Candidate(0, text, "en", kind, 0.9, score, 0.5, score, v / np.linalg.norm(v))


def test_choose_keeps_one_of_two_quotes_that_say_the_same():
    post = _candidate("Passwords change every 90 days, as the rules say.", "post", 5.0, [1, 0.01, 0])
    rule = _candidate("Passwords are changed every 90 days.", "policy", 4.8, [1, 0, 0.01])
    other = _candidate("Messages are answered within three working days.", "policy", 4.5, [0, 1, 0])
    far = _candidate("The park opens at nine.", "policy", 1.0, [0, 0, 1])
    chosen = choose([post, rule, other, far])
    assert [c.text for c in chosen] == [rule.text, other.text]


def test_z_dense_compares_each_language_with_itself():
    rng = np.random.default_rng(3)
    q = np.ones(8, dtype=np.float32) / np.sqrt(8)
    zh_ref = rng.normal(0.6, 0.05, (64, 8)).astype(np.float32)
    en_ref = rng.normal(0.0, 0.3, (64, 8)).astype(np.float32)
    reference = {
        "zh": zh_ref / np.linalg.norm(zh_ref, axis=1, keepdims=True),
        "en": en_ref / np.linalg.norm(en_ref, axis=1, keepdims=True),
    }
    zh_level = float((reference["zh"] @ q).mean())
    per_language = {"zh": [("zh-ordinary", zh_level)], "en": [("en-answer", 0.8)]}
    merged = z_dense(q, per_language, reference, 10)
    assert [cid for cid, _ in merged] == ["en-answer", "zh-ordinary"]  # a lower cosine, far above its language


def test_logistic_fit_and_thresholds():
    rng = np.random.default_rng(0)
    yes = rng.normal(2.0, 0.5, (60, 2))
    no = rng.normal(0.0, 0.5, (80, 2))
    model = cal.fit_logistic(np.vstack([yes, no]), np.array([1.0] * 60 + [0.0] * 80))
    assert model.p([2.0, 2.0]) > 0.9 > 0.1 > model.p([0.0, 0.0])
    answer_at, related_at = cal._thresholds([model.p(x) for x in no])
    assert related_at <= answer_at and answer_at >= 0.5
    assert sum(model.p(x) >= answer_at for x in no) <= len(no) * cal.ANSWER_FALSE_RATE + 1


def test_probe_pool_is_bilingual_and_every_detail_names_its_topic():
    pool = cal.load_pool()
    for lang in ("zh", "en"):
        assert len(pool["off_topic"][lang]) >= 10
        assert all("{topic}" in d for d in pool["details"][lang])


def test_a_folder_indexed_without_unit_vectors_asks_for_a_reindex(small: KnowledgeBase):
    small.catalog.set_meta("embedding_fingerprint", small.embedder.fingerprint)  # as an older version wrote it
    with pytest.raises(ReindexNeeded):
        small.search("passwords", k=1)


def test_a_quote_in_the_other_language_is_related_unless_a_reranker_scored_it():
    from knowledge.evidence import Features

    sure = cal.Logistic([5.0, 5.0], 0.0, [0.0, 0.0], [1.0, 1.0])
    calibration = cal.Calibration(
        same=cal.Logistic([5.0, 5.0, 5.0], 0.0, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),
        cross=sure,
        answer_at={"same": 0.6, "cross": 0.6},
        related_at={"same": 0.2, "cross": 0.2},
    )
    strong = dict(sentence_similarity=3.0, passage_similarity=2.0, sentence_coverage=0.9, passage_coverage=0.9)
    assert calibration.decide(Features(**strong, cross=False, sentence_cosine=0.9))[0] == "answered"
    assert calibration.decide(Features(**strong, cross=True, sentence_cosine=0.9))[0] == "related"
    reranked = cal.Calibration(
        same=calibration.same,
        cross=cal.Logistic([5.0, 5.0, 5.0], 0.0, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),
        answer_at=calibration.answer_at,
        related_at=calibration.related_at,
    )
    assert reranked.decide(Features(**strong, cross=True, sentence_cosine=0.9, rerank=0.95))[0] == "answered"


# ---------------------------------------------------------------------------- whole sentences, quantities, best sentence

RULES_ZH = (
    "第九条 网民留言属于本单位职责范围的，应当自收到之日起5个工作日内答复；"
    "情况复杂的，经分管领导同意可以延长5个工作日，并告知留言人延期理由。\n\n"
    "第十条 下列留言不予公开：\n\n"
    "（一）涉及个人隐私的；\n\n"
    "（二）涉及商业秘密的；\n\n"
    "（三）含有辱骂内容的。\n\n"
    "第十一条 留言办理情况纳入年度考核。\n"
)


def test_a_quote_is_a_whole_sentence_not_a_clause():
    """ "；" joins the clauses of one rule: a clause alone loses its condition or its exception."""
    found = [u.text for u in quotable(RULES_ZH, "留言办理规定")]
    assert any(t.startswith("第九条") and t.endswith("并告知留言人延期理由。") for t in found)
    assert not any(t.endswith("5个工作日内答复；") for t in found)


def test_numbered_items_separated_by_blank_lines_are_one_list():
    found = [u for u in quotable(RULES_ZH, "留言办理规定")]
    whole = [u for u in found if u.text.startswith("第十条") and "（三）含有辱骂内容的。" in u.text]
    assert whole, [u.text for u in found]
    assert "第十一条" not in whole[0].text  # a new clause ends the list
    item = next(u for u in found if u.text.startswith("（二）"))
    assert "第十条" in item.context


def test_a_table_row_is_a_quote_and_a_rule_line_is_not():
    text = "Plain words\n\nterm | plain word\n--- | ---\nfacilitate | help\ncommence | start\n"
    found = [u.text for u in quotable(text)]
    assert "facilitate | help" in found
    assert not any(set(t) <= set("-| ") for t in found)


def test_a_line_that_only_says_where_a_text_came_from_is_not_quoted():
    """A title with its source link is context for what follows, not a statement; a sentence
    that gives a link is still one."""
    text = (
        "Title: Posting schedule | Source: https://example.gov/guides/posting-schedule/\n"
        "来源：https://example.gov.cn/zhengce/2024/notice.htm\n"
        "Posts go out before 10 a.m. on working days.\n"
        "Templates are on the intranet at https://intranet.example.gov/templates.\n"
    )
    found = quotable(text)
    assert [u.text for u in found] == [
        "Posts go out before 10 a.m. on working days.",
        "Templates are on the intranet at https://intranet.example.gov/templates.",
    ]
    assert "example.gov.cn" in found[0].context


def test_quantity_questions_and_quantities():
    from knowledge.evidence import asks_quantity, states_quantity

    assert asks_quantity("留言要在几天内答复？") and asks_quantity("How often is the password changed?")
    assert not asks_quantity("哪几类留言不公开？") and not asks_quantity("Who approves a post?")
    assert states_quantity("应当自收到之日起5个工作日内答复") and states_quantity("changed every 90 days")
    assert states_quantity("三审三校") and states_quantity("reviewed twice a year")
    # a clause number names a rule, it does not count anything
    assert not states_quantity("第二十七条 应当建立考核评价制度") and not states_quantity("Article 8 sets up a review")
    # a number written straight before a word that is no unit names something: a hotline, a
    # document number, a list's numbering
    assert not states_quantity("市民可拨打12315热线反映问题") and not states_quantity("依照国务院令第588号执行")
    assert not states_quantity("7.区文旅局推出周末游线路")
    assert states_quantity("留言10条以上的应当上报") and states_quantity("满意率不低于95%")
    assert states_quantity("上午8:30开门") and states_quantity("2025年3月1日起施行")


def test_a_question_asking_for_a_number_is_not_answered_without_one(small: KnowledgeBase):
    """The topic is there (passwords), the number asked for is: answered. A number the documents
    do not give (the length of a password): at most related, never a confident answer."""
    found = answer(small, "How many days between password changes?")
    assert found.confidence == "answered" and "90 days" in found.citations[0].text
    missing = answer(small, "How many people sit on the board that reviews a post?")
    assert missing.confidence != "answered"


def _unit(text: str, language: str, score: float) -> Candidate:
    return Candidate(0, text, language, "policy", 0.9, score, 0.0, score)


def test_arrange_puts_a_unit_with_the_number_first():
    from knowledge.evidence import arrange

    cands = [
        _unit("The review rules are set by the office.", "en", 5.0),
        _unit("Replies are sent within 3 working days.", "en", 4.5),
    ]
    assert arrange(cands, quantity=True)[0].text.startswith("Replies")
    assert arrange(cands)[0].text.startswith("The review")


def test_the_best_sentence_list_ranks_a_chunk_by_its_closest_unit(small: KnowledgeBase):
    from knowledge.retrieval import FusionWeights, candidate_lists

    lists = candidate_lists(
        "Within how many working days are residents' messages answered?",
        catalog=small.catalog,
        store=small.store,
        embedder=small.embedder,
        reference=small.chunk_reference(),
        unit_reference=small.unit_reference(),
    )
    assert lists["units"], lists
    top = small.catalog.chunks_by_ids([lists["units"][0][0]])
    assert "three working days" in next(iter(top.values())).text
    without = candidate_lists(
        "Within how many working days are residents' messages answered?",
        catalog=small.catalog,
        store=small.store,
        embedder=small.embedder,
        weights=FusionWeights(units=0),
        reference=small.chunk_reference(),
        unit_reference=small.unit_reference(),
    )
    assert "units" not in without
