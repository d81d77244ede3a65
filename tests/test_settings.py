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
