from pathlib import Path

import pytest

from knowledge.errors import ReindexNeeded
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings

from .filemakers import make_pdf

ZH_REVIEW = (
    "柳塘区政务新媒体内容审核发布办法\n第一条 所有信息发布前实行三审三校：编辑初审、科室负责人复审、分管领导终审。\n"
    "第二条 审核时严把政治关、法律关、政策关、保密关、文字关。"
)
ZH_REPLY = "网民留言办理规定\n第一条 一般咨询类留言应在3个工作日内答复。\n第二条 复杂事项应在10个工作日内办结并反馈。"
EN_SECURITY = (
    "Account Security Rules\n\nEvery account has at least two administrators and a named alternate. "
    "Revoke a leaver's access on the day they leave. Never post from public Wi-Fi. "
    "Change passwords every 90 days and keep them in the office password safe."
)
EN_CALENDAR = (
    "Planning a Content Calendar\n\nPublish at least twice a week. A subscription account may send one mass "
    "message per day. Check the backend statistics to see when followers read, and schedule posts for 18:00."
)


@pytest.fixture
def corpus(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    make_pdf(tmp_path / "review.pdf", [ZH_REVIEW, "第二章 纠错\n第三条 发现错误后应在2小时内更正。"])
    (tmp_path / "reply.txt").write_text(ZH_REPLY, encoding="gb18030")
    (tmp_path / "security.md").write_text(EN_SECURITY)
    (tmp_path / "calendar.md").write_text(EN_CALENDAR)
    assert {r.status for r in kb.ingest([tmp_path])} == {"added"}
    return kb


def test_chinese_question_finds_chinese_passage_with_page(corpus: KnowledgeBase):
    hits = corpus.search("发布前需要几审？", k=3)
    assert hits[0].doc == "review.pdf" and hits[0].page == 1
    assert "三审三校" in hits[0].text


def test_page_of_a_later_passage(corpus: KnowledgeBase):
    hits = corpus.search("发错了多久内要改正", k=3)
    assert (hits[0].doc, hits[0].page) == ("review.pdf", 2)


def test_english_question_finds_english_passage(corpus: KnowledgeBase):
    hits = corpus.search("When do we remove access for staff who leave?", k=3)
    assert hits[0].doc == "security.md"


def test_cross_language_both_ways(corpus: KnowledgeBase):
    zh_about_en = corpus.search("账号密码多久换一次？", k=3)
    assert "security.md" in [h.doc for h in zh_about_en]
    en_about_zh = corpus.search("How many working days do we have to answer a simple question from the public?", k=3)
    assert "reply.txt" in [h.doc for h in en_about_zh]


def test_modes_for_evaluation(corpus: KnowledgeBase):
    assert corpus.search("三审三校", k=2, mode="lexical")[0].doc == "review.pdf"
    assert corpus.search("three levels of review before publishing", k=4, mode="dense")
    assert corpus.search("   ") == []


def test_hits_carry_scores(corpus: KnowledgeBase):
    hit = corpus.search("mass message per day", k=1)[0]
    assert hit.doc == "calendar.md" and 0.5 < hit.similarity <= 1.0 and hit.score > 0
    assert set(hit.as_json()) == {"doc", "title", "page", "score", "similarity", "text"}


def test_empty_knowledge_base_returns_nothing(kb: KnowledgeBase):
    assert kb.search("anything") == []


def test_model_change_requires_reindex(corpus: KnowledgeBase, tmp_path: Path):
    other = KnowledgeBase(Settings.from_env(embedding_model="minilm"))
    with pytest.raises(ReindexNeeded, match="python -m knowledge reindex"):
        other.search("三审三校")
    new_file = tmp_path / "new.md"
    new_file.write_text("# New\n\nA new rule.")
    result = other.ingest_file(new_file)
    assert result.status == "failed" and "reindex" in result.message
    results = other.reindex()
    assert {r.status for r in results} == {"updated"}
    assert other.verify()["missing_vectors"] == 0 and other.verify()["orphan_vectors"] == 0
    assert other.verify()["pending"] == 0
    assert other.search("password rotation", k=1)[0].doc == "security.md"
    titles = {d.doc: d.title for d in other.documents()}
    assert titles["review.pdf"] == "柳塘区政务新媒体内容审核发布办法"
