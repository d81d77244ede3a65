import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.chunking import chunk_document, embedding_text, sentence_spans
from knowledge.embeddings import SentenceTransformerEmbedder, bundled_minilm_path
from knowledge.loaders import LoadedDocument, Section


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "第一条 适用范围。第二条 三审三校！是否需要？是；",
            ["第一条 适用范围。", "第二条 三审三校！", "是否需要？", "是；"],
        ),
        ("Reply fast. Escalate if needed! Why? Because.", ["Reply fast.", "Escalate if needed!", "Why?", "Because."]),
        ("Use e.g. a chart. Mr. Li agrees.", ["Use e.g. a chart.", "Mr. Li agrees."]),
        ("版本 3.5 已发布。Version 2.1 is out.", ["版本 3.5 已发布。", "Version 2.1 is out."]),
        ("他说：“马上回复。”然后走了。", ["他说：“马上回复。”", "然后走了。"]),
        ("line one\nline two", ["line one", "line two"]),
    ],
)
def test_sentence_split_both_scripts(text, expected):
    assert _sentences(text) == expected


def _doc(pages: list[str], title: str = "Doc") -> LoadedDocument:
    return LoadedDocument(title, tuple(Section(t, i + 1, "") for i, t in enumerate(pages)), len(pages), "zh")


def test_chunks_fit_the_real_model_limit_in_both_languages(e5):
    zh = "政务新媒体发布前须经三审三校，严把政治关、法律关、政策关、保密关、文字关。" * 60
    en = "The account must answer citizens' messages within three working days and escalate complex cases. " * 60
    doc = _doc([zh, en])
    chunks = chunk_document(doc, e5.count_tokens, max_tokens=e5.max_tokens, target_tokens=256)
    assert len(chunks) > 4
    for c in chunks:
        full = embedding_text(doc.title, c.heading, c.text)
        assert e5.count_tokens(full) <= e5.max_tokens
        assert c.tokens == e5.count_tokens(full)
    assert {c.page for c in chunks} == {1, 2}
    assert {c.language for c in chunks} == {"zh", "en"}


def test_one_endless_sentence_is_cut_not_truncated(e5):
    text = "无标点的超长句子" * 400  # no sentence end at all
    chunks = chunk_document(_doc([text]), e5.count_tokens, max_tokens=e5.max_tokens, target_tokens=256)
    assert len(chunks) > 1
    assert "".join(c.text for c in chunks) == text
    assert all(c.tokens <= e5.max_tokens for c in chunks)


def test_minilm_tokenizer_limit_respected():
    minilm = SentenceTransformerEmbedder(bundled_minilm_path())
    assert minilm.max_tokens == 256
    text = "Review every post twice before it goes out, and record who approved it. " * 80
    chunks = chunk_document(_doc([text]), minilm.count_tokens, max_tokens=minilm.max_tokens, target_tokens=512)
    assert all(c.tokens <= 256 for c in chunks)


def test_heading_starts_a_new_chunk():
    sections = (
        Section("第一章 总则\n" + "总则的内容很多。" * 30, 1, "第一章 总则"),
        Section("第二章 审核\n审核要三审。", 1, "第二章 审核"),
    )
    doc = LoadedDocument("办法", sections, 1, "zh")
    chunks = chunk_document(doc, len, max_tokens=512, target_tokens=400)
    assert chunks[-1].heading == "第二章 审核"
    assert chunks[-1].text.startswith("第二章 审核")


_piece = st.sampled_from(
    ["政务新媒体", "三审三校", "review", "the post", " ", "。", "！", ". ", "\n", "；", "？", "a", "数字3.5"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_piece, max_size=120).map("".join), min_size=1, max_size=3), st.integers(20, 120))
def test_chunks_are_exact_slices_covering_the_text(pages, target):
    """Invariant: chunks are in-order slices of their page that, together, hold every non-space character."""
    doc = _doc(pages)
    chunks = chunk_document(doc, len, max_tokens=target + 60, target_tokens=target)
    for page_no, page in enumerate(pages, start=1):
        mine = [c for c in chunks if c.page == page_no]
        pos = 0
        for c in mine:
            assert page[c.start : c.start + len(c.text)] == c.text
            assert c.start >= pos
            pos = c.start + len(c.text)
        assert re.sub(r"\s", "", "".join(c.text for c in mine)) == re.sub(r"\s", "", page)
