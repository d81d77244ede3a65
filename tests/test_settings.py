import logging
from pathlib import Path

import pytest

from knowledge.errors import ConfigError
from knowledge.settings import Settings


def test_defaults_without_environment():
    s = Settings.from_env({})
    assert s.data_dir == Path("data")
    assert s.embedding_model == "e5-small"
    assert s.chroma_host == ""


def test_reads_app_variables_and_converts_types():
    s = Settings.from_env({"APP_DATA_DIR": "/tmp/x", "APP_CHROMA_PORT": "9001", "APP_MAX_FILE_MB": "2.5"})
    assert s.data_dir == Path("/tmp/x") and s.chroma_port == 9001 and s.max_file_mb == 2.5


def test_overrides_win_over_environment():
    s = Settings.from_env({"APP_DATA_DIR": "/tmp/x"}, data_dir=Path("/tmp/y"))
    assert s.data_dir == Path("/tmp/y")


def test_bad_number_names_the_variable():
    with pytest.raises(ConfigError, match="APP_CHROMA_PORT"):
        Settings.from_env({"APP_CHROMA_PORT": "lots"})


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings.from_env({}).data_dir = Path("/")  # type: ignore[misc]


def test_every_setting_is_described():
    names = [name for name, _default, help_text in Settings.describe() if help_text]
    assert "APP_DATA_DIR" in names and len(names) == len(Settings.describe())


@pytest.mark.parametrize(
    ("host", "public"),
    [("8.8.8.8", True), ("2606:4700::1111", True), ("127.0.0.1", False), ("10.0.0.5", False),
     ("192.168.1.20", False), ("::1", False), ("chroma.internal", False), ("", False)],
)  # fmt: skip
def test_a_public_chroma_server_address_is_flagged(host: str, public: bool) -> None:
    assert Settings.from_env({"APP_CHROMA_HOST": host}).chroma_host_is_public is public


def test_the_knowledge_base_warns_about_a_public_chroma_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from knowledge.kb import KnowledgeBase

    with caplog.at_level(logging.WARNING, logger="knowledge.kb"):
        KnowledgeBase(Settings.from_env({"APP_CHROMA_HOST": "127.0.0.1"}, data_dir=tmp_path / "a")).close()
        assert not caplog.records
        KnowledgeBase(Settings.from_env({"APP_CHROMA_HOST": "8.8.8.8"}, data_dir=tmp_path / "b")).close()
    assert "public address" in caplog.text and "8.8.8.8" in caplog.text
