"""The CLI as scripts use it: real subprocesses, real files, JSON shapes that must not drift."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge.embeddings import Embedder
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings

from . import outcomes
from .filemakers import make_pdf

ROOT = Path(__file__).resolve().parent.parent


def run(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, APP_DATA_DIR=str(data_dir))
    result = subprocess.run(
        [sys.executable, "-m", "knowledge", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cli")
    docs = base / "docs"
    docs.mkdir()
    make_pdf(
        docs / "review.pdf",
        ["第一条 发布前实行三审三校，编辑初审、科室负责人复审、分管领导终审。", "第二条 错误须在2小时内更正。"],
    )
    (docs / "reply.txt").write_bytes("网民留言办理规定\n一般咨询应在3个工作日内答复。".encode("gb18030"))
    (docs / "security.md").write_text("# Security\n\nRevoke access on the day a staff member leaves.")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    data = base / "data"
    result = run(data, "ingest", str(docs), check=False)
    assert result.returncode == 1  # one file failed, the rest went in
    lines = result.stdout.splitlines()
    assert any(line.startswith("failed") and "broken.pdf" in line for line in lines)
    assert lines[-1] == "3 added, 0 updated, 0 unchanged, 1 failed (4 files)"
    return docs, data


def test_list_json_shape(indexed):
    _docs, data = indexed
    items = json.loads(run(data, "list", "--json").stdout)
    assert {i["doc"] for i in items} == {"review.pdf", "reply.txt", "security.md"}
    review = next(i for i in items if i["doc"] == "review.pdf")
    assert set(review) == {"doc", "title", "kind", "language", "pages", "chunks", "sha256"}
    assert review["pages"] == 2 and review["language"] == "zh" and review["chunks"] >= 2


def test_search_json_shape(indexed):
    _docs, data = indexed
    hits = json.loads(run(data, "search", "发布前要审几次", "-k", "2", "--json").stdout)
    assert len(hits) == 2
    assert {"doc", "title", "page", "score", "text"} <= set(hits[0])
    assert hits[0]["doc"] == "review.pdf" and hits[0]["page"] == 1


def test_search_batch_one_line_per_query_in_order(indexed, tmp_path: Path):
    _docs, data = indexed
    queries = tmp_path / "q.txt"
    queries.write_text("When is access revoked?\n留言多久要答复\n")
    out = run(data, "search", "--batch", str(queries), "-k", "1", "--json").stdout.splitlines()
    assert len(out) == 2
    assert json.loads(out[0])[0]["doc"] == "security.md"
    assert json.loads(out[1])[0]["doc"] == "reply.txt"


def test_reingest_unchanged_and_remove(indexed):
    docs, data = indexed
    out = run(data, "ingest", str(docs / "security.md")).stdout
    assert out.startswith("unchanged") and "0 failed" in out
    run(data, "remove", "security.md")
    assert "security.md" not in run(data, "list").stdout
    run(data, "ingest", str(docs / "security.md"), "--kind", "policy")
    assert json.loads(run(data, "check").stdout)["orphan_vectors"] == 0


def test_errors_go_to_stderr_with_nonzero_status(indexed):
    _docs, data = indexed
    result = run(data, "remove", "nothing.pdf", check=False)
    assert result.returncode == 1 and "nothing.pdf" in result.stderr and result.stdout == ""
    result = run(data, "ingest", "/no/such/file.pdf", check=False)
    assert result.returncode == 1 and "No such file" in result.stderr
    assert run(data, "search", check=False).returncode == 1


def test_check_fails_when_the_keyword_index_lost_a_chunk(indexed, tmp_path: Path):
    import shutil
    import sqlite3

    _docs, data = indexed
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    assert run(copy, "check").returncode == 0
    with sqlite3.connect(copy / "knowledge.db") as db:  # a keyword row gone, as a crash could leave it
        db.execute("DELETE FROM chunks_fts WHERE rowid = (SELECT min(rowid) FROM chunks)")
    result = run(copy, "check", check=False)
    assert result.returncode == 1
    assert json.loads(result.stdout)["missing_keywords"] == 1


def test_ask_text_names_the_outcome_before_the_answer(
    outcomes_kb: tuple[Path, dict[str, str]],
    tmp_path: Path,
    e5: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Related passages and a refusal say so on their first line; an answer starts with itself."""
    import commands.knowledge_cli

    template, questions = outcomes_kb
    data = tmp_path / "data"
    outcomes.copy_into(template, data)

    class SharedModelKB(KnowledgeBase):
        def __init__(self, settings: Settings, **kwargs: Any) -> None:
            super().__init__(settings, **{"embedder": e5, **kwargs})

    monkeypatch.setattr(commands.knowledge_cli, "KnowledgeBase", SharedModelKB)
    labels = {"related": "[RELATED PASSAGES, NOT A CONFIRMED ANSWER]", "not_found": "[NOT FOUND]"}
    seen = set()
    gaps: dict[str, str] = {}
    for question in questions.values():
        assert commands.knowledge_cli.main(["--data-dir", str(data), "ask", question, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert commands.knowledge_cli.main(["--data-dir", str(data), "ask", question]) == 0
        lines = capsys.readouterr().out.splitlines()
        if shown["confidence"] == "answered":
            assert lines[0] == shown["answer"].splitlines()[0]
        else:
            assert lines[0] == labels[shown["confidence"]] and lines[1] == shown["answer"].splitlines()[0]
        seen.add(shown["confidence"])
        if shown["confidence"] != "answered":
            gaps[question] = shown["confidence"]
    assert seen == {"answered", "related", "not_found"}
    # the gap list names each question's outcome: a trainer fixes a related one differently
    assert commands.knowledge_cli.main(["--data-dir", str(data), "gaps"]) == 0
    listed = capsys.readouterr().out
    for question, confidence in gaps.items():
        assert f"[{confidence}]  {question}" in listed
