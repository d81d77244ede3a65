"""Backup and restore of a whole data folder: accounts, progress, the chat record, the knowledge base.

A backup is a plain folder: both SQLite files copied with SQLite's online backup (consistent even
while the app runs), the uploaded originals, the Chroma folder copied while the knowledge base's
write lock is held (no ingest can run meanwhile), and ``manifest.json`` with a checksum of every file.
Restore refuses a folder that already holds data, checks every checksum first, and then checks
that the catalogue and the vector store agree; should they not, ``python -m knowledge reindex``
rebuilds the vectors from the kept originals.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer.errors import TrainerError
from trainer.people.accounts import User, require_role

MANIFEST = "manifest.json"
DATABASES = ("app.db", "knowledge.db")
FOLDERS = ("uploads", "chroma")
FORMAT_VERSION = 1


class BackupError(TrainerError):
    "A backup or restore cannot go ahead"


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    files: int
    bytes: int
    documents: int
    users: int

    def line(self) -> str:
        return f"{self.files} files, {self.bytes / 1e6:.1f} MB, {self.documents} documents, {self.users} accounts"


@contextmanager
def _write_lock(data_dir: Path) -> Iterator[None]:
    """The knowledge base's own cross-process write lock (see ``KnowledgeBase._writing``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".write.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def backup(actor: User, data_dir: Path, dest: Path) -> BackupReport:
    """Copy ``data_dir`` to the new folder ``dest`` (admins only)."""
    require_role(actor, "admin")
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty - give a new folder for the backup · 备份目录必须为空")
    if dest.resolve().is_relative_to(data_dir.resolve()):
        raise BackupError("Put the backup outside the data folder · 备份目录不能位于数据目录之内")
    dest.mkdir(parents=True, exist_ok=True)
    with _write_lock(data_dir):
        for name in DATABASES:
            if (data_dir / name).exists():
                _sqlite_copy(data_dir / name, dest / name)
        for folder in FOLDERS:
            if (data_dir / folder).is_dir():
                shutil.copytree(data_dir / folder, dest / folder, ignore=shutil.ignore_patterns("*.tmp"))
    files: dict[str, dict[str, Any]] = {
        str(p.relative_to(dest)): {"sha256": _sha256(p), "size": p.stat().st_size}
        for p in sorted(dest.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    report = BackupReport(
        dest,
        len(files),
        sum(f["size"] for f in files.values()),
        _count(dest / "knowledge.db", "documents"),
        _count(dest / "app.db", "users"),
    )
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "created_by": actor.username,
        "documents": report.documents,
        "users": report.users,
        "files": files,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no readable {MANIFEST}: is it a backup folder? · 不是有效的备份目录") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Backup format {manifest.get('format')} is not supported by this version")
    return manifest


def verify(source: Path) -> dict[str, Any]:
    """The manifest, after checking that every file is there with its checksum."""
    manifest = read_manifest(source)
    bad = [
        name
        for name, info in manifest["files"].items()
        if not (source / name).is_file() or _sha256(source / name) != info["sha256"]
    ]
    if bad:
        shown = ", ".join(bad[:5]) + (" ..." if len(bad) > 5 else "")
        raise BackupError(f"The backup is damaged ({len(bad)} files differ: {shown}) - use another backup")
    return manifest


def restore(actor: User, source: Path, data_dir: Path) -> BackupReport:
    """Restore a verified backup into an empty data folder (admins of the backup only)."""
    require_role(actor, "admin")
    manifest = verify(source)
    if data_dir.exists() and any(p.name != ".write.lock" for p in data_dir.iterdir()):
        raise BackupError(
            f"{data_dir} already holds data - restore into an empty folder and point APP_DATA_DIR at it · "
            "请恢复到空目录"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    with _write_lock(data_dir):
        for name in manifest["files"]:
            target = data_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target)
    return BackupReport(
        data_dir,
        len(manifest["files"]),
        sum(int(f["size"]) for f in manifest["files"].values()),
        int(manifest["documents"]),
        int(manifest["users"]),
    )
