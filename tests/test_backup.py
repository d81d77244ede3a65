"""Backup and restore: restore into an empty folder gives back the same data, and a search works."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests.filemakers import pdf_bytes
from tests.test_trainer_cli import PASSWORDS, run
from trainer import library
from trainer.people.accounts import Accounts
from trainer.storage.backup import BackupError, backup, restore, verify
from trainer.storage.db import open_db


@pytest.fixture
def filled(clean_env: Path, e5) -> Path:  # type: ignore[no-untyped-def]
    accounts = Accounts(open_db(clean_env / "app.db"))
    for name, password in PASSWORDS.items():
        accounts.create_user(name, password, {"boss": "admin", "coach": "trainer", "pupil": "learner"}[name])
    kb = KnowledgeBase(Settings.from_env(data_dir=clean_env), embedder=e5)
    library.upload(accounts.get("boss"), kb, [("rules.pdf", pdf_bytes(["Replies within 2 working days."]))])
    kb.close()
    accounts.db.conn.close()
    return clean_env


def _rows(db: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_backup_then_restore_into_an_empty_folder(filled: Path, tmp_path: Path, e5) -> None:  # type: ignore[no-untyped-def]
    result = run(filled, "--as", "boss", "backup", str(tmp_path / "bk"), password=PASSWORDS["boss"])
    assert result.returncode == 0, result.stderr
    assert "1 documents, 3 accounts" in result.stdout
    target = tmp_path / "restored"
    restored = run(target, "--as", "boss", "restore", str(tmp_path / "bk"), password=PASSWORDS["boss"])
    assert restored.returncode == 0, restored.stderr
    assert "all with vectors" in restored.stdout
    for sql in (
        "SELECT username, role, password_hash FROM users ORDER BY 1",
        "SELECT doc, sha256, chunks FROM documents",
    ):
        db = "app.db" if "users" in sql else "knowledge.db"
        assert _rows(filled / db, sql) == _rows(target / db, sql)
    kb = KnowledgeBase(Settings.from_env(data_dir=target), embedder=e5)
    assert kb.search("working days")[0].doc == "rules.pdf"
    assert library.original(Accounts(open_db(target / "app.db")).get("pupil"), kb, "rules.pdf").data.startswith(b"%PDF")
    kb.close()


def test_backup_and_restore_refuse_what_would_lose_data(filled: Path, tmp_path: Path) -> None:
    accounts = Accounts(open_db(filled / "app.db"))
    boss, coach = accounts.get("boss"), accounts.get("coach")
    from trainer.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        backup(coach, filled, tmp_path / "bk")
    report = backup(boss, filled, tmp_path / "bk")
    assert report.documents == 1
    with pytest.raises(BackupError, match="not empty"):
        backup(boss, filled, tmp_path / "bk")
    with pytest.raises(BackupError, match="already holds data"):
        restore(boss, tmp_path / "bk", filled)
    damaged = next(p for p in (tmp_path / "bk" / "uploads").iterdir())
    damaged.write_bytes(b"changed")
    with pytest.raises(BackupError, match="damaged"):
        verify(tmp_path / "bk")
    learner_try = run(tmp_path / "new", "--as", "pupil", "restore", str(tmp_path / "bk"), password=PASSWORDS["pupil"])
    assert learner_try.returncode in (1, 3)
