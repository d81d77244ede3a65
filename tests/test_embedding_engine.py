"""The ONNX engine for local sentence-transformers models, and ingestion that embeds across files.

The engine must give sentence-transformers' vectors and token counts for the bundled MiniLM
(else search quality and chunk sizes would change silently), name int8 vectors apart so they
never join an fp32 index, and survive two processes exporting the model at once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import knowledge.kb as kb_module
from knowledge.chunking import chunk_document, embedding_text
from knowledge.embeddings import SentenceTransformerEmbedder, bundled_minilm_path, make_embedder
from knowledge.errors import EmbeddingError, ReindexNeeded
from knowledge.kb import INDEX_RECIPE, KnowledgeBase, problems
from knowledge.language import detect_language
from knowledge.loaders import load_bytes
from knowledge.onnx_engine import OnnxEmbedder, cached_export
from knowledge.settings import Settings

from .filemakers import make_scanned_pdf

SAMPLES = Path(__file__).resolve().parent.parent / "knowledge" / "samples"
ENGLISH = [
    "Replies to messages from the public are due within five working days.",
    "Administrators change their passwords every three months and use two-factor authentication.",
    "password",
]
CHINESE = [
    "发布前实行三审三校，由编辑初审、科室负责人复审、分管领导终审。",
    "网民留言咨询政策的，应当在5个工作日内答复；投诉类留言应当在24小时内转交主管部门。",
    "密码",
]


@pytest.fixture(scope="module")
def torch_minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(bundled_minilm_path(), name="all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def onnx_minilm() -> OnnxEmbedder:
    return OnnxEmbedder(bundled_minilm_path(), variant="fp32", name="all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def int8_minilm() -> OnnxEmbedder:
    return OnnxEmbedder(bundled_minilm_path(), variant="int8", name="all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def sample_chunks(torch_minilm: SentenceTransformerEmbedder) -> list[str]:
    """What ingestion embeds for the sample knowledge base, English and Chinese."""
    texts = []
    for path in sorted(SAMPLES.glob("*/*.*")):
        doc = load_bytes(path.name, path.read_bytes())
        chunks = chunk_document(doc, torch_minilm.count_tokens, max_tokens=256, target_tokens=256)
        texts.extend(embedding_text(doc.title, c.heading, c.text) for c in chunks)
    return texts


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


@pytest.mark.parametrize("texts", [ENGLISH, CHINESE], ids=["en", "zh"])
def test_onnx_vectors_match_sentence_transformers(texts, torch_minilm, onnx_minilm, int8_minilm):
    expected = torch_minilm.embed_passages(texts)
    assert _cosines(onnx_minilm.embed_passages(texts), expected).min() > 0.9999
    assert _cosines(int8_minilm.embed_passages(texts), expected).min() > 0.97
    for text, vector in zip(texts, expected, strict=True):
        assert float(onnx_minilm.embed_query(text) @ vector) > 0.9999
    assert onnx_minilm.dim == torch_minilm.dim == 384 and onnx_minilm.max_tokens == torch_minilm.max_tokens == 256


def test_sample_corpus_vectors_and_token_counts_agree(sample_chunks, torch_minilm, onnx_minilm):
    assert len(sample_chunks) > 50 and any("三审三校" in t for t in sample_chunks)
    assert [onnx_minilm.count_tokens(t) for t in sample_chunks] == [torch_minilm.count_tokens(t) for t in sample_chunks]
    some = sample_chunks[:: max(1, len(sample_chunks) // 40)]  # all would take a minute; these span both languages
    assert {detect_language(t) for t in some} == {"en", "zh"}
    assert _cosines(onnx_minilm.embed_passages(some), torch_minilm.embed_passages(some)).min() > 0.9999


def test_long_text_is_counted_whole_and_embedded_like_sentence_transformers(torch_minilm, onnx_minilm):
    """Chunking needs the true length; embedding a too-long query truncates as torch does."""
    text = "每个政务公众号都应当建立三审三校制度。" * 40
    assert onnx_minilm.count_tokens(text) == torch_minilm.count_tokens(text) > 256
    assert float(onnx_minilm.embed_query(text) @ torch_minilm.embed_query(text)) > 0.9999


def test_fingerprints(torch_minilm, onnx_minilm, int8_minilm):
    # fp32 gives the same vectors, so an index built on torch stays valid; int8 does not.
    assert onnx_minilm.fingerprint == torch_minilm.fingerprint == "st:all-MiniLM-L6-v2:384"
    assert int8_minilm.fingerprint != onnx_minilm.fingerprint and "int8" in int8_minilm.fingerprint


def test_engine_setting_picks_the_engine(tmp_path: Path):
    assert isinstance(make_embedder(Settings.from_env(embedding_model="minilm")), OnnxEmbedder)
    assert isinstance(
        make_embedder(Settings.from_env(embedding_model="minilm", embedding_engine="torch")),
        SentenceTransformerEmbedder,
    )
    int8 = make_embedder(Settings.from_env(embedding_model="minilm", embedding_engine="onnx-int8"))
    assert isinstance(int8, OnnxEmbedder) and int8.variant == "int8"


def test_a_model_the_onnx_engine_cannot_run_falls_back_to_torch(tmp_path: Path, caplog):
    import shutil

    model_dir = tmp_path / "max-pooled"
    shutil.copytree(bundled_minilm_path(), model_dir)
    pooling = model_dir / "1_Pooling" / "config.json"
    pooling.write_text(
        pooling.read_text()
        .replace('"pooling_mode_mean_tokens": true', '"pooling_mode_mean_tokens": false')
        .replace('"pooling_mode_max_tokens": false', '"pooling_mode_max_tokens": true')
    )
    with pytest.raises(EmbeddingError, match="not supported by the ONNX engine"):
        OnnxEmbedder(model_dir, cache_dir=tmp_path / "cache")
    embedder = make_embedder(Settings.from_env(embedding_model=str(model_dir), embedding_engine="onnx"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "using sentence-transformers" in caplog.text


def test_int8_index_asks_for_a_reindex_instead_of_mixing_vectors(tmp_path: Path, onnx_minilm, int8_minilm):
    settings = Settings.from_env(embedding_model="minilm")
    doc = tmp_path / "security.md"
    doc.write_text("# Passwords\n\nAdministrators change their passwords every 90 days.", encoding="utf-8")
    built = KnowledgeBase(settings, embedder=onnx_minilm)
    assert [r.status for r in built.ingest([doc])] == ["added"]
    built.close()

    switched = KnowledgeBase(settings, embedder=int8_minilm)
    with pytest.raises(ReindexNeeded, match="reindex"):
        switched.search("password rotation")
    other = tmp_path / "other.md"
    other.write_text("# Replies\n\nReply within five working days.", encoding="utf-8")
    result = switched.ingest([other])[0]
    assert result.status == "failed" and "reindex" in result.message
    assert [r.status for r in switched.reindex()] == ["updated"]
    assert switched.search("password rotation", k=1)[0].doc == "security.md"
    assert switched.catalog.get_meta("embedding_fingerprint") == int8_minilm.fingerprint + INDEX_RECIPE
    switched.close()


_EXPORT = """
import sys
from pathlib import Path
from knowledge.embeddings import bundled_minilm_path
from knowledge.onnx_engine import cached_export
print(cached_export(bundled_minilm_path(), "fp32", Path(sys.argv[1])))
"""


def test_two_processes_exporting_at_once_both_get_a_whole_model(tmp_path: Path, torch_minilm):
    cache = tmp_path / "cache"
    procs = [
        subprocess.Popen([sys.executable, "-c", _EXPORT, str(cache)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs[0] == outputs[1]
    exported = Path(outputs[0])
    assert [f.name for f in exported.parent.iterdir()] == [exported.name]  # no temporary file left
    assert cached_export(bundled_minilm_path(), "fp32", cache) == exported  # reused, not exported again
    embedder = OnnxEmbedder(bundled_minilm_path(), cache_dir=cache)
    assert embedder.path == exported
    assert _cosines(embedder.embed_passages(ENGLISH), torch_minilm.embed_passages(ENGLISH)).min() > 0.9999


# ---------------------------------------------------------------------------- batching across files


TOPICS = [
    ("Passwords", "Administrators change their passwords every three months.", "how often to change passwords"),
    ("Holidays", "During public holidays one reviewer stays on duty.", "who is on duty during holidays"),
    ("Rumours", "A rumour online gets an official clarification within two hours.", "clarify a rumour"),
    ("Statistics", "Reading statistics are compiled on the fifth of each month.", "monthly reading statistics"),
    ("Corrections", "Factual errors are corrected on the same account within a day.", "correct a factual error"),
    ("Closure", "Accounts not updated for eight weeks are closed.", "close an inactive account"),
]


def _folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    for i, (heading, sentence, _query) in enumerate(TOPICS[:count]):
        (folder / f"rule-{i}.md").write_text(
            f"# {heading}\n\n{sentence}\n\n第{i}条 发布前实行三审三校，编号{i}。", encoding="utf-8"
        )
    return folder


def _count_calls(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    embed = kb.embedder.embed_passages
    monkeypatch.setattr(kb.embedder, "embed_passages", lambda texts: calls.append(len(texts)) or embed(texts))
    return calls


def test_files_embedded_together_get_their_own_results_and_vectors(kb: KnowledgeBase, tmp_path: Path, monkeypatch):
    folder = _folder(tmp_path, 6)
    make_scanned_pdf(folder / "scan.pdf")
    (folder / "zz-copy.md").write_text((folder / "rule-2.md").read_text(encoding="utf-8"), encoding="utf-8")
    calls = _count_calls(kb, monkeypatch)
    results = {r.doc: r for r in kb.ingest([folder])}
    monkeypatch.undo()
    assert len(calls) == 1  # seven files, one call
    assert results["scan.pdf"].status == "failed" and "scanned" in results["scan.pdf"].message
    assert results["zz-copy.md"].status == "unchanged" and "rule-2.md" in results["zz-copy.md"].message
    assert sorted(d.doc for d in kb.documents()) == [f"rule-{i}.md" for i in range(6)]
    assert problems(kb.verify()) == {} and kb.verify()["pending"] == 0
    # each file's vectors are its own: every file is found by its own topic
    for i, (_heading, _sentence, query) in enumerate(TOPICS):
        assert kb.search(query, k=1, mode="dense")[0].doc == f"rule-{i}.md"


def test_one_file_that_breaks_the_model_fails_alone(kb: KnowledgeBase, tmp_path: Path, monkeypatch):
    folder = _folder(tmp_path, 4)
    (folder / "rule-1.md").write_text("# Poison\n\nPOISON text the engine rejects.", encoding="utf-8")
    embed = kb.embedder.embed_passages

    def picky(texts: list[str]):
        if any("POISON" in t for t in texts):
            raise EmbeddingError("rule-1.md: the engine rejected this text")
        return embed(texts)

    monkeypatch.setattr(kb.embedder, "embed_passages", picky)
    results = kb.ingest([folder])
    monkeypatch.undo()
    assert [(r.doc, r.status) for r in results] == [
        ("rule-0.md", "added"),
        ("rule-1.md", "failed"),
        ("rule-2.md", "added"),
        ("rule-3.md", "added"),
    ]
    assert results[1].message == "the engine rejected this text"  # one line, name not repeated
    assert problems(kb.verify()) == {} and kb.verify()["pending"] == 0


def test_a_kill_between_files_of_a_group_leaves_whole_documents_only(kb: KnowledgeBase, tmp_path: Path, monkeypatch):
    folder = _folder(tmp_path, 4)

    class Killed(BaseException):
        pass

    replace = kb.catalog.replace_document
    written: list[str] = []

    def dies_on_the_third(fields, *args, **kwargs):
        if len(written) == 2:
            raise Killed()
        written.append(fields["doc"])
        return replace(fields, *args, **kwargs)

    monkeypatch.setattr(kb.catalog, "replace_document", dies_on_the_third)
    monkeypatch.setattr(kb.store, "delete_version", lambda *a: (_ for _ in ()).throw(Killed()))  # no cleanup
    with pytest.raises(Killed):
        kb.ingest([folder])
    monkeypatch.undo()
    kb.recover()
    docs = kb.documents()
    assert sorted(d.doc for d in docs) == written == ["rule-0.md", "rule-1.md"]
    assert problems(kb.verify()) == {} and kb.verify()["pending"] == 0
    assert all(len(kb.store.ids(d.sha256)) == d.chunks for d in docs)
    assert [r.status for r in kb.ingest([folder])] == ["unchanged", "unchanged", "added", "added"]
    assert problems(kb.verify()) == {}


@pytest.mark.parametrize(
    ("limit", "files"),
    [
        ("GROUP_CHUNKS", 5),  # memory and the work a kill loses stay bounded
        ("GROUP_BYTES", 4),  # large files with little text (scans, pictures) must not all sit in memory
    ],
)
def test_large_folders_are_embedded_in_groups(kb: KnowledgeBase, tmp_path: Path, monkeypatch, limit, files):
    """A group stops at GROUP_CHUNKS chunks or GROUP_BYTES bytes of files, whichever comes first."""
    folder = _folder(tmp_path, files)
    monkeypatch.setattr(kb_module, limit, 2 if limit == "GROUP_CHUNKS" else 1)
    calls = _count_calls(kb, monkeypatch)
    results = kb.ingest([folder])
    monkeypatch.undo()
    assert [r.status for r in results] == ["added"] * files
    units = kb.catalog.db.execute("SELECT count(*) FROM sentences").fetchone()[0]  # embedded with their chunks
    assert len(calls) > 1 and sum(calls) == sum(r.chunks for r in results) + units
    if limit == "GROUP_BYTES":
        assert len(calls) == files  # every file is over the limit alone
    assert problems(kb.verify()) == {}
