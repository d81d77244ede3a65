"""The architecture's import rules (pyproject.toml [tool.importlinter], ARCHITECTURE.md) hold, and a
violation of each kind is caught: the contracts are checked on a copy of the packages with one bad
import added, so a rule that could never fail would fail this test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app_pages", "commands", "desk", "trainer", "knowledge", "courses", "sqlstore")
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LINT, "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "COLUMNS": "250"},  # one contract a line
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layout")
    shutil.copy(ROOT / "pyproject.toml", root)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "samples"))
    return root


def test_the_contracts_hold() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("knowledge/catalog.py", "import trainer.errors", "The knowledge base never imports"),
        ("knowledge/retrieval.py", "import desk.drafts", "The knowledge base never imports"),
        ("trainer/library.py", "import desk.health", "Layers"),
        ("sqlstore/shared.py", "import knowledge.errors", "Layers"),
        ("courses/models.py", "import knowledge.kb", "Layers"),
        ("desk/replies.py", "import streamlit", "No package imports the pages or Streamlit"),
        ("trainer/analytics/reports.py", "import app_pages.ui", "No package imports the pages or Streamlit"),
        ("knowledge/lexical.py", "import knowledge.answer", "No import cycles"),
    ],
)
def test_a_violation_breaks_its_contract(copy: Path, module: str, bad_import: str, broken: str) -> None:
    path = copy / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{bad_import}  # added by the test\n", encoding="utf-8")
    try:
        result = lint(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    broken_lines = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(broken in line for line in broken_lines), result.stdout
