"""The in-memory keyword index (knowledge.keyword_index) against FTS5 itself.

Real SQLite FTS5 and real text (the bundled sample documents, Chinese and English): every
query is run through both engines of ``Catalog.keyword_search`` and must give the same
chunks with the same scores, before and after documents change - in this process and in
another connection, as the CLI ingesting beside the app would.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path

import pytest

import knowledge.catalog as catalog_mod
from knowledge.catalog import Catalog
from knowledge.chunking import Chunk
from knowledge.keyword_index import KeywordIndex, fts_tokens
from knowledge.lexical import tokenize, translate_tokens

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "knowledge" / "samples"


def sample_texts() -> list[tuple[str, str, list[str]]]:
    """(name, language, paragraphs) of the sample manuals and sources."""
    out = []
    for path in sorted(SAMPLES.glob("src/*.md")) + sorted(SAMPLES.glob("manuals/*.md")):
        text = path.read_text(encoding="utf-8")
        language = "zh" if len(re.findall(r"[\u4e00-\u9fff]", text)) > len(text) / 5 else "en"
        paragraphs = [p.strip() for p in text.split("\n\n") if len(p.strip()) > 20]
        out.append((path.name, language, paragraphs))
    return out


def add_document(cat: Catalog, name: str, language: str, paragraphs: list[str], salt: str = "") -> None:
    sha = hashlib.sha256(f"{name}{salt}{len(paragraphs)}".encode()).hexdigest()
    chunks = [Chunk(i, 1 + i // 4, f"Part {i // 5}", p, 0, language, len(p)) for i, p in enumerate(paragraphs)]
    fields = {
        "doc": name,
        "title": f"{name} {salt}".strip(),
        "kind": "manual",
        "language": language,
        "sha256": sha,
        "pages": 1 + len(chunks) // 4,
        "size": sum(len(p) for p in paragraphs),
        "stored_path": f"uploads/{sha}.md",
    }
    cat.replace_document(fields, chunks, title=fields["title"], old=cat.find_document(name))


def questions() -> list[str]:
    out = []
    for path in sorted((ROOT / "bench" / "eval").glob("questions-*.jsonl")):
        out += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return out


def assert_same(cat: Catalog, queries: list[str], limit: int = 30) -> int:
    """Both engines agree on every query (all chunks, and each language); returns the matches seen."""
    seen = 0
    for q in queries:
        tokens = tokenize(q)
        for tokens_, language in ((tokens, None), (tokens, "en"), (tokens, "zh"), (translate_tokens(tokens), "en")):
            fts = cat.keyword_search(tokens_, limit, language, engine="fts5")
            mem = cat.keyword_search(tokens_, limit, language, engine="memory")
            assert [s for _, s in mem] == pytest.approx([s for _, s in fts], rel=1e-9, abs=1e-12), (q, language)
            # Chunks tied at the cut may be picked either way; above it both lists hold the same chunks.
            if fts:
                cut = fts[-1][1]
                above = {c for c, s in fts if s > cut * (1 + 1e-9)}
                assert above == {c for c, s in mem if s > cut * (1 + 1e-9)}, (q, language)
            seen += len(fts)
    return seen


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = Catalog(tmp_path / "knowledge.db")
    for name, language, paragraphs in sample_texts():
        add_document(cat, name, language, paragraphs)
    yield cat
    cat.close()


def test_scores_equal_fts5_on_the_sample_documents(catalog: Catalog) -> None:
    queries = questions()
    assert len(queries) >= 60
    assert assert_same(catalog, queries) > 1000  # the queries really match something


def test_a_copy_built_in_batches_scores_the_same(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("knowledge.keyword_index.BUILD_BATCH", 37)
    index = catalog._keyword_index()
    assert index is not None and len(index.segments) > 3 and not index.untidy
    assert assert_same(catalog, questions()[::3]) > 300


def test_tokens_and_lengths_are_counted_as_fts5_counts_them(catalog: Catalog) -> None:
    add_document(catalog, "odd.md", "en", ["Two-factor log-in, rule 3.5 and don't-miss items for the e-mail desk."])
    index = catalog._keyword_index()
    assert index is not None
    vocab = catalog.db.execute("SELECT term, doc, cnt FROM chunks_vocab").fetchall()
    assert index.doc_freq([t for t, _, _ in vocab]) == {t: d for t, d, _ in vocab}
    assert index.live_tokens == sum(c for _, _, c in vocab)
    # FTS5 cuts "two-factor" and "3.5" apart, so as whole tokens they match nothing in either engine.
    assert index.doc_freq(["two-factor", "3.5"]) == {"two-factor": 0, "3.5": 0}
    assert min(index.doc_freq(["two", "factor", "3", "5", "e", "mail"]).values()) >= 1
    assert fts_tokens("two-factor 3.5 审核") == ["two", "factor", "3", "5", "审核"]


def test_changes_in_this_process_and_in_another_connection_are_seen(catalog: Catalog, tmp_path: Path) -> None:
    queries = questions()[::4]
    assert catalog._keyword_index() is not None
    # Another connection (another process, e.g. the CLI) replaces, adds and removes documents.
    other = Catalog(tmp_path / "knowledge.db")
    name, language, paragraphs = sample_texts()[0]
    add_document(other, name, language, paragraphs[: len(paragraphs) // 2], salt="v2")
    add_document(other, "extra-zh.md", "zh", ["网民留言应当在三个工作日内答复。", "发布前必须三审三校。"])
    removed = sample_texts()[1][0]
    doc = other.find_document(removed)
    assert doc is not None
    other.delete_document(doc)
    other.close()
    assert assert_same(catalog, queries + ["留言 工作日 答复", "三审三校"]) > 0
    hits = catalog.keyword_search(tokenize("网民留言 工作日"), 5, engine="memory")
    assert hits and catalog.chunks_by_ids([hits[0][0]])[hits[0][0]].text.startswith("网民留言")
    # ... and this process's own writes.
    add_document(catalog, "extra-en.md", "en", ["Reply to every public message within three working days."])
    assert catalog.keyword_search(tokenize("public message working days"), 1, engine="memory")[0][0].startswith(
        hashlib.sha256(b"extra-en.md1").hexdigest()[:20]
    )
    assert_same(catalog, queries)


def test_a_trimmed_change_log_means_a_rebuild(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    first = catalog._keyword_index()
    monkeypatch.setattr(catalog_mod, "CHANGE_LOG_KEEP", 3)
    for i in range(3):
        add_document(catalog, f"more-{i}.md", "en", [f"Rule {i}: answer citizens' messages quickly.", "Review twice."])
    assert first is not None and not first.refresh(catalog.db.conn)  # its changes are gone from the log
    catalog._keywords = first
    rebuilt = catalog._keyword_index()
    assert rebuilt is not None and rebuilt is not first
    assert_same(catalog, questions()[::5] + ["answer citizens messages quickly"])


def test_an_untidy_copy_keeps_answering_while_it_is_rebuilt(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    first = catalog._keyword_index()
    assert first is not None
    monkeypatch.setattr("knowledge.keyword_index.MAX_SEGMENTS", 2)
    gate = held_builds(monkeypatch)
    for i in range(3):  # each refresh adds a segment
        add_document(catalog, f"more-{i}.md", "zh", [f"第{i}条：群发前须经主管领导审核。"])
        assert catalog._keyword_index() is first  # still served: it is correct, only slower
    assert first.untidy and catalog._keywords_building
    assert_same(catalog, ["群发 审核", "主管领导"])
    gate.set()  # let the fresh copy be built
    for _ in range(600):
        if catalog._keywords is not first:
            break
        threading.Event().wait(0.05)
    fresh = catalog._keyword_index()
    assert fresh is not None and fresh is not first and not fresh.untidy and len(fresh.segments) == 1
    assert_same(catalog, questions()[::5] + ["群发 审核"])


def held_builds(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make background builds wait until the returned event is set."""
    gate = threading.Event()
    real_build = KeywordIndex.build

    def held(conn):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "keyword-index":
            gate.wait(60)
        return real_build(conn)

    monkeypatch.setattr(KeywordIndex, "build", staticmethod(held))
    return gate


