"""Shared fixtures: a fresh data folder per test, the real embedding model loaded once."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from knowledge.embeddings import E5Embedder, Embedder
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test reads the developer's APP_* settings or touches ./data."""
    for key in list(os.environ):
        if key.startswith("APP_"):
            monkeypatch.delenv(key)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("APP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return data_dir


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The real default model (multilingual-e5-small, 4-bit), loaded once per session."""
    return E5Embedder()


@pytest.fixture
def settings(clean_env: Path) -> Settings:
    return Settings.from_env()


@pytest.fixture
def kb(settings: Settings, e5: Embedder):
    base = KnowledgeBase(settings, embedder=e5)
    yield base
    base.close()


@pytest.fixture(scope="session")
def outcomes_kb(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> tuple[Path, dict[str, str]]:
    """A knowledge base built once (tests/outcomes.py) with a question for each of the chat's
    outcomes: (its data folder, to copy with ``outcomes.copy_into``; outcome -> question)."""
    from tests import outcomes

    data = tmp_path_factory.mktemp("outcomes") / "data"
    return data, outcomes.build(data, e5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clock:
    """A clock the test moves by hand (``clock.now += 60``), for throttling and time limits."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def review_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Seconds the review clock is ahead (``APP_REVIEW_CLOCK_FILE``), moved by the test; set before an
    app server starts, so the server reads it too."""
    path = tmp_path / "clock-shift"
    path.write_text("0", encoding="utf-8")
    monkeypatch.setenv("APP_REVIEW_CLOCK_FILE", str(path))
    return path


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, Any]]:
    """(file name, callable) of every download whose data is built on click, as pages register them:
    a test calls them as the click would, e.g. after the user lost the role."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: list[tuple[str | None, Any]] = []
    real = MediaFileManager.add_deferred

    def spy(
        self: MediaFileManager, data_callable: Any, mimetype: Any, coordinates: str, file_name: Any = None, **kw: Any
    ) -> str:
        seen.append((file_name, data_callable))
        return real(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return seen
