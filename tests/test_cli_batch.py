"""``python -m knowledge ask --batch FILE --json`` with conversations: plain questions and JSON objects
``{"question": ..., "history": [...]}``, one output line per input line, malformed lines answered with
an error object while the batch goes on. The real CLI (``commands.knowledge_cli.main``) on a real sample policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import commands.knowledge_cli
import knowledge.answer
from knowledge.embeddings import Embedder
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "knowledge" / "samples" / "policies" / "en-message-handling.md"
ANSWER_KEYS = {"answer", "grounded", "citations", "mode"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Path:
    """A data folder holding one real sample policy (the message-handling rules)."""
    folder = tmp_path_factory.mktemp("batch") / "data"
    kb = KnowledgeBase(Settings.from_env(data_dir=folder), embedder=e5)
    try:
        assert [r.status for r in kb.ingest([POLICY], kind="policy")] == ["added"]
    finally:
        kb.close()
    return folder


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, e5: Embedder) -> list[tuple[str, tuple[str, ...]]]:
    """The CLI with the session's model; every call of ``answer`` recorded as (question, history)."""

    class SharedModelKB(KnowledgeBase):
        def __init__(self, settings: Settings, **kwargs: Any) -> None:
            kwargs.setdefault("embedder", e5)
            super().__init__(settings, **kwargs)

    monkeypatch.setattr(commands.knowledge_cli, "KnowledgeBase", SharedModelKB)
    recorded: list[tuple[str, tuple[str, ...]]] = []
    real = knowledge.answer.answer

    def spy(kb: KnowledgeBase, question: str, **kwargs: Any) -> knowledge.answer.Answer:
        recorded.append((question, tuple(kwargs.get("history", ()))))
        return real(kb, question, **kwargs)

    monkeypatch.setattr(knowledge.answer, "answer", spy)
    return recorded


def run_batch(data: Path, tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str]) -> list[Any]:
    batch = tmp_path / "batch.txt"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status = commands.knowledge_cli.main(["--data-dir", str(data), "ask", "--batch", str(batch), "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_plain_and_json_lines_each_answered_with_only_their_own_history(
    data: Path, tmp_path: Path, calls: list[tuple[str, tuple[str, ...]]], capsys: pytest.CaptureFixture[str]
) -> None:
    first = "How many working days does a simple enquiry have?"
    lines = [
        first,
        json.dumps({"question": "And complex requests?", "history": [first]}),
        "And complex requests?",  # the line above's history is not carried over
        json.dumps({"question": "那复杂诉求呢？", "history": ["简单咨询几个工作日内答复？"]}, ensure_ascii=False),
        json.dumps({"question": "When do staff check the back end on working days?"}),  # history is optional
    ]
    out = run_batch(data, tmp_path, lines, capsys)
    assert len(out) == len(lines)
    assert all(ANSWER_KEYS <= set(item) and "error" not in item for item in out)
    assert calls == [
        (first, ()),
        ("And complex requests?", (first,)),
        ("And complex requests?", ()),
        ("那复杂诉求呢？", ("简单咨询几个工作日内答复？",)),
        ("When do staff check the back end on working days?", ()),
    ]


def test_a_malformed_line_gets_an_error_object_and_the_batch_goes_on(
    data: Path, tmp_path: Path, calls: list[tuple[str, tuple[str, ...]]], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '{"question": "And complex requests?", "history": [',  # not valid JSON
        json.dumps({"history": ["How fast is a reply?"]}),  # no question
        json.dumps({"question": "  "}),  # an empty question
        json.dumps({"question": "And complex requests?", "history": "How fast is a reply?"}),  # not a list
        json.dumps({"question": "And complex requests?", "history": ["How fast is a reply?", 3]}),  # not strings
        '["a JSON list is not a conversation"]',  # a plain line: asked as written
        "？？ ...",  # no words at all
        "",  # a blank line: an empty answer, as before
        json.dumps({"question": "What about holidays?", "history": ["How often is the back end checked?"]}),
    ]
    out = run_batch(data, tmp_path, lines, capsys)
    assert len(out) == len(lines)
    errors = {n: item["error"] for n, item in enumerate(out, 1) if "error" in item}
    assert set(errors) == {1, 2, 3, 4, 5, 7}
    assert "not valid JSON" in errors[1]
    assert '"question"' in errors[2] and '"question"' in errors[3]
    assert '"history"' in errors[4] and '"history"' in errors[5]
    assert all(message.startswith(f"line {n}: ") for n, message in errors.items())
    assert ANSWER_KEYS <= set(out[5]) and out[7] == {
        "answer": "",
        "grounded": False,
        "citations": [],
        "mode": "extractive",
    }
    assert ANSWER_KEYS <= set(out[8]) and "error" not in out[8]
    assert calls[-1] == ("What about holidays?", ("How often is the back end checked?",))
    assert [q for q, _ in calls] == ['["a JSON list is not a conversation"]', "？？ ...", "What about holidays?"]


def test_batch_still_needs_json(
    data: Path, tmp_path: Path, calls: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "batch.txt"
    batch.write_text(json.dumps({"question": "And complex requests?", "history": []}) + "\n", encoding="utf-8")
    assert commands.knowledge_cli.main(["--data-dir", str(data), "ask", "--batch", str(batch)]) == 1
    assert "add --json" in capsys.readouterr().err
    assert calls == []