def test_a_large_index_is_built_in_the_background_and_fts5_answers_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_mod, "KEYWORD_SYNC_BUILD_MAX", 5)
    cat = Catalog(tmp_path / "big.db")
    for name, language, paragraphs in sample_texts():
        add_document(cat, name, language, paragraphs)
    gate = held_builds(monkeypatch)
    tokens = tokenize("发布前需要几审？")
    before = cat.keyword_search(tokens, 10)  # answered by FTS5 while the copy is being built
    assert before and cat._keywords is None and cat._keywords_building
    with pytest.raises(RuntimeError):
        cat.keyword_search(tokens, 10, engine="memory")
    gate.set()
    assert cat.wait_for_keyword_index(timeout=60)
    after = cat.keyword_search(tokens, 10, engine="memory")
    assert [c for c, _ in after] == [c for c, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before], rel=1e-9)
    cat.close()


def test_memory_engine_can_be_switched_off(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "k.db", memory_keywords=False)
    add_document(cat, "a.md", "en", ["Post at least once a week."])
    assert cat.keyword_search(tokenize("post week"), 3)
    assert cat._keywords is None and not cat.wait_for_keyword_index(timeout=1)
    cat.close()


def test_hybrid_search_is_the_same_with_either_keyword_engine(kb) -> None:  # type: ignore[no-untyped-def]
    """Through the whole search (real model, real Chroma): in-memory scoring runs the keyword lists
    inline, FTS5 scoring on the worker thread; the hits must not change."""
    results = kb.ingest([SAMPLES / "manuals"])
    assert all(r.status == "added" for r in results)
    queries = questions()[::6]
    with_memory = [[(h.chunk_id, round(h.score, 9)) for h in kb.search(q, k=5)] for q in queries]
    assert kb.catalog.keywords_in_memory
    kb.catalog.memory_keywords = False
    with_fts5 = [[(h.chunk_id, round(h.score, 9)) for h in kb.search(q, k=5)] for q in queries]
    assert not kb.catalog.keywords_in_memory
    assert with_memory == with_fts5
    assert sum(map(len, with_memory)) >= 5 * len(queries) - 5
